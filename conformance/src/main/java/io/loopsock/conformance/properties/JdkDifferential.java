package io.loopsock.conformance.properties;

import io.loopsock.Async;
import io.loopsock.Callback;
import io.loopsock.ErrorCode;
import io.loopsock.Handle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadCallback;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.Check;
import io.loopsock.conformance.Rules;
import io.loopsock.conformance.engine.Describe;
import io.loopsock.conformance.engine.Gen;
import io.loopsock.conformance.engine.Property;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Differential properties: the same random scenario runs twice, once on a stream of the backend
 * under test and once on the JDK's own blocking {@link Socket}, each against a JDK peer on a
 * platform thread, and what the two observe must be the same once mapped to a common form.
 *
 * <p>The common form of an error is its class, not its text: {@code ECONNREFUSED} and
 * {@link ConnectException} are "refused", {@code ECONNRESET} and a {@link SocketException} whose
 * message says "Connection reset" are "reset", {@code EPIPE} and "Broken pipe" are "broken pipe",
 * {@code EADDRINUSE} and {@link BindException} are "address in use", {@code EINVAL} and the JDK's
 * "Invalid argument" are "invalid argument"; {@link IllegalArgumentException} and
 * {@link UnsupportedOperationException} stand for themselves. Received bytes are compared as a count
 * plus whether they are exactly the bytes the peer sent, in order.
 *
 * <p>Any thread: each try opens its own loop on the calling thread, runs it bounded, and closes it
 * (every handle closed) before the next try. Every wait is bounded; nothing sleeps, except that
 * bytes readable, which no event announces, is sampled on a 1 ms tick until it settles.
 */
public final class JdkDifferential {
    /** Every wait of a try is bounded by this. */
    private static final long BOUND_MILLIS = 10_000;
    /** How long bytes readable is sampled for before its last value counts. */
    private static final long SAMPLE_MILLIS = 2_000;
    /** A writer waiting for the peer's reset gives up after this many bytes beyond those the peer reads. */
    private static final long WRITE_LIMIT = 64L << 20;

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static final String NONE = "none";
    private static final String EOF = "end of stream";
    private static final String REFUSED = "refused";
    private static final String RESET = "reset";
    private static final String BROKEN_PIPE = "broken pipe";
    private static final String IN_USE = "address in use";
    private static final String INVALID = "invalid argument";
    private static final String ILLEGAL = "IllegalArgumentException";
    private static final String UNSUPPORTED = "UnsupportedOperationException";
    private static final String NOT_DONE = "-";

    private JdkDifferential() {}

    /**
     * Lists the differential checks, each with the rules it covers.
     *
     * @param backend the backend under test
     * @return the checks
     */
    public static List<Check> checks(LoopProvider backend) {
        return List.of(
                new Check(List.of(Rules.id(77), Rules.id(78), Rules.jdk(8)), Set.of(), refusedConnect(backend)),
                new Check(List.of(Rules.id(85), Rules.id(87), Rules.id(88), Rules.jdk(20)), Set.of(), peerCloseMidRead(backend)),
                new Check(List.of(Rules.id(89), Rules.jdk(21)), Set.of(), peerResetMidRead(backend)),
                new Check(List.of(Rules.id(100), Rules.id(103), Rules.jdk(22)), Set.of(), peerResetMidWrite(backend)),
                new Check(List.of(Rules.id(105), Rules.id(109), Rules.id(183), Rules.jdk(11)), Set.of(), halfClose(backend)),
                new Check(List.of(Rules.id(66)), Set.of(), addressInUse(backend)),
                new Check(List.of(Rules.id(114), Rules.id(210), Rules.id(212), Rules.jdk(25), Rules.jdk(26)), Set.of(), optionRoundTrips(backend)),
                new Check(List.of(Rules.id(215), Rules.id(216), Rules.jdk(13)), Set.of(Capability.BYTES_READABLE), bytesReadable(backend)),
                new Check(List.of(Rules.id(215), Rules.id(216)), Set.of(Capability.BYTES_UNSENT), bytesUnsent(backend)));
    }

    /**
     * Lists the differential check that nio fails today and that is therefore not in
     * {@link #checks(LoopProvider)}: option read-backs before the socket exists. nio keeps an
     * option set before the socket exists and returns it as set (SO_RCVBUF 1 reads back 1,
     * SO_LINGER 70000 reads back 70000), where the JDK's socket, and nio itself once connected,
     * report the kernel's value (1152, 65535). Add it to the suite when nio returns the value as
     * the socket will have it.
     *
     * @param backend the backend under test
     * @return the checks
     */
    public static List<Check> beforeSocketChecks(LoopProvider backend) {
        return List.of(new Check(List.of(Rules.id(210), Rules.id(212), Rules.jdk(25)), Set.of(), optionsBeforeSocket(backend)));
    }

    // ---- 1. connect to a closed port ----------------------------------------------------------

    /**
     * A connect to a loopback port nobody listens on.
     *
     * @param ipv6 over ::1 (where this host has it) instead of 127.0.0.1
     * @param bindFirst bind the connecting socket to an ephemeral local port first
     * @param attempts how many connects in a row; loopsock reuses its handle (a failed connect
     *     does not close it), the JDK needs a new socket each time (a failed connect closes it)
     * @param jdkTimeoutMillis the JDK's connect timeout, 0 for none
     */
    public record RefusedCase(boolean ipv6, boolean bindFirst, int attempts, int jdkTimeoutMillis) {}

    /**
     * Connecting to a closed loopback port is refused on both, on every attempt: the connect
     * callback gets {@code ECONNREFUSED} (never a throw from connect) where the JDK throws
     * {@link ConnectException} (rules 77, 78, JDK 8).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<RefusedCase> refusedConnect(LoopProvider backend) {
        Gen<RefusedCase> cases = Gen.booleans().flatMap(ipv6 -> Gen.booleans().flatMap(bindFirst -> Gen.ints(1, 3).flatMap(attempts ->
                Gen.elements(0, 2000, 5000).map(timeout -> new RefusedCase(ipv6, bindFirst, attempts, timeout)))));
        return Property.forAll("jdk differential: connect to a closed port, " + backend.name() + " = jdk", cases, c -> {
            InetAddress host = c.ipv6() && Ipv6.LOOPBACK != null ? Ipv6.LOOPBACK : LOOPBACK;
            // The port is held by a bound JDK socket that does not listen: a connect to it is
            // refused, and no other socket can take it meanwhile, nor can a connecting socket get it
            // as its own ephemeral port (a port that was merely freed could be, and connecting to
            // oneself is a TCP self-connect that succeeds).
            try (Socket holder = new Socket()) {
                holder.bind(new InetSocketAddress(host, 0));
                InetSocketAddress target = (InetSocketAddress) holder.getLocalSocketAddress();
                checkRefused(backend, c, host, target);
            }
        });
    }

    /** Runs the connects on loopsock, then on the JDK, and compares what they gave. */
    private static void checkRefused(LoopProvider backend, RefusedCase c, InetAddress host, InetSocketAddress target) throws Exception {
        List<String> ours = withLoop(backend, loop -> {
            Tcp tcp = loop.tcp();
            if (c.bindFirst()) {
                tcp.bind(new InetSocketAddress(host, 0));
            }
            List<String> seen = new ArrayList<>();
            connectRepeatedly(tcp, target, c.attempts(), seen);
            runBounded(loop);
            return seen;
        });
        List<String> jdk = new ArrayList<>();
        for (int i = 0; i < c.attempts(); i++) {
            try (Socket socket = new Socket()) {
                if (c.bindFirst()) {
                    socket.bind(new InetSocketAddress(host, 0));
                }
                socket.connect(target, c.jdkTimeoutMillis());
                jdk.add(NONE);
            } catch (IOException e) {
                jdk.add(errorClass(e));
            }
        }
        same(backend, "connect outcomes", ours, jdk);
        expect(jdk.stream().allMatch(REFUSED::equals), "the JDK was not refused: " + jdk);
    }

    private static void connectRepeatedly(Tcp tcp, InetSocketAddress target, int left, List<String> seen) {
        try {
            tcp.connect(target, error -> {
                seen.add(errorClass(error));
                if (error != null && left > 1) {
                    connectRepeatedly(tcp, target, left - 1, seen);
                } else {
                    closeIfOpen(tcp);
                }
            });
        } catch (LoopException | RuntimeException e) {
            seen.add("thrown by connect: " + errorClass(e));
            closeIfOpen(tcp);
        }
    }

    // ---- 2. peer close mid-read -------------------------------------------------------------

    /**
     * The peer writes some bytes and closes.
     *
     * @param data the bytes the peer writes
     * @param writes how the peer splits them
     * @param reads the read sizes of the JDK reader
     * @param subjectAccepts the stream under test is the accepting end (else the connecting one)
     * @param readFirst the reader is reading before the peer writes (else it starts after the peer closed)
     * @param rereads how many more reads after the end of the stream
     */
    public record CloseCase(byte[] data, int[] writes, int[] reads, boolean subjectAccepts, boolean readFirst, int rereads) {
        @Override
        public String toString() {
            return "data=" + Describe.value(data) + ", writes=" + Describe.value(writes) + ", jdk reads=" + Describe.value(reads)
                    + (subjectAccepts ? ", accepted" : ", connected") + (readFirst ? ", reading before" : ", reading after")
                    + " the peer's close, " + rereads + " rereads";
        }
    }

    /**
     * What a reader saw.
     *
     * @param received how many bytes
     * @param intact whether they are exactly the first bytes the peer sent
     * @param end how the stream ended
     * @param again what each further read gave
     * @param openAfterEnd whether the stream was still open, readable and writable after the end
     */
    public record ReadSeen(int received, boolean intact, String end, List<String> again, boolean openAfterEnd) {}

