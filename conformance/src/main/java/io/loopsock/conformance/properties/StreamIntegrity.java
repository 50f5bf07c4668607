package io.loopsock.conformance.properties;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.conformance.engine.Describe;
import io.loopsock.conformance.engine.Gen;
import io.loopsock.conformance.engine.Property;
import io.loopsock.spi.LoopProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

/**
 * Stream integrity: whatever the data, the write chunking, the peer's read sizes and the point of
 * the shutdown, the peer receives exactly the bytes written before the shutdown, in order, then the
 * end of the stream; writes after the shutdown fail with {@code EPIPE} (rules 96, 101, 105, 183).
 *
 * <p>Any thread: each check opens its own loop on the calling thread. The peer is the same backend
 * on the same loop, or the JDK's own blocking sockets on a thread of their own — the platform as
 * the reference.
 */
public final class StreamIntegrity {
    /** Every wait of a check is bounded by this. */
    private static final long BOUND_MILLIS = 10_000;

    private StreamIntegrity() {}

    /**
     * One case: the data, how the writer splits it, how the reader reads it, and after how many
     * chunks the writer shuts down.
     *
     * @param data the bytes
     * @param writes the chunk sizes of the writes, adding up to the data's length
     * @param reads the read sizes the JDK reader uses, in turn
     * @param shutdownAfter how many write chunks go out before the shutdown
     */
    public record Case(byte[] data, int[] writes, int[] reads, int shutdownAfter) {
        /** The bytes the peer must receive: those of the chunks before the shutdown. */
        byte[] expected() {
            return Arrays.copyOf(data, IntStream.of(writes).limit(shutdownAfter).sum());
        }

        @Override
        public String toString() {
            return "data=" + Describe.value(data) + ", writes=" + Describe.value(writes) + ", reads=" + Describe.value(reads)
                    + ", shutdown after " + shutdownAfter + " of " + writes.length + " writes";
        }
    }

    /**
     * Generates cases: up to 256 KiB of data (mostly small), chunkings of it, read sizes, and a
     * shutdown point.
     *
     * @return the generator
     */
    public static Gen<Case> cases() {
        Gen<Integer> length = Gen.frequency(List.of(
                new Gen.Weighted<>(6, Gen.ints(0, 2048)),
                new Gen.Weighted<>(3, Gen.ints(0, 64 * 1024)),
                new Gen.Weighted<>(1, Gen.ints(0, 256 * 1024))));
        return Gen.bytes(length).flatMap(data -> Gen.chunking(data.length, 64 * 1024).flatMap(writes ->
                Gen.lists(Gen.ints(1, 70_000), 1, 8).flatMap(reads ->
                        Gen.ints(0, writes.length).map(shutdownAfter ->
                                new Case(data, writes, reads.stream().mapToInt(Integer::intValue).toArray(), shutdownAfter)))));
    }

    /**
     * The backend writes, a stream of the same backend on the same loop reads.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<Case> backendToBackend(LoopProvider backend) {
        return Property.forAll("stream integrity, " + backend.name() + " -> " + backend.name(), cases(), c -> {
            try (Loop loop = backend.open()) {
                Sink sink = Sink.listen(loop);
                Tcp client = loop.tcp();
                List<String> problems = new ArrayList<>();
                client.connect(sink.address(), error -> {
                    if (error != null) {
                        throw error;
                    }
                    writeThenShutdown(client, c, problems);
                });
                runBounded(loop);
                check(problems.isEmpty(), "writer: " + problems);
                check(sink.ended(), "the reader saw no end of stream");
                checkBytes(c.expected(), sink.received());
            }
        });
    }

    /**
     * The backend writes, the JDK's blocking socket reads with the case's read sizes.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<Case> backendToJdk(LoopProvider backend) {
        return Property.forAll("stream integrity, " + backend.name() + " -> jdk", cases(), c -> {
            try (ServerSocket jdk = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()); Loop loop = backend.open()) {
                FutureTask<byte[]> reader = new FutureTask<>(() -> {
                    try (Socket socket = jdk.accept()) {
                        socket.setSoTimeout((int) BOUND_MILLIS);
                        return readAll(socket.getInputStream(), c.reads());
                    }
                });
                Thread thread = Thread.ofPlatform().name("jdk-reader").daemon(true).start(reader);
                Tcp client = loop.tcp();
                List<String> problems = new ArrayList<>();
                client.connect((InetSocketAddress) jdk.getLocalSocketAddress(), error -> {
                    if (error != null) {
                        throw error;
                    }
                    writeThenShutdown(client, c, problems);
                });
                runBounded(loop);
                byte[] received = await(reader, thread);
                check(problems.isEmpty(), "writer: " + problems);
                checkBytes(c.expected(), received);
            }
        });
    }

    /**
     * The JDK's blocking socket writes the case's chunks and shuts its output down; the backend
     * reads.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<Case> jdkToBackend(LoopProvider backend) {
        return Property.forAll("stream integrity, jdk -> " + backend.name(), cases(), c -> {
            try (Loop loop = backend.open()) {
                Sink sink = Sink.listen(loop);
                InetSocketAddress address = sink.address();
                FutureTask<Void> writer = new FutureTask<>(() -> {
                    try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                        OutputStream out = socket.getOutputStream();
                        int offset = 0;
                        for (int i = 0; i < c.shutdownAfter(); i++) {
                            out.write(c.data(), offset, c.writes()[i]);
                            out.flush();
                            offset += c.writes()[i];
                        }
                        socket.shutdownOutput();
                        // Wait for the reader's close, so that our close cannot reset the stream early.
                        socket.setSoTimeout((int) BOUND_MILLIS);
                        socket.getInputStream().read();
                    }
                    return null;
                });
                Thread thread = Thread.ofPlatform().name("jdk-writer").daemon(true).start(writer);
                runBounded(loop);
                await(writer, thread);
                check(sink.ended(), "the reader saw no end of stream");
                checkBytes(c.expected(), sink.received());
            }
        });
    }

    /**
     * One backend writes on a loop of its own; another backend (or the same one) reads on a second
     * loop, run by a thread of its own: two loops over real loopback sockets, as two programs
     * built on different backends would talk.
     *
     * @param writer the writing backend
     * @param reader the reading backend
     * @return the property
     */
    public static Property<Case> crossBackend(LoopProvider writer, LoopProvider reader) {
        return Property.forAll("stream integrity, " + writer.name() + " -> " + reader.name() + " (two loops)", cases(), c -> {
            CompletableFuture<InetSocketAddress> address = new CompletableFuture<>();
            FutureTask<Sink> reading = new FutureTask<>(() -> {
                try (Loop loop = reader.open()) {
                    Sink sink = Sink.listen(loop);
                    address.complete(sink.address());
                    runBounded(loop);
                    return sink;
                } catch (Throwable t) {
                    address.completeExceptionally(t);
                    throw t;
                }
            });
            Thread thread = Thread.ofPlatform().name(reader.name() + "-reader").daemon(true).start(reading);
            try (Loop loop = writer.open()) {
                Tcp client = loop.tcp();
                List<String> problems = new ArrayList<>();
                InetSocketAddress target;
                try {
                    target = address.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    client.close();
                    runBounded(loop);
                    await(reading, thread);
                    throw new AssertionError("the reading loop did not start listening: " + e, e);
                }
                client.connect(target, error -> {
                    if (error != null) {
                        throw error;
                    }
                    writeThenShutdown(client, c, problems);
                });
                runBounded(loop);
                Sink sink = await(reading, thread);
                check(problems.isEmpty(), "writer: " + problems);
                check(sink.ended(), "the reader saw no end of stream");
                checkBytes(c.expected(), sink.received());
            }
        });
    }

