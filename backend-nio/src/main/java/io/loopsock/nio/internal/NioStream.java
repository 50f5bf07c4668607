package io.loopsock.nio.internal;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.ReadCallback;
import io.loopsock.ReadResult;
import io.loopsock.Stream;
import io.loopsock.spi.AbstractHandle;
import io.loopsock.spi.AnyThreadWrite;
import io.loopsock.spi.CompletionQueue;
import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The stream logic shared by {@link NioTcp} and {@link NioPipe}: reading, the ordered write queue,
 * shutdown after queued writes, listening and accepting, connect completion, and close.
 *
 * <p>Loop-thread only. The channel is non-blocking and registered with the loop's selector; the
 * interest set follows the state (reading, writes queued, connecting, listening with no connection
 * waiting to be accepted). Request callbacks (connect, write, shutdown) go through one ordered
 * queue per stream, {@link #completions}, so that they run in the order the requests completed,
 * whether a request finished inside the call that made it (the callback is then deferred to the
 * pending phase) or later in the poll phase.
 *
 * @param <S> the stream type that {@link #accept()} returns
 */
abstract class NioStream<S extends Stream> extends AbstractHandle implements Stream, NioReady, AnyThreadWrite {
    /** The most reads of one stream per poll, so that one busy stream cannot starve the others. */
    private static final int READS_PER_POLL = 32;

    final NioLoop loop;

    SocketChannel channel;
    ServerSocketChannel server;
    private SelectionKey key;
    private int interest;

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
    private SocketChannel waitingToBeAccepted;

    // Sized for an idle connection (a default ArrayDeque or map is 80 bytes of empty slots each):
    // they grow when used, and there are 10,000s of streams.
    /** Made on the first write: an idle connection (of 10,000s) has none. */
    private ArrayDeque<WriteRequest> writes;
    private long queuedBytes;
    private final CompletionQueue<Kind> completions = new CompletionQueue<>(this, kind -> {
        if (kind == Kind.SHUTDOWN) {
            shutdownInProgress = false;
        }
    }, this::refresh);

    /**
     * Options set before the socket exists, applied when it is created (and inherited by accepted
     * streams); made when the first is kept, since an idle connection (of 10,000s) has none.
     */
    private Map<SocketOption<?>, Object> pendingOptions;

    NioStream(NioLoop loop) {
        super(loop);
        this.loop = loop;
    }

    /** Creates the stream for a connection a listener accepted. */
    abstract S accepted(SocketChannel channel) throws IOException;

    /** The options of a connected stream of this kind. */
    abstract Set<SocketOption<?>> streamOptions();

    /** The options of a listener of this kind. */
    abstract Set<SocketOption<?>> listenerOptions();

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
                n = channel.read(buffer);
            } catch (IOException e) {
                readFailed(NioErrors.map(e, "read"));
                return;
            }
            if (n > 0) {
                buffer.flip();
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
        if (writes == null) {
            writes = new ArrayDeque<>(2);
        }
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
        if (channel == null && !connecting) {
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
        if (connecting || hasWrites() || !data.hasRemaining()) {
            return 0;
        }
        try {
            return channel.write(data);
        } catch (IOException e) {
            throw NioErrors.map(e, "try write");
        }
    }

    /** A SocketChannel writes from any thread; in non-blocking mode it never waits (see {@link AnyThreadWrite}). */
    @Override
    public final int writeNow(ByteBuffer data) throws LoopException {
        SocketChannel current = channel;
        if (current == null) {
            throw new LoopException(ErrorCode.EBADF, "the stream has no socket");
        }
        try {
            return current.write(data);
        } catch (IOException e) {
            throw NioErrors.map(e, "write");
        }
    }

    private boolean hasWrites() {
        return writes != null && !writes.isEmpty();
    }

    /** The first queued write, or null. */
    private WriteRequest nextWrite() {
        return writes == null ? null : writes.peek();
    }

    /** Writes queued requests until the socket is full; finished ones go to the completion queue. */
    private void flushWrites() {
        WriteRequest request;
        while ((request = nextWrite()) != null) {
            long written;
            try {
                written = request.writeTo(channel);
            } catch (IOException e) {
                failWrites(NioErrors.map(e, "write"));
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
        while (hasWrites()) {
            WriteRequest request = writes.poll();
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
        if (connected && !hasWrites()) {
            shutdownNow();
            completions.schedule();
        }
        refresh();
    }

    private void shutdownNow() {
        LoopException error = null;
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            error = NioErrors.map(e, "shutdown");
        }
        completions.add(onShutdown, error, Kind.SHUTDOWN);
        onShutdown = null;
    }

    // ---- connecting ---------------------------------------------------------------------------

    /** Starts a non-blocking connect on a fresh channel; every outcome arrives through the callback. */
    final void startConnect(SocketChannel fresh, java.net.SocketAddress target, Completion callback) {
        onConnect = callback;
        connecting = true;
        channel = fresh;
        requestStarted();
        try {
            fresh.configureBlocking(false);
            register(fresh);
            if (fresh.connect(target)) {
                connected();
            } else {
                refresh();
            }
        } catch (IOException e) {
            connectFailed(NioErrors.map(e, "connect " + target));
        } catch (RuntimeException e) {
            connectFailed(NioErrors.map(e, "connect " + target));
        }
        completions.schedule();
    }

    /** Reports a connect that failed before it could start, through the callback. */
    final void failConnect(LoopException error, Completion callback) {
        onConnect = callback;
        connecting = true;
        requestStarted();
        connectFailed(error);
        completions.schedule();
    }

    private void onConnectable() {
        try {
            if (channel.finishConnect()) {
                connected();
            }
        } catch (IOException e) {
            connectFailed(NioErrors.map(e, "connect"));
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

    private void connectFailed(LoopException error) {
        // The handle stays open (rule 78); queued writes and a shutdown are cancelled (rule 95).
        connecting = false;
        if (channel != null) {
            // Only a connect that got as far as a channel has one to drop; a connect refused
            // before that (on a listening pipe, say) must leave the handle's own key alone.
            closeQuietly(channel);
            channel = null;
            if (key != null) {
                key = null;
                interest = 0;
                loop.released();
            }
        }
        completions.add(onConnect, error, Kind.CONNECT);
        onConnect = null;
        cancelRequests();
        refresh();
    }

    // ---- listening --------------------------------------------------------------------------

    /** Starts accepting on a bound listener channel. */
    final void startListening(ServerSocketChannel listener, Completion callback) throws LoopException {
        server = listener;
        onConnection = callback;
        listening = true;
        loop.holdReserve();
        try {
            listener.configureBlocking(false);
            register(listener);
        } catch (IOException e) {
            throw NioErrors.map(e, "listen");
        }
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
            SocketChannel accepted;
            try {
                accepted = server.accept();
            } catch (IOException e) {
                LoopException error = NioErrors.map(e, "accept");
                boolean atLimit = error.code() == ErrorCode.EMFILE || error.code() == ErrorCode.ENFILE;
                // At the descriptor limit the waiting connections are dropped, without a callback,
                // as libuv does (rule 75); otherwise every poll would report the same error.
                if (!atLimit || !loop.dropWaitingConnections(server)) {
                    complete(onConnection, error);
                }
                return;
            }
            if (accepted == null) {
                return;
            }
            waitingToBeAccepted = accepted;
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
        SocketChannel accepted = waitingToBeAccepted;
        if (accepted == null) {
            throw new LoopException(ErrorCode.EAGAIN, "no connection is waiting");
        }
        waitingToBeAccepted = null;
        refresh();
        try {
            accepted.configureBlocking(false);
            return accepted(accepted);
        } catch (IOException e) {
            closeQuietly(accepted);
            throw NioErrors.map(e, "accept");
        } catch (RuntimeException e) {
            closeQuietly(accepted);
            throw NioErrors.map(e, "accept");
        }
    }

    /**
     * Sets up this new stream around an accepted channel; if that fails, the stream closes (it was
     * registered with the loop when it was made) and the error goes to the caller of accept.
     */
    final void adopt(SocketChannel accepted, Map<SocketOption<?>, Object> inherited) throws IOException {
        try {
            adoptChannel(accepted, inherited);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void adoptChannel(SocketChannel accepted, Map<SocketOption<?>, Object> inherited) throws IOException {
        channel = accepted;
        connected = true;
        for (var option : inherited.entrySet()) {
            if (streamOptions().contains(option.getKey())) {
                setRaw(accepted, option.getKey(), option.getValue());
            }
        }
        register(accepted);
    }

    // ---- readiness --------------------------------------------------------------------------

    final void register(SelectableChannel selectable) throws ClosedChannelException {
        key = selectable.register(loop.selector(), 0, this);
        interest = 0;
    }

    /** Called by the loop's poll for a ready key. */
    @Override
    public final void ready(int readyOps) {
        if (closing()) {
            return;
        }
        if ((readyOps & SelectionKey.OP_CONNECT) != 0 && connecting) {
            onConnectable();
        }
        if ((readyOps & SelectionKey.OP_ACCEPT) != 0) {
            onAcceptable();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && reading) {
            onReadable();
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0 && connected && !closing()) {
            flushWrites();
        }
        if (!closing()) {
            completions.flush();
            refresh();
        }
    }

    /** Sets the interest set and the active flag from the state. */
    final void refresh() {
        int ops = 0;
        if (connecting) {
            ops |= SelectionKey.OP_CONNECT;
        } else if (connected) {
            if (reading) {
                ops |= SelectionKey.OP_READ;
            }
            if (hasWrites()) {
                ops |= SelectionKey.OP_WRITE;
            }
        }
        if (listening && waitingToBeAccepted == null) {
            ops |= SelectionKey.OP_ACCEPT;
        }
        if (key != null && ops != interest && key.isValid()) {
            key.interestOps(ops);
            interest = ops;
        }
        setActive(reading || listening || connecting || hasWrites() || onShutdown != null);
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
        listening = false;
        if (key != null) {
            key.cancel();
        }
        if (resetOnClose && channel != null) {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                // The socket may already be shut down (rule 111): the close still goes ahead.
            }
        }
        // The descriptor is released now (rule 18); the selector drops the cancelled key at its next
        // poll, so no stale readiness reaches a handle that reuses the number (rule 76).
        closeQuietly(channel);
        closeQuietly(server);
        closeQuietly(waitingToBeAccepted);
        waitingToBeAccepted = null;
        if (key != null) {
            loop.released();
        }
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
        completions.drain();
    }

    static void closeQuietly(java.nio.channels.Channel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Nothing useful can be done about a failing close of a socket we are abandoning.
            }
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
     * A connection supports the options of a connected stream. A listener, and a handle whose
     * socket does not exist yet, supports those and the listener's own: an option that only
     * connections have ({@code TCP_NODELAY}, say) is passed on to every connection the listener
     * accepts, as Linux passes a listener's options on to accepted sockets.
     */
    @Override
    public final Set<SocketOption<?>> supportedOptions() {
        owner().checkThread();
        if (channel != null) {
            return streamOptions();
        }
        java.util.Set<SocketOption<?>> both = new java.util.LinkedHashSet<>(streamOptions());
        both.addAll(listenerOptions());
        return java.util.Collections.unmodifiableSet(both);
    }

    private NetworkChannel socket() {
        return channel != null ? channel : server;
    }

    @Override
    public final <T> void setOption(SocketOption<T> name, T value) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        if (value != null && !name.type().isInstance(value)) {
            throw new IllegalArgumentException("'" + name + "' takes a " + name.type().getSimpleName());
        }
        NetworkChannel socket = socket();
        if (socket == null || (socket == server && !listenerOptions().contains(name))) {
            // Kept for the socket to come, or for the connections this listener accepts; checked
            // now on a throwaway socket, so that a bad value fails here and not at connect.
            keepOption(name, validate(name, value));
            return;
        }
        try {
            socket.setOption(name, value);
        } catch (IOException e) {
            throw NioErrors.map(e, "set " + name);
        }
        if (socket == server) {
            keepOption(name, value);
        }
    }

    @Override
    public final <T> T option(SocketOption<T> name) throws LoopException {
        checkOpen();
        Objects.requireNonNull(name, "name");
        if (!supportedOptions().contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
        NetworkChannel socket = socket();
        if (socket == null || (socket == server && !listenerOptions().contains(name))) {
            if (pendingOptions().containsKey(name)) {
                return name.type().cast(pendingOptions().get(name));
            }
            if (socket == null) {
                throw new LoopException(ErrorCode.EBADF, "no socket yet: the nio backend creates it at listen or connect");
            }
            // A connection option read on a listener is what its connections get when it was not
            // set: a new socket's default, as the kernel reports it.
            try (NetworkChannel probe = throwaway()) {
                return probe.getOption(name);
            } catch (IOException e) {
                throw NioErrors.map(e, "get " + name);
            }
        }
        try {
            return socket.getOption(name);
        } catch (IOException e) {
            throw NioErrors.map(e, "get " + name);
        }
    }

    /** Opens a throwaway socket of this kind, on which an option value can be tried. */
    abstract NetworkChannel throwaway() throws IOException;

    private <T> T validate(SocketOption<T> name, T value) throws LoopException {
        try (NetworkChannel probe = throwaway()) {
            if (probe.supportedOptions().contains(name)) {
                probe.setOption(name, value);
                return probe.getOption(name);
            }
            return value;
        } catch (IOException e) {
            throw NioErrors.map(e, "set " + name);
        }
    }

    /**
     * The options set before the socket existed, or on a listener for its connections.
     *
     * @return them, in the order set; empty if none
     */
    final Map<SocketOption<?>, Object> pendingOptions() {
        return pendingOptions == null ? Map.of() : pendingOptions;
    }

    /** Keeps an option for the socket to come, or for the connections a listener accepts. */
    final void keepOption(SocketOption<?> name, Object value) {
        if (pendingOptions == null) {
            pendingOptions = new LinkedHashMap<>(4);
        }
        pendingOptions.put(name, value);
    }

    /** Applies the options set before the socket existed to a new channel. */
    final void applyPendingOptions(NetworkChannel socket) throws IOException {
        for (var option : pendingOptions().entrySet()) {
            if (socket.supportedOptions().contains(option.getKey())) {
                setRaw(socket, option.getKey(), option.getValue());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void setRaw(NetworkChannel socket, SocketOption<T> name, Object value) throws IOException {
        socket.setOption(name, (T) value);
    }

    /** Answers the common part of bytesReadable; the kind decides how to ask the kernel. */
    final void checkReadableQuery() throws LoopException {
        checkOpen();
        if (listening) {
            throw new LoopException(ErrorCode.EINVAL, "a listener has no bytes to read");
        }
        if (!connected) {
            throw new LoopException(ErrorCode.ENOTCONN, "not connected");
        }
    }

    /** One write request: its buffers, gathered in order, and its callback. */
    private static final class WriteRequest {
        private final ByteBuffer[] buffers;
        private final Completion callback;
        private int first;

        WriteRequest(ByteBuffer[] buffers, Completion callback) {
            this.buffers = buffers;
            this.callback = callback;
        }

        long writeTo(SocketChannel channel) throws IOException {
            long written = channel.write(buffers, first, buffers.length - first);
            while (first < buffers.length && !buffers[first].hasRemaining()) {
                first++;
            }
            return written;
        }

        boolean isDone() {
            return first == buffers.length;
        }
    }

    private enum Kind { CONNECT, WRITE, SHUTDOWN }
}
