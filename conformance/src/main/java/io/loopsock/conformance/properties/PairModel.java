package io.loopsock.conformance.properties;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.conformance.Check;
import io.loopsock.conformance.Rules;
import io.loopsock.conformance.engine.Gen;
import io.loopsock.conformance.engine.Property;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The model of a connected TCP pair: a random list of actions on the two ends of one loopback
 * connection (write, tryWrite, startRead, stopRead, shutdown, close, closeReset, TCP_NODELAY,
 * bytesReadable, turns of the loop), checked step by step against a model of both ends.
 *
 * <p>The model keeps, per direction, the bytes written and not yet read; per end its state
 * (open, shut down, closing, closed; reading or not; end of stream seen; read failed) and its
 * requests in flight. After every action the synchronous outcome must be the model's
 * ({@code EALREADY} for reading twice, {@code EPIPE} for a write after shutdown or a read error,
 * {@code ENOTCONN} for a second shutdown, {@code EINVAL} for {@code closeReset} during a shutdown,
 * {@link IllegalStateException} on a closing handle), and every callback is checked when it runs:
 * never inside a call, never after its handle's close callback, requests completed once each and in
 * submission order, the close callback only after every request of its handle, no read callback
 * after {@code stopRead}, received bytes a prefix of what the peer wrote. At the end the pair is
 * drained (both ends read until each direction settles), closed, and the loop must close with no
 * handle left.
 *
 * <p>Any thread: each case opens its own loop on the calling thread; every wait is bounded. The
 * sockets get small kernel buffers (where the backend supports the options) so that a few
 * kilobytes without a reader already queue writes in the backend.
 */
public final class PairModel {
    /** Every wait of a case is bounded by this. */
    private static final long BOUND_MILLIS = 5_000;
    /** The most actions of one case. */
    private static final int MAX_ACTIONS = 30;
    /** The most bytes one end writes in a case (so at most 64 KiB a case); later writes are cut. */
    private static final int BUDGET_PER_END = 32 * 1024;
    /** The kernel buffer sizes asked for. */
    private static final int SMALL_BUFFER = 4096;

    private PairModel() {}

    /** One step of a case. */
    public sealed interface Action permits Write, TryWrite, StartRead, StopRead, Shutdown, Close, CloseReset, SetNoDelay,
            GetNoDelay, BytesReadable, RunOnce {}

    /**
     * Queue a write of n bytes.
     *
     * @param a true for end A (the connecting end), false for B (the accepted end)
     * @param n the byte count
     */
    public record Write(boolean a, int n) implements Action {
        @Override
        public String toString() {
            return end(a) + ".write(" + n + ")";
        }
    }

    /**
     * Try to write n bytes now.
     *
     * @param a which end
     * @param n the byte count
     */
    public record TryWrite(boolean a, int n) implements Action {
        @Override
        public String toString() {
            return end(a) + ".tryWrite(" + n + ")";
        }
    }

