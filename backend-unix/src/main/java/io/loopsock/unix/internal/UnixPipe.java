package io.loopsock.unix.internal;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.SocketOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * A pipe handle on a native Unix-domain stream socket.
 *
 * <p>Loop-thread only. {@code bind} creates and binds the socket, {@code listen} listens with the
 * backlog given, as in libuv. Netty's native bind removes a file already at the path before it
 * binds; libuv does not (rule 142), so {@code bind} refuses a path where any file exists with
 * {@link ErrorCode#EADDRINUSE} first. Linux abstract names (a leading {@code '\0'}) pass through
 * Netty as they are, with their exact length, and create no file.
 */
final class UnixPipe extends UnixStream<Pipe> implements Pipe {
    /** sun_path holds 108 bytes on Linux, 104 on BSD and macOS, the terminating NUL included. */
    private static final int MAX_NAME_BYTES =
            Platform.CURRENT == Platform.LINUX ? 107 : 103;

    private String boundName;
    /** On an accepted pipe, the name of the listener that accepted it. */
    private String listenerName;
    private Path createdPath;
    private String connectedName;

    UnixPipe(UnixLoop loop) {
        super(loop);
    }

    @Override
    Pipe accepted(Socket accepted) throws LoopException {
        UnixPipe pipe = new UnixPipe(loop);
        // The kernel's name for an accepted end is the listener's; Netty's getsockname cuts an
        // abstract name (a leading NUL) to nothing, so the listener's own name is handed on.
        pipe.listenerName = boundName;
        pipe.adopt(accepted);
        return pipe;
    }

    @Override
    Set<SocketOption<?>> options() {
        return UnixOptions.PIPE;
    }

    @Override
    Socket throwaway() {
        return UnixSockets.domain();
    }

    /** Whether the platform has abstract names: Linux only. */
    static final boolean ABSTRACT_NAMES =
            Platform.CURRENT == Platform.LINUX;

    /**
     * Checks a name; returns its path, or null for an abstract name.
     */
    private static Path path(String name) throws LoopException {
        if (name.isEmpty()) {
            throw new LoopException(ErrorCode.EINVAL, "empty pipe name");
        }
        boolean isAbstract = name.charAt(0) == '\0';
        if (isAbstract && !ABSTRACT_NAMES) {
            throw new LoopException(ErrorCode.ENOTSUP, "abstract Unix-domain names are Linux's");
        }
        if (name.indexOf('\0', 1) >= 0) {
            throw new LoopException(ErrorCode.EINVAL, "a pipe name with an embedded NUL");
        }
        if (isAbstract) {
            // An abstract name has no terminating NUL: it may fill all of sun_path.
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES + 1) {
                throw new LoopException(ErrorCode.EINVAL, "abstract pipe name longer than " + (MAX_NAME_BYTES + 1) + " bytes");
            }
            return null;
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            // libuv's UV_PIPE_NO_TRUNCATE behaviour: never bind a silently shortened path (rule 144).
            throw new LoopException(ErrorCode.EINVAL, "pipe name longer than " + MAX_NAME_BYTES + " bytes");
        }
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            throw new LoopException(ErrorCode.EINVAL, "invalid pipe name", e);
        }
    }

    private Socket newSocket() throws LoopException {
        Socket fresh;
        try {
            fresh = UnixSockets.domain();
        } catch (RuntimeException e) {
            throw UnixErrors.map(e, "socket");
        }
        try {
            applyPendingOptions(fresh);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fresh);
            throw UnixErrors.map(e, "apply options");
        }
        return fresh;
    }

    @Override
    public void bind(String name) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (boundName != null || socket != null) {
            throw new LoopException(ErrorCode.EINVAL, "already bound");
        }
        Path path = path(name);
        if (path != null && Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new LoopException(ErrorCode.EADDRINUSE, "bind " + name + ": a file exists at the path");
        }
        Socket fresh = newSocket();
        try {
            fresh.bind(new DomainSocketAddress(name));
        } catch (IOException | RuntimeException e) {
            closeQuietly(fresh);
            throw UnixErrors.map(e, "bind " + name);
        }
        createdPath = path;
        boundName = name;
        adoptSocket(fresh);
    }

    @Override
    public void listen(int backlog, Completion onConnection) throws LoopException {
        checkOpen();
        Objects.requireNonNull(onConnection, "onConnection");
        if (isListening()) {
            setConnectionCallback(onConnection);
            return;
        }
        if (boundName == null) {
            // Unlike TCP, a pipe does not bind itself (rule 143).
            throw new LoopException(ErrorCode.EINVAL, connected ? "a connected pipe cannot listen" : "bind before listen");
        }
        try {
            socket.listen(backlog < 1 ? DEFAULT_BACKLOG : backlog);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "listen");
        }
        startListening(onConnection);
    }

    @Override
    public void connect(String name, Completion onConnect) {
        checkOpen();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(onConnect, "onConnect");
        // Every failure goes through the callback (rule 145), state errors included.
        if (connecting || connected) {
            rejectLater(onConnect, new LoopException(connecting ? ErrorCode.EALREADY : ErrorCode.EISCONN, "connect " + name));
            return;
        }
        if (boundName != null) {
            failConnect(new LoopException(ErrorCode.EINVAL, "a bound pipe is a listener"), onConnect);
            return;
        }
        try {
            path(name);
            if (socket == null) {
                adoptSocket(newSocket());
            }
        } catch (LoopException e) {
            failConnect(e, onConnect);
            return;
        }
        connectedName = name;
        startConnect(new DomainSocketAddress(name), onConnect);
    }

    @Override
    public String localName() throws LoopException {
        checkOpen();
        if (boundName != null) {
            return boundName;
        }
        if (socket == null) {
            throw new LoopException(ErrorCode.EBADF, "no socket");
        }
        if (listenerName != null) {
            return listenerName;
        }
        DomainSocketAddress local = socket.localDomainSocketAddress();
        return local == null ? "" : trimmed(local.path());
    }

    @Override
    public String remoteName() throws LoopException {
        checkOpen();
        if (socket == null || !connected) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
        if (connectedName != null) {
            return connectedName;
        }
        DomainSocketAddress remote = socket.remoteDomainSocketAddress();
        return remote == null ? "" : trimmed(remote.path());
    }

    /** A name as the kernel returns it may carry sun_path's terminating NUL. */
    private static String trimmed(String name) {
        int nul = name.indexOf('\0');
        return nul >= 0 ? name.substring(0, nul) : name;
    }

    @Override
    void releaseName() {
        // libuv removes the socket file of a listener when it closes; so do we, but only a file we made.
        if (createdPath != null) {
            try {
                Files.deleteIfExists(createdPath);
            } catch (IOException e) {
                // The file stays; a later bind to it reports EADDRINUSE, which names the problem.
            }
            createdPath = null;
        }
    }

    @Override
    public String toString() {
        return "Pipe@" + Integer.toHexString(System.identityHashCode(this));
    }
}
