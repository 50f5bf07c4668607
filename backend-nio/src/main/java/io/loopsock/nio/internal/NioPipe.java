package io.loopsock.nio.internal;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * A pipe handle on java.nio's Unix-domain channels.
 *
 * <p>Loop-thread only. java.nio binds and listens in one call, so a pipe listens in the kernel
 * from {@code bind} on (connections queue until {@code listen} starts taking them; the backlog is
 * the JDK's default). java.nio has no abstract names and no FIONREAD for Unix-domain channels:
 * both are {@link ErrorCode#ENOTSUP} here.
 */
final class NioPipe extends NioStream<Pipe> implements Pipe {
    /** sun_path holds 108 bytes on Linux, 104 on BSD and macOS, the terminating NUL included. */
    private static final int MAX_NAME_BYTES =
            System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux") ? 107 : 103;

    private String boundName;
    private Path createdPath;
    private String connectedName;

    NioPipe(NioLoop loop) {
        super(loop);
    }

    @Override
    Pipe accepted(java.nio.channels.SocketChannel accepted) throws IOException {
        NioPipe pipe = new NioPipe(loop);
        pipe.adopt(accepted, pendingOptions());
        return pipe;
    }

    @Override
    java.nio.channels.NetworkChannel throwaway() throws IOException {
        return java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX);
    }

    @Override
    Set<SocketOption<?>> streamOptions() {
        return NioOptions.pipeStream();
    }

    @Override
    Set<SocketOption<?>> listenerOptions() {
        return NioOptions.pipeListener();
    }

    private static UnixDomainSocketAddress address(String name) throws LoopException {
        if (name.isEmpty()) {
            throw new LoopException(ErrorCode.EINVAL, "empty pipe name");
        }
        if (name.charAt(0) == '\0') {
            throw new LoopException(ErrorCode.ENOTSUP, "java.nio has no abstract Unix-domain names");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            // libuv's UV_PIPE_NO_TRUNCATE behaviour: never bind a silently shortened path (rule 144).
            throw new LoopException(ErrorCode.EINVAL, "pipe name longer than " + MAX_NAME_BYTES + " bytes");
        }
        try {
            return UnixDomainSocketAddress.of(name);
        } catch (InvalidPathException e) {
            throw new LoopException(ErrorCode.EINVAL, "invalid pipe name", e);
        }
    }

    @Override
    public void bind(String name) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (boundName != null || channel != null || server != null) {
            throw new LoopException(ErrorCode.EINVAL, "already bound");
        }
        UnixDomainSocketAddress address = address(name);
        java.nio.channels.ServerSocketChannel listener = null;
        try {
            listener = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            applyPendingOptions(listener);
            listener.bind(address);
        } catch (IOException e) {
            closeQuietly(listener);
            throw NioErrors.map(e, "bind " + name);
        }
        server = listener;
        boundName = name;
        createdPath = address.getPath();
    }

    @Override
    public void listen(int backlog, Completion onConnection) throws LoopException {
        checkOpen();
        Objects.requireNonNull(onConnection, "onConnection");
        if (isListening()) {
            setConnectionCallback(onConnection);
            return;
        }
        if (server == null) {
            // Unlike TCP, a pipe does not bind itself (rule 143).
            throw new LoopException(ErrorCode.EINVAL, connected ? "a connected pipe cannot listen" : "bind before listen");
        }
        startListening(server, onConnection);
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
        if (server != null) {
            failConnect(new LoopException(ErrorCode.EINVAL, "a bound pipe is a listener"), onConnect);
            return;
        }
        UnixDomainSocketAddress address;
        java.nio.channels.SocketChannel fresh;
        try {
            address = address(name);
            fresh = java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (LoopException e) {
            failConnect(e, onConnect);
            return;
        } catch (IOException e) {
            failConnect(NioErrors.map(e, "connect " + name), onConnect);
            return;
        }
        try {
            applyPendingOptions(fresh);
        } catch (IOException | RuntimeException e) {
            closeQuietly(fresh);
            failConnect(e instanceof IOException io ? NioErrors.map(io, "connect " + name)
                    : NioErrors.map((RuntimeException) e, "connect " + name), onConnect);
            return;
        }
        connectedName = name;
        startConnect(fresh, address, onConnect);
    }

    @Override
    public String localName() throws LoopException {
        checkOpen();
        if (boundName != null) {
            return boundName;
        }
        if (channel == null) {
            throw new LoopException(ErrorCode.EBADF, "no socket");
        }
        return name(() -> channel.getLocalAddress());
    }

    @Override
    public String remoteName() throws LoopException {
        checkOpen();
        if (channel == null || !connected) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
        if (connectedName != null) {
            return connectedName;
        }
        return name(() -> channel.getRemoteAddress());
    }

    private interface AddressQuery {
        SocketAddress get() throws IOException;
    }

    private static String name(AddressQuery query) throws LoopException {
        try {
            return query.get() instanceof UnixDomainSocketAddress unix ? unix.getPath().toString() : "";
        } catch (IOException e) {
            throw NioErrors.map(e, "pipe name");
        }
    }

    @Override
    public int bytesReadable() throws LoopException {
        checkReadableQuery();
        throw new LoopException(ErrorCode.ENOTSUP, "java.nio has no FIONREAD for Unix-domain channels");
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