    /**
     * A peer that writes n random bytes and closes: both readers get exactly those bytes, then the
     * end of the stream, again on every further read, and the stream stays open (rules 85, 87, 88,
     * JDK 20).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<CloseCase> peerCloseMidRead(LoopProvider backend) {
        // Flags first and bytes last (here and below): shrinking the bytes then regenerates only
        // their chunking, not the flags that decide the scenario.
        Gen<CloseCase> cases = Gen.booleans().flatMap(accepts -> Gen.booleans().flatMap(readFirst -> Gen.ints(0, 2).flatMap(rereads ->
                readSizes().flatMap(reads -> smallData().flatMap(data -> Gen.chunking(data.length, 4096).map(writes ->
                        new CloseCase(data, writes, reads, accepts, readFirst, rereads)))))));
        return Property.forAll("jdk differential: peer close mid-read, " + backend.name() + " = jdk", cases, c -> {
            ReadSeen ours = withLoop(backend, loop -> {
                CountDownLatch go = new CountDownLatch(1);
                Reader reader = new Reader(c.rereads());
                Starter starter = new Starter(loop, c.readFirst(), tcp -> {
                    reader.start(tcp, () -> closeIfOpen(tcp));
                    go.countDown();
                });
                Worker<Void> peer = backendPair(loop, c.subjectAccepts(), socket -> {
                    if (c.readFirst()) {
                        await(go, "the reader");
                    }
                    writeChunks(socket.getOutputStream(), c.data(), c.writes());
                    socket.close();
                    starter.peerDone();
                    return null;
                }, starter::connected);
                try {
                    runBounded(loop);
                    peer.result();
                } finally {
                    peer.close();
                }
                return reader.seen(c.data());
            });
            ReadSeen jdk;
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            try (JdkPair<Void> pair = jdkPair(c.subjectAccepts(), socket -> {
                if (c.readFirst()) {
                    await(go, "the reader");
                }
                writeChunks(socket.getOutputStream(), c.data(), c.writes());
                socket.close();
                done.countDown();
                return null;
            })) {
                if (!c.readFirst()) {
                    await(done, "the peer's close");
                }
                go.countDown();
                jdk = jdkRead(pair.subject(), c.reads(), c.rereads(), c.data());
                pair.peer().result();
            }
            same(backend, "what the reader saw", ours, jdk);
            expect(jdk.end().equals(EOF) && jdk.received() == c.data().length && jdk.intact(), "the JDK reader saw " + jdk);
        });
    }

    // ---- 3. peer reset mid-read -------------------------------------------------------------

    /**
     * The peer writes some bytes and resets the connection (SO_LINGER 0, then close).
     *
     * @param data the bytes the peer writes before the reset
     * @param writes how the peer splits them; one write (or none) makes the counts comparable
     * @param reads the read sizes of the JDK reader
     * @param sent bytes the reader sends first, of which the peer reads one: the peer closes with
     *     {@code sent - 1} bytes unread when {@code sent > 1}
     * @param subjectAccepts the stream under test is the accepting end
     * @param readFirst the reader is reading before the reset arrives (else it starts after the
     *     peer has closed, with the bytes and the reset already queued)
     */
    public record ResetReadCase(byte[] data, int[] writes, int[] reads, int sent, boolean subjectAccepts, boolean readFirst) {
        @Override
        public String toString() {
            return "data=" + Describe.value(data) + ", writes=" + Describe.value(writes) + ", jdk reads=" + Describe.value(reads)
                    + ", reader sends " + sent + (subjectAccepts ? ", accepted" : ", connected")
                    + (readFirst ? ", reading before" : ", reading after") + " the reset";
        }

        /** Whether every byte leaves the peer in its one write, before the reset can discard any. */
        boolean allLeave() {
            return writes.length <= 1;
        }
    }

    /**
     * What a reader saw before a reset.
     *
     * @param received how many bytes
     * @param intact whether they are exactly the first bytes the peer sent
     * @param end how the stream ended
     */
    public record ResetSeen(int received, boolean intact, String end) {}

    /**
     * A peer that writes n bytes and then resets, with or without unread data of ours: both readers
     * end with the reset class ({@code ECONNRESET} where the JDK says "Connection reset"), after
     * bytes that are an intact prefix of what was sent, and after a reset the loopsock stream is
     * neither readable nor writable (rules 89, JDK 21).
     *
     * <p>What is compared, and why: the end (the error class) must be equal, and what each reader
     * received must be an intact prefix of the peer's bytes. The counts are compared only when the
     * peer writes its bytes in one write: that is one segment on loopback, sent within the write,
     * so every byte reaches the reader's kernel ahead of the reset, Linux keeps them there and
     * reports the reset after them (JDK 21), and both readers must get all of them. Several writes
     * may go beyond the initial congestion window and wait in the peer's send queue for
     * acknowledgements; SO_LINGER 0 discards what still waits, and how much that is depends on
     * timing, so the counts of the two runs may differ and are not compared (a kernel that
     * discards received data on a reset, as Windows does, would fall under the same rule).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<ResetReadCase> peerResetMidRead(LoopProvider backend) {
        Gen<ResetReadCase> cases = Gen.booleans().flatMap(accepts -> Gen.booleans().flatMap(readFirst -> Gen.booleans().flatMap(oneWrite ->
                Gen.ints(0, 1024).flatMap(sent -> readSizes().flatMap(reads -> smallData().flatMap(data -> (oneWrite
                        ? Gen.constant(data.length == 0 ? new int[0] : new int[] {data.length})
                        : Gen.chunking(data.length, 4096)).map(writes ->
                        new ResetReadCase(data, writes, reads, sent, accepts, readFirst))))))));
        return Property.forAll("jdk differential: peer reset mid-read, " + backend.name() + " = jdk", cases, c -> {
            byte[] toSend = new byte[c.sent()];
            List<String> problems = new ArrayList<>();
            ResetSeen ours = withLoop(backend, loop -> {
                CountDownLatch go = new CountDownLatch(1);
                Reader reader = new Reader(0);
                Starter starter = new Starter(loop, c.readFirst(), tcp -> {
                    reader.start(tcp, () -> {
                        if (!reader.end.equals(EOF) && (tcp.isReadable() || tcp.isWritable())) {
                            problems.add("after " + reader.end + " the stream is still " + (tcp.isReadable() ? "readable" : "writable"));
                        }
                        closeIfOpen(tcp);
                    });
                    go.countDown();
                }, tcp -> {
                    if (c.sent() > 0) {
                        tcp.write(ByteBuffer.wrap(toSend), null);
                    }
                });
                Worker<Void> peer = backendPair(loop, c.subjectAccepts(), socket -> {
                    resetAfterWriting(socket, c, go);
                    starter.peerDone();
                    return null;
                }, starter::connected);
                try {
                    runBounded(loop);
                    peer.result();
                } finally {
                    peer.close();
                }
                ReadSeen seen = reader.seen(c.data());
                return new ResetSeen(seen.received(), seen.intact(), seen.end());
            });
            ResetSeen jdk;
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            try (JdkPair<Void> pair = jdkPair(c.subjectAccepts(), socket -> {
                resetAfterWriting(socket, c, go);
                done.countDown();
                return null;
            })) {
                if (c.sent() > 0) {
                    pair.subject().getOutputStream().write(new byte[c.sent()]);
                }
                if (!c.readFirst()) {
                    await(done, "the peer's reset");
                }
                go.countDown();
                ReadSeen seen = jdkRead(pair.subject(), c.reads(), 0, c.data());
                jdk = new ResetSeen(seen.received(), seen.intact(), seen.end());
                pair.peer().result();
            }
            String both = backend.name() + " saw " + ours + ", the JDK saw " + jdk;
            expect(problems.isEmpty(), backend.name() + ": " + problems);
            expect(ours.end().equals(jdk.end()), "the ends differ: " + both);
            expect(ours.intact() && jdk.intact(), "bytes before the reset are not an intact prefix of those sent: " + both);
            if (c.allLeave()) {
                expect(ours.received() == jdk.received(), "the counts differ: " + both);
                expect(jdk.received() == c.data().length, "the JDK reader did not get every byte sent before the reset: " + jdk);
            }
            expect(jdk.end().equals(RESET), "the JDK reader did not see a reset: " + jdk);
        });
    }

    private static void resetAfterWriting(Socket socket, ResetReadCase c, CountDownLatch go) throws Exception {
        if (c.sent() > 0) {
            // Waits for the reader's bytes and leaves all but one unread.
            expect(socket.getInputStream().read() >= 0, "the peer got no byte from the reader");
        }
        if (c.readFirst()) {
            await(go, "the reader");
        }
        writeChunks(socket.getOutputStream(), c.data(), c.writes());
        socket.setSoLinger(true, 0);
        socket.close();
    }

    // ---- 4. peer reset mid-write ------------------------------------------------------------

    /**
     * We write until the peer's close breaks the connection.
     *
     * @param chunk the size of each write
     * @param peerReads how many bytes the peer reads before it closes
     * @param reset the peer resets (SO_LINGER 0); else it closes in order, with our bytes unread
     * @param subjectAccepts the stream under test is the accepting end
     * @param tryWrite loopsock writes with tryWrite while the socket takes bytes, queueing a write
     *     only when it is full (else every write is queued)
     */
    public record ResetWriteCase(int chunk, int peerReads, boolean reset, boolean subjectAccepts, boolean tryWrite) {}

