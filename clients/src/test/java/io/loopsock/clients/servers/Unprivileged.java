package io.loopsock.clients.servers;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a server as an ordinary user when the tests run as root, as CI does: PostgreSQL refuses to
 * start as root. The user is the Debian package's own {@code postgres} if it exists, else
 * {@code nobody}; the command is wrapped in {@code setpriv}, which execs the server itself, so the
 * process the test holds is the server's and stopping it stops the server.
 *
 * <p>Any thread.
 */
final class Unprivileged {
    private Unprivileged() {}

    /** Tells whether this JVM runs as root. */
    static boolean root() {
        return new UnixSystem().getUid() == 0;
    }

    /**
     * Returns the command as it must run: unchanged when not root, else under setpriv as the
     * server user.
     *
     * @param command the server's command
     * @return the command to start
     */
    static List<String> command(List<String> command) throws IOException {
        if (!root()) {
            return command;
        }
        String[] user = user();
        Path setpriv = Binaries.find("setpriv", null)
                .orElseThrow(() -> new IOException("running as root, the server needs setpriv (util-linux) to drop to user " + user[0]));
        List<String> wrapped = new ArrayList<>(List.of(setpriv.toString(), "--reuid=" + user[0], "--regid=" + user[1], "--clear-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Gives a directory to the server user when running as root, so that the server can write
     * into it.
     *
     * @param directory the directory
     */
    static void handOver(Path directory) throws IOException {
        if (!root()) {
            return;
        }
        String[] user = user();
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal owner = lookup.lookupPrincipalByName(user[0]);
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(user[1]);
        PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
        view.setOwner(owner);
        view.setGroup(group);
    }

    /** The user and group to run as: postgres/postgres if the package made them, else nobody/nogroup. */
    private static String[] user() throws IOException {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        try {
            lookup.lookupPrincipalByName("postgres");
            lookup.lookupPrincipalByGroupName("postgres");
            return new String[] {"postgres", "postgres"};
        } catch (UserPrincipalNotFoundException e) {
            return new String[] {"nobody", "nogroup"};
        }
    }
}
