package io.loopsock.clients.servers;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts the servers' processes through util-linux's {@code setpriv}, which execs the server
 * itself (the process the test holds is the server's), for two reasons:
 * <ul>
 *   <li>{@code --pdeathsig KILL}: a server dies with the JVM even when the JVM is killed and its
 *       shutdown hooks never run. The kernel sends the signal when the thread that started the
 *       process ends, so every process starts on one thread of its own that lives as long as the
 *       JVM.
 *   <li>as root (CI), a server that refuses root — PostgreSQL — runs as the package's own
 *       {@code postgres} user, or {@code nobody} if there is none.
 * </ul>
 *
 * <p>Any thread. Without setpriv the command runs as it is (a developer machine that is not
 * root loses only the tie to the JVM); as root without setpriv a server that must drop root
 * cannot start, which is said in the error.
 */
final class Setpriv {
    private static final ExecutorService STARTER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "loopsock-clients-server-starter");
        thread.setDaemon(true);
        return thread;
    });

    private Setpriv() {}

    /**
     * Starts a process on the starter thread, through setpriv.
     *
     * @param builder the process, its command as the server's own
     * @param dropRoot true for a server that refuses to run as root
     * @return the started process
     */
    static Process start(ProcessBuilder builder, boolean dropRoot) throws IOException {
        builder.command(command(builder.command(), dropRoot));
        try {
            return STARTER.submit(builder::start).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException error) {
                throw error;
            }
            throw new IOException("cannot start " + builder.command(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + builder.command(), e);
        }
    }

    private static List<String> command(List<String> command, boolean dropRoot) throws IOException {
        Optional<Path> setpriv = Binaries.find("setpriv", null);
        boolean asUser = dropRoot && root();
        if (setpriv.isEmpty()) {
            if (asUser) {
                throw new IOException("running as root, " + command.getFirst() + " needs setpriv (util-linux) to run as user " + user()[0]);
            }
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(setpriv.get().toString(), "--pdeathsig", "KILL"));
        if (asUser) {
            String[] user = user();
            wrapped.addAll(List.of("--reuid=" + user[0], "--regid=" + user[1], "--clear-groups"));
        }
        wrapped.add("--");
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Gives a directory to the user a root-refusing server runs as, when this JVM is root.
     *
     * @param directory the directory
     */
    static void handOver(Path directory) throws IOException {
        if (!root()) {
            return;
        }
        String[] user = user();
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName(user[0]));
        view.setGroup(lookup.lookupPrincipalByGroupName(user[1]));
    }

    private static boolean root() {
        return new UnixSystem().getUid() == 0;
    }

    /** The user and group: postgres/postgres if the package made them, else nobody/nogroup. */
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