    /**
     * A writer that keeps writing while the peer reads a while and then resets (or closes) ends
     * with the same error class on both: reset or broken pipe, never success and never a hang; on
     * loopsock the error comes from a write callback or is thrown by tryWrite, and the write queue
     * is then empty (rules 100, 103, JDK 22).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<ResetWriteCase> peerResetMidWrite(LoopProvider backend) {
        // At most 64 chunks before the peer's reset, so that one-byte chunks stay fast.
        Gen<ResetWriteCase> cases = Gen.booleans().flatMap(reset -> Gen.booleans().flatMap(accepts -> Gen.booleans().flatMap(tryWrite ->
                Gen.ints(1, 65536).flatMap(chunk -> Gen.ints(0, Math.min(256 * 1024, 64 * chunk)).map(peerReads ->
                        new ResetWriteCase(chunk, peerReads, reset, accepts, tryWrite))))));
        return Property.forAll("jdk differential: peer reset mid-write, " + backend.name() + " = jdk", cases, c -> {
            Writer writer = new Writer(c.chunk(), c.tryWrite(), c.peerReads() + WRITE_LIMIT);
            String ours = withLoop(backend, loop -> {
                Worker<Void> peer = backendPair(loop, c.subjectAccepts(), socket -> {
                    readThenClose(socket, c);
                    return null;
                }, writer::start);
                try {
                    runBounded(loop);
                    peer.result();
                } finally {
                    peer.close();
                }
                return writer.first;
            });
            String jdk;
            try (JdkPair<Void> pair = jdkPair(c.subjectAccepts(), socket -> {
                readThenClose(socket, c);
                return null;
            })) {
                Worker<String> jdkWriter = new Worker<>("jdk-writer", w -> {
                    OutputStream out = pair.subject().getOutputStream();
                    byte[] buffer = new byte[c.chunk()];
                    for (long written = 0; written <= c.peerReads() + WRITE_LIMIT; written += c.chunk()) {
                        try {
                            out.write(buffer);
                        } catch (IOException e) {
                            return errorClass(e);
                        }
                    }
                    return NONE;
                }, pair.subject());
                try {
                    jdk = jdkWriter.result();
                } finally {
                    jdkWriter.close();
                }
                pair.peer().result();
            }
            same(backend, "the writer's first error", ours, jdk);
            expect(writer.queueAfter == 0, backend.name() + ": " + writer.queueAfter + " bytes still queued after " + ours);
            expect(jdk.equals(RESET) || jdk.equals(BROKEN_PIPE), "the JDK writer ended with " + jdk);
        });
    }

    private static void readThenClose(Socket socket, ResetWriteCase c) throws IOException {
        byte[] got = socket.getInputStream().readNBytes(c.peerReads());
        expect(got.length == c.peerReads(), "the peer read " + got.length + " bytes, not " + c.peerReads());
        if (c.reset()) {
            socket.setSoLinger(true, 0);
        }
        socket.close();
    }

    /**
     * Writes a chunk after another on a loopsock stream until one fails, and records the first error
     * (thrown or called back: the JDK cannot tell them apart) and the write queue's size then.
     */
    private static final class Writer {
        private final ByteBuffer chunk;
        private final boolean tryWrite;
        private final long limit;
        private Tcp tcp;
        private long written;
        String first;
        long queueAfter = -1;

        Writer(int size, boolean tryWrite, long limit) {
            this.chunk = ByteBuffer.wrap(new byte[size]);
            this.tryWrite = tryWrite;
            this.limit = limit;
        }

        void start(Tcp stream) {
            this.tcp = stream;
            next();
        }

        private void next() {
            try {
                while (tryWrite && written <= limit) {
                    int n = tcp.tryWrite(chunk.duplicate());
                    if (n == 0) {
                        break;
                    }
                    written += n;
                }
                if (written > limit) {
                    end(NONE);
                    return;
                }
                tcp.write(chunk, error -> {
                    if (error != null) {
                        end(errorClass(error));
                    } else {
                        written += chunk.remaining();
                        next();
                    }
                });
            } catch (LoopException e) {
                end(errorClass(e));
            }
        }

        private void end(String how) {
            first = how;
            queueAfter = tcp.writeQueueSize();
            closeIfOpen(tcp);
        }
    }

    // ---- 5. half-close ----------------------------------------------------------------------

    /**
     * One end writes and shuts its output down; the other reads to the end, writes back and ends
     * too; the first reads that.
     *
     * @param first what the first end writes before its shutdown
     * @param firstWrites how it splits them
     * @param second what the other end writes back after the end of the stream
     * @param secondWrites how it splits them
     * @param subjectFirst the stream under test is the first end (else the JDK peer is)
     * @param subjectAccepts the stream under test is the accepting end
     * @param secondCloses the other end ends by closing (else by shutting down, then closing)
     * @param writeAfterShutdown the first end tries one more write after its shutdown
     */
    public record HalfCloseCase(byte[] first, int[] firstWrites, byte[] second, int[] secondWrites, boolean subjectFirst,
            boolean subjectAccepts, boolean secondCloses, boolean writeAfterShutdown) {
        @Override
        public String toString() {
            return "first=" + Describe.value(first) + " in " + Describe.value(firstWrites) + ", second=" + Describe.value(second)
                    + " in " + Describe.value(secondWrites) + ", " + (subjectFirst ? "we" : "the peer") + " shut down first"
                    + (subjectAccepts ? ", accepted" : ", connected") + (secondCloses ? ", the other closes" : ", the other shuts down")
                    + (writeAfterShutdown ? ", a write after the shutdown" : "");
        }
    }

    /**
     * What one end of a half-close saw.
     *
     * @param received how many bytes it read
     * @param intact whether they are exactly what the other end sent
     * @param end how its reading ended
     * @param writes the first error of its writes, or none
     * @param shutdown the outcome of its shutdown, or "-" if it did not shut down
     * @param afterShutdown the outcome of a write after the shutdown, or "-"
     */
    public record Side(int received, boolean intact, String end, String writes, String shutdown, String afterShutdown) {}

    /**
     * Both ends of a half-close, the stream under test and its peer.
     *
     * @param subject the end under test
     * @param peer the JDK peer
     */
    public record Sides(Side subject, Side peer) {}

    /**
     * Half-close each way: after one end shuts its output down, the other reads the end of the
     * stream and can still write back, and the first can still read that; a write after the
     * shutdown is a broken pipe on both (rules 105, 109, 183, JDK 11).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<HalfCloseCase> halfClose(LoopProvider backend) {
        Gen<HalfCloseCase> cases = Gen.booleans().flatMap(subjectFirst -> Gen.booleans().flatMap(accepts -> Gen.booleans().flatMap(closes ->
                Gen.booleans().flatMap(after -> smallData().flatMap(first -> smallData().flatMap(second ->
                        Gen.chunking(first.length, 4096).flatMap(firstWrites -> Gen.chunking(second.length, 4096).map(secondWrites ->
                                new HalfCloseCase(first, firstWrites, second, secondWrites, subjectFirst, accepts, closes, after)))))))));
        return Property.forAll("jdk differential: half-close, " + backend.name() + " = jdk", cases, c -> {
            List<String> problems = new ArrayList<>();
            Sides ours = withLoop(backend, loop -> {
                SideState state = new SideState();
                Worker<Side> peer = backendPair(loop, c.subjectAccepts(),
                        socket -> c.subjectFirst() ? jdkSecond(socket, c) : jdkFirst(socket, c),
                        tcp -> {
                            if (c.subjectFirst()) {
                                backendFirst(tcp, c, state);
                            } else {
                                backendSecond(tcp, c, state);
                            }
                        });
                Side peerSide;
                try {
                    runBounded(loop);
                    peerSide = peer.result();
                } finally {
                    peer.close();
                }
                problems.addAll(state.problems);
                return new Sides(state.side(c.subjectFirst() ? c.second() : c.first()), peerSide);
            });
            Sides jdk;
            try (JdkPair<Side> pair = jdkPair(c.subjectAccepts(), socket -> c.subjectFirst() ? jdkSecond(socket, c) : jdkFirst(socket, c))) {
                Side subject = c.subjectFirst() ? jdkFirst(pair.subject(), c) : jdkSecond(pair.subject(), c);
                jdk = new Sides(subject, pair.peer().result());
            }
            same(backend, "both ends of the half-close", ours, jdk);
            expect(problems.isEmpty(), backend.name() + ": " + problems);
            Side first = c.subjectFirst() ? jdk.subject() : jdk.peer();
            Side second = c.subjectFirst() ? jdk.peer() : jdk.subject();
            expect(first.end().equals(EOF) && second.end().equals(EOF) && first.intact() && second.intact()
                    && first.received() == c.second().length && second.received() == c.first().length, "the JDK saw " + jdk);
        });
    }

    /** The first end on the JDK: write, shut down, maybe write again, read to the end. */
    private static Side jdkFirst(Socket socket, HalfCloseCase c) {
        String writes = NONE;
        String shutdown;
        String after = NOT_DONE;
        try {
            OutputStream out = socket.getOutputStream();
            try {
                writeChunks(out, c.first(), c.firstWrites());
            } catch (IOException e) {
                writes = errorClass(e);
            }
            try {
                socket.shutdownOutput();
                shutdown = NONE;
            } catch (IOException e) {
                shutdown = errorClass(e);
            }
            if (c.writeAfterShutdown()) {
                try {
                    out.write(1);
                    after = NONE;
                } catch (IOException e) {
                    after = errorClass(e);
                }
            }
        } catch (IOException e) {
            shutdown = "getOutputStream: " + errorClass(e);
        }
        ReadSeen seen = jdkRead(socket, new int[] {8192}, 0, c.second());
        return new Side(seen.received(), seen.intact(), seen.end(), writes, shutdown, after);
    }

