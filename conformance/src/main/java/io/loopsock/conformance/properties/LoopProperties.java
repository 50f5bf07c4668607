package io.loopsock.conformance.properties;

import io.loopsock.Async;
import io.loopsock.ErrorCode;
import io.loopsock.Handle;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Prepare;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.Check;
import io.loopsock.conformance.Rules;
import io.loopsock.conformance.engine.Gen;
import io.loopsock.conformance.engine.Property;
import io.loopsock.spi.LoopProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The loop and its timers and watchers, checked against models of the rules: the timer model
 * (rules 4, 31–33, 35–41), run modes and stop (rules 1–4, 8–10, 42), async coalescing and
 * executed tasks from other threads (rules 16, 56), references and liveness (rules 23, 24, 26,
 * 57), and the close protocol (rules 11, 14, 17, 20, 21).
 *
 * <p>Any thread: each check opens its own loop with {@link LoopProvider#open()} on the calling
 * thread and bounds every wait. Orderings and deadlines are checked against the loop's own cached
 * time ({@link Loop#now()}), never against the wall clock; the wall clock only bounds a case that
 * hangs, through a watchdog that stops the loop from another thread.
 */
public final class LoopProperties {
    /** Every wait of a check is bounded by this, in wall-clock milliseconds. */
    private static final long BOUND_MILLIS = 5_000;
    /** A timer that never fires within a case. */
    private static final long FAR_MILLIS = 60_000;

    private LoopProperties() {}

    /**
     * Lists the loop properties, each with the rules it checks; none needs a capability.
     *
     * @param backend the backend under test
     * @return the checks
     */
    public static List<Check> checks(LoopProvider backend) {
        return List.of(
                new Check(ids(4, 31, 32, 33, 35, 36, 37, 38, 39, 40, 41), Set.of(), timerModel(backend)),
                new Check(ids(1, 2, 3, 4, 8, 9, 10, 42), Set.of(), runModes(backend)),
                new Check(ids(16, 56), Set.of(), asyncAndExecute(backend)),
                new Check(ids(23, 24, 26, 57), Set.of(), references(backend)),
                new Check(ids(11, 14, 17, 20, 21), Set.of(), closeProtocol(backend)));
    }

    private static List<String> ids(int... numbers) {
        return IntStream.of(numbers).mapToObj(Rules::id).toList();
    }

    // ==== 1. the timer model ======================================================================

    /** Past this many firings, or this much loop time, a timer case stops every timer. */
    private static final int TIMER_FIRINGS = 24;
    private static final long TIMER_SPAN_MILLIS = 60;

    /** How a timer is set up before the first run. */
    private enum Setup { START, START_STOP, NONE, RESTART, START_AGAIN }

    /** What a timer's callback does to a timer (itself included). */
    private enum Act { NOTHING, STOP, START, AGAIN, SET_REPEAT, BUSY }

    /** One reaction of a timer's callback: on its n-th firing it performs its n-th reaction. */
    private record Reaction(Act act, int target, int timeout, int repeat) {
        int busyMillis() {
            return Math.min(timeout, 3);
        }

        String describe(int timers) {
            String t = "t" + target % timers;
            return switch (act) {
                case NOTHING -> "-";
                case STOP -> "stop " + t;
                case START -> "start " + t + "(" + timeout + "," + repeat + ")";
                case AGAIN -> "again " + t;
                case SET_REPEAT -> "setRepeat " + t + "(" + repeat + ")";
                case BUSY -> "busy " + busyMillis() + "ms";
            };
        }
    }

    /** One timer: its first timeout and repeat, how it is set up, its place in the start order, its reactions. */
    private record TimerPlan(int timeout, int repeat, Setup setup, int rank, List<Reaction> reactions) {}

    /** A timer case: the timers, and the run modes used in turn until the loop has nothing left. */
    private record TimerCase(List<TimerPlan> timers, List<RunMode> modes) {
        @Override
        public String toString() {
            int n = timers.size();
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < n; i++) {
                TimerPlan p = timers.get(i);
                out.append(i == 0 ? "" : "; ").append('t').append(i).append(": ").append(p.setup().name().toLowerCase())
                        .append('(').append(p.timeout()).append(',').append(p.repeat()).append(") rank ").append(p.rank());
                if (!p.reactions().isEmpty()) {
                    out.append(" then ").append(p.reactions().stream().map(r -> r.describe(n)).collect(Collectors.joining(", ", "[", "]")));
                }
            }
            return out.append("; runs ").append(modes).toString();
        }
    }

    private static Gen<TimerCase> timerCases() {
        // Small timeouts from a short list most of the time, so that equal due times are common.
        Gen<Integer> timeout = Gen.frequency(List.of(
                new Gen.Weighted<>(3, Gen.elements(0, 1, 2, 5, 10)),
                new Gen.Weighted<>(1, Gen.ints(0, 40))));
        Gen<Integer> repeat = Gen.frequency(List.of(
                new Gen.Weighted<>(3, Gen.constant(0)),
                new Gen.Weighted<>(2, Gen.ints(1, 8))));
        Gen<Reaction> reaction = Gen.elements(Act.values()).flatMap(act -> Gen.ints(0, 5).flatMap(target ->
                timeout.flatMap(t -> repeat.map(r -> new Reaction(act, target, t, r)))));
        Gen<Setup> setup = Gen.elements(Setup.START, Setup.START, Setup.START, Setup.START_STOP, Setup.NONE, Setup.RESTART,
                Setup.START_AGAIN);
        Gen<TimerPlan> plan = timeout.flatMap(t -> repeat.flatMap(r -> setup.flatMap(s -> Gen.ints(0, 3).flatMap(rank ->
                Gen.lists(reaction, 0, 4).map(reactions -> new TimerPlan(t, r, s, rank, reactions))))));
        return zip(Gen.lists(plan, 1, 6), Gen.lists(Gen.elements(RunMode.DEFAULT, RunMode.ONCE, RunMode.NOWAIT), 1, 3), TimerCase::new);
    }

    /** What the timer harness saw, in order; the model replays it. */
    private sealed interface TimerEvent {}

    /** A run began; {@code now} is the loop's time before it. */
    private record RunStart(RunMode mode, long now) implements TimerEvent {}

    /** A run returned. */
    private record RunEnd(RunMode mode, boolean alive) implements TimerEvent {}

    /** A check callback: a timer phase follows; {@code now} is the time it saw. */
    private record Tick(long now) implements TimerEvent {}

    /** {@code Timer.start} with a new callback, numbered {@code callback}. */
    private record Started(int timer, int callback, long now, long timeout, long repeat) implements TimerEvent {}

    /** {@code Timer.again}, and whether it threw {@link IllegalStateException}. */
    private record Again(int timer, long now, boolean refused) implements TimerEvent {}

    /** {@code Timer.stop}. */
    private record Stopped(int timer) implements TimerEvent {}

    /** {@code Timer.setRepeat}. */
    private record Repeat(int timer, long repeat) implements TimerEvent {}

    /** A callback ran: which start it belongs to, the time it saw and whether its timer was active in it. */
    private record Fired(int timer, int callback, long now, boolean active) implements TimerEvent {}

    private static Property<TimerCase> timerModel(LoopProvider backend) {
        return Property.forAll("timers follow the timer model, " + backend.name(), timerCases(),
                c -> withLoop(backend, (loop, watchdog) -> new TimerRun(loop, watchdog, c).run()));
    }

    /** Runs one timer case and records what happened. Loop-thread only. */
    private static final class TimerRun {
        private final Loop loop;
        private final Watchdog watchdog;
        private final TimerCase c;
        private final Timer[] timers;
        private final int[] firings;
        private final List<TimerEvent> log = new ArrayList<>();
        private int callbacks;
        private int fired;
        private boolean capped;
        private boolean aborted;
        private long origin;

        TimerRun(Loop loop, Watchdog watchdog, TimerCase c) {
            this.loop = loop;
            this.watchdog = watchdog;
            this.c = c;
            this.timers = new Timer[c.timers().size()];
            this.firings = new int[timers.length];
        }

        void run() throws Exception {
            int n = timers.length;
            for (int i = 0; i < n; i++) {
                timers[i] = loop.timer();
            }
            // An unreferenced check handle marks each iteration's timer phase without keeping the loop alive.
            io.loopsock.Check tick = loop.check();
            tick.start(() -> log.add(new Tick(loop.now())));
            tick.unref();
            origin = loop.now();
            List<Integer> order = IntStream.range(0, n).boxed()
                    .sorted(Comparator.comparingInt((Integer i) -> c.timers().get(i).rank()).thenComparingInt(i -> i)).toList();
            for (int i : order) {
                TimerPlan p = c.timers().get(i);
                switch (p.setup()) {
                    case START -> start(i, p.timeout(), p.repeat());
                    case START_STOP -> {
                        start(i, p.timeout(), p.repeat());
                        stop(i);
                    }
                    case NONE -> { }
                    case RESTART -> {
                        start(i, 0, 1);
                        start(i, p.timeout(), p.repeat());
                    }
                    case START_AGAIN -> {
                        start(i, p.timeout(), p.repeat());
                        again(i);
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
            String hang = null;
            for (int r = 0; hang == null; r++) {
                RunMode mode = c.modes().get(r % c.modes().size());
                log.add(new RunStart(mode, loop.now()));
                boolean alive = loop.run(mode);
                if (watchdog.fired()) {
                    hang = "run(" + mode + ") did not return within " + BOUND_MILLIS + " ms";
                } else if (aborted) {
                    hang = "a timer fired after every timer was stopped";
                } else {
                    log.add(new RunEnd(mode, alive));
                    if (!alive) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        hang = "timers still active after " + BOUND_MILLIS + " ms of runs";
                    }
                }
            }
            // The model explains a hang better than the hang does, so it sees the partial log first.
            checkTimerLog(log, n, origin, hang == null);
            check(hang == null, hang);
            for (Timer t : timers) {
                t.close();
            }
            tick.close();
            drain(loop, watchdog, "run(DEFAULT) returned true after every handle was closed");
        }

        private void start(int i, long timeout, long repeat) {
            int callback = callbacks++;
            long now = loop.now();
            timers[i].start(() -> fire(i, callback), timeout, repeat);
            log.add(new Started(i, callback, now, timeout, repeat));
        }

        private void stop(int i) {
            timers[i].stop();
            log.add(new Stopped(i));
        }

        private void again(int i) {
            long now = loop.now();
            boolean refused = false;
            try {
                timers[i].again();
            } catch (IllegalStateException e) {
                refused = true;
            }
            log.add(new Again(i, now, refused));
        }

        private void fire(int i, int callback) {
            log.add(new Fired(i, callback, loop.now(), timers[i].isActive()));
            int nth = firings[i]++;
            fired++;
            if (capped) {
                // Nothing is armed any more: the model will name the rule; end the run now.
                aborted = true;
                loop.stop();
                return;
            }
            List<Reaction> reactions = c.timers().get(i).reactions();
            if (nth < reactions.size()) {
                Reaction r = reactions.get(nth);
                int target = r.target() % timers.length;
                switch (r.act()) {
                    case NOTHING -> { }
                    case STOP -> stop(target);
                    case START -> start(target, r.timeout(), r.repeat());
                    case AGAIN -> again(target);
                    case SET_REPEAT -> {
                        timers[target].setRepeat(r.repeat());
                        log.add(new Repeat(target, r.repeat()));
                    }
                    case BUSY -> busy(r.busyMillis());
                }
            }
            if (fired >= TIMER_FIRINGS || loop.now() - origin >= TIMER_SPAN_MILLIS) {
                // Keeps every case short: from here on nothing is armed.
                capped = true;
                for (int t = 0; t < timers.length; t++) {
                    stop(t);
                }
            }
        }
    }

    /** A timer's pending firing in the model: due time, start order, callback, the phase that armed it. */
    private record Arming(long due, long order, int callback, int phase, int at, long armedAt) {
        boolean before(Arming other) {
            return due < other.due || (due == other.due && order < other.order);
        }
    }

    /**
     * Replays the log against the timer rules. The model keeps each timer's pending firing with the
     * due time and start order the rules give it; a timer phase follows each check callback (and,
     * in DEFAULT, the start of the run), and ends at the next check callback or the end of the run.
     */
    private static void checkTimerLog(List<TimerEvent> log, int n, long origin, boolean complete) {
        Arming[] live = new Arming[n];
        boolean[] started = new boolean[n];
        int[] callback = new int[n];
        long[] repeat = new long[n];
        long order = 0;
        int phase = 0;
        boolean open = false;
        long probe = 0;
        int opened = 0;
        RunMode mode = RunMode.DEFAULT;
        for (int at = 0; at < log.size(); at++) {
            TimerEvent event = log.get(at);
            if (open && (event instanceof Tick || event instanceof RunStart || event instanceof RunEnd)) {
                // The timer phase is over: every firing armed before it and due by then has run.
                long by = probe;
                for (int t = 0; t < n; t++) {
                    Arming a = live[t];
                    int timer = t;
                    check(a == null || a.at() >= opened || a.due() > by,
                            () -> "t" + timer + " (due " + (a.due() - origin) + " ms) did not fire in the timer phase at "
                                    + (by - origin) + " ms or later; it was armed before that phase (rules 31, 40)");
                }
                open = false;
            }
            final RunMode inMode = mode;
            switch (event) {
                case RunStart s -> {
                    mode = s.mode();
                    if (s.mode() == RunMode.DEFAULT && anyLive(live)) {
                        // DEFAULT runs the due timers once before the first iteration (rule 4).
                        open = true;
                        phase++;
                        probe = s.now();
                        opened = at;
                    }
                }
                case Tick tick -> {
                    open = true;
                    phase++;
                    probe = tick.now();
                    opened = at;
                }
                case RunEnd end -> {
                    boolean alive = anyLive(live);
                    check(end.alive() == alive, () -> "run(" + end.mode() + ") returned " + end.alive() + " with "
                            + (alive ? "a timer still armed" : "no timer armed") + " (rule 1)");
                    check(end.mode() != RunMode.DEFAULT || !end.alive(), "run(DEFAULT) returned true without stop (rule 1)");
                }
                case Started s -> {
                    live[s.timer()] = new Arming(s.now() + s.timeout(), order++, s.callback(), open ? phase : -1, at, s.now());
                    started[s.timer()] = true;
                    callback[s.timer()] = s.callback();
                    repeat[s.timer()] = s.repeat();
                }
                case Again a -> {
                    int t = a.timer();
                    check(a.refused() != started[t], () -> "again() on t" + t + (started[t]
                            ? " threw IllegalStateException although the timer was started" : " did not throw although it was never started")
                            + " (rule 35)");
                    if (started[t] && repeat[t] != 0) {
                        live[t] = new Arming(a.now() + repeat[t], order++, callback[t], open ? phase : -1, at, a.now());
                    }
                }
                case Stopped s -> live[s.timer()] = null;
                case Repeat r -> repeat[r.timer()] = r.repeat();
                case Fired f -> {
                    int t = f.timer();
                    Arming a = live[t];
                    check(open, () -> "t" + t + " fired outside a timer phase: before the poll of a run(" + inMode + ") (rule 4)");
                    check(a != null, () -> "t" + t + " fired although it was " + (started[t] ? "stopped" : "never started") + " (rule 31)");
                    check(a.callback() == f.callback(), () -> "t" + t + " ran the callback of start #" + f.callback()
                            + ", which start #" + a.callback() + " replaced (rule 33)");
                    check(a.phase() != phase, () -> "t" + t + " fired in the same timer phase that armed it at "
                            + (a.armedAt() - origin) + " ms: it ran twice in one pass (rules 40, 41)");
                    check(f.now() >= a.due(), () -> "t" + t + " fired at " + (f.now() - origin) + " ms, before its due time "
                            + (a.due() - origin) + " ms (armed at " + (a.armedAt() - origin) + " ms) (rules 38, 39)");
                    for (int u = 0; u < n; u++) {
                        Arming b = live[u];
                        int other = u;
                        check(u == t || b == null || !b.before(a), () -> "t" + t + " (due " + (a.due() - origin) + " ms, start #"
                                + a.order() + ") fired before t" + other + " (due " + (b.due() - origin) + " ms, start #" + b.order()
                                + ") (rule 32)");
                    }
                    boolean repeating = repeat[t] > 0;
                    check(f.active() == repeating, () -> "t" + t + " was " + (f.active() ? "active" : "inactive")
                            + " in its own callback with repeat " + repeat[t] + " (rule 37)");
                    // A repeating timer is re-armed from the cached time, before its callback (rules 37, 38).
                    live[t] = repeating ? new Arming(f.now() + repeat[t], order++, a.callback(), phase, at, f.now()) : null;
                }
            }
        }
        check(!complete || !anyLive(live), "the runs ended with a timer still armed (rule 1)");
    }

    private static boolean anyLive(Arming[] live) {
        return Arrays.stream(live).anyMatch(a -> a != null);
    }

    // ==== 2. run modes and stop ===================================================================

    /** The timer that is due at once: none, one-shot, or repeating with a far repeat. */
    private enum DueTimer { NONE, ONE_SHOT, REPEATING }

    /** Where {@code stop()} is called. */
    private enum StopWhen { NONE, BEFORE_RUN, IN_TIMER, IN_IDLE, IN_CHECK }

    /**
     * One run: the mode, the handles started for it (a due timer, a far timer, an idle handle that
     * runs forever (-1), not at all (0) or stops itself on its n-th call), and where stop is called
     * (on the stopAt-th call of that callback).
     */
    private record Step(RunMode mode, DueTimer due, boolean far, int idle, StopWhen stop, int stopAt) {
        @Override
        public String toString() {
            return mode + "{" + (due == DueTimer.NONE ? "" : "due " + due + " ") + (far ? "far " : "")
                    + (idle == 0 ? "" : idle < 0 ? "idle " : "idle x" + idle + " ")
                    + (stop == StopWhen.NONE ? "" : "stop " + stop + (stop == StopWhen.IN_IDLE || stop == StopWhen.IN_CHECK ? "#" + stopAt : ""))
                    + "}";
        }
    }

    /**
     * The loop's phases for one step, after libuv's uv_run: what runs ("T" due timer, "I" idle,
     * "P" prepare, "C" check), the value run returns and whether the loop is alive afterwards.
     * Prepare and check are unreferenced and only mark iterations.
     */
    private static final class RunModel {
        private final Step s;
        private boolean duePending;
        private boolean dueFar;
        private boolean idleOn;
        private boolean stop;
        private int idleCalls;
        private int checkCalls;
        private int timerCalls;
        final List<String> trace = new ArrayList<>();

        RunModel(Step s) {
            this.s = s;
            duePending = s.due() != DueTimer.NONE;
            idleOn = s.idle() != 0;
            stop = s.stop() == StopWhen.BEFORE_RUN;
        }

        boolean alive() {
            return duePending || dueFar || s.far() || idleOn;
        }

        private void timers() {
            if (duePending) {
                duePending = false;
                dueFar = s.due() == DueTimer.REPEATING;
                trace.add("T");
                timerCalls++;
                if (s.stop() == StopWhen.IN_TIMER && timerCalls == 1) {
                    stop = true;
                }
            }
        }

        /** Returns what run returns, or null if the run would block on the far timer or spin. */
        Boolean run() {
            boolean alive = alive();
            if (s.mode() == RunMode.DEFAULT && alive && !stop) {
                timers();
            }
            int iterations = 0;
            while (alive && !stop) {
                if (++iterations > 10) {
                    return null;
                }
                boolean canSleep = !idleOn;
                if (idleOn) {
                    trace.add("I");
                    idleCalls++;
                    if (idleCalls == s.idle()) {
                        idleOn = false;
                    }
                    if (s.stop() == StopWhen.IN_IDLE && idleCalls == s.stopAt()) {
                        stop = true;
                    }
                }
                trace.add("P");
                boolean mayBlock = s.mode() == RunMode.DEFAULT || (s.mode() == RunMode.ONCE && canSleep);
                if (mayBlock && !stop && alive() && !idleOn && !duePending) {
                    return null;
                }
                trace.add("C");
                checkCalls++;
                if (s.stop() == StopWhen.IN_CHECK && checkCalls == s.stopAt()) {
                    stop = true;
                }
                timers();
                alive = alive();
                if (s.mode() != RunMode.DEFAULT) {
                    break;
                }
            }
            return alive;
        }
    }

    private static Gen<List<Step>> stepLists() {
        // No idle handle half of the time: only then may ONCE and DEFAULT block in the poll.
        Gen<Integer> idles = Gen.frequency(List.of(new Gen.Weighted<>(1, Gen.constant(0)), new Gen.Weighted<>(1, Gen.ints(-1, 3))));
        Gen<Step> raw = Gen.elements(RunMode.DEFAULT, RunMode.ONCE, RunMode.NOWAIT).flatMap(mode ->
                Gen.elements(DueTimer.values()).flatMap(due -> Gen.booleans().flatMap(far -> idles.flatMap(idle ->
                        Gen.elements(StopWhen.values()).flatMap(stop -> Gen.ints(1, 3).map(at ->
                                new Step(mode, due, far, idle, stop, at)))))));
        // A step that would block on the far timer or spin for ever gets a stop before its run.
        Gen<Step> steps = raw.map(s -> new RunModel(s).run() != null ? s
                : new Step(s.mode(), s.due(), s.far(), s.idle(), StopWhen.BEFORE_RUN, s.stopAt()));
        return Gen.lists(steps, 1, 8);
    }

    private static Property<List<Step>> runModes(LoopProvider backend) {
        return Property.forAll("run modes, stop and liveness follow libuv's uv_run, " + backend.name(), stepLists(), steps ->
                withLoop(backend, (loop, watchdog) -> {
                    check(!loop.isAlive(), "a fresh loop is alive (rule 10)");
                    List<String> trace = new ArrayList<>();
                    int[] calls = new int[3];
                    Step[] current = new Step[1];
                    Timer due = loop.timer();
                    Timer far = loop.timer();
                    Idle idle = loop.idle();
                    Prepare prepare = loop.prepare();
                    io.loopsock.Check checker = loop.check();
                    prepare.start(() -> trace.add("P"));
                    prepare.unref();
                    checker.start(() -> {
                        trace.add("C");
                        if (current[0].stop() == StopWhen.IN_CHECK && ++calls[2] == current[0].stopAt()) {
                            loop.stop();
                        }
                    });
                    checker.unref();
                    for (int i = 0; i < steps.size(); i++) {
                        Step s = steps.get(i);
                        current[0] = s;
                        due.stop();
                        far.stop();
                        idle.stop();
                        trace.clear();
                        Arrays.fill(calls, 0);
                        if (s.due() != DueTimer.NONE) {
                            due.start(() -> {
                                trace.add("T");
                                if (s.stop() == StopWhen.IN_TIMER && ++calls[0] == 1) {
                                    loop.stop();
                                }
                            }, 0, s.due() == DueTimer.REPEATING ? FAR_MILLIS : 0);
                        }
                        if (s.far()) {
                            far.start(() -> trace.add("F"), FAR_MILLIS);
                        }
                        if (s.idle() != 0) {
                            idle.start(() -> {
                                trace.add("I");
                                if (++calls[1] == s.idle()) {
                                    idle.stop();
                                }
                                if (s.stop() == StopWhen.IN_IDLE && calls[1] == s.stopAt()) {
                                    loop.stop();
                                }
                            });
                        }
                        if (s.stop() == StopWhen.BEFORE_RUN) {
                            loop.stop();
                        }
                        RunModel model = new RunModel(s);
                        boolean aliveBefore = model.alive();
                        Boolean expected = model.run();
                        String where = "step " + (i + 1) + " " + s;
                        check(loop.isAlive() == aliveBefore, where + ": isAlive() before run is " + !aliveBefore + " (rule 10)");
                        boolean result = loop.run(s.mode());
                        check(!watchdog.fired(), where + ": run did not return within " + BOUND_MILLIS + " ms (rules 2, 3, 8)");
                        check(trace.equals(model.trace), where + ": ran " + trace + ", expected " + model.trace + " (rules 2, 3, 4, 8, 9)");
                        // Stopped in DEFAULT's first timer pass, libuv returns the liveness seen before it,
                        // which may already be stale; either value is accepted there.
                        check(result == expected || result == model.alive(), where + ": run returned " + result + " (rules 1, 3, 8, 9)");
                        check(loop.isAlive() == model.alive(), where + ": isAlive() after run is " + !model.alive() + " (rule 10)");
                    }
                    due.close();
                    far.close();
                    idle.close();
                    prepare.close();
                    checker.close();
                    drain(loop, watchdog, "run(DEFAULT) returned true after every handle was closed (rules 1, 9)");
                    check(!loop.isAlive(), "the drained loop is alive (rule 10)");
                }));
    }

    // ==== 3. async and execute from other threads ==================================================

    /**
     * What a sender thread does: send, execute a task, or send while a callback is running (it
     * sends, waits until a callback has started, sends again while that callback holds, then waits
     * for a callback that starts after it).
     */
    private enum Op { SEND, EXECUTE, SEND_DURING }

    /** Per sender thread, its operations in order. */
    private record AsyncCase(List<List<Op>> threads) {
        int sends() {
            return threads.stream().flatMap(List::stream).mapToInt(op -> switch (op) {
                case SEND -> 1;
                case EXECUTE -> 0;
                case SEND_DURING -> 2;
            }).sum();
        }

        @Override
        public String toString() {
            return threads.stream().map(ops -> ops.stream().map(op -> switch (op) {
                case SEND -> "s";
                case EXECUTE -> "x";
                case SEND_DURING -> "d";
            }).collect(Collectors.joining())).collect(Collectors.joining(" | ", "threads (s send, x execute, d send during a callback): ", ""));
        }
    }

    /** How long an async callback holds for a thread that wants to send while it runs. */
    private static final long HOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private static Property<AsyncCase> asyncAndExecute(LoopProvider backend) {
        Gen<Op> op = Gen.elements(Op.SEND, Op.SEND, Op.SEND, Op.EXECUTE, Op.EXECUTE, Op.SEND_DURING);
        Gen<AsyncCase> cases = Gen.lists(Gen.lists(op, 1, 30), 2, 4).map(AsyncCase::new);
        return Property.forAll("async sends coalesce and executed tasks run once in order, from 2-4 threads, " + backend.name(),
                cases, c -> withLoop(backend, (loop, watchdog) -> {
                    int threads = c.threads().size();
                    int total = c.sends();
                    Thread loopThread = Thread.currentThread();
                    AtomicLong sent = new AtomicLong();
                    AtomicLong started = new AtomicLong();
                    // Per thread: the callback count it saw before a send it wants to repeat during the next callback, or -1.
                    AtomicLongArray waiting = new AtomicLongArray(threads);
                    for (int t = 0; t < threads; t++) {
                        waiting.set(t, -1);
                    }
                    List<String> problems = new ArrayList<>();
                    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
                    long[] seen = {0};
                    int[] done = {0};
                    int[] next = new int[threads];
                    Async[] async = new Async[1];
                    Runnable finish = () -> {
                        // Closes once every sender is done and a callback started after the last send.
                        if (done[0] == threads && seen[0] == total && !async[0].isClosing()) {
                            async[0].close();
                        }
                    };
                    async[0] = loop.async(() -> {
                        long before = sent.get();
                        long call = started.incrementAndGet();
                        if (Thread.currentThread() != loopThread) {
                            problems.add("an async callback ran on " + Thread.currentThread().getName());
                        }
                        if (before < call) {
                            problems.add("callback " + call + " ran after only " + before + " send(s): a callback without its own send");
                        }
                        seen[0] = Math.max(seen[0], before);
                        // Holds (bounded) while a thread that waited for this callback has yet to send during it.
                        long until = System.nanoTime() + HOLD_NANOS;
                        while (waitsFor(waiting, call) && System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        finish.run();
                    });
                    CountDownLatch go = new CountDownLatch(1);
                    List<Thread> senders = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        int thread = t;
                        List<Op> ops = c.threads().get(t);
                        senders.add(Thread.ofPlatform().name("loopsock-sender-" + t).daemon(true).start(() -> {
                            try {
                                if (!go.await(BOUND_MILLIS, TimeUnit.MILLISECONDS)) {
                                    throw new AssertionError("the loop did not start within " + BOUND_MILLIS + " ms");
                                }
                                int index = 0;
                                for (Op o : ops) {
                                    switch (o) {
                                        case SEND -> {
                                            sent.incrementAndGet();
                                            async[0].send();
                                        }
                                        case EXECUTE -> {
                                            int mine = index++;
                                            loop.execute(() -> {
                                                if (Thread.currentThread() != loopThread) {
                                                    problems.add("a task ran on " + Thread.currentThread().getName());
                                                }
                                                if (next[thread] != mine) {
                                                    problems.add("thread " + thread + ": task " + mine + " ran when task " + next[thread] + " was next");
                                                }
                                                next[thread] = mine + 1;
                                            });
                                        }
                                        case SEND_DURING -> {
                                            long during;
                                            long before = started.get();
                                            waiting.set(thread, before);
                                            try {
                                                sent.incrementAndGet();
                                                async[0].send();
                                                awaitCallbackAfter(started, before);
                                                during = started.get();
                                                sent.incrementAndGet();
                                                async[0].send();
                                            } finally {
                                                waiting.set(thread, -1);
                                            }
                                            awaitCallbackAfter(started, during);
                                        }
                                    }
                                }
                                loop.execute(() -> {
                                    done[0]++;
                                    finish.run();
                                });
                            } catch (Throwable e) {
                                errors.add(e);
                                try {
                                    loop.execute(loop::stop);
                                } catch (RejectedExecutionException closed) {
                                    // The run is over already.
                                }
                            }
                        }));
                    }
                    boolean alive;
                    boolean hung;
                    try {
                        // Released from the loop's first poll, so that the threads send while it runs.
                        loop.execute(go::countDown);
                        alive = loop.run();
                        hung = watchdog.fired();
                    } finally {
                        go.countDown();
                        for (Thread sender : senders) {
                            sender.join(BOUND_MILLIS);
                        }
                    }
                    check(errors.isEmpty(), () -> "a sender failed: " + errors.peek().getMessage());
                    check(!hung, () -> "the loop did not finish within " + BOUND_MILLIS + " ms: " + started.get() + " callbacks, the last of them saw "
                            + seen[0] + " of " + total + " sends (a send after a callback started gave no callback, rule 56), "
                            + done[0] + " of " + threads + " senders' last tasks ran");
                    check(problems.isEmpty(), () -> summary(problems));
                    check(!alive, "run(DEFAULT) returned true after the async handle was closed");
                    long calls = started.get();
                    check(total == 0 ? calls == 0 : calls >= 1 && calls <= total, () -> calls + " callbacks for " + total
                            + " sends (rule 56: at least 1, at most as many as sends; none without a send)");
                    for (int t = 0; t < threads; t++) {
                        long tasks = c.threads().get(t).stream().filter(o -> o == Op.EXECUTE).count();
                        int thread = t;
                        check(next[t] == tasks, () -> "thread " + thread + ": " + next[thread] + " of " + tasks + " tasks ran (rule 16)");
                    }
                }));
    }

    /** Tells whether a thread waits to send during callback {@code call}: it saw fewer callbacks before. */
    private static boolean waitsFor(AtomicLongArray waiting, long call) {
        for (int t = 0; t < waiting.length(); t++) {
            long before = waiting.get(t);
            if (before >= 0 && before < call) {
                return true;
            }
        }
        return false;
    }

    /** How long a sender waits for the callback its send must cause. */
    private static final long CALLBACK_WAIT_MILLIS = 2_000;

    /** Waits (bounded, spinning) until more than {@code count} callbacks have started. */
    private static void awaitCallbackAfter(AtomicLong started, long count) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALLBACK_WAIT_MILLIS);
        while (started.get() <= count) {
            if (System.nanoTime() > until) {
                throw new AssertionError("no async callback started within " + CALLBACK_WAIT_MILLIS + " ms after a send that followed callback "
                        + count + " (rule 56)");
            }
            Thread.yield();
        }
    }

    // ==== 4. references and liveness ===============================================================

    private enum RefKind { ZERO_TIMER, LONG_TIMER, IDLE, PREPARE, CHECK, ASYNC, LISTENER }

    /** A handle, whether it is started (an async handle always is), and ref (true) / unref (false) calls before the run. */
    private record RefHandle(RefKind kind, boolean started, List<Boolean> ops) {
        boolean active() {
            return switch (kind) {
                case ZERO_TIMER -> false; // it has fired by the time liveness is asked
                case ASYNC -> true;
                default -> started;
            };
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase() + (started || kind == RefKind.ASYNC ? "" : "(not started)")
                    + ops.stream().map(ref -> ref ? " ref" : " unref").collect(Collectors.joining());
        }
    }

    /** A ref (true) or unref (false) call made from inside the run, on handle {@code handle} modulo the count. */
    private record RefOp(int handle, boolean ref) {}

    private record RefCase(List<RefHandle> handles, List<RefOp> during) {
        @Override
        public String toString() {
            List<String> hs = new ArrayList<>();
            for (int i = 0; i < handles.size(); i++) {
                hs.add("h" + i + " " + handles.get(i));
            }
            return hs + ", during the run " + during.stream().map(op -> op.ref() ? "ref h" + op.handle() % handles.size()
                    : "unref h" + op.handle() % handles.size()).toList();
        }
    }

    private static Property<RefCase> references(LoopProvider backend) {
        Gen<RefHandle> handle = Gen.elements(RefKind.values()).flatMap(kind -> Gen.elements(true, true, false).flatMap(started ->
                Gen.lists(Gen.booleans(), 0, 4).map(ops -> new RefHandle(kind, started, ops))));
        Gen<RefOp> op = zip(Gen.ints(0, 7), Gen.booleans(), RefOp::new);
        Gen<RefCase> cases = zip(Gen.lists(handle, 1, 7), Gen.lists(op, 0, 6), RefCase::new);
        return Property.forAll("run(DEFAULT) ends exactly when no active referenced handle is left, " + backend.name(), cases,
                c -> withLoop(backend, (loop, watchdog) -> {
                    int n = c.handles().size();
                    Handle[] hs = new Handle[n];
                    boolean[] ref = new boolean[n];
                    int[] calls = new int[n];
                    for (int i = 0; i < n; i++) {
                        RefHandle h = c.handles().get(i);
                        int index = i;
                        io.loopsock.Callback count = () -> calls[index]++;
                        hs[i] = switch (h.kind()) {
                            case ZERO_TIMER, LONG_TIMER -> {
                                Timer t = loop.timer();
                                if (h.started()) {
                                    t.start(count, h.kind() == RefKind.ZERO_TIMER ? 0 : FAR_MILLIS);
                                }
                                yield t;
                            }
                            case IDLE -> {
                                Idle idle = loop.idle();
                                if (h.started()) {
                                    idle.start(count);
                                }
                                yield idle;
                            }
                            case PREPARE -> {
                                Prepare prepare = loop.prepare();
                                if (h.started()) {
                                    prepare.start(count);
                                }
                                yield prepare;
                            }
                            case CHECK -> {
                                io.loopsock.Check check = loop.check();
                                if (h.started()) {
                                    check.start(count);
                                }
                                yield check;
                            }
                            case ASYNC -> loop.async(count);
                            case LISTENER -> {
                                Tcp tcp = loop.tcp();
                                if (h.started()) {
                                    tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                                    tcp.listen(1, error -> calls[index]++);
                                }
                                yield tcp;
                            }
                        };
                        check(hs[i].hasRef(), "h" + i + ": a new handle is not referenced (rule 23)");
                        ref[i] = true;
                        for (boolean r : h.ops()) {
                            setRef(hs[i], r, "h" + i);
                            ref[i] = r;
                        }
                    }
                    Timer guard = loop.timer();
                    Timer backstop = loop.timer();
                    backstop.unref();
                    boolean[] expected = new boolean[1];
                    boolean[] reached = new boolean[1];
                    boolean[] overran = new boolean[1];
                    io.loopsock.Callback overrun = () -> {
                        overran[0] = true;
                        loop.stop();
                    };
                    int[] step = {0};
                    // The guard keeps the loop alive while it makes the ref/unref calls of the run, one per
                    // firing; then it stops and asks the loop whether anything else keeps it alive.
                    guard.start(() -> {
                        if (step[0] < c.during().size()) {
                            RefOp o = c.during().get(step[0]++);
                            int i = o.handle() % n;
                            setRef(hs[i], o.ref(), "h" + i);
                            ref[i] = o.ref();
                            return;
                        }
                        guard.stop();
                        reached[0] = true;
                        boolean alive = false;
                        for (int i = 0; i < n; i++) {
                            RefHandle h = c.handles().get(i);
                            alive |= h.active() && ref[i];
                            if (h.kind() == RefKind.ZERO_TIMER && h.started()) {
                                check(calls[i] == 1, "h" + i + ": a 0 ms timer ran " + calls[i] + " times in a loop kept alive by another timer");
                            }
                        }
                        expected[0] = alive;
                        check(loop.isAlive() == alive, "isAlive() is " + !alive + " with " + (alive ? "an" : "no")
                                + " active referenced handle (rules 24, 57)");
                        if (alive) {
                            loop.stop();
                        } else {
                            // Only reached if the loop wrongly goes on: it must end after this iteration.
                            backstop.start(overrun, 200);
                        }
                    }, 1, 1);
                    boolean result = loop.run();
                    check(!watchdog.fired(), "run(DEFAULT) did not return within " + BOUND_MILLIS + " ms");
                    check(reached[0], "run(DEFAULT) returned " + result + " while the referenced guard timer was active (rule 24)");
                    check(!overran[0], "run(DEFAULT) went on with no active referenced handle (rules 24, 57)");
                    check(result == expected[0], "run(DEFAULT) returned " + result + (expected[0]
                            ? " after stop() with an active referenced handle" : " with no active referenced handle") + " (rule 24)");
                    if (!expected[0]) {
                        // Nothing referenced is active: a run does nothing at all, not even unreferenced 0 ms timers.
                        Arrays.fill(calls, 0);
                        for (int i = 0; i < n; i++) {
                            if (hs[i] instanceof Timer t && !ref[i]) {
                                t.start(() -> calls[index(hs, t)]++, 0);
                            }
                        }
                        backstop.start(overrun, 200);
                        check(!loop.run(), "run(DEFAULT) returned true with only unreferenced active handles (rule 24)");
                        check(!watchdog.fired() && !overran[0], "run(DEFAULT) went on with only unreferenced active handles (rule 24)");
                        for (int i = 0; i < n; i++) {
                            check(calls[i] == 0, "h" + i + " " + c.handles().get(i).kind() + ": its callback ran under run(DEFAULT)"
                                    + " with no active referenced handle (rules 24, 26)");
                        }
                    }
                    for (Handle h : hs) {
                        h.close();
                    }
                    guard.close();
                    backstop.close();
                    drain(loop, watchdog, "run(DEFAULT) returned true after every handle was closed");
                }));
    }

    private static void setRef(Handle h, boolean ref, String name) {
        if (ref) {
            h.ref();
        } else {
            h.unref();
        }
        check(h.hasRef() == ref, name + ": hasRef() is " + !ref + " right after " + (ref ? "ref()" : "unref()")
                + ": ref and unref set a flag, they do not count (rule 23)");
    }

    private static int index(Handle[] hs, Handle h) {
        return Arrays.asList(hs).indexOf(h);
    }

    // ==== 5. the close protocol ====================================================================

    private enum CloseKind { TIMER, IDLE, PREPARE, CHECK, ASYNC, TCP }

    /** Who closes a handle: setup (directly or from a walk visitor), its own callback, another's callback or close callback. */
    private enum Closer { SETUP, SETUP_WALK, SELF, OTHER, OTHER_CLOSED }

    /**
     * A handle and how it is closed: by {@code closer}, on the k-th call of the callback that
     * closes it (or, for {@code OTHER}, from the other's close callback if that comes first);
     * {@code other} picks an earlier handle; {@code twice} closes it a second time at once.
     */
    private record CloseHandle(CloseKind kind, Closer closer, int other, int k, boolean twice) {
        /** A TCP handle listens when {@code other} is even, else it has no socket. */
        boolean listener() {
            return kind == CloseKind.TCP && other % 2 == 0;
        }
    }

    private record CloseCase(List<CloseHandle> handles) {
        /** The closer, made consistent: a handle without callbacks cannot close itself, the first has no other. */
        Closer closer(int i) {
            CloseHandle h = handles.get(i);
            if (h.closer() == Closer.SELF && h.kind() == CloseKind.TCP) {
                return Closer.SETUP;
            }
            if ((h.closer() == Closer.OTHER || h.closer() == Closer.OTHER_CLOSED) && i == 0) {
                return Closer.SETUP;
            }
            return h.closer();
        }

        int other(int i) {
            return i == 0 ? 0 : handles.get(i).other() % i;
        }

        @Override
        public String toString() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < handles.size(); i++) {
                CloseHandle h = handles.get(i);
                Closer closer = closer(i);
                String by = switch (closer) {
                    case SETUP -> "at setup (rank " + h.k() + ")";
                    case SETUP_WALK -> "from walk at setup";
                    case SELF -> "by its own call #" + h.k();
                    case OTHER -> "by h" + other(i) + "'s call #" + h.k();
                    case OTHER_CLOSED -> "by h" + other(i) + "'s close callback";
                };
                out.add("h" + i + " " + h.kind().name().toLowerCase() + (h.listener() ? " listener" : "") + " closed " + by + (h.twice() ? " twice" : ""));
            }
            return out.toString();
        }
    }

    private static Property<CloseCase> closeProtocol(LoopProvider backend) {
        Gen<CloseHandle> handle = Gen.elements(CloseKind.values()).flatMap(kind -> Gen.elements(Closer.values()).flatMap(closer ->
                Gen.ints(0, 7).flatMap(other -> Gen.ints(1, 3).flatMap(k -> Gen.booleans().map(twice ->
                        new CloseHandle(kind, closer, other, k, twice))))));
        return Property.forAll("close callbacks run once, later, and nothing of a handle runs after its close, " + backend.name(),
                Gen.lists(handle, 1, 8).map(CloseCase::new), c -> withLoop(backend, (loop, watchdog) -> new CloseRun(loop, watchdog, c).run()));
    }

    /** Runs one close case. Loop-thread only. */
    private static final class CloseRun {
        private final Loop loop;
        private final Watchdog watchdog;
        private final CloseCase c;
        private final int n;
        private final Handle[] hs;
        private final int[] calls;
        private final int[] closeCalls;
        private final boolean[] closeCalled;
        private final boolean[] finished;
        private final List<String> problems = new ArrayList<>();
        private boolean inClose;

        CloseRun(Loop loop, Watchdog watchdog, CloseCase c) {
            this.loop = loop;
            this.watchdog = watchdog;
            this.c = c;
            this.n = c.handles().size();
            this.hs = new Handle[n];
            this.calls = new int[n];
            this.closeCalls = new int[n];
            this.closeCalled = new boolean[n];
            this.finished = new boolean[n];
        }

        void run() throws Exception {
            // Prepare, check and listening handles alone would make the poll wait for ever; an
            // unreferenced idle handle keeps the loop iterating without keeping it alive.
            Idle pump = loop.idle();
            pump.start(() -> { });
            pump.unref();
            for (int i = 0; i < n; i++) {
                int index = i;
                io.loopsock.Callback own = () -> called(index);
                hs[i] = switch (c.handles().get(i).kind()) {
                    case TIMER -> {
                        Timer t = loop.timer();
                        t.start(own, c.handles().get(i).k() - 1, 1);
                        yield t;
                    }
                    case IDLE -> {
                        Idle idle = loop.idle();
                        idle.start(own);
                        yield idle;
                    }
                    case PREPARE -> {
                        Prepare prepare = loop.prepare();
                        prepare.start(own);
                        yield prepare;
                    }
                    case CHECK -> {
                        io.loopsock.Check check = loop.check();
                        check.start(own);
                        yield check;
                    }
                    case ASYNC -> {
                        Async async = loop.async(own);
                        async.send();
                        yield async;
                    }
                    case TCP -> {
                        Tcp tcp = loop.tcp();
                        if (c.handles().get(i).listener()) {
                            tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                            tcp.listen(1, error -> called(index));
                        }
                        yield tcp;
                    }
                };
            }
            walkCheck(-1, "after setup");
            List<Integer> setupOrder = IntStream.range(0, n).boxed().filter(i -> c.closer(i) == Closer.SETUP)
                    .sorted(Comparator.comparingInt((Integer i) -> c.handles().get(i).k()).thenComparingInt(i -> i)).toList();
            for (int i : setupOrder) {
                closeIt(i);
            }
            loop.walk(h -> {
                int i = index(hs, h);
                if (i >= 0 && c.closer(i) == Closer.SETUP_WALK) {
                    closeIt(i);
                }
            });
            try {
                loop.close();
                problems.add("Loop.close() succeeded with " + n + " handle(s) not finished closing (rule 11)");
            } catch (LoopException e) {
                if (e.code() != ErrorCode.EBUSY) {
                    problems.add("Loop.close() with handles left failed with " + e.code() + ", not EBUSY (rule 11)");
                }
            }
            boolean alive;
            alive = loop.run();
            check(!watchdog.fired(), "run(DEFAULT) did not return within " + BOUND_MILLIS + " ms");
            check(problems.isEmpty(), () -> summary(problems));
            check(!alive, "run(DEFAULT) returned true after every handle was closed");
            for (int i = 0; i < n; i++) {
                int index = i;
                check(closeCalls[i] == 1, () -> "h" + index + ": its close callback ran " + closeCalls[index] + " times (rule 17)");
            }
            List<Handle> left = new ArrayList<>();
            loop.walk(left::add);
            check(left.equals(List.of(pump)), () -> "walk still shows " + (left.size() - 1)
                    + " handle(s) after every close callback ran (rule 14)");
            pump.close();
            drain(loop, watchdog, "run(DEFAULT) returned true after every handle was closed");
        }

        private void called(int i) {
            if (finished[i]) {
                problems.add("h" + i + ": a callback ran after its close callback (rule 17)");
            } else if (closeCalled[i]) {
                problems.add("h" + i + ": a callback ran after close() (rule 20)");
            }
            calls[i]++;
            walkCheck(-1, "in h" + i + "'s callback");
            if (hs[i] instanceof Async async && !closeCalled[i]) {
                async.send();
            }
            if (c.closer(i) == Closer.SELF && calls[i] == c.handles().get(i).k()) {
                closeIt(i);
            }
            for (int j = 0; j < n; j++) {
                if (c.closer(j) == Closer.OTHER && c.other(j) == i && calls[i] == c.handles().get(j).k()) {
                    closeIt(j);
                }
            }
        }

        private void closed(int i) {
            if (inClose) {
                problems.add("h" + i + ": its close callback ran inside close() (rule 17)");
            }
            if (++closeCalls[i] > 1) {
                problems.add("h" + i + ": its close callback ran again (rule 17)");
            }
            walkCheck(i, "in h" + i + "'s close callback");
            finished[i] = true;
            for (int j = 0; j < n; j++) {
                if ((c.closer(j) == Closer.OTHER || c.closer(j) == Closer.OTHER_CLOSED) && c.other(j) == i) {
                    closeIt(j);
                }
            }
        }

        private void closeIt(int i) {
            if (closeCalled[i]) {
                return;
            }
            Handle h = hs[i];
            if (h instanceof Async async) {
                // A send still pending when the handle closes must not run its callback.
                async.send();
            }
            inClose = true;
            try {
                h.close(() -> closed(i));
            } finally {
                inClose = false;
            }
            closeCalled[i] = true;
            if (!h.isClosing() || h.isActive()) {
                problems.add("h" + i + ": right after close(), isClosing() " + h.isClosing() + ", isActive() " + h.isActive() + " (rule 20)");
            }
            if (c.handles().get(i).twice()) {
                try {
                    h.close(() -> closed(i));
                    problems.add("h" + i + ": a second close() was accepted (rule 21)");
                } catch (IllegalStateException expected) {
                    // Closing a closing handle is a programming error (rule 21, decided).
                }
            }
        }

        /** Walk must show exactly the handles whose close callback has not run, in creation order. */
        private void walkCheck(int exempt, String where) {
            List<Integer> seen = new ArrayList<>();
            loop.walk(h -> seen.add(index(hs, h)));
            seen.removeIf(i -> i == exempt || i < 0);
            List<Integer> expected = IntStream.range(0, n).filter(i -> !finished[i] && i != exempt).boxed().toList();
            if (!seen.equals(expected)) {
                problems.add(where + ": walk showed " + seen + ", expected " + expected + " (rule 14)");
            }
        }
    }

    // ==== helpers ==================================================================================

    /** The body of a check, given its own loop and the watchdog that bounds the whole case. */
    @FunctionalInterface
    private interface Body {
        void run(Loop loop, Watchdog watchdog) throws Exception;
    }

    /**
     * Opens a loop, runs the body, and closes the loop, which must then have no handle left. When
     * the body fails, what it left behind is closed first, so that a failing case does not leak.
     */
    private static void withLoop(LoopProvider backend, Body body) throws Exception {
        Loop loop = backend.open();
        try (Watchdog watchdog = Watchdog.start(loop)) {
            body.run(loop, watchdog);
        } catch (Exception | Error e) {
            try {
                dispose(loop);
                loop.close();
            } catch (Exception | Error cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        loop.close();
    }

    /** Runs the loop to its end, bounded by the watchdog: with every handle closed, run(DEFAULT) returns false. */
    private static void drain(Loop loop, Watchdog watchdog, String message) {
        boolean alive = loop.run();
        check(!watchdog.fired(), "run(DEFAULT) did not return within " + BOUND_MILLIS + " ms with every handle closed");
        check(!alive, message);
    }

    /** Closes every handle and runs the loop (bounded) until nothing is left; failures are already being reported. */
    private static void dispose(Loop loop) {
        loop.walk(h -> {
            if (!h.isClosing()) {
                h.close();
            }
        });
        for (int i = 0; i < 100; i++) {
            try {
                if (!loop.run(RunMode.NOWAIT)) {
                    return;
                }
            } catch (RuntimeException | Error ignored) {
                // A harness callback may still complain; the case has failed already.
            }
        }
    }

    /**
     * Bounds a case in wall-clock time: if it is still running after {@link #BOUND_MILLIS}, a
     * thread of its own stops the loop through {@link Loop#execute}, so that a hang becomes a failure.
     */
    private static final class Watchdog implements AutoCloseable {
        private final CountDownLatch done;
        private final AtomicBoolean fired;
        private final Thread thread;

        private Watchdog(CountDownLatch done, AtomicBoolean fired, Thread thread) {
            this.done = done;
            this.fired = fired;
            this.thread = thread;
        }

        static Watchdog start(Loop loop) {
            CountDownLatch done = new CountDownLatch(1);
            AtomicBoolean fired = new AtomicBoolean();
            Thread thread = Thread.ofPlatform().name("loopsock-watchdog").daemon(true).start(() -> {
                try {
                    if (!done.await(BOUND_MILLIS, TimeUnit.MILLISECONDS)) {
                        fired.set(true);
                        loop.execute(loop::stop);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RejectedExecutionException e) {
                    // The loop closed meanwhile: nothing to stop.
                }
            });
            return new Watchdog(done, fired, thread);
        }

        boolean fired() {
            return fired.get();
        }

        @Override
        public void close() {
            done.countDown();
            try {
                thread.join(BOUND_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Keeps the loop thread busy, as a slow callback does; bounded by its length. */
    private static void busy(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static String summary(List<String> problems) {
        return problems.size() <= 3 ? String.join("; ", problems)
                : String.join("; ", problems.subList(0, 3)) + "; and " + (problems.size() - 3) + " more";
    }

    private static <A, B, R> Gen<R> zip(Gen<A> a, Gen<B> b, BiFunction<? super A, ? super B, ? extends R> f) {
        return a.flatMap(x -> b.map(y -> f.apply(x, y)));
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    private static void check(boolean condition, java.util.function.Supplier<String> message) {
        if (!condition) {
            throw new AssertionError(message.get());
        }
    }
}
