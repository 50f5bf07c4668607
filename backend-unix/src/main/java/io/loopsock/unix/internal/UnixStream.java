package io.loopsock.unix.internal;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.ReadCallback;
import io.loopsock.ReadResult;
import io.loopsock.Stream;
import io.loopsock.spi.AbstractHandle;
import io.loopsock.spi.AnyThreadRead;
import io.loopsock.spi.AnyThreadWrite;
import io.loopsock.spi.CompletionQueue;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The stream logic shared by {@link UnixTcp} and {@link UnixPipe} on every readiness backend:
 * reading, the ordered write queue, shutdown after queued writes, listening and accepting, connect
 * completion, options and close.
 *
 * <p>Loop-thread only. The socket is non-blocking and registered with the loop's {@link Poller}
 * from the moment it exists; the interest follows the state (reading, writes queued, connecting,
 * listening with no connection waiting to be accepted), as in libuv's {@code uv__stream_io}.
 * Request callbacks (connect, write, shutdown) go through one ordered queue per stream,
 * {@link #completions}, so that they run in the order the requests completed, whether a request
 * finished inside the call that made it (the callback is then deferred to the pending phase) or
 * later in the poll phase. Errors are the syscalls' errnos ({@link UnixErrors}).
 *
 * @param <S> the stream type that {@link #accept()} returns
 */
abstract class UnixStream<S extends Stream> extends AbstractHandle implements Stream, Poller.Ready, Ring.Completed, AnyThreadWrite, AnyThreadRead {
    /** The most reads of one stream per poll, so that one busy stream cannot starve the others. */
    private static final int READS_PER_POLL = 32;
    /** The backlog a listen below 1 asks for: libuv's and Node's usual 511 (the kernel caps it). */
    static final int DEFAULT_BACKLOG = 511;
    /** Room for the peer address Netty's accept writes (an IPv6 address, scope and port). */
    static final int ACCEPT_ADDRESS_BYTES = 26;

    final UnixLoop loop;

    /** The socket, once it exists: a connection or a listener. */
    Socket socket;
    private Poller.Registration registration;
    /** The socket's channel on a completion backend (see {@link Ring}), instead of a registration. */
    private Ring.Channel channel;
    /** The completion model's outstanding operations, and the memory they keep pinned. */
    private boolean recvOutstanding;
    private boolean sendOutstanding;
    private boolean acceptOutstanding;
    private boolean connectOutstanding;
    /** A listener's readability poll, after an ACCEPT met the descriptor limit. */
    private boolean acceptPollOutstanding;
    /** Whether the next accept waits for a connection first (the descriptor limit was hit). */
    private boolean acceptAfterPoll;
    private ByteBuffer recvBuffer;
    /**
     * Whether the stream receives into its own buffer, not the ring's shared ones: where the ring
     * has none, or once a receive filled a shared buffer (a bulk stream, which reads more per
     * completion into its own). A stream that waits, or trades small messages, holds no receive
     * memory of its own.
     */
    private boolean ownReceiveBuffer;
    private ByteBuffer sendStaging;
    private ByteBuffer connectAddress;
    /** Their addresses, taken once: the operations name them on every submission. */
    private long recvAddress;
    private long sendAddress;
    /** Bytes the outstanding SEND offered. */
    private int sendOffered;
    /**
     * What a receive cancelled by stopRead still brought (data, the end, an error): delivered by
     * the next startRead, so that nothing is lost (the completion model's counterpart of data left
     * in the kernel).
     */
    private ReadResult stashed;
    private boolean readInterest;
    private boolean writeInterest;

    boolean connecting;
    boolean connected;
    private boolean listening;
    private boolean reading;
    private boolean readFailed;
    private boolean shutdownRequested;
    /** From shutdown() until its callback has run: a reset close is refused meanwhile (rule 110). */
    private boolean shutdownInProgress;
    private boolean resetOnClose;

    private ReadCallback onRead;
    private Completion onConnection;
    private Completion onConnect;
    private Completion onShutdown;
    private Socket waitingToBeAccepted;
    private byte[] acceptAddress;

    // Sized for an idle connection (a default ArrayDeque or map is 80 bytes of empty slots each):
    // they grow when used, and there are 10,000s of streams.
    private final ArrayDeque<WriteRequest> writes = new ArrayDeque<>(1);
    private long queuedBytes;
    private final CompletionQueue<Kind> completions = new CompletionQueue<>(this, kind -> {
        if (kind == Kind.SHUTDOWN) {
            shutdownInProgress = false;
        }
    }, this::refresh);

    /** Options set before the socket exists, applied when it is created. */
    final Map<SocketOption<?>, Object> pendingOptions = new LinkedHashMap<>(2);
    /** The options the user set, before or after the socket existed. */
    final java.util.Set<SocketOption<?>> chosenOptions = new java.util.HashSet<>(2);

    UnixStream(UnixLoop loop) {
        super(loop);
        this.loop = loop;
    }

    /** Creates the stream for a connection a listener accepted. */
    abstract S accepted(Socket socket) throws LoopException;

    /** The options of this kind of stream. */
    abstract Set<SocketOption<?>> options();

    /** Opens a throwaway socket of this kind, on which an option value can be tried. */
    abstract Socket throwaway();

    // ---- the socket -------------------------------------------------------------------------

    /**
     * Adopts a new socket: registers it with the poller. On failure the socket is closed and the
     * handle has none.
     */
    final void adoptSocket(Socket fresh) throws LoopException {
        socket = fresh;
        readInterest = false;
        writeInterest = false;
        try {
            if (loop instanceof Ring ring) {
                channel = ring.open(fresh, this);
            } else {
                registration = loop.register(fresh, this);
            }
        } catch (LoopException | RuntimeException e) {
            socket = null;
            closeQuietly(fresh);
            throw UnixErrors.map(e, "register");
        }
    }

    /** Cancels the socket's registration, before the socket is closed. */
    private void dropRegistration() {
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
    }

    /**
     * Drops a socket with nothing outstanding (a failed bind or connect): cancels its registration
     * and closes it, or closes its channel, which closes it.
     */
    final void discard(Socket dropped) {
        if (channel != null) {
            Ring.Channel closed = channel;
            channel = null;
            closed.cancelAndClose();
        } else {
            dropRegistration();
            closeQuietly(dropped);
        }
    }

    /** Applies the options set before the socket existed. */
    final void applyPendingOptions(Socket fresh) throws IOException {
        for (var option : pendingOptions.entrySet()) {
            UnixOptions.set(fresh, option.getKey(), option.getValue());
        }
    }

    // ---- reading ----------------------------------------------------------------------------

    @Override
    public final void startRead(ReadCallback callback) throws LoopException {
        checkOpen();
        Objects.requireNonNull(callback, "callback");
        if (reading) {
            throw new LoopException(ErrorCode.EALREADY, "already reading");
        }
        if (!connected || readFailed) {
            throw new LoopException(ErrorCode.ENOTCONN, listening ? "a listener cannot read" : "not connected");
        }
        onRead = callback;
        reading = true;
        if (stashed != null) {
            // What a cancelled receive brought comes first, from the loop (rule 28).
            defer(this::deliverStashed);
        }
        refresh();
    }

    @Override
    public final void stopRead() {
        owner().checkThread();
        if (reading) {
            reading = false;
            onRead = null;
            refresh();
        }
    }

    private void onReadable() {
        for (int i = 0; i < READS_PER_POLL && reading; i++) {
            ByteBuffer buffer = loop.readBuffer();
            int n;
            try {
                // Netty's recv: > 0 bytes, 0 would block, -1 the end of the stream.
                n = socket.recv(buffer, 0, buffer.capacity());
            } catch (IOException | RuntimeException e) {
                readFailed(UnixErrors.map(e, "read"));
                return;
            }
            if (n > 0) {
                buffer.limit(n);
                deliver(onRead, loop.readResult());
                if (n < buffer.capacity()) {
                    return;
                }
            } else if (n < 0) {
                // The end of the stream stops reading but keeps the stream open and writable
                // (rules 87, 88); reading again reports the end again, as the kernel does.
                ReadCallback callback = onRead;
                stopRead();
                deliver(callback, ReadResult.EndOfStream.INSTANCE);
                return;
            } else {
                return;
            }
        }
    }

    private void readFailed(LoopException error) {
        // After a read error the stream is neither readable nor writable (rule 89).
        readFailed = true;
        ReadCallback callback = onRead;
        stopRead();
        deliver(callback, new ReadResult.Failed(error));
    }

    // ---- writing ----------------------------------------------------------------------------

    @Override
    public final void write(ByteBuffer data, Completion onWrite) throws LoopException {
        Objects.requireNonNull(data, "data");
        write(new ByteBuffer[] {data}, onWrite);
    }

    @Override
    public final void write(ByteBuffer[] data, Completion onWrite) throws LoopException {
        checkOpen();
        Objects.requireNonNull(data, "data");
        if (data.length == 0) {
            throw new LoopException(ErrorCode.EINVAL, "a write needs at least one buffer");
        }
        checkWritable();
        ByteBuffer[] views = new ByteBuffer[data.length];
        long total = 0;
        for (int i = 0; i < data.length; i++) {
            views[i] = Objects.requireNonNull(data[i], "data[" + i + "]").slice();
            total += views[i].remaining();
        }
        requestStarted();
        writes.add(new WriteRequest(views, onWrite));
        queuedBytes += total;
        if (connected && writes.size() == 1) {
            flushWrites();
            completions.schedule();
        }
        refresh();
    }

    private void checkWritable() throws LoopException {
        if (listening) {
            throw new LoopException(ErrorCode.EPIPE, "a listener cannot write");
        }
        if (!connected && !connecting) {
            throw new LoopException(ErrorCode.EBADF, "not connected");
        }
        if (shutdownRequested || readFailed) {
            throw new LoopException(ErrorCode.EPIPE, shutdownRequested ? "shut down for writing" : "the stream failed");
        }
    }

    @Override
    public final int tryWrite(ByteBuffer data) throws LoopException {
        checkOpen();
        Objects.requireNonNull(data, "data");
        checkWritable();
        if (connecting || !writes.isEmpty() || !data.hasRemaining()) {
            return 0;
        }
        try {
            int n = send(data);
            data.position(data.position() + n);
            return n;
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "try write");
        }
    }

    /** send(2) on the caller's thread (see {@link AnyThreadWrite}); Linux only. */
    @Override
    public final int writeNow(ByteBuffer data) throws LoopException {
        if (!DirectIo.SUPPORTED) {
            throw new LoopException(ErrorCode.ENOTSUP, "a write from any thread is coded for Linux only");
        }
        return DirectIo.send(currentFd(), data);
    }

    /**
     * Readiness only: a completion backend's receive, cancelled by stopRead, may still take bytes
     * from the kernel until its completion arrives.
     */
    @Override
    public final boolean canReadNow() {
        return DirectIo.SUPPORTED && channel == null;
    }

    /** recv(2) on the caller's thread (see {@link AnyThreadRead}); Linux and readiness only. */
    @Override
    public final int readNow(ByteBuffer into) throws LoopException {
        if (!canReadNow()) {
            throw new LoopException(ErrorCode.ENOTSUP, "a read from any thread is coded for Linux's readiness backends only");
        }
        return DirectIo.recv(currentFd(), into);
    }

    private int currentFd() throws LoopException {
        Socket current = socket;
        if (current == null) {
            throw new LoopException(ErrorCode.EBADF, "the stream has no socket");
        }
        return current.intValue();
    }

    /**
     * Sends what the socket takes of one buffer now; Netty's send needs direct memory, so a heap
     * buffer goes through the loop's staging buffer. Leaves the buffer's position alone.
     */
    private int send(ByteBuffer data) throws IOException {
        if (data.isDirect()) {
            return socket.send(data, data.position(), data.limit());
        }
        ByteBuffer staging = loop.staging();
        int count = Math.min(data.remaining(), staging.capacity());
        staging.put(0, data, data.position(), count);
        return socket.send(staging, 0, count);
    }

    /** Writes queued requests until the socket is full; finished ones go to the completion queue. */
    private void flushWrites() {
        WriteRequest request;
        while ((request = writes.peek()) != null) {
            long written;
            try {
                written = request.writeTo(this);
            } catch (IOException | RuntimeException e) {
                failWrites(UnixErrors.map(e, "write"));
                return;
            }
            queuedBytes -= written;
            if (!request.isDone()) {
                return;
            }
            writes.poll();
            completions.add(request.callback, null, Kind.WRITE);
        }
        if (shutdownRequested && onShutdown != null) {
            shutdownNow();
        }
    }

    private void failWrites(LoopException error) {
        WriteRequest request;
        while ((request = writes.poll()) != null) {
            completions.add(request.callback, error, Kind.WRITE);
        }
        queuedBytes = 0;
        if (shutdownRequested && onShutdown != null) {
            completions.add(onShutdown, error, Kind.SHUTDOWN);
            onShutdown = null;
        }
    }

    @Override
    public final long writeQueueSize() {
        owner().checkThread();
        return queuedBytes;
    }

    @Override
    public final void shutdown(Completion callback) throws LoopException {
        checkOpen();
        if ((!connected && !connecting) || shutdownRequested || readFailed) {
            throw new LoopException(ErrorCode.ENOTCONN, shutdownRequested ? "already shut down" : "not connected");
        }
        shutdownRequested = true;
        shutdownInProgress = true;
        // A null callback still needs a slot in the completion queue, so it stands as a no-op.
        onShutdown = callback != null ? callback : error -> {};
        requestStarted();
        if (connected && writes.isEmpty()) {
            shutdownNow();
            completions.schedule();
        }
        refresh();
    }

    /**
     * Shuts the sending side down with shutdown(2) and queues the callback with the outcome, on a
     * completion backend too: a SHUTDOWN entry goes to an io-wq worker, which looks the descriptor
     * number up only when it runs, so the number could not be closed at once while one is out.
     */
    private void shutdownNow() {
        LoopException error = null;
        try {
            socket.shutdown(false, true);
        } catch (IOException | RuntimeException e) {
            error = UnixErrors.map(e, "shutdown");
        }
        shutdownDone(error);
    }

    private void shutdownDone(LoopException failure) {
        completions.add(onShutdown, shutdownError(failure), Kind.SHUTDOWN);
        onShutdown = null;
    }

    private LoopException shutdownError(LoopException failure) {
        LoopException error = failure;
        if (error != null) {
            if (error.code() == ErrorCode.ENOTCONN) {
                // shutdown(2) on a connection the peer has torn down (a reset) says ENOTCONN, as
                // libuv would pass on; the suite's pair model (rules 105, 108) wants the error of
                // a peer that is gone instead: the reset still pending on the socket if a read or
                // write has not taken it yet, else EPIPE, what the next send would say.
                int pending = 0;
                try {
                    pending = socket == null ? 0 : socket.getSoError();
                } catch (IOException | RuntimeException ignored) {
                    // EPIPE stands.
                }
                error = pending != 0 ? UnixErrors.exception(pending, "shutdown")
                        : new LoopException(ErrorCode.EPIPE, "shutdown: the peer is gone", error);
            }
        }
        return error;
    }

    // ---- connecting ---------------------------------------------------------------------------

    /**
     * Starts a non-blocking connect on the handle's socket (registered already); every outcome
     * arrives through the callback.
     */
    final void startConnect(SocketAddress target, Completion callback) {
        onConnect = callback;
        connecting = true;
        requestStarted();
        if (channel != null && !(target instanceof io.netty.channel.unix.DomainSocketAddress)) {
            try {
                submitConnect(target);
            } catch (IOException | RuntimeException e) {
                connectFailed(UnixErrors.map(e, "connect " + target), true);
                completions.schedule();
            }
            return;
        }
        try {
            if (socket.connect(target)) {
                connected();
            } else if (channel != null) {
                // A Unix-domain connect is done inside connect(2) (libuv's uv_pipe_connect calls it
                // too); one that would wait goes to the ring.
                submitConnect(target);
            } else {
                refresh();
            }
        } catch (IOException | RuntimeException e) {
            connectFailed(UnixErrors.map(e, "connect " + target), true);
        }
        completions.schedule();
    }

    /** Submits a CONNECT to the ring, with the target encoded in memory pinned until it completes. */
    private void submitConnect(SocketAddress target) throws IOException {
        if (connectAddress == null) {
            connectAddress = KernelMemory.allocate(Sockaddr.MAX_BYTES);
        }
        int length = Sockaddr.encode(socket, target, connectAddress);
        connectOutstanding = true;
        channel.submit(Ring.Op.CONNECT, KernelMemory.address(connectAddress), length);
        refresh();
    }

    /** Reports a connect that failed before it could start, through the callback. */
    final void failConnect(LoopException error, Completion callback) {
        onConnect = callback;
        connecting = true;
        requestStarted();
        connectFailed(error, false);
        completions.schedule();
    }

    private void onConnectable() {
        // SO_ERROR is read exactly once: reading it clears it, and a later finishConnect would
        // then report success for a refused connect.
        int error;
        try {
            error = socket.getSoError();
        } catch (IOException | RuntimeException e) {
            connectFailed(UnixErrors.map(e, "connect"), true);
            return;
        }
        if (error != 0) {
            connectFailed(UnixErrors.exception(error, "connect"), true);
        } else {
            connected();
        }
    }

    private void connected() {
        connecting = false;
        connected = true;
        completions.add(onConnect, null, Kind.CONNECT);
        onConnect = null;
        flushWrites();
        refresh();
    }

    private void connectFailed(LoopException error, boolean dropSocket) {
        // The handle stays open (rule 78); queued writes and a shutdown are cancelled (rule 95).
        connecting = false;
        if (dropSocket && socket != null) {
            // Linux answers a second connect on a socket whose connect failed with ECONNABORTED;
            // the next connect gets a fresh socket (bound again to the address asked for, if any).
            Socket failed = socket;
            socket = null;
            discard(failed);
        }
        completions.add(onConnect, error, Kind.CONNECT);
        onConnect = null;
        cancelRequests();
        refresh();
    }

    // ---- listening --------------------------------------------------------------------------

    /** Starts accepting on the handle's socket, which listens already. */
    final void startListening(Completion callback) {
        onConnection = callback;
        listening = true;
        acceptAddress = new byte[ACCEPT_ADDRESS_BYTES];
        loop.holdReserve();
        refresh();
    }

    final boolean isListening() {
        return listening;
    }

    final void setConnectionCallback(Completion callback) {
        onConnection = callback;
    }

    private void onAcceptable() {
        // While a connection waits for accept(), no further one is taken from the kernel (rule 73).
        while (listening && waitingToBeAccepted == null) {
            int fd;
            try {
                fd = socket.accept(acceptAddress);
            } catch (IOException | RuntimeException e) {
                LoopException error = UnixErrors.map(e, "accept");
                boolean atLimit = error.code() == ErrorCode.EMFILE || error.code() == ErrorCode.ENFILE;
                // At the descriptor limit the waiting connections are dropped, without a callback,
                // as libuv does (rule 75); otherwise every poll would report the same error.
                if (!atLimit || !loop.dropWaitingConnections(socket)) {
                    complete(onConnection, error);
                }
                return;
            }
            if (fd < 0) {
                return;
            }
            waitingToBeAccepted = new Socket(fd);
            refresh();
            complete(onConnection, null);
        }
    }

    @Override
    public final S accept() throws LoopException {
        checkOpen();
        if (!listening) {
            throw new LoopException(ErrorCode.EINVAL, "not listening");
        }
        Socket accepted = waitingToBeAccepted;
        if (accepted == null) {
            throw new LoopException(ErrorCode.EAGAIN, "no connection is waiting");
        }
        waitingToBeAccepted = null;
        refresh();
        return accepted(accepted);
    }

    /**
     * Sets up this new stream around an accepted socket; if that fails, the stream closes (it was
     * registered with the loop when it was made) and the error goes to the caller of accept. The
     * kernel gave the accepted socket the listener's options already.
     */
    final void adopt(Socket accepted) throws LoopException {
        connected = true;
        try {
            adoptSocket(accepted);
        } catch (LoopException e) {
            close();
            throw e;
        }
    }

    // ---- readiness --------------------------------------------------------------------------

    /** Called by the loop's poll when the socket is ready. */
    @Override
    public final void ready(boolean readable, boolean writable) {
        if (closing()) {
            return;
        }
        if (writable && connecting) {
            onConnectable();
        }
        if (readable && listening) {
            onAcceptable();
        }
        if (readable && reading) {
            onReadable();
        }
        if (writable && connected && !writes.isEmpty() && !closing()) {
            flushWrites();
        }
        if (!closing()) {
            completions.flush();
            refresh();
        }
    }

    /** Sets the poller's interest and the active flag from the state. */
    final void refresh() {
        boolean read = false;
        boolean write = false;
        if (connecting) {
            write = true;
        } else if (connected) {
            read = reading;
            write = !writes.isEmpty();
        }
        if (listening && waitingToBeAccepted == null) {
            read = true;
        }
        if (registration != null && (read != readInterest || write != writeInterest)) {
            registration.interest(read, write);
            readInterest = read;
            writeInterest = write;
        }
        if (channel != null && !closing()) {
            reconcile();
        }
        setActive(reading || listening || connecting || !writes.isEmpty() || onShutdown != null);
    }

    // ---- completions ------------------------------------------------------------------------

    /**
     * Fails a request that never started (a pipe connect on a connected pipe) through its callback,
     * in order with the stream's other completions.
     */
    final void rejectLater(Completion callback, LoopException error) {
        requestStarted();
        completions.add(callback, error, Kind.WRITE);
        completions.schedule();
    }

    private void cancelRequests() {
        LoopException cancelled = new LoopException(ErrorCode.ECANCELED);
        if (onConnect != null) {
            completions.add(onConnect, cancelled, Kind.CONNECT);
            onConnect = null;
        }
        failWrites(cancelled);
        if (onShutdown != null) {
            completions.add(onShutdown, cancelled, Kind.SHUTDOWN);
            onShutdown = null;
        }
    }

    // ---- closing ----------------------------------------------------------------------------

    /** Makes the close send a reset (SO_LINGER 0) instead of an orderly end. */
    final void resetOnClose() throws LoopException {
        checkOpen();
        if (shutdownInProgress) {
            throw new LoopException(ErrorCode.EINVAL, "a shutdown is in progress");
        }
        resetOnClose = true;
    }

    @Override
    protected void onClose() {
        reading = false;
        onRead = null;
        boolean wasListening = listening;
        listening = false;
        // The registration goes before the descriptor: the poller keys registrations by number,
        // and a new socket may get this number as soon as it is closed (rule 76).
        dropRegistration();
        if (stashed instanceof ReadResult.Data) {
            // Bytes a cancelled receive brought in after stopRead were never read: the kernel
            // answers a close with bytes unread in its queue with a reset, and these are such
            // bytes, taken out of the queue early (rule 18).
            resetOnClose = true;
        }
        if (resetOnClose && socket != null) {
            try {
                socket.setSoLinger(0);
            } catch (IOException | RuntimeException e) {
                // The socket may already be shut down (rule 111): the close still goes ahead.
            }
        }
        if (channel != null) {
            if (recvOutstanding && !channel.queued(Ring.Op.RECV)) {
                // A receive in the kernel would take data that arrives before its cancel, and
                // holds the socket open meanwhile: shutting the reading side ends it at once (its
                // completion runs as the shutdown returns), so the close below really closes, and
                // the peer sees what it would see from a readiness backend.
                try {
                    socket.shutdown(true, false);
                } catch (IOException | RuntimeException e) {
                    // Closed all the same.
                }
            }
            if (connectOutstanding) {
                // A connect in the kernel holds the socket and its address until its cancel is
                // submitted, in the next poll: ended now, with the address reusable, so that a
                // new socket can be bound to it at once (rule 18).
                try {
                    socket.setReuseAddress(true);
                    socket.shutdown(true, true);
                } catch (IOException | RuntimeException e) {
                    // Closed all the same.
                }
            }
            if (wasListening && (acceptOutstanding || acceptPollOutstanding)) {
                // An accept in the kernel holds the listener until its cancel is submitted, in the
                // next poll; shutting it down ends the listening now, so that its port can be
                // bound again at once (rule 18).
                try {
                    socket.shutdown(true, true);
                } catch (IOException | RuntimeException e) {
                    // Closed all the same.
                }
            }
            // The channel owns the descriptor: it closes it at once, or after cancelling what is
            // in the kernel, and the close callback waits for the last completion.
            Ring.Channel closed = channel;
            channel = null;
            socket = null;
            if (closed.cancelAndClose()) {
                holdClose();
            }
        }
        // The descriptor is released now (rule 18).
        closeQuietly(socket);
        closeQuietly(waitingToBeAccepted);
        waitingToBeAccepted = null;
        connecting = false;
        connected = false;
        // A connect that succeeded at once but whose callback has not run yet is cancelled, as in
        // libuv, where the connect request lives until its callback; writes keep their outcome.
        completions.failSuccesses(Kind.CONNECT, new LoopException(ErrorCode.ECANCELED));
        cancelRequests();
        releaseName();
    }

    /** Removes what a listener created in the file system, if anything. */
    void releaseName() {}

    @Override
    protected void onCloseCompleted() {
        // Nothing is in the kernel any more: the ring's last completion released the close, or
        // none was outstanding (see Ring.Channel#cancelAndClose).
        KernelMemory.free(recvBuffer);
        KernelMemory.free(sendStaging);
        KernelMemory.free(connectAddress);
        recvBuffer = null;
        sendStaging = null;
        connectAddress = null;
        completions.drain();
    }

    static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Nothing useful can be done about a failing close of a socket we are abandoning.
            }
        }
    }

    // ---- the completion model ------------------------------------------------------------------

    /** The size of a stream's receive buffer and send staging buffer on a completion backend. */
    private static final int RING_BUFFER_SIZE = 64 * 1024;
    private static final int ECANCELED = 125;
    private static final int ENOBUFS = 105;

    /**
     * Makes the outstanding operations match the state, as {@link #refresh()} sets a readiness
     * poller's interest: a receive while reading, an accept while listening with no connection
     * waiting, a send while writes are queued.
     */
    private void reconcile() {
        if (connected && reading && stashed == null && !recvOutstanding) {
            recvOutstanding = true;
            if (!ownReceiveBuffer && ((Ring) loop).sharesReceiveBuffers()) {
                channel.submit(Ring.Op.RECV, 0, 0);
            } else {
                if (recvBuffer == null) {
                    ownReceiveBuffer = true;
                    recvBuffer = KernelMemory.allocate(RING_BUFFER_SIZE);
                    recvAddress = KernelMemory.address(recvBuffer);
                }
                channel.submit(Ring.Op.RECV, recvAddress, RING_BUFFER_SIZE);
            }
        } else if (!reading && recvOutstanding) {
            // stopRead: a receive that never reached the kernel is dropped; one that did is
            // cancelled, and what it still brings is kept for the next startRead.
            recvOutstanding = channel.cancel(Ring.Op.RECV);
        }
        if (listening && waitingToBeAccepted == null && !acceptOutstanding && !acceptPollOutstanding) {
            if (acceptAfterPoll) {
                // At the descriptor limit an ACCEPT fails at once, connection or not: a poll
                // waits for one, so that the loop does not spin (rule 75).
                acceptPollOutstanding = true;
                channel.submit(Ring.Op.POLLIN, 0, 0);
            } else {
                acceptOutstanding = true;
                channel.submit(Ring.Op.ACCEPT, 0, 0);
            }
        }
        if (connected && !writes.isEmpty() && !sendOutstanding) {
            submitSend();
        }
    }

    /**
     * Sends the head of the write queue, gathered (across requests) into the stream's staging
     * buffer, which stays pinned until the completion. Always copied, even a lone direct buffer:
     * the caller's memory belongs to the garbage collector, and the kernel reads the staging
     * buffer whenever the socket has room, which for a loop dropped without a close may be after
     * the collector freed the caller's (see {@link KernelMemory}).
     */
    private void submitSend() {
        if (sendStaging == null) {
            sendStaging = KernelMemory.allocate(RING_BUFFER_SIZE);
            sendAddress = KernelMemory.address(sendStaging);
        }
        sendStaging.clear();
        for (WriteRequest request : writes) {
            if (!request.gather(sendStaging)) {
                break;
            }
        }
        sendOffered = sendStaging.position();
        sendOutstanding = true;
        channel.submit(Ring.Op.SEND, sendAddress, sendOffered);
    }

    /** Called by the ring's poll with a result of this stream's channel. */
    @Override
    public final void completed(Ring.Op op, int result, ByteBuffer shared) {
        switch (op) {
            case RECV -> recvOutstanding = false;
            case SEND -> sendOutstanding = false;
            case ACCEPT -> acceptOutstanding = false;
            case CONNECT -> connectOutstanding = false;
            case POLLIN -> acceptPollOutstanding = false;
        }
        if (closing()) {
            if (op == Ring.Op.ACCEPT && result >= 0) {
                // A connection the cancel came too late for: nobody will accept it.
                closeQuietly(new Socket(result));
            }
            return;
        }
        switch (op) {
            case RECV -> received(result, shared);
            case SEND -> sent(result);
            case ACCEPT -> acceptedByRing(result);
            case CONNECT -> {
                if (result == 0) {
                    connected();
                } else {
                    connectFailed(UnixErrors.exception(result, "connect"), true);
                }
            }
            case POLLIN -> acceptAfterPoll = false;
        }
        if (!closing()) {
            completions.flush();
            refresh();
        }
    }

    @Override
    public final void released() {
        releaseClose();
    }

    private void received(int result, ByteBuffer shared) {
        ReadResult outcome;
        if (result > 0) {
            if (shared != null && shared.capacity() == result) {
                // A shared buffer filled up: a bulk stream, which from now on receives into a
                // buffer of its own, larger, and read whole per completion.
                ownReceiveBuffer = true;
            }
            outcome = new ReadResult.Data(shared != null ? shared : recvBuffer.clear().limit(result));
        } else if (result == 0) {
            outcome = ReadResult.EndOfStream.INSTANCE;
        } else if (-result == ECANCELED || -result == ENOBUFS) {
            // Nothing was received: cancelled, or no shared buffer was free as bytes came (the
            // refresh after this completion submits the receive again).
            return;
        } else {
            outcome = new ReadResult.Failed(UnixErrors.exception(result, "read"));
        }
        if (!reading) {
            // Completed before the cancel of a stopRead took effect: kept, not lost.
            if (outcome instanceof ReadResult.Data(ByteBuffer bytes)) {
                ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
                outcome = new ReadResult.Data(copy);
            }
            stashed = outcome;
            return;
        }
        deliverResult(outcome);
    }

    /** Delivers a receive's outcome as the readiness path does: data, or the end, or an error. */
    private void deliverResult(ReadResult outcome) {
        switch (outcome) {
            case ReadResult.Data data -> deliver(onRead, data);
            case ReadResult.EndOfStream end -> {
                ReadCallback callback = onRead;
                stopRead();
                deliver(callback, end);
            }
            case ReadResult.Failed(LoopException error) -> readFailed(error);
        }
    }

    /** Runs from the pending phase after a startRead found a stashed outcome. */
    private void deliverStashed() {
        if (closing() || !reading || stashed == null) {
            return;
        }
        ReadResult outcome = stashed;
        stashed = null;
        deliverResult(outcome);
        if (!closing()) {
            refresh();
        }
    }

    private void sent(int result) {
        if (result < 0) {
            failWrites(UnixErrors.exception(result, "write"));
            return;
        }
        long left = result;
        queuedBytes -= result;
        WriteRequest request;
        while ((request = writes.peek()) != null) {
            left = request.advance(left);
            if (!request.isDone()) {
                break;
            }
            writes.poll();
            completions.add(request.callback, null, Kind.WRITE);
        }
        if (writes.isEmpty() && shutdownRequested && onShutdown != null) {
            shutdownNow();
        }
    }

    private void acceptedByRing(int result) {
        if (result >= 0) {
            if (!listening) {
                closeQuietly(new Socket(result));
                return;
            }
            waitingToBeAccepted = new Socket(result);
            complete(onConnection, null);
            return;
        }
        if (-result == ECANCELED || !listening) {
            return;
        }
        LoopException error = UnixErrors.exception(result, "accept");
        boolean atLimit = error.code() == ErrorCode.EMFILE || error.code() == ErrorCode.ENFILE;
        acceptAfterPoll = atLimit;
        if (!atLimit || !loop.dropWaitingConnections(socket)) {
            complete(onConnection, error);
        }
    }

    // ---- state and options --------------------------------------------------------------------

    @Override
    public final boolean isReadable() {
        owner().checkThread();
        return connected && !readFailed && !closing();
    }

    @Override
    public final boolean isWritable() {
        owner().checkThread();
        return connected && !shutdownRequested && !readFailed && !closing();
    }

    /**
     * Every option of the kind, in every state: the socket is a real one, and Linux gives a
     * listener's options to the connections it accepts.
     */
    @Override
    public final Set<SocketOption<?>> supportedOptions() {
        owner().checkThread();
        return options();
    }

    @Override
    public final <T> void setOption(SocketOption<T> name, T value) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!options().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        Object checked = UnixOptions.check(name, value);
        chosenOptions.add(name);
        if (socket == null) {
            // Kept for the socket to come; tried now on a throwaway socket, so that a value the
            // kernel refuses fails here and not at connect.
            pendingOptions.put(name, validate(name, checked));
            return;
        }
        try {
            UnixOptions.set(socket, name, checked);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "set " + name);
        }
        // Kept too: a failed connect drops its socket, and the next one gets the options again.
        pendingOptions.put(name, checked);
    }

    @Override
    public final <T> T option(SocketOption<T> name) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!options().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        if (socket == null) {
            if (pendingOptions.containsKey(name)) {
                return name.type().cast(pendingOptions.get(name));
            }
            throw new LoopException(ErrorCode.EBADF, "no socket yet");
        }
        try {
            return name.type().cast(UnixOptions.get(socket, name));
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "get " + name);
        }
    }

    private Object validate(SocketOption<?> name, Object value) throws LoopException {
        Socket probe = null;
        try {
            probe = throwaway();
            UnixOptions.set(probe, name, value);
            return UnixOptions.get(probe, name);
        } catch (IOException | RuntimeException e) {
            throw UnixErrors.map(e, "set " + name);
        } finally {
            closeQuietly(probe);
        }
    }

    /** Checks the common part of the kernel queries on a stream. */
    final void checkReadableQuery() throws LoopException {
        checkOpen();
        if (listening) {
            throw new LoopException(ErrorCode.EINVAL, "a listener has no bytes to read");
        }
        if (!connected) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
    }

    @Override
    public final int bytesReadable() throws LoopException {
        checkReadableQuery();
        int held = stashed instanceof ReadResult.Data(ByteBuffer bytes) ? bytes.remaining() : 0;
        return held + Ioctl.queryInt(socket.intValue(), Ioctl.FIONREAD, "bytes readable");
    }

    /** One write request: its buffers, sent in order, and its callback. */
    private static final class WriteRequest {
        private final ByteBuffer[] buffers;
        private final Completion callback;
        private int first;

        WriteRequest(ByteBuffer[] buffers, Completion callback) {
            this.buffers = buffers;
            this.callback = callback;
            skipEmpty();
        }

        /** Sends until the socket is full or the request is done; returns the bytes sent. */
        long writeTo(UnixStream<?> stream) throws IOException {
            long total = 0;
            while (first < buffers.length) {
                long sent;
                int offered;
                if (first == buffers.length - 1 && buffers[first].isDirect()) {
                    ByteBuffer only = buffers[first];
                    offered = only.remaining();
                    sent = stream.socket.send(only, only.position(), only.limit());
                    only.position(only.position() + (int) sent);
                } else {
                    // Several buffers, or heap memory: gathered into the direct staging buffer.
                    ByteBuffer staging = stream.loop.staging();
                    for (int i = first; i < buffers.length && staging.hasRemaining(); i++) {
                        int take = Math.min(buffers[i].remaining(), staging.remaining());
                        staging.put(staging.position(), buffers[i], buffers[i].position(), take);
                        staging.position(staging.position() + take);
                    }
                    offered = staging.position();
                    sent = stream.socket.send(staging, 0, offered);
                    long left = sent;
                    for (int i = first; left > 0; i++) {
                        int take = (int) Math.min(left, buffers[i].remaining());
                        buffers[i].position(buffers[i].position() + take);
                        left -= take;
                    }
                }
                total += sent;
                skipEmpty();
                if (sent < offered) {
                    break;
                }
            }
            return total;
        }

        private void skipEmpty() {
            while (first < buffers.length && !buffers[first].hasRemaining()) {
                first++;
            }
        }

        /**
         * Copies what is left of the request into a buffer, as far as it has room; leaves the
         * request as it is.
         *
         * @return whether all of it fitted
         */
        boolean gather(ByteBuffer into) {
            for (int i = first; i < buffers.length; i++) {
                int take = Math.min(buffers[i].remaining(), into.remaining());
                into.put(into.position(), buffers[i], buffers[i].position(), take);
                into.position(into.position() + take);
                if (take < buffers[i].remaining()) {
                    return false;
                }
            }
            return true;
        }

        /** Counts bytes as sent; returns those beyond this request. */
        long advance(long sent) {
            long left = sent;
            while (first < buffers.length && left > 0) {
                int take = (int) Math.min(left, buffers[first].remaining());
                buffers[first].position(buffers[first].position() + take);
                left -= take;
                skipEmpty();
            }
            return left;
        }

        boolean isDone() {
            return first == buffers.length;
        }
    }

    private enum Kind { CONNECT, WRITE, SHUTDOWN }
}