    /** The other end on the JDK: read to the end, write back, then close or shut down and close. */
    private static Side jdkSecond(Socket socket, HalfCloseCase c) throws IOException {
        ReadSeen seen = jdkRead(socket, new int[] {8192}, 0, c.first());
        String writes = NONE;
        try {
            writeChunks(socket.getOutputStream(), c.second(), c.secondWrites());
        } catch (IOException e) {
            writes = errorClass(e);
        }
        String shutdown = NOT_DONE;
        if (!c.secondCloses()) {
            try {
                socket.shutdownOutput();
                shutdown = NONE;
            } catch (IOException e) {
                shutdown = errorClass(e);
            }
        }
        socket.close();
        return new Side(seen.received(), seen.intact(), seen.end(), writes, shutdown, NOT_DONE);
    }

    /** What the loopsock end of a half-close records. */
    private static final class SideState {
        final Reader reader = new Reader(0);
        final List<String> problems = new ArrayList<>();
        String writes = NONE;
        String shutdown = NOT_DONE;
        String afterShutdown = NOT_DONE;
        int writesDone;

        void writeDone(LoopException error) {
            writesDone++;
            if (error != null && writes.equals(NONE)) {
                writes = errorClass(error);
            }
        }

        Side side(byte[] expected) {
            ReadSeen seen = reader.seen(expected);
            return new Side(seen.received(), seen.intact(), seen.end(), writes, shutdown, afterShutdown);
        }
    }

    private static void backendFirst(Tcp tcp, HalfCloseCase c, SideState state) throws LoopException {
        // A request that throws is recorded like one that fails in its callback: the JDK cannot tell them apart.
        try {
            int offset = 0;
            for (int size : c.firstWrites()) {
                tcp.write(ByteBuffer.wrap(c.first(), offset, size), state::writeDone);
                offset += size;
            }
        } catch (LoopException e) {
            state.writeDone(e);
        }
        boolean[] shutDown = {false};
        boolean[] ended = {false};
        try {
            tcp.shutdown(error -> {
                // Rule 105: the shutdown completes after every write queued before it, with nothing left queued.
                if (state.writesDone != c.firstWrites().length || tcp.writeQueueSize() != 0) {
                    state.problems.add("the shutdown callback ran after " + state.writesDone + " of " + c.firstWrites().length
                            + " write callbacks, with " + tcp.writeQueueSize() + " bytes queued");
                }
                state.shutdown = errorClass(error);
                shutDown[0] = true;
                if (ended[0]) {
                    closeIfOpen(tcp);
                }
            });
        } catch (LoopException e) {
            state.shutdown = errorClass(e);
            shutDown[0] = true;
        }
        if (c.writeAfterShutdown()) {
            try {
                tcp.write(ByteBuffer.wrap(new byte[] {1}), error -> state.afterShutdown = "called back with " + errorClass(error));
                state.afterShutdown = NONE;
            } catch (LoopException e) {
                state.afterShutdown = errorClass(e);
            }
        }
        state.reader.start(tcp, () -> {
            ended[0] = true;
            if (shutDown[0]) {
                closeIfOpen(tcp);
            }
        });
    }

    private static void backendSecond(Tcp tcp, HalfCloseCase c, SideState state) throws LoopException {
        state.reader.start(tcp, () -> {
            if (!state.reader.end.equals(EOF)) {
                closeIfOpen(tcp);
                return;
            }
            int[] left = {c.secondWrites().length};
            try {
                int offset = 0;
                for (int size : c.secondWrites()) {
                    tcp.write(ByteBuffer.wrap(c.second(), offset, size), error -> {
                        state.writeDone(error);
                        if (--left[0] == 0 && c.secondCloses()) {
                            closeIfOpen(tcp);
                        }
                    });
                    offset += size;
                }
            } catch (LoopException e) {
                state.writeDone(e);
                closeIfOpen(tcp);
                return;
            }
            if (!c.secondCloses()) {
                try {
                    tcp.shutdown(error -> {
                        state.shutdown = errorClass(error);
                        closeIfOpen(tcp);
                    });
                } catch (LoopException e) {
                    state.shutdown = errorClass(e);
                    closeIfOpen(tcp);
                }
            } else if (left[0] == 0) {
                closeIfOpen(tcp);
            }
        });
    }

    // ---- 6. address in use ------------------------------------------------------------------

    /** What holds the port. */
    public enum Holder {
        /** A listening JDK server socket. */
        LISTENER,
        /** A JDK socket that is bound, not connected. */
        BOUND,
        /** The local end of a connected JDK socket. */
        CONNECTED
    }

    /**
     * Binding to a port something else holds.
     *
     * @param holder what holds it
     * @param holderWildcard the holder is bound to 0.0.0.0 (else 127.0.0.1)
     * @param contenderWildcard the contender binds 0.0.0.0 (else 127.0.0.1)
     * @param contenderConnects the contender binds, then connects (else binds, then listens)
     */
    public record InUseCase(Holder holder, boolean holderWildcard, boolean contenderWildcard, boolean contenderConnects) {}

    /**
     * Binding a port in use is "address in use" on both, wherever it surfaces: at bind, listen or
     * (nio) in the connect callback for loopsock, at bind for the JDK's {@link BindException}
     * (rule 66).
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<InUseCase> addressInUse(LoopProvider backend) {
        Gen<InUseCase> cases = Gen.elements(Holder.values()).flatMap(holder -> Gen.booleans().flatMap(hw -> Gen.booleans().flatMap(cw ->
                Gen.booleans().map(connects -> new InUseCase(holder, hw, cw, connects)))));
        return Property.forAll("jdk differential: bind to a port in use, " + backend.name() + " = jdk", cases, c -> {
            List<Closeable> held = new ArrayList<>();
            try {
                InetAddress wildcard = InetAddress.getByAddress(new byte[4]);
                int port = hold(c.holder(), c.holderWildcard() ? wildcard : LOOPBACK, held);
                ServerSocket target = new ServerSocket(0, 8, LOOPBACK);
                held.add(target);
                InetSocketAddress contender = new InetSocketAddress(c.contenderWildcard() ? wildcard : LOOPBACK, port);
                InetSocketAddress targetAddress = (InetSocketAddress) target.getLocalSocketAddress();
                String ours = withLoop(backend, loop -> {
                    String[] seen = {null};
                    Tcp tcp = loop.tcp();
                    try {
                        tcp.bind(contender);
                        if (c.contenderConnects()) {
                            tcp.connect(targetAddress, error -> {
                                seen[0] = errorClass(error);
                                closeIfOpen(tcp);
                            });
                        } else {
                            tcp.listen(1, error -> { });
                            seen[0] = NONE;
                            closeIfOpen(tcp);
                        }
                    } catch (LoopException e) {
                        seen[0] = errorClass(e);
                        closeIfOpen(tcp);
                    }
                    runBounded(loop);
                    return seen[0];
                });
                String jdk;
                if (c.contenderConnects()) {
                    try (Socket socket = new Socket()) {
                        socket.bind(contender);
                        socket.connect(targetAddress, (int) BOUND_MILLIS);
                        jdk = NONE;
                    } catch (IOException e) {
                        jdk = errorClass(e);
                    }
                } else {
                    try (ServerSocket server = new ServerSocket()) {
                        server.bind(contender, 1);
                        jdk = NONE;
                    } catch (IOException e) {
                        jdk = errorClass(e);
                    }
                }
                same(backend, "binding port " + port, ours, jdk);
                expect(jdk.equals(IN_USE), "the JDK's bind gave " + jdk);
            } finally {
                for (Closeable closeable : held) {
                    closeQuietly(closeable);
                }
            }
        });
    }

    private static int hold(Holder holder, InetAddress address, List<Closeable> held) throws IOException {
        switch (holder) {
            case LISTENER -> {
                ServerSocket server = new ServerSocket();
                held.add(server);
                server.bind(new InetSocketAddress(address, 0), 1);
                return server.getLocalPort();
            }
            case BOUND -> {
                Socket socket = new Socket();
                held.add(socket);
                socket.bind(new InetSocketAddress(address, 0));
                return socket.getLocalPort();
            }
            case CONNECTED -> {
                ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
                held.add(server);
                Socket socket = new Socket();
                held.add(socket);
                socket.bind(new InetSocketAddress(address, 0));
                socket.connect(server.getLocalSocketAddress(), (int) BOUND_MILLIS);
                server.setSoTimeout((int) BOUND_MILLIS);
                held.add(server.accept());
                return socket.getLocalPort();
            }
            default -> throw new AssertionError(holder);
        }
    }

    // ---- 7. options -------------------------------------------------------------------------

    /** The options the round trips use; the jdk.net ones only where both sides support them. */
    private static final List<String> OPTIONS = List.of("TCP_NODELAY", "SO_KEEPALIVE", "SO_RCVBUF", "SO_SNDBUF", "SO_LINGER",
            "TCP_KEEPIDLE", "TCP_KEEPINTERVAL", "TCP_KEEPCOUNT");
    /** Options every TCP stream must support. */
    private static final Set<String> STANDARD = Set.of("TCP_NODELAY", "SO_KEEPALIVE", "SO_RCVBUF", "SO_SNDBUF", "SO_LINGER");

    /** Where the options are set. */
    public enum Stage {
        /** On a connected stream. */
        CONNECTED,
        /** On an accepted stream. */
        ACCEPTED,
        /** Before the connect: loopsock keeps them until the socket exists; read back after the connect. */
        BEFORE_CONNECT
    }

