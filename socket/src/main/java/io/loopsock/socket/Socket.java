package io.loopsock.socket;

import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import io.loopsock.ReadResult;
import io.loopsock.Stream;
import io.loopsock.Tcp;
import io.loopsock.spi.AnyThreadRead;
import io.loopsock.spi.AnyThreadWrite;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import jdk.net.ExtendedSocketOptions;

/**
 * A blocking stream socket with Python's semantics, in Java casing, over any loopsock backend.
 *
 * <p>Any thread. Every call hands its work to the loop the socket lives on (see {@link LoopGroup})
 * and parks the caller, a platform or a virtual thread, until the loop has an answer; no monitor is
 * held while parked. A blocking call from the loop's own thread is an {@link IllegalStateException},
 * not a deadlock.
 *
 * <h2>Modes (Python's three)</h2>
 * {@link #setTimeout(Duration) setTimeout(null)} blocks without limit, {@code setTimeout(ZERO)} is
 * non-blocking (an operation that cannot complete at once throws a {@link SocketError} with
 * {@link ErrorCode#EAGAIN}, Python's {@code BlockingIOError}), a positive timeout bounds each
 * operation (a {@link SocketTimeoutException}, Python's {@code TimeoutError}, distinct from the
 * kernel's {@link ErrorCode#ETIMEDOUT}). {@link #sendAll} has one deadline for the whole call. New
 * sockets take {@link #defaultTimeout()}.
 *
 * <h2>Reading</h2>
 * While the socket is connected the loop reads ahead, until {@value #READ_AHEAD} bytes are
 * buffered; {@link #recv(int)} returns between 1 and n bytes and keeps the rest for the next call.
 * A {@code recv} that times out or is interrupted loses nothing: bytes that reached it as it gave
 * up are its result after all (an interrupt then stays pending). End of stream is an empty
 * result, every time. Where the backend can read from any thread ({@link AnyThreadRead}: epoll on
 * Linux), a reader that falls behind (finds {@value #BEHIND} bytes or more read ahead) stops the
 * loop's reading ahead: once the buffer is empty, readers take the kernel's bytes on their own
 * thread, as the JDK's sockets do, until a read finds none; that reader waits, and the loop reads
 * for it again.
 *
 * <h2>Closing</h2>
 * {@link #close()} is idempotent; a thread blocked in {@code recv}, {@code accept} or
 * {@code sendAll} on the socket wakes promptly with {@link ErrorCode#EBADF}, and every later
 * operation fails with it.
 */
public final class Socket implements Closeable {
    /** The most bytes read ahead of the callers. */
    static final int READ_AHEAD = 256 * 1024;
    /**
     * Bytes read ahead that make a reader that finds them "behind": more than a message's worth,
     * so its later reads go to the kernel on its own thread (see {@code readersAhead}).
     */
    private static final int BEHIND = 32 * 1024;
    /** The most bytes one read of the kernel on a caller's thread asks for. */
    private static final int DIRECT_READ = 64 * 1024;

    /** Python's default listen backlog: min(SOMAXCONN, 128). */
    private static final int DEFAULT_BACKLOG = 128;

    /** Longer timeouts are clamped to this (rule 166): a deadline must not overflow. */
    private static final Duration LONGEST = Duration.ofDays(365L * 100);

    private static volatile Duration defaultTimeout;

    private static final byte[] EMPTY = new byte[0];

    /** How {@link #shutdown(How)} half-closes. */
    public enum How {
        /** Reads return end of stream from now on; blocked readers wake with it. */
        READ,
        /** Sends a FIN after the queued data; later sends fail with {@link ErrorCode#EPIPE}. */
        WRITE,
        /** Both. */
        BOTH
    }

    private final LoopGroup.Lane lane;
    private volatile Duration timeout;
    /**
     * {@code java.net.Socket}'s rules where they differ from Python's (set by its adapter):
     * interrupts as the JDK takes them — a platform thread's interrupt does not end a wait, a
     * virtual thread's ends only a blocking operation (otherwise any interrupt ends any wait, as a
     * signal does in Python) — and a close that sends a FIN first unless SO_LINGER is 0, as the
     * JDK's does, so the peer sees the end of the stream even if a reset follows.
     */
    volatile boolean jdkRules;
    /** Really closed: the handle is closing, every operation fails with EBADF. */
    private volatile boolean closed;
    /** {@link #close()} was called; guarded by {@link #references}. */
    private boolean userClosed;
    /** The open file views, in its one element; also the lock of the reference count. */
    private final int[] references = new int[1];

    // ---- loop-thread state ----
    private Stream stream;
    private boolean connected;
    private boolean connecting;
    private LoopException connectError;
    private boolean listening;
    private LoopException listenError;
    private InetSocketAddress boundAddress;
    // Collections at their smallest: a socket holds these for its whole life, most of them
    // empty (a connection's acceptors), or with one element (a waiting reader).
    private final java.util.Map<SocketOption<?>, Object> optionsSet = new java.util.LinkedHashMap<>(2);
    private boolean reading;
    private volatile boolean outputShut;
    private volatile LoopException writeError;

    // ---- the receive side, shared with callers: guarded by inLock ----
    /**
     * Guards the bytes read ahead and the readers waiting for them, so that recv takes bytes, or
     * queues itself, on the caller's thread, without a task for the loop: a reader costs the loop
     * nothing until bytes come. The loop changes the state a reader depends on (the end of the
     * stream, an error, shutdown, close) and then answers the waiting readers under this lock, so
     * a reader that locks afterwards sees the change, and one that locked before is answered.
     * Held only for short sections, never while parked.
     */
    private final ReentrantLock inLock = new ReentrantLock();
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>(1);
    private int inboundOffset;
    private long inboundBytes;
    private boolean endOfStream;
    private boolean inputShut;
    private LoopException readError;
    private final ArrayDeque<Waiter<byte[]>> readers = new ArrayDeque<>(1);
    /** Reading ahead stopped because the buffer was full; the reader that makes room restarts it. */
    private boolean readAheadFull;
    /**
     * The stream's read from any thread, once connected, where the backend has one; else null.
     * Written on the loop thread before the connection is announced, read under this lock.
     */
    private AnyThreadRead directRead;
    /**
     * Readers are ahead of the loop (a recv found bytes read ahead, so the caller reads slower
     * than they come): the loop stops reading ahead, and readers take the kernel's bytes on
     * their own thread once the buffer is empty. Cleared when such a read finds nothing (the
     * caller has caught up): the reader then waits, and the loop reads for it again, as it would
     * answer a waiting reader at once. Only with a {@link #directRead}.
     */
    private boolean readersAhead;
    /** The loop has the stream reading (between its startRead and stopRead): no read may happen here. */
    private boolean loopReading;
    private final ArrayDeque<Waiter<Socket>> acceptors = new ArrayDeque<>(0);
    private final ArrayDeque<Socket> unclaimed = new ArrayDeque<>(0);
    private int connectionsWaiting;
    /** Queued writes not yet called back; while any is, new bytes wait for the queue to drain. */
    private volatile int writesQueued;