    /**
     * Start reading.
     *
     * @param a which end
     */
    public record StartRead(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".startRead";
        }
    }

    /**
     * Stop reading.
     *
     * @param a which end
     */
    public record StopRead(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".stopRead";
        }
    }

    /**
     * Shut down for writing.
     *
     * @param a which end
     */
    public record Shutdown(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".shutdown";
        }
    }

    /**
     * Close.
     *
     * @param a which end
     */
    public record Close(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".close";
        }
    }

    /**
     * Close with a reset.
     *
     * @param a which end
     */
    public record CloseReset(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".closeReset";
        }
    }

    /**
     * Set TCP_NODELAY.
     *
     * @param a which end
     * @param on the value
     */
    public record SetNoDelay(boolean a, boolean on) implements Action {
        @Override
        public String toString() {
            return end(a) + ".setOption(TCP_NODELAY, " + on + ")";
        }
    }

    /**
     * Read TCP_NODELAY back.
     *
     * @param a which end
     */
    public record GetNoDelay(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".option(TCP_NODELAY)";
        }
    }

    /**
     * Ask how many bytes are readable.
     *
     * @param a which end
     */
    public record BytesReadable(boolean a) implements Action {
        @Override
        public String toString() {
            return end(a) + ".bytesReadable";
        }
    }

    /**
     * Turn the loop: {@code run(NOWAIT)} a few times.
     *
     * @param times how many times
     */
    public record RunOnce(int times) implements Action {
        @Override
        public String toString() {
            return "run(NOWAIT)x" + times;
        }
    }

    private static String end(boolean a) {
        return a ? "A" : "B";
    }

    /**
     * Lists the checks of the pair model, with the rules each checks.
     *
     * @param backend the backend under test
     * @return the checks
     */
    public static List<Check> checks(LoopProvider backend) {
        List<String> rules = List.of(Rules.id(17), Rules.id(19), Rules.id(21), Rules.id(22), Rules.id(84), Rules.id(87),
                Rules.id(89), Rules.id(90), Rules.id(96), Rules.id(98), Rules.id(102), Rules.id(105), Rules.id(106),
                Rules.id(107), Rules.id(108), Rules.id(110));
        return List.of(new Check(rules, Set.of(), property(backend)));
    }

    /**
     * Generates cases: up to 30 actions on random ends.
     *
     * @param bytesReadable whether to ask for bytes readable (the backend declares it)
     * @return the generator
     */
    public static Gen<List<Action>> cases(boolean bytesReadable) {
        Gen<Boolean> end = Gen.booleans();
        Gen<Integer> size = Gen.frequency(List.of(
                new Gen.Weighted<>(5, Gen.ints(1, 64)),
                new Gen.Weighted<>(3, Gen.ints(1, 2048)),
                new Gen.Weighted<>(2, Gen.ints(1, 16 * 1024))));
        List<Gen.Weighted<Action>> actions = new ArrayList<>(List.of(
                new Gen.Weighted<>(6, end.flatMap(a -> size.map(n -> (Action) new Write(a, n)))),
                new Gen.Weighted<>(2, end.flatMap(a -> size.map(n -> (Action) new TryWrite(a, n)))),
                new Gen.Weighted<>(4, end.map(a -> (Action) new StartRead(a))),
                new Gen.Weighted<>(2, end.map(a -> (Action) new StopRead(a))),
                new Gen.Weighted<>(2, end.map(a -> (Action) new Shutdown(a))),
                new Gen.Weighted<>(1, end.map(a -> (Action) new Close(a))),
                new Gen.Weighted<>(1, end.map(a -> (Action) new CloseReset(a))),
                new Gen.Weighted<>(1, end.flatMap(a -> Gen.booleans().map(on -> (Action) new SetNoDelay(a, on)))),
                new Gen.Weighted<>(1, end.map(a -> (Action) new GetNoDelay(a))),
                new Gen.Weighted<>(4, Gen.ints(1, 3).map(n -> (Action) new RunOnce(n)))));
        if (bytesReadable) {
            actions.add(new Gen.Weighted<>(1, end.map(a -> (Action) new BytesReadable(a))));
        }
        return Gen.lists(Gen.frequency(actions), 0, MAX_ACTIONS);
    }

    /**
     * The property: every case of actions on a connected pair agrees with the model.
     *
     * @param backend the backend under test
     * @return the property
     */
    public static Property<List<Action>> property(LoopProvider backend) {
        boolean bytesReadable = backend.capabilities().contains(Capability.BYTES_READABLE);
        return Property.forAll("pair model, " + backend.name(), cases(bytesReadable), actions -> {
            try (Run run = new Run(backend.open())) {
                run.execute(actions);
            }
        });
    }

    /** A request in flight: a write or a shutdown. */
    private static final class Request {
        final int id;
        final String kind;
        int callbacks;

        Request(int id, String kind) {
            this.id = id;
            this.kind = kind;
        }

        @Override
        public String toString() {
            return kind + "#" + id;
        }
    }

    /** The model of one end, and its handle. */
    private static final class End {
        final boolean a;
        Tcp tcp;
        End peer;
        boolean closeCalled;
        boolean resetCalled;
        boolean closeCallbackRan;
        boolean shutdownCalled;
        Request shutdown;
        boolean reading;
        int readGeneration;
        boolean endOfStream;
        boolean readFailed;
        boolean noDelay;
        boolean noDelaySupported;
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<Request> submitted = new ArrayList<>();
        final List<Request> completed = new ArrayList<>();

        End(boolean a) {
            this.a = a;
        }

        String name() {
            return end(a);
        }

        String state() {
            return name() + "{" + (closeCallbackRan ? "closed" : closeCalled ? (resetCalled ? "reset" : "closing") : "open")
                    + (shutdownCalled ? ", shut down" : "") + (reading ? ", reading" : "") + (endOfStream ? ", eof" : "")
                    + (readFailed ? ", read failed" : "") + ", wrote " + written.size() + ", received " + received.size()
                    + ", requests " + submitted + ", completed " + completed + "}";
        }
    }

    /** One case's run: the loop, the two ends, the problems found. */
    private static final class Run implements AutoCloseable {
        final Loop loop;
        final End endA = new End(true);
        final End endB = new End(false);
        final List<String> problems = new ArrayList<>();
        int nextRequest;
        /** True while an API call is on the stack: a callback then runs inside it. */
        boolean inCall;
        String step = "setup";

        Run(Loop loop) {
            this.loop = loop;
            endA.peer = endB;
            endB.peer = endA;
        }

        void problem(String text) {
            problems.add(step + ": " + text);
        }

        void execute(List<Action> actions) throws Exception {
            connect();
            for (int i = 0; i < actions.size(); i++) {
                step = "action " + (i + 1) + " " + actions.get(i);
                apply(actions.get(i));
                verify();
            }
            step = "drain";
            drain();
            verify();
            step = "close";
            closeAll();
            verify();
        }

        void verify() {
            if (!problems.isEmpty()) {
                throw new AssertionError(String.join("; ", problems) + " [" + endA.state() + ", " + endB.state() + "]");
            }
        }

        // ---- setup ---------------------------------------------------------------------------

        void connect() throws Exception {
            Tcp listener = loop.tcp();
            smallBuffers(listener);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            boolean[] done = new boolean[3];
            listener.listen(1, error -> {
                if (error != null) {
                    throw error;
                }
                endB.tcp = listener.accept();
                listener.close(() -> done[2] = true);
                done[1] = true;
            });
            Tcp client = loop.tcp();
            smallBuffers(client);
            endA.tcp = client;
            client.connect(listener.localAddress(), error -> {
                if (error != null) {
                    throw error;
                }
                done[0] = true;
            });
            long deadline = deadline();
            while (!(done[0] && done[1] && done[2])) {
                loop.run(RunMode.NOWAIT);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the pair did not connect within " + BOUND_MILLIS + " ms");
                }
            }
            for (End e : List.of(endA, endB)) {
                e.noDelaySupported = e.tcp.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY);
                if (e.noDelaySupported) {
                    e.noDelay = e.tcp.option(StandardSocketOptions.TCP_NODELAY);
                }
            }
        }

        private static void smallBuffers(Tcp tcp) throws LoopException {
            for (SocketOption<Integer> option : List.of(StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_RCVBUF)) {
                if (tcp.supportedOptions().contains(option)) {
                    tcp.setOption(option, SMALL_BUFFER);
                }
            }
        }

        // ---- actions -------------------------------------------------------------------------

        /** What a call did: "ok", "ok:value", an error code's name, or an exception's simple name. */
        interface Call {
            Object call() throws Exception;
        }

        String outcome(Call call) {
            inCall = true;
            try {
                Object value = call.call();
                return value == null ? "ok" : "ok:" + value;
            } catch (LoopException e) {
                return e.code().name();
            } catch (Exception e) {
                return e.getClass().getSimpleName();
            } finally {
                inCall = false;
            }
        }

        void expect(String got, String... allowed) {
            for (String option : allowed) {
                if (option.equals(got) || (option.equals("ok:*") && got.startsWith("ok:"))) {
                    return;
                }
            }
            problem("got " + got + ", the model allows " + Arrays.toString(allowed));
        }

        static final String ISE = "IllegalStateException";

        void apply(Action action) {
            switch (action) {
                case Write(boolean a, int n) -> write(end(a), n);
                case TryWrite(boolean a, int n) -> tryWrite(end(a), n);
                case StartRead(boolean a) -> startRead(end(a));
                case StopRead(boolean a) -> {
                    End e = end(a);
                    expect(outcome(() -> {
                        e.tcp.stopRead();
                        return null;
                    }), "ok");
                    e.reading = false;
                    e.readGeneration++;
                }
                case Shutdown(boolean a) -> shutdown(end(a));
                case Close(boolean a) -> close(end(a), false);
                case CloseReset(boolean a) -> close(end(a), true);
                case SetNoDelay(boolean a, boolean on) -> {
                    End e = end(a);
                    if (e.noDelaySupported) {
                        String got = outcome(() -> {
                            e.tcp.setOption(StandardSocketOptions.TCP_NODELAY, on);
                            return null;
                        });
                        if (e.closeCalled) {
                            expect(got, ISE);
                        } else {
                            expect(got, "ok");
                            e.noDelay = on;
                        }
                    }
                }
                case GetNoDelay(boolean a) -> {
                    End e = end(a);
                    if (e.noDelaySupported) {
                        String got = outcome(() -> e.tcp.option(StandardSocketOptions.TCP_NODELAY));
                        expect(got, e.closeCalled ? ISE : "ok:" + e.noDelay);
                    }
                }
                case BytesReadable(boolean a) -> {
                    End e = end(a);
                    String got = outcome(() -> e.tcp.bytesReadable());
                    if (e.closeCalled) {
                        expect(got, ISE);
                    } else {
                        expect(got, "ok:*");
                        if (got.startsWith("ok:")) {
                            int readable = Integer.parseInt(got.substring(3));
                            int inFlight = e.peer.written.size() - e.received.size();
                            if (readable < 0 || readable > inFlight) {
                                problem("bytesReadable " + readable + " but only " + inFlight + " bytes are in flight towards " + e.name());
                            }
                        }
                    }
                }
                case RunOnce(int times) -> {
                    for (int i = 0; i < times; i++) {
                        loop.run(RunMode.NOWAIT);
                    }
                }
            }
        }

        End end(boolean a) {
            return a ? endA : endB;
        }

        /** The bytes an end writes next: a pattern of its direction and the offset, so that any reordering shows. */
        static byte[] pattern(End e, int n) {
            byte[] data = new byte[n];
            int offset = e.written.size();
            for (int i = 0; i < n; i++) {
                int x = (offset + i) * 0x9E3779B1 + (e.a ? 0 : 0x5BD1E995);
                data[i] = (byte) (x >>> 24 ^ x >>> 11 ^ (offset + i));
            }
            return data;
        }

        /** The codes a write or shutdown may meet once the peer has closed (possibly with a reset). */
        static final String[] PEER_GONE = {"EPIPE", "ECONNRESET", "ECONNABORTED"};

        String[] writeOutcomes(End e) {
            if (e.closeCalled) {
                return new String[] {ISE};
            }
            if (e.shutdownCalled || e.readFailed) {
                return new String[] {"EPIPE"};
            }
            if (e.peer.closeCalled) {
                return new String[] {"ok", "ok:*", PEER_GONE[0], PEER_GONE[1], PEER_GONE[2]};
            }
            return new String[] {"ok", "ok:*"};
        }

        void write(End e, int n) {
            int count = Math.min(n, BUDGET_PER_END - e.written.size());
            if (count <= 0) {
                return;
            }
            byte[] data = pattern(e, count);
            Request request = new Request(++nextRequest, "write");
            String got = outcome(() -> {
                e.tcp.write(ByteBuffer.wrap(data), error -> completed(e, request, error));
                return null;
            });
            expect(got, writeOutcomes(e));
            if (got.equals("ok")) {
                e.written.writeBytes(data);
                e.submitted.add(request);
            }
        }

        void tryWrite(End e, int n) {
            int count = Math.min(n, BUDGET_PER_END - e.written.size());
            if (count <= 0) {
                return;
            }
            byte[] data = pattern(e, count);
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long queued = e.closeCalled ? 0 : e.tcp.writeQueueSize();
            String got = outcome(() -> e.tcp.tryWrite(buffer));
            expect(got, writeOutcomes(e));
            if (got.startsWith("ok:")) {
                int written = Integer.parseInt(got.substring(3));
                if (written < 0 || written > count) {
                    problem("tryWrite of " + count + " bytes returned " + written);
                    return;
                }
                if (queued > 0 && written > 0) {
                    problem("tryWrite wrote " + written + " bytes while " + queued + " bytes were queued");
                }
                if (buffer.position() != written) {
                    problem("tryWrite returned " + written + " but moved the position to " + buffer.position());
                }
                e.written.write(data, 0, written);
            }
        }

        void startRead(End e) {
            int generation = ++e.readGeneration;
            String got = outcome(() -> {
                e.tcp.startRead(result -> read(e, generation, result));
                return null;
            });
            if (e.closeCalled) {
                expect(got, ISE);
            } else if (e.reading) {
                expect(got, "EALREADY");
            } else if (e.readFailed) {
                expect(got, "ENOTCONN");
            } else {
                expect(got, "ok");
            }
            if (got.equals("ok")) {
                e.reading = true;
            } else if (got.equals("EALREADY")) {
                e.readGeneration--; // the earlier callback stays the current one
            }
        }

        void shutdown(End e) {
            Request request = new Request(++nextRequest, "shutdown");
            String got = outcome(() -> {
                e.tcp.shutdown(error -> completed(e, request, error));
                return null;
            });
            if (e.closeCalled) {
                expect(got, ISE);
            } else if (e.shutdownCalled || e.readFailed) {
                expect(got, "ENOTCONN");
            } else if (e.peer.closeCalled) {
                expect(got, "ok", "ENOTCONN", PEER_GONE[0], PEER_GONE[1], PEER_GONE[2]);
            } else {
                expect(got, "ok");
            }
            if (got.equals("ok")) {
                e.shutdownCalled = true;
                e.shutdown = request;
                e.submitted.add(request);
                if (e.tcp.isWritable()) {
                    problem("still writable right after shutdown returned");
                }
            }
        }

        void close(End e, boolean reset) {
            String got = outcome(() -> {
                if (reset) {
                    e.tcp.closeReset(() -> closed(e));
                } else {
                    e.tcp.close(() -> closed(e));
                }
                return null;
            });
            if (e.closeCalled) {
                expect(got, ISE);
            } else if (reset && e.shutdown != null && e.shutdown.callbacks == 0) {
                expect(got, "EINVAL");
            } else {
                expect(got, "ok");
            }
            if (got.equals("ok")) {
                e.closeCalled = true;
                e.resetCalled = reset;
                e.reading = false;
                if (!e.tcp.isClosing()) {
                    problem("not closing right after close returned");
                }
            }
        }

        // ---- callbacks -----------------------------------------------------------------------

        void callbackCommon(End e, String what) {
            if (inCall) {
                problem(what + " of " + e.name() + " ran inside an API call");
            }
            if (e.closeCallbackRan) {
                problem(what + " of " + e.name() + " ran after its close callback");
            }
        }

        void completed(End e, Request request, LoopException error) {
            String what = request + " callback (" + (error == null ? "ok" : error.code()) + ")";
            callbackCommon(e, what);
            if (++request.callbacks > 1) {
                problem(what + " of " + e.name() + " called " + request.callbacks + " times");
                return;
            }
            int position = e.completed.size();
            if (position >= e.submitted.size() || e.submitted.get(position) != request) {
                problem(what + " of " + e.name() + " out of submission order: expected "
                        + (position < e.submitted.size() ? e.submitted.get(position) : "none"));
            }
            e.completed.add(request);
            if (error != null) {
                ErrorCode code = error.code();
                boolean cancelled = code == ErrorCode.ECANCELED && e.closeCalled;
                boolean peerGone = e.peer.closeCalled && Arrays.asList(PEER_GONE).contains(code.name());
                if (!cancelled && !peerGone) {
                    problem(what + " of " + e.name() + " failed unexpectedly: " + error);
                }
            }
            if (request.kind.equals("shutdown") && error == null && !e.closeCalled && e.tcp.writeQueueSize() != 0) {
                problem("shutdown callback of " + e.name() + " with " + e.tcp.writeQueueSize() + " bytes still queued");
            }
        }

        void read(End e, int generation, ReadResult result) {
            String what = "read callback (" + result.getClass().getSimpleName() + ")";
            callbackCommon(e, what);
            if (!e.reading || generation != e.readGeneration) {
                problem(what + " of " + e.name() + " while it was not reading (after stopRead, end of stream, error or close)");
            }
            End peer = e.peer;
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    byte[] chunk = new byte[bytes.remaining()];
                    bytes.get(chunk);
                    int at = e.received.size();
                    e.received.writeBytes(chunk);
                    byte[] sent = peer.written.toByteArray();
                    byte[] got = e.received.toByteArray();
                    if (got.length > sent.length || !Arrays.equals(got, 0, got.length, sent, 0, got.length)) {
                        int mismatch = Arrays.mismatch(got, 0, got.length, sent, 0, Math.min(sent.length, got.length));
                        problem(e.name() + " received " + chunk.length + " bytes at " + at + " that " + peer.name()
                                + " did not write there (" + sent.length + " written, first difference at " + mismatch + ")");
                    }
                }
                case ReadResult.EndOfStream() -> {
                    e.reading = false;
                    e.endOfStream = true;
                    if (!peer.shutdownCalled && !peer.closeCalled) {
                        problem(e.name() + " saw the end of the stream but " + peer.name() + " neither shut down nor closed");
                    } else if (!peer.closeCalled && e.received.size() != peer.written.size()) {
                        problem(e.name() + " saw the end of the stream after " + e.received.size() + " of the "
                                + peer.written.size() + " bytes " + peer.name() + " wrote before its shutdown");
                    }
                    if (!e.closeCalled && (!e.tcp.isReadable() || e.tcp.isWritable() == e.shutdownCalled)) {
                        problem("after the end of the stream " + e.name() + " is readable " + e.tcp.isReadable()
                                + ", writable " + e.tcp.isWritable());
                    }
                }
                case ReadResult.Failed(LoopException error) -> {
                    e.reading = false;
                    e.readFailed = true;
                    if (!peer.closeCalled) {
                        problem(e.name() + " failed to read (" + error + ") but " + peer.name() + " did not close");
                    }
                    if (!e.closeCalled && (e.tcp.isReadable() || e.tcp.isWritable())) {
                        problem("after a read error " + e.name() + " is readable " + e.tcp.isReadable()
                                + ", writable " + e.tcp.isWritable());
                    }
                }
            }
        }

        void closed(End e) {
            callbackCommon(e, "close callback");
            if (e.closeCallbackRan) {
                return;
            }
            e.closeCallbackRan = true;
            if (!e.closeCalled) {
                problem("close callback of " + e.name() + " without a close");
            }
            List<Request> pending = e.submitted.stream().filter(r -> r.callbacks == 0).toList();
            if (!pending.isEmpty()) {
                problem("close callback of " + e.name() + " before the callbacks of " + pending);
            }
        }

        // ---- the end -------------------------------------------------------------------------

        static long deadline() {
            return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        }

        /** Reads on every open end until each direction has settled, then checks what arrived. */
        void drain() {
            for (End e : List.of(endA, endB)) {
                if (!e.closeCalled && !e.reading && !e.readFailed) {
                    startRead(e);
                }
            }
            verify();
            long deadline = deadline();
            while (!settled(endA) || !settled(endB)) {
                loop.run(RunMode.NOWAIT);
                verify();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the pair did not settle within " + BOUND_MILLIS + " ms: "
                            + endA.state() + ", " + endB.state());
                }
            }
        }

        /** An open end has had all its requests completed and read all its peer will send. */
        boolean settled(End e) {
            if (e.closeCalled) {
                return true;
            }
            if (e.completed.size() < e.submitted.size()) {
                return false;
            }
            if (e.readFailed || e.endOfStream) {
                return true;
            }
            return !e.peer.closeCalled && !e.peer.shutdownCalled && e.received.size() == e.peer.written.size();
        }

        /** Closes what is open, runs the loop until it is idle, and checks that nothing is left. */
        void closeAll() throws LoopException {
            for (End e : List.of(endA, endB)) {
                if (!e.closeCalled) {
                    close(e, false);
                }
            }
            verify();
            long deadline = deadline();
            while (loop.run(RunMode.NOWAIT)) {
                verify();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the loop still had work " + BOUND_MILLIS + " ms after the last close");
                }
            }
            for (End e : List.of(endA, endB)) {
                if (!e.closeCallbackRan) {
                    problem("the close callback of " + e.name() + " never ran");
                }
                for (Request r : e.submitted) {
                    if (r.callbacks != 1) {
                        problem(r + " of " + e.name() + " was called back " + r.callbacks + " times");
                    }
                }
            }
            List<String> left = new ArrayList<>();
            loop.walk(h -> left.add(h.toString()));
            if (!left.isEmpty()) {
                problem("the loop still walks " + left);
            }
            verify();
            loop.close();
        }

        @Override
        public void close() throws LoopException {
            if (loop.isClosed()) {
                return;
            }
            // After a failure: close what is left, bounded, so the next case starts clean.
            loop.walk(h -> {
                if (!h.isClosing()) {
                    h.close();
                }
            });
            long deadline = deadline();
            while (loop.run(RunMode.NOWAIT) && System.nanoTime() < deadline) {
                // turn until idle
            }
            loop.close();
        }
    }
}