    /**
     * One option set.
     *
     * @param option the option's name
     * @param value the value: valid, out of range, null, or of the wrong type
     */
    public record Op(String option, Object value) {
        @Override
        public String toString() {
            return option + "=" + (value == null ? "null" : value + ":" + value.getClass().getSimpleName());
        }
    }

    /**
     * A sequence of option sets.
     *
     * @param stage where they are made
     * @param ops the sets, in order
     */
    public record OptionCase(Stage stage, List<Op> ops) {}

    /**
     * What one option set gave.
     *
     * @param op the set
     * @param set "none" or the error class
     * @param readBack the value read back, or the error class
     */
    public record OpSeen(Op op, String set, String readBack) {}

    /**
     * Option round trips with random valid and invalid values, on a connected stream, an accepted
     * one, or before the connect: each set succeeds or fails with the same class on both
     * (IllegalArgumentException for a negative buffer size, null or a value of the wrong type,
     * "invalid argument" where the kernel refuses a keep-alive value), and each value reads back as
     * the JDK's socket reads it back after the same sets (rules 210, 212, JDK 25, JDK 26).
     * Extended options (TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT) take part where both the
     * backend and the JDK support them.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<OptionCase> optionRoundTrips(LoopProvider backend) {
        Gen<Op> op = Gen.elements(OPTIONS.toArray(String[]::new)).flatMap(name -> optionValues(name).map(value -> new Op(name, value)));
        Gen<OptionCase> cases = Gen.elements(Stage.values()).flatMap(stage -> Gen.lists(op, 1, 8).map(ops -> new OptionCase(stage, ops)));
        return Property.forAll("jdk differential: option round trips, " + backend.name() + " = jdk", cases, c -> {
            // The options the loopsock stream supports: an extended option it lacks is left out on both sides.
            List<Set<SocketOption<?>>> supported = new ArrayList<>();
            List<OpSeen> ours = withLoop(backend, loop -> {
                List<OpSeen> seen = new ArrayList<>();
                if (c.stage() == Stage.BEFORE_CONNECT) {
                    Tcp tcp = loop.tcp();
                    supported.add(tcp.supportedOptions());
                    List<String> sets = new ArrayList<>();
                    for (Op o : c.ops()) {
                        sets.add(setOption(tcp, o, supported.getFirst()));
                    }
                    try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK)) {
                        tcp.connect((InetSocketAddress) server.getLocalSocketAddress(), error -> {
                            expect(error == null, "connect failed: " + error);
                            for (int i = 0; i < c.ops().size(); i++) {
                                seen.add(new OpSeen(c.ops().get(i), sets.get(i), readOption(tcp, c.ops().get(i), supported.getFirst())));
                            }
                            closeIfOpen(tcp);
                        });
                        runBounded(loop);
                    }
                } else {
                    Worker<Void> peer = backendPair(loop, c.stage() == Stage.ACCEPTED, JdkDifferential::readOneQuietly, tcp -> {
                        supported.add(tcp.supportedOptions());
                        for (Op o : c.ops()) {
                            seen.add(new OpSeen(o, setOption(tcp, o, supported.getFirst()), readOption(tcp, o, supported.getFirst())));
                        }
                        closeIfOpen(tcp);
                    });
                    try {
                        runBounded(loop);
                        peer.result();
                    } finally {
                        peer.close();
                    }
                }
                return seen;
            });
            Set<SocketOption<?>> has = supported.getFirst();
            List<OpSeen> jdk = new ArrayList<>();
            if (c.stage() == Stage.BEFORE_CONNECT) {
                try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK); Socket socket = new Socket()) {
                    List<String> sets = new ArrayList<>();
                    for (Op o : c.ops()) {
                        sets.add(setOption(socket, o, has));
                    }
                    socket.connect(server.getLocalSocketAddress(), (int) BOUND_MILLIS);
                    for (int i = 0; i < c.ops().size(); i++) {
                        jdk.add(new OpSeen(c.ops().get(i), sets.get(i), readOption(socket, c.ops().get(i), has)));
                    }
                }
            } else {
                try (JdkPair<Void> pair = jdkPair(c.stage() == Stage.ACCEPTED, JdkDifferential::readOneQuietly)) {
                    for (Op o : c.ops()) {
                        jdk.add(new OpSeen(o, setOption(pair.subject(), o, has), readOption(pair.subject(), o, has)));
                    }
                    pair.subject().close();
                    pair.peer().result();
                }
            }
            same(backend, "option sets and read-backs", ours, jdk);
        });
    }

    /**
     * Option round trips before the socket exists: on a TCP handle that has neither connected nor
     * listened, each set fails or succeeds as on a new, unconnected JDK {@link Socket}, and an
     * option that was set reads back at once, before any connect, as the JDK reads it back (rules
     * 210, 212, JDK 25). The read-back of an option not yet set is left out: a backend without
     * {@link Capability#TCP_EARLY_BIND} has no socket to ask and answers {@code EBADF} by design
     * (docs/backends.md), where the JDK's socket already exists.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<List<Op>> optionsBeforeSocket(LoopProvider backend) {
        Gen<Op> op = Gen.elements(OPTIONS.toArray(String[]::new)).flatMap(name -> optionValues(name).map(value -> new Op(name, value)));
        return Property.forAll("jdk differential: option round trips before the socket exists, " + backend.name() + " = jdk",
                Gen.lists(op, 1, 8), ops -> {
                    List<Set<SocketOption<?>>> supported = new ArrayList<>();
                    List<OpSeen> ours = withLoop(backend, loop -> {
                        Tcp tcp = loop.tcp();
                        supported.add(tcp.supportedOptions());
                        List<OpSeen> seen = new ArrayList<>();
                        for (Op o : ops) {
                            seen.add(new OpSeen(o, setOption(tcp, o, supported.getFirst()), readOption(tcp, o, supported.getFirst())));
                        }
                        tcp.close();
                        return seen;
                    });
                    List<OpSeen> jdk = new ArrayList<>();
                    try (Socket socket = new Socket()) {
                        for (Op o : ops) {
                            jdk.add(new OpSeen(o, setOption(socket, o, supported.getFirst()), readOption(socket, o, supported.getFirst())));
                        }
                    }
                    same(backend, "option sets and read-backs before the socket exists", onceSet(ours, jdk), onceSet(jdk, ours));
                });
    }

    /** The ops of one side, with the read-back left out ("-") until both sides have set the option. */
    private static List<OpSeen> onceSet(List<OpSeen> side, List<OpSeen> other) {
        List<OpSeen> out = new ArrayList<>();
        Set<String> set = new java.util.HashSet<>();
        for (int i = 0; i < side.size(); i++) {
            OpSeen seen = side.get(i);
            if (seen.set().equals(NONE) && other.get(i).set().equals(NONE)) {
                set.add(seen.op().option());
            }
            out.add(set.contains(seen.op().option()) ? seen : new OpSeen(seen.op(), seen.set(), NOT_DONE));
        }
        return out;
    }

    /** A peer that waits for the other end to close (in order or with a reset, as SO_LINGER 0 makes it). */
    private static Void readOneQuietly(Socket socket) {
        try {
            socket.getInputStream().read();
        } catch (IOException e) {
            // A reset close is one of the cases.
        }
        return null;
    }

    private static Gen<Object> optionValues(String name) {
        Gen<Object> wrongNull = Gen.constant(null);
        return switch (name) {
            case "TCP_NODELAY", "SO_KEEPALIVE" -> Gen.frequency(List.of(
                    new Gen.Weighted<>(8, Gen.booleans().map(b -> (Object) b)),
                    new Gen.Weighted<>(1, wrongNull),
                    new Gen.Weighted<>(1, Gen.ints(0, 1).map(i -> (Object) i))));
            case "SO_RCVBUF", "SO_SNDBUF" -> Gen.frequency(List.of(
                    new Gen.Weighted<>(4, Gen.ints(1, 1 << 22).map(i -> (Object) i)),
                    new Gen.Weighted<>(2, Gen.ints(0, 8192).map(i -> (Object) i)),
                    new Gen.Weighted<>(2, Gen.ints(Integer.MIN_VALUE, -1).map(i -> (Object) i)),
                    new Gen.Weighted<>(1, wrongNull),
                    new Gen.Weighted<>(1, Gen.booleans().map(b -> (Object) b))));
            case "SO_LINGER" -> Gen.frequency(List.of(
                    new Gen.Weighted<>(5, Gen.ints(-1, 65535).map(i -> (Object) i)),
                    new Gen.Weighted<>(3, Gen.ints(-100_000, 100_000).map(i -> (Object) i)),
                    new Gen.Weighted<>(1, wrongNull),
                    new Gen.Weighted<>(1, Gen.booleans().map(b -> (Object) b))));
            default -> Gen.frequency(List.of(
                    new Gen.Weighted<>(5, Gen.ints(1, 127).map(i -> (Object) i)),
                    new Gen.Weighted<>(3, Gen.ints(-10, 40_000).map(i -> (Object) i)),
                    new Gen.Weighted<>(1, wrongNull),
                    new Gen.Weighted<>(1, Gen.booleans().map(b -> (Object) b))));
        };
    }

    /** Finds an option by name among those a side supports; null if that side lacks it. */
    private static SocketOption<?> find(Set<SocketOption<?>> supported, String name) {
        for (SocketOption<?> option : supported) {
            if (option.name().equals(name)) {
                return option;
            }
        }
        return null;
    }

    /** Whether an op takes part: standard options always, extended ones where both sides have them. */
    private static boolean takesPart(String name, Set<SocketOption<?>> ours) {
        return STANDARD.contains(name) || (find(ours, name) != null && find(JdkOptions.CLIENT, name) != null);
    }