    /**
     * The reading side of a case on a backend's loop: listens on loopback, accepts one connection,
     * reads it to the end of the stream, then closes it and the listener.
     */
    private static final class Sink {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private boolean ended;
        private InetSocketAddress address;

        static Sink listen(Loop loop) throws LoopException {
            Sink sink = new Sink();
            Tcp listener = loop.tcp();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.listen(1, error -> {
                if (error != null) {
                    throw error;
                }
                Tcp server = listener.accept();
                listener.close();
                server.startRead(result -> {
                    switch (result) {
                        case ReadResult.Data(ByteBuffer bytes) -> {
                            byte[] chunk = new byte[bytes.remaining()];
                            bytes.get(chunk);
                            sink.received.writeBytes(chunk);
                        }
                        case ReadResult.EndOfStream() -> {
                            sink.ended = true;
                            server.close();
                        }
                        case ReadResult.Failed(LoopException e) -> throw e;
                    }
                });
            });
            sink.address = listener.localAddress();
            return sink;
        }

        InetSocketAddress address() {
            return address;
        }

        boolean ended() {
            return ended;
        }

        byte[] received() {
            return received.toByteArray();
        }
    }

    /** Writes the chunks before the shutdown point, shuts down, then checks that later writes are refused. */
    private static void writeThenShutdown(Tcp client, Case c, List<String> problems) throws LoopException {
        int offset = 0;
        int[] completed = {0};
        for (int i = 0; i < c.shutdownAfter(); i++) {
            int index = i;
            client.write(ByteBuffer.wrap(c.data(), offset, c.writes()[i]), error -> {
                if (error != null) {
                    problems.add("write " + index + ": " + error.code());
                }
                if (completed[0]++ != index) {
                    problems.add("write callback " + index + " out of order");
                }
            });
            offset += c.writes()[i];
        }
        client.shutdown(error -> {
            if (error != null) {
                problems.add("shutdown: " + error.code());
            }
            if (completed[0] != c.shutdownAfter()) {
                problems.add("shutdown callback before " + (c.shutdownAfter() - completed[0]) + " write callback(s)");
            }
            client.close();
        });
        if (c.shutdownAfter() < c.writes().length) {
            try {
                client.write(ByteBuffer.wrap(c.data(), offset, c.writes()[c.shutdownAfter()]), error -> problems.add("a write after shutdown was called back"));
                problems.add("a write after shutdown was accepted");
            } catch (LoopException e) {
                if (e.code() != ErrorCode.EPIPE) {
                    problems.add("a write after shutdown failed with " + e.code() + ", not EPIPE");
                }
            }
        }
    }

    private static byte[] readAll(InputStream in, int[] reads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; ; i++) {
            byte[] buffer = new byte[reads[i % reads.length]];
            int n = in.read(buffer);
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(buffer, 0, n);
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

    private static <T> T await(FutureTask<T> task, Thread thread) throws Exception {
        try {
            return task.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            thread.interrupt();
            throw new AssertionError("the peer did not finish within " + BOUND_MILLIS + " ms");
        } catch (ExecutionException e) {
            throw new AssertionError("the peer failed: " + e.getCause(), e.getCause());
        } finally {
            thread.join(BOUND_MILLIS);
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static void checkBytes(byte[] expected, byte[] actual) {
        if (!Arrays.equals(expected, actual)) {
            int at = Arrays.mismatch(expected, actual);
            throw new AssertionError("received " + actual.length + " bytes, expected " + expected.length
                    + "; first difference at byte " + at);
        }
    }
}