    // ---- the send side's fast path ----
    /**
     * Serializes senders, as the JDK's socket does: a send's bytes stay together even when part
     * goes on the caller's thread and the rest through the loop. Held while a send waits; never
     * taken by the loop.
     */
    private final ReentrantLock outLock = new ReentrantLock();
    /**
     * Held around a write on the caller's thread, and taken by the loop before it closes the
     * stream, so that the descriptor is the stream's for the whole system call.
     */
    private final ReentrantLock writeNowLock = new ReentrantLock();
    /** The stream's write from any thread, once connected, where the backend has one; else null. */
    private volatile AnyThreadWrite directWrite;
    private final ArrayDeque<Waiter<Boolean>> drainers = new ArrayDeque<>(0);

    /** Makes a socket around a stream; on the loop thread, which then knows the socket. */
    private Socket(LoopGroup.Lane lane, Stream stream, boolean connected) {
        this.lane = lane;
        this.stream = stream;
        this.connected = connected;
        this.timeout = defaultTimeout;
        if (connected) {
            connectedDirect();
        }
        lane.opened(this);
        refreshReading();
    }

    /** Takes the stream's reads and writes from any thread, where it has them; loop thread, once connected. */
    private void connectedDirect() {
        directWrite = stream instanceof AnyThreadWrite direct ? direct : null;
        inLock.lock();
        try {
            directRead = stream instanceof AnyThreadRead direct && direct.canReadNow() ? direct : null;
        } finally {
            inLock.unlock();
        }
    }

    // ---- creating ---------------------------------------------------------------------------

    /**
     * Creates an unconnected TCP socket on the JVM-wide group of the default backend.
     *
     * @return the socket
     * @throws IOException if no backend can run
     */
    public static Socket create() throws IOException {
        return create(LoopGroup.shared("default"));
    }

    /**
     * Creates an unconnected TCP socket on a group's loops.
     *
     * @param group where its loop comes from
     * @return the socket
     * @throws IOException {@link ErrorCode#EBADF} if the group is closed
     */
    public static Socket create(LoopGroup group) throws IOException {
        LoopGroup.Lane lane = group.nextLane();
        return onLoop(lane, () -> new Socket(lane, lane.loop().tcp(), false));
    }