    private static String setOption(Tcp tcp, Op op, Set<SocketOption<?>> ours) {
        if (!takesPart(op.option(), ours)) {
            return NOT_DONE;
        }
        SocketOption<?> option = find(tcp.supportedOptions(), op.option());
        if (option == null) {
            return UNSUPPORTED;
        }
        try {
            setUnchecked(tcp, option, op.value());
            return NONE;
        } catch (LoopException | RuntimeException e) {
            return errorClass(e);
        }
    }

    private static String readOption(Tcp tcp, Op op, Set<SocketOption<?>> ours) {
        if (!takesPart(op.option(), ours)) {
            return NOT_DONE;
        }
        SocketOption<?> option = find(tcp.supportedOptions(), op.option());
        if (option == null) {
            return UNSUPPORTED;
        }
        try {
            return String.valueOf(tcp.option(option));
        } catch (LoopException | RuntimeException e) {
            return errorClass(e);
        }
    }

    private static String setOption(Socket socket, Op op, Set<SocketOption<?>> ours) {
        if (!takesPart(op.option(), ours)) {
            return NOT_DONE;
        }
        SocketOption<?> option = find(socket.supportedOptions(), op.option());
        if (option == null) {
            return UNSUPPORTED;
        }
        try {
            setUnchecked(socket, option, op.value());
            return NONE;
        } catch (IOException | RuntimeException e) {
            return errorClass(e);
        }
    }

    private static String readOption(Socket socket, Op op, Set<SocketOption<?>> ours) {
        if (!takesPart(op.option(), ours)) {
            return NOT_DONE;
        }
        SocketOption<?> option = find(socket.supportedOptions(), op.option());
        if (option == null) {
            return UNSUPPORTED;
        }
        try {
            return String.valueOf(socket.getOption(option));
        } catch (IOException | RuntimeException e) {
            return errorClass(e);
        }
    }

    @SuppressWarnings("unchecked") // On purpose: values of the wrong type are part of the cases.
    private static void setUnchecked(Tcp tcp, SocketOption<?> option, Object value) throws LoopException {
        tcp.setOption((SocketOption<Object>) option, value);
    }

    @SuppressWarnings("unchecked") // On purpose: values of the wrong type are part of the cases.
    private static void setUnchecked(Socket socket, SocketOption<?> option, Object value) throws IOException {
        socket.setOption((SocketOption<Object>) option, value);
    }

    /** The options of a JDK client socket here, asked once. */
    private static final class JdkOptions {
        static final Set<SocketOption<?>> CLIENT = ask();

        private static Set<SocketOption<?>> ask() {
            try (Socket socket = new Socket()) {
                return Set.copyOf(socket.supportedOptions());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    // ---- 8. bytes readable ------------------------------------------------------------------

    /**
     * The peer writes n bytes; the reader asks how many it can read without waiting.
     *
     * @param data the bytes
     * @param writes how the peer splits them
     * @param finFirst the peer shuts its output down right after the bytes (else after the reader asked)
     * @param subjectAccepts the stream under test is the accepting end
     */
    public record ReadableCase(byte[] data, int[] writes, boolean finFirst, boolean subjectAccepts) {
        @Override
        public String toString() {
            return "data=" + Describe.value(data) + ", writes=" + Describe.value(writes) + (finFirst ? ", end of stream queued too" : "")
                    + (subjectAccepts ? ", accepted" : ", connected");
        }
    }

    /**
     * What the reader saw of bytes readable.
     *
     * @param settled the count once n bytes had arrived (the last sample if it never got to n)
     * @param most the largest sample
     * @param firstRead the size of the first read after that, -1 for the end of the stream
     * @param received how many bytes the reader got in all
     * @param intact whether they are exactly the bytes sent
     * @param end how the stream ended
     * @param atEnd the count after the end of the stream
     */
    public record ReadableSeen(int settled, int most, int firstRead, int received, boolean intact, String end, String atEnd) {}

    /**
     * Bytes readable after n bytes arrived equals the JDK's {@code available()} for the same n;
     * the first read then takes all of them, and at the end of the stream both say 0 (rules 215,
     * 216, JDK 13). No event says that all n bytes have arrived, so both sides sample on a 1 ms
     * tick until the count is n or {@value #SAMPLE_MILLIS} ms have passed.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<ReadableCase> bytesReadable(LoopProvider backend) {
        Gen<byte[]> data = Gen.bytes(Gen.frequency(List.of(
                new Gen.Weighted<>(6, Gen.ints(0, 2048)),
                new Gen.Weighted<>(3, Gen.ints(0, 32 * 1024)))));
        Gen<ReadableCase> cases = Gen.booleans().flatMap(fin -> Gen.booleans().flatMap(accepts -> data.flatMap(bytes ->
                Gen.chunking(bytes.length, 8192).map(writes -> new ReadableCase(bytes, writes, fin, accepts)))));
        return Property.forAll("jdk differential: bytes readable, " + backend.name() + " = jdk", cases, c -> {
            int n = c.data().length;
            ReadableSeen ours = withLoop(backend, loop -> {
                CountDownLatch sampled = new CountDownLatch(1);
                Reader reader = new Reader(0);
                int[] samples = {-1, -1};
                String[] atEnd = {null};
                Starter starter = new Starter(loop, false, tcp -> {
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);
                    Timer tick = loop.timer();
                    Callback sample = () -> {
                        int value = tcp.bytesReadable();
                        samples[0] = value;
                        samples[1] = Math.max(samples[1], value);
                        if (value == n || System.nanoTime() > deadline) {
                            closeIfOpen(tick);
                            sampled.countDown();
                            reader.start(tcp, () -> {
                                atEnd[0] = readableNow(tcp);
                                closeIfOpen(tcp);
                            });
                        }
                    };
                    sample.run();
                    if (!tick.isClosing()) {
                        tick.start(sample, 1, 1);
                    }
                });
                Worker<Void> peer = backendPair(loop, c.subjectAccepts(), socket -> {
                    writeThenWait(socket, c, starter::peerDone, sampled);
                    return null;
                }, starter::connected);
                try {
                    runBounded(loop);
                    peer.result();
                } finally {
                    peer.close();
                }
                ReadSeen seen = reader.seen(c.data());
                return new ReadableSeen(samples[0], samples[1], reader.firstRead, seen.received(), seen.intact(), seen.end(), atEnd[0]);
            });
            ReadableSeen jdk;
            CountDownLatch written = new CountDownLatch(1);
            CountDownLatch sampled = new CountDownLatch(1);
            try (JdkPair<Void> pair = jdkPair(c.subjectAccepts(), socket -> {
                writeThenWait(socket, c, written::countDown, sampled);
                return null;
            })) {
                await(written, "the peer's writes");
                InputStream in = pair.subject().getInputStream();
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);
                int value = in.available();
                int most = value;
                while (value != n && System.nanoTime() <= deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    value = in.available();
                    most = Math.max(most, value);
                }
                sampled.countDown();
                byte[] buffer = new byte[64 * 1024];
                int firstRead = in.read(buffer);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                for (int r = firstRead; r >= 0; r = in.read(buffer)) {
                    got.write(buffer, 0, r);
                }
                byte[] bytes = got.toByteArray();
                ReadSeen seen = new ReadSeen(bytes.length, prefixOf(bytes, c.data()), EOF, List.of(), true);
                String atEnd;
                try {
                    atEnd = String.valueOf(in.available());
                } catch (IOException e) {
                    atEnd = errorClass(e);
                }
                jdk = new ReadableSeen(value, most, firstRead, seen.received(), seen.intact(), seen.end(), atEnd);
                pair.peer().result();
            }
            same(backend, "bytes readable", ours, jdk);
            expect(jdk.settled() == n, "the JDK's available() never got to " + n + ": " + jdk);
        });
    }

    private static void writeThenWait(Socket socket, ReadableCase c, Runnable written, CountDownLatch sampled) throws Exception {
        // Without Nagle's algorithm the bytes leave at once instead of waiting for delayed acknowledgements.
        socket.setTcpNoDelay(true);
        writeChunks(socket.getOutputStream(), c.data(), c.writes());
        if (c.finFirst()) {
            socket.shutdownOutput();
        }
        written.run();
        await(sampled, "the reader's count");
        if (!c.finFirst()) {
            socket.shutdownOutput();
        }
    }

    // ---- 9. bytes unsent --------------------------------------------------------------------

    /**
     * The stream under test writes n bytes to a JDK peer that reads only when told to.
     *
     * @param n how many bytes
     * @param firstRead how many the peer reads after the first count, before it reads the rest
     * @param subjectAccepts the stream under test is the accepting end
     */
    public record UnsentCase(int n, int firstRead, boolean subjectAccepts) {
        @Override
        public String toString() {
            return "n=" + n + ", peer reads " + firstRead + " then the rest" + (subjectAccepts ? ", accepted" : ", connected");
        }
    }

    /**
     * One count: bytes unsent on our side, the peer's {@code available()}, and what the peer had read.
     *
     * @param unsent our {@code bytesUnsent()}
     * @param peerReadable the peer's bytes readable
     * @param peerRead what the peer had read so far
     * @param settled whether they added up
     */
    public record UnsentSeen(int unsent, int peerReadable, int peerRead, boolean settled) {}

    /**
     * Bytes unsent agree with the kernel (rules 215, 216): once the writes are done and nothing
     * is in flight, every byte written and not yet read by the peer is either unacknowledged on
     * our side (SIOCOUTQ) or waiting in the peer's receive queue (the JDK's FIONREAD), so bytes
     * unsent plus the peer's bytes readable is n minus what the peer read, at each of three
     * points: before the peer reads, after it read some, after it read all (where bytes unsent is
     * 0). An n beyond what the peer's receive window takes while it does not read makes bytes
     * unsent large. No event says the counts have settled, so the loop samples on a 1 ms tick,
     * for up to {@value #SAMPLE_MILLIS} ms per point once the peer has read what the point asks.
     * The peer's receive buffer is the kernel's default: a tiny one is correct too but, on
     * loopback, whose segments are far larger than such a window, the kernel then moves the bytes
     * on its persist timer, seconds per point.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<UnsentCase> bytesUnsent(LoopProvider backend) {
        Gen<Integer> sizes = Gen.frequency(List.of(
                new Gen.Weighted<>(2, Gen.ints(1, 4096)),
                new Gen.Weighted<>(5, Gen.ints(1, 600_000))));
        Gen<UnsentCase> cases = sizes.flatMap(n -> Gen.ints(0, n).flatMap(first ->
                Gen.booleans().map(accepts -> new UnsentCase(n, first, accepts))));
        return Property.forAll("bytes unsent + the peer's bytes readable = bytes not yet read, " + backend.name(), cases, c -> {
            int n = c.n();
            byte[] data = new byte[n];
            for (int i = 0; i < n; i++) {
                data[i] = (byte) (i * 31 + 7);
            }
            // The peer publishes what it read (high half) and its bytes readable (low half).
            AtomicLong peerView = new AtomicLong(-1);
            // 0: do not read; 1: read the first part; 2: read the rest; 3: done.
            AtomicInteger step = new AtomicInteger();
            List<UnsentSeen> seen = new ArrayList<>();
            boolean intact = withLoop(backend, loop -> {
                Starter starter = new Starter(loop, false, tcp -> {
                    // Room for every n in our send buffer while the peer does not read.
                    tcp.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
                    tcp.write(ByteBuffer.wrap(data), error -> {
                        if (error != null) {
                            throw new AssertionError("the write failed: " + error, error);
                        }
                        sampleUntilSettled(loop, tcp, c, peerView, step, seen);
                    });
                });
                Worker<Boolean> peer = backendPair(loop, c.subjectAccepts(), socket -> {
                    starter.peerDone();
                    return readWhenTold(socket, data, c.firstRead(), peerView, step);
                }, starter::connected);
                try {
                    runBounded(loop);
                    return peer.result();
                } finally {
                    step.set(3);
                    peer.close();
                }
            });
            expect(seen.size() == 3 && seen.stream().allMatch(UnsentSeen::settled),
                    "bytes unsent and the peer's bytes readable never added up to the bytes not yet read (n=" + n + "): " + seen);
            expect(intact, "the peer did not receive the bytes written");
        });
    }

    /** On the loop thread: counts on a 1 ms tick until each of the three points settles, then closes the stream. */
    private static void sampleUntilSettled(Loop loop, Tcp tcp, UnsentCase c, AtomicLong peerView, AtomicInteger step,
            List<UnsentSeen> seen) throws LoopException {
        Timer tick = loop.timer();
        // Until the peer has read what a point asks, the bound of a whole wait; then the sampling window.
        long[] deadline = {System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS)};
        boolean[] acted = {false};
        tick.start(() -> {
            long view = peerView.get();
            int point = step.get();
            if (view < 0) {
                return;
            }
            int read = (int) (view >>> 32);
            int readable = (int) view;
            int unsent = tcp.bytesUnsent();
            int expectedRead = point == 0 ? 0 : point == 1 ? c.firstRead() : c.n();
            if (read == expectedRead && !acted[0]) {
                acted[0] = true;
                deadline[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SAMPLE_MILLIS);
            }
            boolean settled = read == expectedRead && unsent >= 0 && unsent + readable == c.n() - read;
            boolean late = System.nanoTime() > deadline[0];
            if (!settled && !late) {
                return;
            }
            seen.add(new UnsentSeen(unsent, readable, read, settled));
            acted[0] = false;
            deadline[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
            if (!settled || point == 2) {
                step.set(3);
                closeIfOpen(tick);
                closeIfOpen(tcp);
            } else {
                // The peer's next views count what it read at the old step until it has acted on
                // this one; they cannot settle the new point, whose expected read differs.
                step.set(point + 1);
            }
        }, 1, 1);
    }

    /** On the peer's thread: publishes its counts every millisecond and reads what the step says. */
    private static boolean readWhenTold(Socket socket, byte[] data, int firstRead, AtomicLong peerView, AtomicInteger step)
            throws IOException {
        InputStream in = socket.getInputStream();
        byte[] got = new byte[data.length];
        int read = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        for (int point = step.get(); point < 3; point = step.get()) {
            int want = point == 0 ? 0 : point == 1 ? firstRead : data.length;
            while (read < want) {
                int r = in.read(got, read, want - read);
                if (r < 0) {
                    throw new AssertionError("the stream ended after " + read + " of " + data.length + " bytes");
                }
                read += r;
            }
            peerView.set(((long) read << 32) | in.available());
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the loop did not finish counting within " + BOUND_MILLIS + " ms");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return read < data.length || Arrays.equals(got, data);
    }

    private static String readableNow(Tcp tcp) {
        try {
            return String.valueOf(tcp.bytesReadable());
        } catch (LoopException e) {
            return errorClass(e);
        }
    }

    // ---- the loopsock side -------------------------------------------------------------------

    /** Something done with the loopsock stream once it is connected or accepted. */
    @FunctionalInterface
    private interface OnConnected {
        void connected(Tcp tcp) throws Exception;
    }

    /**
     * Starts the reader once the stream is connected and, when it reads after the peer, once the
     * peer has signalled through an async handle that it is done.
     */
    private static final class Starter {
        private final boolean now;
        private final OnConnected start;
        private final OnConnected onConnect;
        private final Async peerSignal;
        private Tcp tcp;
        private boolean peerDone;

        Starter(Loop loop, boolean now, OnConnected start) {
            this(loop, now, start, tcp -> { });
        }

        Starter(Loop loop, boolean now, OnConnected start, OnConnected onConnect) {
            this.now = now;
            this.start = start;
            this.onConnect = onConnect;
            this.peerSignal = now ? null : loop.async(this::signalled);
        }

        /** On the loop thread, when the stream is connected. */
        void connected(Tcp connected) throws Exception {
            tcp = connected;
            onConnect.connected(connected);
            if (now || peerDone) {
                start.connected(connected);
            }
        }

        /** On the peer's thread, when it is done. */
        void peerDone() {
            if (peerSignal != null) {
                peerSignal.send();
            }
        }

        private void signalled() throws Exception {
            closeIfOpen(peerSignal);
            peerDone = true;
            if (tcp != null) {
                start.connected(tcp);
            }
        }
    }

    /** Reads a loopsock stream to its end, and again after it as many times as asked. */
    private static final class Reader implements ReadCallback {
        private final int rereads;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final List<String> again = new ArrayList<>();
        private Tcp tcp;
        private Callback onEnd;
        String end;
        boolean openAfterEnd;
        int firstRead;
        private boolean anything;

        Reader(int rereads) {
            this.rereads = rereads;
        }

        void start(Tcp stream, Callback whenEnded) throws LoopException {
            this.tcp = stream;
            this.onEnd = whenEnded;
            stream.startRead(this);
        }

        @Override
        public void onRead(ReadResult result) throws Exception {
            switch (result) {
                case ReadResult.Data(ByteBuffer data) -> {
                    byte[] chunk = new byte[data.remaining()];
                    data.get(chunk);
                    if (!anything) {
                        firstRead = chunk.length;
                        anything = true;
                    }
                    bytes.writeBytes(chunk);
                }
                case ReadResult.EndOfStream() -> ended(EOF);
                case ReadResult.Failed(LoopException e) -> ended(errorClass(e));
            }
        }

        private void ended(String how) throws Exception {
            if (!anything) {
                firstRead = -1;
                anything = true;
            }
            if (end == null) {
                end = how;
                openAfterEnd = !tcp.isClosing() && tcp.isReadable() && tcp.isWritable();
            } else {
                again.add(how);
            }
            if (how.equals(EOF) && again.size() < rereads) {
                try {
                    tcp.startRead(this);
                } catch (LoopException e) {
                    again.add("thrown by startRead: " + errorClass(e));
                    onEnd.run();
                }
                return;
            }
            onEnd.run();
        }

        ReadSeen seen(byte[] sent) {
            byte[] got = bytes.toByteArray();
            return new ReadSeen(got.length, prefixOf(got, sent), end == null ? "no end" : end, List.copyOf(again), openAfterEnd);
        }
    }

    /**
     * Connects a loopsock stream to a JDK peer that runs the script on a thread of its own: the
     * stream accepts the peer's connection or connects to the peer's server socket.
     */
    private static <T> Worker<T> backendPair(Loop loop, boolean subjectAccepts, PeerScript<T> script, OnConnected onConnected)
            throws Exception {
        // The peer's script starts once our end is connected, so that a peer that resets at once
        // cannot break the connect itself.
        CountDownLatch ready = new CountDownLatch(1);
        if (subjectAccepts) {
            Tcp listener = loop.tcp();
            listener.bind(new InetSocketAddress(LOOPBACK, 0));
            listener.listen(1, error -> {
                if (error != null) {
                    throw new AssertionError("listen failed: " + error, error);
                }
                Tcp accepted = listener.accept();
                listener.close();
                ready.countDown();
                onConnected.connected(accepted);
            });
            return peer(null, listener.localAddress(), ready, script);
        }
        ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
        Worker<T> peer = peer(server, null, ready, script);
        Tcp tcp = loop.tcp();
        tcp.connect((InetSocketAddress) server.getLocalSocketAddress(), error -> {
            if (error != null) {
                throw new AssertionError("connect failed: " + error, error);
            }
            ready.countDown();
            onConnected.connected(tcp);
        });
        return peer;
    }

    /** Runs a body with a fresh loop, then closes every handle and the loop, also when the body failed. */
    private static <T> T withLoop(LoopProvider backend, LoopBody<T> body) throws Exception {
        Loop loop = backend.open();
        T result;
        try {
            result = body.run(loop);
        } catch (Exception | Error e) {
            try {
                dispose(loop);
            } catch (Exception | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        dispose(loop);
        return result;
    }

    @FunctionalInterface
    private interface LoopBody<T> {
        T run(Loop loop) throws Exception;
    }

    private static void dispose(Loop loop) throws LoopException {
        if (loop.isClosed()) {
            return;
        }
        loop.walk(handle -> {
            if (!handle.isClosing()) {
                handle.close();
            }
        });
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        RuntimeException first = null;
        while (true) {
            try {
                if (!loop.run(RunMode.ONCE)) {
                    break;
                }
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the loop still had work " + BOUND_MILLIS + " ms after every handle was closed");
            }
        }
        loop.close();
        if (first != null) {
            throw first;
        }
    }

    private static void runBounded(Loop loop) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        while (loop.run(RunMode.ONCE)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the loop still had work after " + BOUND_MILLIS + " ms");
            }
        }
    }

    private static void closeIfOpen(Handle handle) {
        if (handle != null && !handle.isClosing()) {
            handle.close();
        }
    }

    // ---- the JDK side ------------------------------------------------------------------------

    /** What the JDK peer does with its connected socket. */
    @FunctionalInterface
    private interface PeerScript<T> {
        T run(Socket socket) throws Exception;
    }

    /** A body that runs on a worker's thread. */
    @FunctionalInterface
    private interface Body<T> {
        T run(Worker<T> worker) throws Exception;
    }

    /**
     * A platform thread running one JDK side, with the sockets it uses: closing the worker closes
     * them, which ends any blocking call, and then waits for the thread.
     */
    private static final class Worker<T> implements AutoCloseable {
        private final String name;
        private final List<Closeable> owned = new CopyOnWriteArrayList<>();
        private final FutureTask<T> task;
        private final Thread thread;

        Worker(String name, Body<T> body, Closeable... preOwned) {
            this.name = name;
            owned.addAll(Arrays.asList(preOwned));
            Worker<T> self = this;
            this.task = new FutureTask<>(() -> body.run(self));
            this.thread = Thread.ofPlatform().name(name).daemon(true).start(task);
        }

        <C extends Closeable> C own(C closeable) {
            owned.add(closeable);
            return closeable;
        }

        T result() throws Exception {
            try {
                return task.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                close();
                throw new AssertionError(name + " did not finish within " + BOUND_MILLIS + " ms");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw new AssertionError(name + " failed: " + cause, cause);
            }
        }

        @Override
        public void close() {
            for (Closeable closeable : owned) {
                closeQuietly(closeable);
            }
            try {
                thread.join(BOUND_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Starts a JDK peer: it accepts on the listener, or connects to the address, then runs the
     * script once the other end says it is connected.
     */
    private static <T> Worker<T> peer(ServerSocket listener, InetSocketAddress connectTo, CountDownLatch ready, PeerScript<T> script) {
        Closeable[] preOwned = listener == null ? new Closeable[0] : new Closeable[] {listener};
        return new Worker<>("jdk-peer", worker -> {
            Socket socket;
            if (listener != null) {
                listener.setSoTimeout((int) BOUND_MILLIS);
                socket = worker.own(listener.accept());
                listener.close();
            } else {
                socket = worker.own(new Socket());
                socket.connect(connectTo, (int) BOUND_MILLIS);
            }
            try (socket) {
                socket.setSoTimeout((int) BOUND_MILLIS);
                await(ready, "the other end's connect");
                return script.run(socket);
            }
        }, preOwned);
    }

    /**
     * A JDK socket under test and its JDK peer.
     *
     * @param subject the socket under test, on the calling thread
     * @param peer the peer
     * @param <T> what the peer's script returns
     */
    private record JdkPair<T>(Socket subject, Worker<T> peer) implements AutoCloseable {
        @Override
        public void close() {
            closeQuietly(subject);
            peer.close();
        }
    }

    private static <T> JdkPair<T> jdkPair(boolean subjectAccepts, PeerScript<T> script) throws IOException {
        CountDownLatch ready = new CountDownLatch(1);
        if (subjectAccepts) {
            try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK)) {
                Worker<T> peer = peer(null, (InetSocketAddress) server.getLocalSocketAddress(), ready, script);
                try {
                    server.setSoTimeout((int) BOUND_MILLIS);
                    Socket subject = server.accept();
                    subject.setSoTimeout((int) BOUND_MILLIS);
                    ready.countDown();
                    return new JdkPair<>(subject, peer);
                } catch (IOException | RuntimeException e) {
                    peer.close();
                    throw e;
                }
            }
        }
        ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
        Worker<T> peer = peer(server, null, ready, script);
        Socket subject = new Socket();
        try {
            subject.connect(server.getLocalSocketAddress(), (int) BOUND_MILLIS);
            subject.setSoTimeout((int) BOUND_MILLIS);
            ready.countDown();
            return new JdkPair<>(subject, peer);
        } catch (IOException | RuntimeException e) {
            closeQuietly(subject);
            peer.close();
            throw e;
        }
    }

    /** Reads a JDK socket to its end with the given read sizes, then reads again {@code rereads} times. */
    private static ReadSeen jdkRead(Socket socket, int[] reads, int rereads, byte[] sent) {
        InputStream in;
        try {
            in = socket.getInputStream();
        } catch (IOException e) {
            return new ReadSeen(0, true, "getInputStream: " + errorClass(e), List.of(), false);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String end = null;
        for (int i = 0; end == null; i++) {
            byte[] buffer = new byte[reads[i % reads.length]];
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    end = EOF;
                } else {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                end = errorClass(e);
            }
        }
        List<String> again = new ArrayList<>();
        boolean open = !socket.isClosed() && !socket.isInputShutdown() && !socket.isOutputShutdown();
        for (int i = 0; i < rereads && end.equals(EOF); i++) {
            try {
                again.add(in.read() < 0 ? EOF : "a byte");
            } catch (IOException e) {
                again.add(errorClass(e));
            }
        }
        byte[] got = out.toByteArray();
        return new ReadSeen(got.length, prefixOf(got, sent), end, List.copyOf(again), open);
    }

    private static void writeChunks(OutputStream out, byte[] data, int[] writes) throws IOException {
        int offset = 0;
        for (int size : writes) {
            out.write(data, offset, size);
            offset += size;
        }
        out.flush();
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        if (!latch.await(BOUND_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("waited " + BOUND_MILLIS + " ms for " + what);
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // Abandoning the socket anyway.
        }
    }

    // ---- comparing ----------------------------------------------------------------------------

    /**
     * Maps an error of either side to its class: the common form both runs are compared in.
     *
     * @param error a {@link LoopException}, a JDK exception, or null for success
     * @return the class, such as "reset"
     */
    private static String errorClass(Throwable error) {
        if (error == null) {
            return NONE;
        }
        if (error instanceof LoopException loop) {
            ErrorCode code = loop.code();
            return switch (code) {
                case ECONNREFUSED -> REFUSED;
                case ECONNRESET -> RESET;
                case EPIPE -> BROKEN_PIPE;
                case EADDRINUSE -> IN_USE;
                case EINVAL -> INVALID;
                default -> code.name();
            };
        }
        if (error instanceof IllegalArgumentException) {
            return ILLEGAL;
        }
        if (error instanceof UnsupportedOperationException) {
            return UNSUPPORTED;
        }
        if (error instanceof ConnectException) {
            return REFUSED;
        }
        if (error instanceof BindException) {
            return IN_USE;
        }
        String message = String.valueOf(error.getMessage()).toLowerCase(Locale.ROOT);
        if (error instanceof SocketException) {
            if (message.contains("connection reset")) {
                return RESET;
            }
            if (message.contains("broken pipe")) {
                return BROKEN_PIPE;
            }
            if (message.contains("invalid argument")) {
                return INVALID;
            }
        }
        return error.getClass().getSimpleName() + "(" + error.getMessage() + ")";
    }

    private static boolean prefixOf(byte[] got, byte[] sent) {
        return got.length <= sent.length && Arrays.equals(got, 0, got.length, sent, 0, got.length);
    }

    private static void same(LoopProvider backend, String what, Object ours, Object jdk) {
        if (!ours.equals(jdk)) {
            throw new AssertionError(what + " differ: " + backend.name() + " saw " + ours + ", the JDK saw " + jdk);
        }
    }

    private static void expect(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static Gen<byte[]> smallData() {
        return Gen.bytes(Gen.frequency(List.of(
                new Gen.Weighted<>(6, Gen.ints(0, 512)),
                new Gen.Weighted<>(3, Gen.ints(0, 8192)),
                new Gen.Weighted<>(1, Gen.ints(0, 32 * 1024)))));
    }

    private static Gen<int[]> readSizes() {
        return Gen.lists(Gen.ints(1, 16 * 1024), 1, 4).map(sizes -> sizes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** ::1 where this host has it, else null. */
    private static final class Ipv6 {
        static final InetAddress LOOPBACK = find();

        private static InetAddress find() {
            try {
                InetAddress address = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
                new ServerSocket(0, 1, address).close();
                return address;
            } catch (IOException e) {
                return null;
            }
        }
    }
}