    /**
     * Python's {@code create_connection}: a TCP socket connected to the address, with the timeout
     * set before the connect, bound first to the source address if one is given; closed again if
     * anything fails.
     *
     * @param group where its loop comes from
     * @param address where to connect
     * @param timeout the socket's timeout, also for the connect; null blocks
     * @param sourceAddress the local address to bind, or null
     * @return the connected socket
     * @throws IOException if binding or connecting fails, or the connect times out
     */
    public static Socket createConnection(LoopGroup group, InetSocketAddress address, Duration timeout, InetSocketAddress sourceAddress)
            throws IOException {
        Socket socket = create(group);
        try {
            socket.setTimeout(timeout);
            if (sourceAddress != null) {
                socket.bind(sourceAddress);
            }
            socket.connect(address);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Python's {@code socketpair()}: two Unix-domain stream sockets connected to each other, on one
     * loop of the group.
     *
     * @param group where their loop comes from
     * @return the two ends
     * @throws IOException if the pair cannot be made
     */
    public static Socket[] socketPair(LoopGroup group) throws IOException {
        LoopGroup.Lane lane = group.nextLane();
        Path dir = Files.createTempDirectory("loopsock-pair");
        String name = dir.resolve("s").toString();
        CompletableFuture<Socket[]> pair = new CompletableFuture<>();
        try {
            lane.execute(() -> {
                Pipe listener = lane.loop().pipe();
                Pipe client = lane.loop().pipe();
                Socket[] ends = new Socket[2];
                Runnable fail = () -> {
                    for (Pipe pipe : new Pipe[] {listener, client}) {
                        if (!pipe.isClosing()) {
                            pipe.close();
                        }
                    }
                };
                try {
                    listener.bind(name);
                    listener.listen(1, error -> {
                        if (error != null || pair.isDone()) {
                            fail.run();
                            pair.completeExceptionally(new SocketError(error != null ? error : new LoopException(ErrorCode.ECANCELED)));
                            return;
                        }
                        Pipe accepted = listener.accept();
                        listener.close();
                        ends[1] = new Socket(lane, accepted, true);
                        if (ends[0] != null) {
                            pair.complete(ends);
                        }
                    });
                    client.connect(name, error -> {
                        if (error != null) {
                            fail.run();
                            pair.completeExceptionally(new SocketError(error));
                            return;
                        }
                        ends[0] = new Socket(lane, client, true);
                        if (ends[1] != null) {
                            pair.complete(ends);
                        }
                    });
                } catch (LoopException | RuntimeException e) {
                    fail.run();
                    pair.completeExceptionally(e instanceof LoopException l ? new SocketError(l) : e);
                }
            });
            return await(lane, pair, null, "socketPair", true);
        } catch (java.io.InterruptedIOException e) {
            // The pair may still be made: it is closed when it is.
            pair.thenAccept(ends -> {
                ends[0].close();
                ends[1].close();
            });
            throw e;
        } finally {
            Files.deleteIfExists(Path.of(name));
            Files.deleteIfExists(dir);
        }
    }

    // ---- modes ------------------------------------------------------------------------------

    /**
     * Returns the timeout new sockets start with, Python's {@code getdefaulttimeout()}.
     *
     * @return null (blocking, the initial value), zero (non-blocking) or positive
     */
    public static Duration defaultTimeout() {
        return defaultTimeout;
    }

    /**
     * Sets the timeout new sockets start with, Python's {@code setdefaulttimeout()}.
     *
     * @param timeout null, zero or positive
     * @throws IllegalArgumentException for a negative timeout
     */
    public static void setDefaultTimeout(Duration timeout) {
        defaultTimeout = checkTimeout(timeout);
    }

    private static Duration checkTimeout(Duration timeout) {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("Timeout value out of range: " + timeout);
        }
        return timeout;
    }

    /**
     * Sets the mode: null blocks, zero is non-blocking, positive bounds each operation.
     *
     * @param timeout the timeout
     * @throws IllegalArgumentException for a negative timeout
     */
    public void setTimeout(Duration timeout) {
        this.timeout = checkTimeout(timeout);
    }

    /**
     * Returns the timeout.
     *
     * @return null when blocking, zero when non-blocking, else the bound of each operation
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Python's {@code setblocking}: true is {@code setTimeout(null)}, false {@code setTimeout(ZERO)}.
     *
     * @param blocking the mode
     */
    public void setBlocking(boolean blocking) {
        this.timeout = blocking ? null : Duration.ZERO;
    }

    /**
     * Tells whether the socket blocks: its timeout is not zero.
     *
     * @return false only in non-blocking mode
     */
    public boolean isBlocking() {
        Duration current = timeout;
        return current == null || !current.isZero();
    }

    // ---- connecting and listening ---------------------------------------------------------------

    /**
     * Binds the socket to a local address.
     *
     * @param address the address; port 0 picks one
     * @throws IOException {@link ErrorCode#EINVAL} if already bound, and the kernel's errors
     */
    public void bind(InetSocketAddress address) throws IOException {
        Objects.requireNonNull(address, "address");
        call("bind", () -> {
            tcp().bind(address);
            boundAddress = address;
            return null;
        });
    }

    /**
     * Connects, within the timeout. In non-blocking mode the connect goes on in the background and
     * this throws {@link ErrorCode#EINPROGRESS}-like {@link ErrorCode#EAGAIN}; a later
     * {@code connect} reports how it ended.
     *
     * @param address the peer
     * @throws SocketTimeoutException if the timeout passes first; the socket, with its bind and
     *     options, can connect again
     * @throws IOException {@link ErrorCode#ECONNREFUSED} and the other connect errors,
     *     {@link ErrorCode#EISCONN} if connected, {@link ErrorCode#EALREADY} while a background
     *     connect goes on, {@link ErrorCode#EAGAIN} when one starts in non-blocking mode
     */
    public void connect(InetSocketAddress address) throws IOException {
        connect(address, timeout);
    }

    /** Connects within an explicit limit: null blocks, zero starts it in the background. */
    void connect(InetSocketAddress address, Duration limit) throws IOException {
        Objects.requireNonNull(address, "address");
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> started = new CompletableFuture<>();
        submit(started, () -> {
            checkOpenOnLoop();
            if (connected) {
                throw new SocketError(ErrorCode.EISCONN, "already connected");
            }
            if (connectError != null) {
                // How a background connect ended, reported once, as SO_ERROR is.
                LoopException error = connectError;
                connectError = null;
                throw new SocketError(error);
            }
            if (connecting) {
                throw new SocketError(ErrorCode.EALREADY, "a connect is in progress");
            }
            connecting = true;
            Stream attempt = stream;
            tcp().connect(address, error -> {
                if (attempt != stream) {
                    // An attempt abandoned after a timeout; the socket has a fresh handle now.
                    return;
                }
                connecting = false;
                if (closed) {
                    done.completeExceptionally(closedError());
                } else if (error != null) {
                    if (!done.isDone()) {
                        done.completeExceptionally(new SocketError(error));
                    } else {
                        connectError = error;
                    }
                } else {
                    connected = true;
                    connectedDirect();
                    refreshReading();
                    done.complete(null);
                }
            });
            started.complete(null);
        });
        await(started, null, "connect", false);
        if (nonBlocking(limit)) {
            // The connect goes on in the background, as EINPROGRESS does; a result that is already
            // there is reported now.
            done.complete(null);
            Boolean ok = call("connect", () -> connected);
            if (!ok) {
                throw new SocketError(ErrorCode.EAGAIN, "connect in progress");
            }
            return;
        }
        try {
            await(done, limit, "connect", true);
        } catch (java.io.InterruptedIOException e) {
            // A timeout or an interrupt (SocketTimeoutException is an InterruptedIOException): the attempt is abandoned; the socket gets a fresh handle with the same bind and
            // options, so that it can connect again. A connect that finished meanwhile stands.
            Boolean nowConnected = onLoopUninterruptibly(() -> {
                if (connected || closed) {
                    return connected;
                }
                done.complete(null);
                connecting = false;
                stream.close();
                stream = lane.loop().tcp();
                for (var option : optionsSet.entrySet()) {
                    setRaw(stream, option.getKey(), option.getValue());
                }
                if (boundAddress != null) {
                    tcp().bind(boundAddress);
                }
                return false;
            });
            if (!nowConnected) {
                throw e;
            }
        }
    }

    /**
     * Python's {@code connect_ex}: connects, reporting a failure as its code instead of throwing.
     *
     * @param address the peer
     * @return empty on success, else the error; a socket timeout and a connect started in
     *     non-blocking mode are {@link ErrorCode#EAGAIN}
     */
    public Optional<ErrorCode> connectEx(InetSocketAddress address) {
        try {
            connect(address);
            return Optional.empty();
        } catch (SocketError e) {
            return Optional.of(e.code());
        } catch (SocketTimeoutException e) {
            return Optional.of(ErrorCode.EAGAIN);
        } catch (IOException e) {
            return Optional.of(ErrorCode.UNKNOWN);
        }
    }

    /**
     * Starts listening, with Python's default backlog.
     *
     * @throws IOException as {@link #listen(int)}
     */
    public void listen() throws IOException {
        listen(DEFAULT_BACKLOG);
    }

    /**
     * Starts listening; binds an unbound socket to an ephemeral port first.
     *
     * @param backlog the queue of connections not yet accepted; 0 or less means the default
     * @throws IOException {@link ErrorCode#EADDRINUSE} and the other listen errors
     */
    public void listen(int backlog) throws IOException {
        call("listen", () -> {
            if (listening) {
                return null;
            }
            stream.listen(backlog <= 0 ? DEFAULT_BACKLOG : backlog, error -> {
                if (error != null) {
                    // Kept for the next accept, and handed to a waiting one now.
                    listenError = error;
                } else {
                    connectionsWaiting++;
                }
                serveAcceptors();
            });
            listening = true;
            return null;
        });
    }

    /**
     * Accepts a connection, within the timeout. The new socket lives on the same loop and takes
     * the default timeout (Python's rule for accepted sockets).
     *
     * @return the connected socket; {@link #remoteAddress()} says who it is
     * @throws SocketTimeoutException if no connection came in time; the socket stays usable
     * @throws IOException {@link ErrorCode#EINVAL} if not listening, {@link ErrorCode#EAGAIN} in
     *     non-blocking mode with nothing waiting, {@link ErrorCode#EBADF} once closed
     */
    public Socket accept() throws IOException {
        return accept(timeout);
    }

    /** Accepts within an explicit limit: null blocks, zero does not wait. */
    Socket accept(Duration limit) throws IOException {
        Waiter<Socket> waiter = new Waiter<>(nonBlocking(limit), 0);
        submit(waiter, () -> {
            checkOpenOnLoop();
            if (!listening) {
                throw new SocketError(ErrorCode.EINVAL, "not listening");
            }
            acceptors.add(waiter);
            serveAcceptors();
            if (waiter.nonBlocking && !waiter.result.isDone()) {
                acceptors.remove(waiter);
                throw new SocketError(ErrorCode.EAGAIN, "no connection is waiting");
            }
        });
        return awaitWaiter(waiter, limit, acceptors);
    }

    private void serveAcceptors() {
        while (!acceptors.isEmpty()) {
            if (closed) {
                acceptors.poll().fail(closedError());
            } else if (!unclaimed.isEmpty()) {
                acceptors.poll().complete(unclaimed.poll());
            } else if (listenError != null) {
                LoopException error = listenError;
                listenError = null;
                acceptors.poll().fail(new SocketError(error));
            } else if (connectionsWaiting > 0) {
                Waiter<Socket> waiter = acceptors.poll();
                try {
                    Stream accepted = stream.accept();
                    connectionsWaiting--;
                    Socket socket = new Socket(lane, accepted, true);
                    socket.jdkRules = jdkRules;
                    waiter.complete(socket);
                } catch (LoopException e) {
                    connectionsWaiting = 0;
                    waiter.fail(new SocketError(e));
                }
            } else {
                return;
            }
        }
    }

    // ---- reading ----------------------------------------------------------------------------

    /**
     * Receives up to n bytes: at least one when any are available, none at the end of the stream
     * (every time); the rest stays buffered.
     *
     * @param n the most bytes to return; 0 returns none at once
     * @return the bytes
     * @throws SocketTimeoutException if nothing came within the timeout; nothing is lost
     * @throws IOException {@link ErrorCode#EAGAIN} in non-blocking mode with nothing to read,
     *     {@link ErrorCode#ECONNRESET} after a reset (once the bytes before it were read),
     *     {@link ErrorCode#EBADF} once closed
     * @throws IllegalArgumentException for a negative n
     */
    public byte[] recv(int n) throws IOException {
        return recv(n, timeout);
    }

    /** Receives within an explicit limit: null blocks, zero does not wait. */
    byte[] recv(int n, Duration limit) throws IOException {
        if (n < 0) {
            throw new IllegalArgumentException("negative buffersize in recv: " + n);
        }
        if (closed) {
            throw closedError();
        }
        if (n == 0) {
            return EMPTY;
        }
        checkNotLoopThread(lane, "recv");
        Waiter<byte[]> waiter = null;
        byte[] answered = null;
        boolean restart;
        inLock.lock();
        try {
            if (readers.isEmpty() && answersHere()) {
                ByteBuffer now = ByteBuffer.allocate((int) Math.min(n, inboundBytes > 0 ? inboundBytes : DIRECT_READ));
                int got = readHere(now);
                if (got >= 0) {
                    answered = got == now.capacity() ? now.array() : java.util.Arrays.copyOf(now.array(), got);
                }
            }
            if (answered != null) {
                restart = takeRestart();
            } else {
                waiter = new Waiter<>(nonBlocking(limit), n);
                readers.add(waiter);
                answerReaders();
                if (waiter.nonBlocking && !waiter.result.isDone()) {
                    readers.remove(waiter);
                    throw new SocketError(ErrorCode.EAGAIN, "nothing to read");
                }
                restart = takeRestart();
                if (!waiter.result.isDone() && readersAhead && !loopReading) {
                    // Caught up with the kernel: the reader waits, and the loop reads for it.
                    readersAhead = false;
                    restart = true;
                }
            }
        } finally {
            inLock.unlock();
        }
        if (restart) {
            restartReading();
        }
        if (waiter == null) {
            return answered;
        }
        waiter.queued.complete(null);
        return awaitWaiter(waiter, limit, readers);
    }

    /**
     * Receives into a buffer, Python's {@code recv_into}: up to its remaining bytes.
     *
     * @param buffer where the bytes go, from its position; the position advances past them
     * @return how many bytes were received; 0 at the end of the stream
     * @throws IOException as {@link #recv(int)}
     */
    public int recvInto(ByteBuffer buffer) throws IOException {
        return recvInto(buffer, 0);
    }

    /**
     * Receives into a buffer, Python's {@code recv_into(buffer, nbytes)}.
     *
     * @param buffer where the bytes go, from its position; the position advances past them
     * @param nbytes the most bytes to receive; 0 means the buffer's remaining bytes
     * @return how many bytes were received; 0 at the end of the stream
     * @throws IOException as {@link #recv(int)}
     * @throws IllegalArgumentException if nbytes is negative or more than the buffer holds
     */
    public int recvInto(ByteBuffer buffer, int nbytes) throws IOException {
        if (nbytes < 0 || nbytes > buffer.remaining()) {
            throw new IllegalArgumentException("buffer too small for requested bytes: " + nbytes + " > " + buffer.remaining());
        }
        return recvInto(buffer, nbytes == 0 ? buffer.remaining() : nbytes, timeout);
    }

    /**
     * Receives up to n bytes into a buffer within an explicit limit, as {@link #recv(int, Duration)}
     * does: bytes read ahead, or (with readers ahead of the loop) the kernel's bytes, go straight
     * into the buffer, without an array of their own; otherwise the caller waits as a reader.
     *
     * @return how many bytes were received; 0 at the end of the stream (or for n = 0)
     */
    int recvInto(ByteBuffer buffer, int n, Duration limit) throws IOException {
        if (buffer.isReadOnly()) {
            // Refused before anything is received, so that no byte is lost.
            throw new java.nio.ReadOnlyBufferException();
        }
        if (n > 0 && !closed) {
            checkNotLoopThread(lane, "recv");
            int got = -1;
            boolean restart = false;
            inLock.lock();
            try {
                if (readers.isEmpty() && answersHere()) {
                    got = readHere(buffer.slice(buffer.position(), n));
                    if (got > 0) {
                        buffer.position(buffer.position() + got);
                    }
                    restart = got >= 0 && takeRestart();
                }
            } finally {
                inLock.unlock();
            }
            if (restart) {
                restartReading();
            }
            if (got >= 0) {
                return got;
            }
        }
        // To wait (a read of the kernel that found nothing is tried once more there, which also
        // hands reading back to the loop).
        byte[] bytes = recv(n, limit);
        buffer.put(bytes);
        return bytes.length;
    }

    /**
     * Hands buffered bytes, the end of the stream or the read error to waiting readers, in order,
     * then reads ahead or stops as the buffer now asks. Loop thread.
     */
    private void serveReaders() {
        boolean wanted;
        inLock.lock();
        try {
            answerReaders();
            wanted = readAheadWanted();
        } finally {
            inLock.unlock();
        }
        applyReading(wanted);
    }

    /**
     * Answers the waiting readers that can be answered now, in order. Under {@link #inLock}.
     *
     * @return whether it answered any
     */
    private boolean answerReaders() {
        boolean answered = false;
        while (!readers.isEmpty()) {
            Waiter<byte[]> waiter = readers.peek();
            if (closed) {
                readers.poll().fail(closedError());
            } else if (inputShut) {
                readers.poll().complete(EMPTY);
            } else if (inboundBytes > 0) {
                readers.poll().complete(take(waiter.size));
            } else if (endOfStream) {
                readers.poll().complete(EMPTY);
            } else if (readError != null) {
                readers.poll().fail(new SocketError(readError));
            } else if (!connected && !connecting) {
                readers.poll().fail(new SocketError(ErrorCode.ENOTCONN, "not connected"));
            } else {
                break;
            }
            answered = true;
        }
        return answered;
    }

    /**
     * Tells whether a reader just made room in a buffer whose fullness had stopped reading ahead,
     * and clears the mark: the caller then has the loop restart it. Under {@link #inLock}.
     */
    private boolean takeRestart() {
        if (readAheadFull && inboundBytes < READ_AHEAD) {
            readAheadFull = false;
            return true;
        }
        return false;
    }

    /** Has the loop read ahead again; from a caller that made room. */
    private void restartReading() {
        try {
            lane.execute(this::refreshReading);
        } catch (SocketError e) {
            // The group is closed, and this socket with it.
        }
    }

    /** Takes up to n buffered bytes. Under {@link #inLock}. */
    private byte[] take(int n) {
        byte[] out = new byte[(int) Math.min(n, inboundBytes)];
        takeInto(ByteBuffer.wrap(out), out.length);
        return out;
    }

    /**
     * Answers a reader with nobody queued ahead of it, on its own thread, if that can be done now:
     * with bytes read ahead, or, with readers ahead of the loop and the loop not reading, with
     * what the kernel has. Under {@link #inLock}, with {@link #readers} empty and
     * {@link #answersHere()} true.
     *
     * @param into where the bytes go, from position 0 to its limit (at least one byte)
     * @return the bytes put there, 0 at the end of the stream, or -1 if the reader must queue
     * @throws IOException a read error from the kernel (kept, as the loop keeps one)
     */
    private int readHere(ByteBuffer into) throws IOException {
        if (inboundBytes > 0) {
            if (inboundBytes >= BEHIND && directRead != null) {
                // The reader is behind a stream: from now on it reads from the kernel itself
                // once the buffer is empty, and the loop stops reading ahead at its next read.
                readersAhead = true;
            }
            return takeInto(into, into.remaining());
        }
        if (into.remaining() > DIRECT_READ) {
            // A critical downcall holds off the JVM's safepoints while it copies: kept short.
            into.limit(into.position() + DIRECT_READ);
        }
        int got;
        try {
            got = directRead.readNow(into);
        } catch (LoopException e) {
            if (e.code() == ErrorCode.ENOTSUP) {
                // Not here after all (no native access): the reader queues, and the loop reads.
                directRead = null;
                return -1;
            }
            readError = e;
            throw new SocketError(e);
        }
        if (got < 0) {
            endOfStream = true;
            return 0;
        }
        return got == 0 ? -1 : got;
    }

    /**
     * Whether {@link #readHere} can answer a reader now: bytes are read ahead, or readers are
     * ahead of the loop and the loop is not reading. Under {@link #inLock}.
     */
    private boolean answersHere() {
        return !closed && !inputShut && (inboundBytes > 0
                || (readersAhead && directRead != null && !loopReading && connected && !endOfStream && readError == null));
    }

    /** Moves up to n buffered bytes into a buffer that has room for them. Under {@link #inLock}. */
    private int takeInto(ByteBuffer out, int n) {
        int total = (int) Math.min(n, inboundBytes);
        int filled = 0;
        while (filled < total) {
            byte[] head = inbound.peek();
            int count = Math.min(total - filled, head.length - inboundOffset);
            out.put(head, inboundOffset, count);
            filled += count;
            inboundOffset += count;
            if (inboundOffset == head.length) {
                inbound.poll();
                inboundOffset = 0;
            }
        }
        inboundBytes -= total;
        return total;
    }

    /**
     * Reads ahead while the socket is connected and the buffer has room, so that a non-blocking
     * recv finds what the kernel had, and stops when the buffer is full (the kernel's receive
     * buffer and TCP's flow control then hold the rest).
     */
    private void refreshReading() {
        boolean wanted;
        inLock.lock();
        try {
            wanted = readAheadWanted();
        } finally {
            inLock.unlock();
        }
        applyReading(wanted);
    }

    /**
     * Whether the loop should read ahead now; marks a stop for a full buffer, which the reader
     * that makes room undoes (see {@link #takeRestart()}). Under {@link #inLock}.
     */
    private boolean readAheadWanted() {
        boolean open = connected && !closed && !endOfStream && !inputShut && readError == null;
        boolean room = inboundBytes < READ_AHEAD;
        // With readers ahead, the loop reads only for a reader that waits.
        boolean wanted = open && room && (!readersAhead || !readers.isEmpty());
        readAheadFull = open && !room;
        // Set here, under the lock, before the loop starts or after it has decided to stop: it
        // reads only in its poll phase, so no read of the loop overlaps a read of a caller.
        loopReading = wanted;
        return wanted;
    }

    /** Starts or stops the stream's reading as wanted. Loop thread. */
    private void applyReading(boolean wanted) {
        try {
            if (wanted && !reading) {
                stream.startRead(this::onRead);
                reading = true;
            } else if (!wanted && reading) {
                stream.stopRead();
                reading = false;
            }
        } catch (LoopException e) {
            inLock.lock();
            try {
                readError = e;
            } finally {
                inLock.unlock();
            }
            reading = false;
            serveReaders();
        }
    }

    /** The bytes read ahead and not taken yet. */
    private long buffered() {
        inLock.lock();
        try {
            return inboundBytes;
        } finally {
            inLock.unlock();
        }
    }

    private void onRead(ReadResult result) {
        // One section per read: the bytes go in, the readers they answer are answered, and
        // whether to go on reading is decided, all under the one lock.
        byte[] chunk = null;
        if (result instanceof ReadResult.Data(ByteBuffer bytes)) {
            chunk = new byte[bytes.remaining()];
            bytes.get(chunk);
        }
        boolean wanted;
        inLock.lock();
        try {
            switch (result) {
                case ReadResult.Data _ -> {
                    inbound.add(chunk);
                    inboundBytes += chunk.length;
                }
                case ReadResult.EndOfStream() -> endOfStream = true;
                case ReadResult.Failed(LoopException error) -> readError = error;
            }
            if (answerReaders()) {
                // A reader had to wait for these bytes: readers are not ahead of the loop.
                readersAhead = false;
            }
            wanted = readAheadWanted();
        } finally {
            inLock.unlock();
        }
        if (chunk == null) {
            reading = false;
        }
        applyReading(wanted);
    }

    // ---- writing ----------------------------------------------------------------------------

    /**
     * Sends some of the bytes, Python's {@code send}: as many as the socket takes now; when it
     * takes none, the loop takes them all, as a kernel buffer would, and sends them in the
     * background. While such bytes are still queued, a send waits (within the timeout) until they
     * have gone, so that a send that times out has sent nothing.
     *
     * @param data the bytes from its position; the position advances past those sent
     * @return how many were taken; 0 only for no bytes
     * @throws SocketTimeoutException if none could be taken within the timeout; none were
     * @throws IOException {@link ErrorCode#EAGAIN} in non-blocking mode when none fit,
     *     {@link ErrorCode#EPIPE} after {@code shutdown(WRITE)}, the connection's errors (also one
     *     that a queued send met)
     */
    public int send(ByteBuffer data) throws IOException {
        if (!data.hasRemaining()) {
            if (closed) {
                throw closedError();
            }
            return 0;
        }
        checkNotLoopThread(lane, "send");
        lockOut(timeout);
        try {
            int now = writeNow(data);
            if (now > 0) {
                return now;
            }
            byte[] copy = copyOf(data);
            int sent = commit(copy, timeout, "send", false);
            data.position(data.position() + sent);
            return sent;
        } finally {
            outLock.unlock();
        }
    }

    /**
     * Sends all the bytes, Python's {@code sendall}: returns once every byte is with the kernel,
     * within one deadline for the whole call. After a failure, how much was sent is unknown.
     *
     * @param data the bytes from its position; the position advances to the limit on success
     * @throws SocketTimeoutException if the deadline passed first
     * @throws IOException as {@link #send(ByteBuffer)}
     */
    public void sendAll(ByteBuffer data) throws IOException {
        sendAll(data, timeout);
    }

    /** Sends all the bytes within an explicit limit for the whole call: null blocks. */
    void sendAll(ByteBuffer data, Duration limit) throws IOException {
        if (closed) {
            throw closedError();
        }
        if (!data.hasRemaining()) {
            return;
        }
        checkNotLoopThread(lane, "sendAll");
        long deadline = deadline(limit);
        lockOut(limit);
        try {
            writeNow(data);
            if (!data.hasRemaining()) {
                return;
            }
            Duration rest = remaining(deadline);
            if (rest != null && rest.isZero() && !nonBlocking(limit)) {
                // The deadline passed while waiting for another sender: a timeout, not EAGAIN.
                throw new SocketTimeoutException("timed out");
            }
            commit(copyOf(data), rest, "sendAll", true);
            data.position(data.limit());
        } finally {
            outLock.unlock();
        }
    }

    /** Takes {@link #outLock} within a send's limit: another thread's send may hold it. */
    private void lockOut(Duration limit) throws IOException {
        if (limit == null) {
            outLock.lock();
            return;
        }
        boolean locked;
        try {
            locked = outLock.tryLock(limit.compareTo(LONGEST) > 0 ? LONGEST.toNanos() : limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for another thread's send");
        }
        if (!locked) {
            if (nonBlocking(limit)) {
                throw new SocketError(ErrorCode.EAGAIN, "another thread is sending");
            }
            throw new SocketTimeoutException("timed out");
        }
    }

    /**
     * Writes what the kernel takes now on the caller's thread, as the JDK's sockets try the system
     * call before they park: a send that fits is then no round trip to the loop. Only with nothing
     * queued on the loop (so that bytes keep their order) and under {@link #outLock}.
     *
     * @return the bytes written, 0 if none could be here (the loop then takes them)
     */
    private int writeNow(ByteBuffer data) throws IOException {
        AnyThreadWrite direct = directWrite;
        if (direct == null || writesQueued > 0 || outputShut || writeError != null) {
            return 0;
        }
        writeNowLock.lock();
        try {
            if (closed) {
                return 0;
            }
            return direct.writeNow(data);
        } catch (LoopException e) {
            if (e.code() == ErrorCode.ENOTSUP) {
                // Not here after all: every later send goes through the loop.
                directWrite = null;
                return 0;
            }
            throw new SocketError(e);
        } finally {
            writeNowLock.unlock();
        }
    }

    /**
     * Hands bytes to the loop once its write queue is empty, within one deadline: a send takes what
     * the kernel takes now, or queues the rest; a sendAll queues them all and waits for them too.
     */
    private int commit(byte[] bytes, Duration limit, String what, boolean all) throws IOException {
        long deadline = deadline(limit);
        while (true) {
            Waiter<Boolean> drained = new Waiter<>(nonBlocking(limit), 0);
            CompletableFuture<Integer> written = new CompletableFuture<>();
            CompletableFuture<Integer> taken = new CompletableFuture<>();
            submit(taken, () -> {
                checkWritableOnLoop();
                if (writesQueued > 0) {
                    if (drained.nonBlocking) {
                        throw new SocketError(ErrorCode.EAGAIN, "earlier bytes are still queued");
                    }
                    drainers.add(drained);
                    taken.complete(-1);
                    return;
                }
                int now = stream.tryWrite(ByteBuffer.wrap(bytes));
                if (now == bytes.length || (now > 0 && !all)) {
                    written.complete(now);
                    taken.complete(now);
                } else if (drained.nonBlocking && (now == 0 || all)) {
                    throw new SocketError(ErrorCode.EAGAIN, "the socket is full (" + now + " of " + bytes.length + " bytes sent)");
                } else {
                    queueWrite(ByteBuffer.wrap(bytes, now, bytes.length - now), written, bytes.length);
                    taken.complete(bytes.length);
                }
            });
            // Only the loop is waited for here, never the peer, so an interrupt does not end the
            // wait: ended early, it would report an interrupt for bytes the loop took, which the
            // caller would then send again.
            int took = await(lane, taken, null, what, false);
            if (took < 0) {
                // Earlier bytes are queued: wait for them, then try again. The drainer is queued
                // (the task above ran), which a wait with an interrupt already pending waits for.
                drained.queued.complete(null);
                awaitWaiter(drained, remaining(deadline), drainers);
                continue;
            }
            if (all) {
                await(written, remaining(deadline), what, true);
            }
            return took;
        }
    }

    private void queueWrite(ByteBuffer bytes, CompletableFuture<Integer> done, int count) throws LoopException {
        writesQueued++;
        stream.write(bytes, error -> {
            writesQueued--;
            if (error != null && error.code() != ErrorCode.ECANCELED) {
                writeError = error;
            }
            if (error != null) {
                done.completeExceptionally(closed ? closedError() : new SocketError(error));
            } else {
                done.complete(count);
            }
            if (writesQueued == 0) {
                Waiter<Boolean> drainer;
                while ((drainer = drainers.poll()) != null) {
                    drainer.complete(true);
                }
            }
        });
    }

    private void checkWritableOnLoop() throws IOException {
        checkOpenOnLoop();
        if (outputShut) {
            throw new SocketError(ErrorCode.EPIPE, "shut down for writing");
        }
        if (writeError != null) {
            throw new SocketError(writeError);
        }
        if (!connected) {
            throw new SocketError(ErrorCode.ENOTCONN, "not connected");
        }
    }

    private static boolean nonBlocking(Duration limit) {
        return limit != null && limit.isZero();
    }

    private static long deadline(Duration limit) {
        if (limit == null) {
            return Long.MAX_VALUE;
        }
        Duration bound = limit.compareTo(LONGEST) > 0 ? LONGEST : limit;
        return System.nanoTime() + bound.toNanos();
    }

    private static Duration remaining(long deadline) {
        return deadline == Long.MAX_VALUE ? null : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static byte[] copyOf(ByteBuffer data) {
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return copy;
    }

    // ---- shutdown and close -------------------------------------------------------------------

    /**
     * Half-closes, Python's {@code shutdown}. READ makes reads return the end of the stream, waking
     * blocked readers with it; WRITE sends a FIN after the queued bytes, without waiting for them.
     *
     * @param how which direction
     * @throws IOException {@link ErrorCode#ENOTCONN} if not connected, {@link ErrorCode#EBADF} once closed
     */
    public void shutdown(How how) throws IOException {
        Objects.requireNonNull(how, "how");
        call("shutdown", () -> {
            if (!connected) {
                throw new SocketError(ErrorCode.ENOTCONN, "not connected");
            }
            if (how != How.WRITE) {
                inLock.lock();
                try {
                    inputShut = true;
                } finally {
                    inLock.unlock();
                }
                serveReaders();
            }
            if (how != How.READ && !outputShut) {
                // As the system call, shutdown does not wait: the FIN follows the queued bytes.
                outputShut = true;
                stream.shutdown(null);
            }
            return null;
        });
    }

    /**
     * Closes the socket, Python's {@code close}: idempotent. If file views from
     * {@link #makeFile} are still open, the socket keeps working for them and really closes when the
     * last one closes; otherwise it closes now: callers blocked on it wake with
     * {@link ErrorCode#EBADF}, and the loop closes the handle (this returns once it has, or at once
     * on the loop's own thread).
     */
    @Override
    public void close() {
        synchronized (references) {
            if (userClosed) {
                return;
            }
            userClosed = true;
            if (references[0] > 0) {
                return;
            }
        }
        realClose();
    }

    /** Takes a reference for a file view; fails if the socket is closed. */
    void retain() throws SocketError {
        synchronized (references) {
            if (userClosed || closed) {
                throw closedError();
            }
            references[0]++;
        }
    }

    /** Drops a file view's reference; the last one after {@link #close()} really closes. */
    void release() {
        synchronized (references) {
            references[0]--;
            if (!userClosed || references[0] > 0) {
                return;
            }
        }
        realClose();
    }

    private void realClose() {
        if (closed) {
            return;
        }
        if (!lane.isLoopThread()) {
            lingerOnCaller();
        }
        closed = true;
        if (lane.isLoopThread()) {
            closeOnLoop();
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            lane.execute(() -> {
                closeOnLoop();
                done.complete(null);
            });
        } catch (SocketError e) {
            // The group is closed: its loop closed every socket on it.
            return;
        }
        done.join();
    }

    /**
     * Opens a file view of the socket, Python's {@code makefile}: see {@link SocketFile}. Each view
     * holds a reference: the socket really closes only when it and every view are closed.
     *
     * @param mode made of r, w and b only: "r", "w", "rw", with "b" for binary
     * @param buffering -1 for the default buffer size, 0 unbuffered (binary only), 1 line-buffered
     *     (text writers), else the buffer size
     * @param encoding the text encoding, null for UTF-8 (text modes)
     * @param errors "strict" (the default when null), "replace" or "ignore" (text modes)
     * @param newline null (universal newlines), "", "\\n", "\\r" or "\\r\\n" (text modes)
     * @return the view
     * @throws IllegalArgumentException for a bad mode or combination, as Python's ValueError
     * @throws IOException {@link ErrorCode#EBADF} if the socket is closed
     */
    public SocketFile makeFile(String mode, int buffering, String encoding, String errors, String newline) throws IOException {
        return new SocketFile(this, mode, buffering, encoding, errors, newline);
    }

    /**
     * Opens a file view with Python's defaults: {@code makeFile(mode, -1, null, null, null)}.
     *
     * @param mode made of r, w and b only
     * @return the view
     * @throws IOException {@link ErrorCode#EBADF} if the socket is closed
     */
    public SocketFile makeFile(String mode) throws IOException {
        return makeFile(mode, -1, null, null, null);
    }

    /** Closes on the loop thread: every waiter fails with EBADF, the handle closes. */
    void closeOnLoop() {
        closed = true;
        lane.closed(this);
        // Takes the receive lock: a read on a caller's thread (readHere) finishes its system call
        // before the descriptor goes, and later ones see the socket closed.
        serveReaders();
        serveAcceptors();
        Waiter<Boolean> drainer;
        while ((drainer = drainers.poll()) != null) {
            drainer.fail(closedError());
        }
        Socket orphan;
        while ((orphan = unclaimed.poll()) != null) {
            orphan.closeOnLoop();
        }
        if (stream != null && !stream.isClosing()) {
            if (jdkRules && connected && !outputShut && writesQueued == 0
                    && !Integer.valueOf(0).equals(optionsSet.get(StandardSocketOptions.SO_LINGER))) {
                try {
                    stream.shutdown(null);
                    outputShut = true;
                } catch (LoopException | RuntimeException e) {
                    // A connection already torn down closes as it is.
                }
            }
            if (connected && buffered() > 0) {
                // The kernel resets a connection closed with bytes unread; the loop has read them
                // ahead, so it is told to, as if they were still in the kernel's queue.
                resetOnClose();
            }
            // A send on a caller's thread finishes its system call before the descriptor goes;
            // later ones see the socket closed.
            writeNowLock.lock();
            writeNowLock.unlock();
            stream.close();
        }
        reading = false;
    }

    /**
     * SO_LINGER above 0 makes the kernel's close wait for the unsent bytes, which on the loop's
     * thread would hold up every socket of the loop. So the caller waits instead, as with the JDK's
     * socket (whose close lingers on the closing thread): until the loop's queue and the kernel's
     * send queue are empty, or the linger time is up; then the loop closes without lingering, in
     * order, or, when the time ran out, with the reset a lingering close ends with. Where the
     * backend cannot count unsent bytes the kernel lingers as it would.
     */
    private void lingerOnCaller() {
        Integer seconds;
        try {
            seconds = call("close", () -> connected && optionsSet.get(StandardSocketOptions.SO_LINGER) instanceof Integer linger
                    && linger > 0 ? linger : null);
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (seconds == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        boolean drained;
        try {
            while (!(drained = bytesUnsent() == 0) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        } catch (IOException | RuntimeException e) {
            // No count of unsent bytes here (nio), or the connection is gone: the kernel decides.
            return;
        }
        int linger = drained ? -1 : 0;
        try {
            call("close", () -> {
                stream.setOption(StandardSocketOptions.SO_LINGER, linger);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            // The close below still closes.
        }
    }

    private void resetOnClose() {
        try {
            stream.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (LoopException | RuntimeException e) {
            // A handle that cannot linger (a pipe) closes in order.
        }
    }

    /**
     * Tells whether {@link #close()} was called (Python's {@code _closed}); with file views still
     * open the socket keeps working until the last one closes.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        synchronized (references) {
            return userClosed || closed;
        }
    }

    private static SocketError closedError() {
        return new SocketError(ErrorCode.EBADF, "the socket is closed");
    }

    private void checkOpenOnLoop() throws SocketError {
        if (closed) {
            throw closedError();
        }
    }

    // ---- addresses, options and queries --------------------------------------------------------

    /**
     * Returns the local address, Python's {@code getsockname()}.
     *
     * @return the address
     * @throws IOException {@link ErrorCode#EBADF} without a socket yet or once closed
     */
    public InetSocketAddress localAddress() throws IOException {
        return call("localAddress", () -> tcp().localAddress());
    }

    /**
     * Returns the peer's address, Python's {@code getpeername()}.
     *
     * @return the address
     * @throws IOException {@link ErrorCode#ENOTCONN} if not connected
     */
    public InetSocketAddress remoteAddress() throws IOException {
        return call("remoteAddress", () -> tcp().remoteAddress());
    }

    /**
     * Sets an option.
     *
     * @param <T> the value type
     * @param name the option
     * @param value the value
     * @throws IOException if the kernel refuses it
     */
    public <T> void setOption(SocketOption<T> name, T value) throws IOException {
        call("setOption", () -> {
            stream.setOption(name, value);
            optionsSet.put(name, value);
            return null;
        });
    }

    /**
     * Reads an option.
     *
     * @param <T> the value type
     * @param name the option
     * @return the value the kernel reports
     * @throws IOException if it cannot be read
     */
    public <T> T option(SocketOption<T> name) throws IOException {
        return call("option", () -> stream.option(name));
    }

    /**
     * Turns keep-alive on with its three settings in one call (Windows' {@code SIO_KEEPALIVE_VALS},
     * Linux's three options), or off.
     *
     * @param on whether to probe idle connections
     * @param idle idle time before the first probe, whole seconds
     * @param interval time between probes, whole seconds
     * @param count probes before the connection is dropped
     * @throws IOException if the kernel refuses a value
     */
    public void setKeepAlive(boolean on, Duration idle, Duration interval, int count) throws IOException {
        setOption(StandardSocketOptions.SO_KEEPALIVE, on);
        if (on) {
            setOption(ExtendedSocketOptions.TCP_KEEPIDLE, (int) idle.toSeconds());
            setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, (int) interval.toSeconds());
            setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, count);
        }
    }

    /**
     * Returns how many bytes a read could return now: those this layer has buffered plus those the
     * kernel holds (FIONREAD).
     *
     * @return the bytes
     * @throws IOException {@link ErrorCode#ENOTSUP} where the backend cannot ask the kernel
     */
    public long bytesReadable() throws IOException {
        return call("bytesReadable", () -> {
            inLock.lock();
            try {
                return inputShut ? 0 : inboundBytes + (endOfStream ? 0 : stream.bytesReadable());
            } finally {
                inLock.unlock();
            }
        });
    }

    /**
     * Returns how many bytes this layer has read ahead and holds for the next reads, without
     * asking the kernel.
     *
     * @return the bytes; 0 after {@code shutdown(READ)}
     * @throws IOException {@link ErrorCode#EBADF} once closed
     */
    long bytesBuffered() throws IOException {
        return call("bytesBuffered", () -> {
            inLock.lock();
            try {
                return inputShut ? 0 : inboundBytes;
            } finally {
                inLock.unlock();
            }
        });
    }

    /**
     * Returns the options this socket's backend supports, for {@link #setOption} and
     * {@link #option}.
     *
     * @return the options
     * @throws IOException {@link ErrorCode#EBADF} once closed
     */
    public java.util.Set<SocketOption<?>> supportedOptions() throws IOException {
        return call("supportedOptions", () -> stream.supportedOptions());
    }

    /**
     * Returns how many bytes are not yet acknowledged or not yet sent: queued in the loop plus the
     * kernel's send queue (SIOCOUTQ).
     *
     * @return the bytes
     * @throws IOException {@link ErrorCode#ENOTSUP} where the backend cannot ask the kernel
     */
    public long bytesUnsent() throws IOException {
        return call("bytesUnsent", () -> stream.writeQueueSize() + (long) tcp().bytesUnsent());
    }

    @Override
    public String toString() {
        return "Socket[" + (closed ? "closed" : connected ? "connected" : listening ? "listening" : "unconnected") + "]";
    }

    // ---- running on the loop ----------------------------------------------------------------

    private Tcp tcp() throws LoopException {
        if (stream instanceof Tcp tcp) {
            return tcp;
        }
        throw new LoopException(ErrorCode.ENOTSUP, "not a TCP socket");
    }

    @SuppressWarnings("unchecked")
    private static <T> void setRaw(Stream stream, SocketOption<T> name, Object value) throws LoopException {
        stream.setOption(name, (T) value);
    }

    /** Work done on the loop thread. */
    @FunctionalInterface
    private interface LoopWork<T> {
        T run() throws IOException;
    }

    /** A task for the loop thread that may fail. */
    @FunctionalInterface
    private interface LoopTask {
        void run() throws IOException;
    }

    /**
     * Runs a waiter's task on the loop, as {@link #submit(CompletableFuture, LoopTask)}, and marks
     * the waiter queued once the task has run: what the loop could answer at once is answered then.
     */
    private void submit(Waiter<?> waiter, LoopTask task) throws SocketError {
        submit(waiter.result, () -> {
            try {
                task.run();
            } finally {
                waiter.queued.complete(null);
            }
        });
    }

    /** Runs a task on the loop; whatever it throws fails the future, so no caller stays parked. */
    private void submit(CompletableFuture<?> future, LoopTask task) throws SocketError {
        lane.execute(() -> {
            try {
                task.run();
            } catch (LoopException e) {
                future.completeExceptionally(new SocketError(e));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
    }

    /** Runs work on the loop, checking the socket is open there, and waits for it without a bound. */
    private <T> T call(String what, LoopWork<T> work) throws IOException {
        CompletableFuture<T> done = new CompletableFuture<>();
        lane.execute(() -> {
            try {
                checkOpenOnLoop();
                done.complete(work.run());
            } catch (LoopException e) {
                done.completeExceptionally(new SocketError(e));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return await(done, null, what, false);
    }

    /**
     * Waits for a result as this socket takes interrupts: see {@link #jdkRules}; a blocking
     * operation is one that waits for the peer or the network, not only for the loop.
     */
    private <T> T await(CompletableFuture<T> done, Duration limit, String what, boolean blocking) throws IOException {
        boolean interruptible = !jdkRules || (blocking && Thread.currentThread().isVirtual());
        return await(lane, done, limit, what, interruptible);
    }

    /** Runs work on the loop and waits for it; only the loop is waited for, so interrupts do not end it. */
    private static <T> T onLoop(LoopGroup.Lane lane, LoopWork<T> work) throws IOException {
        CompletableFuture<T> done = new CompletableFuture<>();
        lane.execute(() -> {
            try {
                done.complete(work.run());
            } catch (LoopException e) {
                done.completeExceptionally(new SocketError(e));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return await(lane, done, null, "call", false);
    }

    /** Runs work on the loop and waits for it even if the caller is interrupted. */
    private <T> T onLoopUninterruptibly(LoopWork<T> work) throws IOException {
        CompletableFuture<T> done = new CompletableFuture<>();
        lane.execute(() -> {
            try {
                done.complete(work.run());
            } catch (LoopException e) {
                done.completeExceptionally(new SocketError(e));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw rethrow(e.getCause());
        }
    }

    /**
     * Waits for a result; null waits without a bound. A timeout leaves the work running. An
     * uninterruptible wait goes on through interrupts and sets the thread's interrupt status again
     * when it ends.
     */
    private static <T> T await(LoopGroup.Lane lane, CompletableFuture<T> done, Duration limit, String what, boolean interruptible)
            throws IOException {
        checkNotLoopThread(lane, what);
        long deadline = limit == null ? 0 : System.nanoTime() + (limit.compareTo(LONGEST) > 0 ? LONGEST : limit).toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (limit == null) {
                        return done.get();
                    }
                    return done.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    if (interruptible) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for " + what);
                    }
                    interrupted = true;
                }
            }
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("timed out");
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void checkNotLoopThread(LoopGroup.Lane lane, String what) {
        if (lane.isLoopThread()) {
            throw new IllegalStateException("a blocking socket call (" + what + ") on the loop's own thread would deadlock");
        }
    }

    private static IOException rethrow(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException(cause);
    }

    /**
     * Waits for a reader, acceptor or drain waiter. If the wait ends early — a timeout, an
     * interrupt — the waiter is withdrawn; if the loop answered it meanwhile, the call takes the
     * answer after all, so nothing is lost and nothing goes back behind what later callers were
     * given. An interrupt then stays pending (the thread's status is set) for its next wait.
     */
    private <T> T awaitWaiter(Waiter<T> waiter, Duration limit, ArrayDeque<Waiter<T>> queue) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            // An interrupt already pending ends only a wait: what the loop can answer at once (bytes
            // buffered, a connection waiting) is taken first, as the JDK's socket tries the system
            // call before it parks.
            waiter.queued.join();
        }
        try {
            // A non-blocking call only waits for the loop's answer, so an interrupt does not end it.
            return await(waiter.result, waiter.nonBlocking ? null : limit, "a socket call", !waiter.nonBlocking);
        } catch (java.io.InterruptedIOException e) {
            // A timeout, or an interrupt: SocketTimeoutException is an InterruptedIOException.
            LoopWork<Void> withdraw = () -> {
                if (queue.remove(waiter)) {
                    waiter.result.completeExceptionally(e);
                }
                return null;
            };
            if ((Object) queue == readers) {
                // Readers are shared with callers: withdrawn here, under their lock.
                inLock.lock();
                try {
                    withdraw.run();
                } catch (IOException impossible) {
                    throw new AssertionError(impossible);
                } finally {
                    inLock.unlock();
                }
            } else {
                onLoopUninterruptibly(withdraw);
            }
            try {
                return waiter.result.join();
            } catch (java.util.concurrent.CompletionException failure) {
                throw failure.getCause() == e ? e : rethrow(failure.getCause());
            }
        }
    }

    /** A caller waiting for a result from the loop. */
    private static final class Waiter<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        /** Completed once the loop has queued the waiter and answered what it could at once. */
        final CompletableFuture<Void> queued = new CompletableFuture<>();
        final boolean nonBlocking;
        final int size;

        Waiter(boolean nonBlocking, int size) {
            this.nonBlocking = nonBlocking;
            this.size = size;
        }

        void complete(T value) {
            result.complete(value);
        }

        void fail(Throwable error) {
            result.completeExceptionally(error);
        }
    }
}
