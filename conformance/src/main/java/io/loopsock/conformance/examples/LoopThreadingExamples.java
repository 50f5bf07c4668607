package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.closeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.Async;
import io.loopsock.Check;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.Prepare;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Threads and a loop: loop-thread-only calls from other threads, async sends from many threads,
 * and handing a loop from one thread to another (rules 16, 56).
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class LoopThreadingExamples {

    /** A call that may throw anything. */
    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /** Runs a call on a new thread and returns what it threw, or null; fails if it does not end in time. */
    private static Throwable onAnotherThread(Call call) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                call.run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "other");
        thread.start();
        thread.join(Loops.BOUND.toMillis());
        assertThat(thread.isAlive()).as("the other thread finished").isFalse();
        return thrown.get();
    }

    @Test
    @DisplayName("rule 16: every loop-thread-only method of the loop and its handles throws IllegalStateException on another thread")
    void loopThreadOnlyCallsThrowOnAnotherThread(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        Tcp client = pair.client();
        Tcp listener = pair.listener();
        Tcp fresh = loop.tcp();
        Timer timer = loop.timer();
        Idle idle = loop.idle();
        Prepare prepare = loop.prepare();
        Check check = loop.check();
        Async async = loop.async(() -> {});

        Map<String, Call> calls = new LinkedHashMap<>();
        calls.put("loop.now", loop::now);
        calls.put("loop.updateTime", loop::updateTime);
        calls.put("loop.stop", loop::stop);
        calls.put("loop.isAlive", loop::isAlive);
        calls.put("loop.walk", () -> loop.walk(handle -> {}));
        calls.put("loop.close", loop::close);
        calls.put("loop.tcp", loop::tcp);
        calls.put("loop.pipe", loop::pipe);
        calls.put("loop.timer", loop::timer);
        calls.put("loop.idle", loop::idle);
        calls.put("loop.prepare", loop::prepare);
        calls.put("loop.check", loop::check);
        calls.put("loop.async", () -> loop.async(() -> {}));
        calls.put("timer.start", () -> timer.start(() -> {}, 1));
        calls.put("timer.stop", timer::stop);
        calls.put("timer.again", timer::again);
        calls.put("timer.setRepeat", () -> timer.setRepeat(5));
        calls.put("timer.repeat", timer::repeat);
        calls.put("timer.dueIn", timer::dueIn);
        calls.put("idle.start", () -> idle.start(() -> {}));
        calls.put("idle.stop", idle::stop);
        calls.put("prepare.start", () -> prepare.start(() -> {}));
        calls.put("check.start", () -> check.start(() -> {}));
        calls.put("handle.close", timer::close);
        calls.put("handle.close(callback)", () -> async.close(() -> {}));
        calls.put("handle.ref", timer::ref);
        calls.put("handle.unref", timer::unref);
        calls.put("handle.hasRef", timer::hasRef);
        calls.put("handle.isActive", async::isActive);
        calls.put("handle.isClosing", async::isClosing);
        calls.put("stream.write", () -> client.write(ByteBuffer.allocate(1), null));
        calls.put("stream.write(array)", () -> client.write(new ByteBuffer[] {ByteBuffer.allocate(1)}, null));
        calls.put("stream.tryWrite", () -> client.tryWrite(ByteBuffer.allocate(1)));
        calls.put("stream.startRead", () -> client.startRead(result -> {}));
        calls.put("stream.stopRead", client::stopRead);
        calls.put("stream.shutdown", () -> client.shutdown(null));
        calls.put("stream.writeQueueSize", client::writeQueueSize);
        calls.put("stream.isReadable", client::isReadable);
        calls.put("stream.isWritable", client::isWritable);
        calls.put("stream.setOption", () -> client.setOption(StandardSocketOptions.TCP_NODELAY, true));
        calls.put("stream.option", () -> client.option(StandardSocketOptions.TCP_NODELAY));
        calls.put("stream.supportedOptions", client::supportedOptions);
        calls.put("stream.listen", () -> fresh.listen(1, error -> {}));
        calls.put("stream.accept", listener::accept);
        calls.put("tcp.bind", () -> fresh.bind(loopback()));
        calls.put("tcp.connect", () -> fresh.connect(listener.localAddress(), error -> {}));
        calls.put("tcp.closeReset", () -> client.closeReset(null));
        calls.put("tcp.localAddress", client::localAddress);
        calls.put("tcp.remoteAddress", client::remoteAddress);

        Map<String, String> outcomes = new LinkedHashMap<>();
        Throwable failure = onAnotherThread(() -> calls.forEach((name, call) -> {
            try {
                call.run();
                outcomes.put(name, "returned");
            } catch (Exception e) {
                outcomes.put(name, e.getClass().getSimpleName());
            }
        }));
        assertThat(failure).isNull();

        assertThat(outcomes).hasSameSizeAs(calls)
                .allSatisfy((name, outcome) -> assertThat(outcome).as(name).isEqualTo("IllegalStateException"));
        // Nothing changed: the calls were refused before they did anything.
        assertThat(timer.isActive()).isFalse();
        assertThat(timer.hasRef()).isTrue();
        assertThat(idle.isActive()).isFalse();
        assertThat(async.isClosing()).isFalse();
        assertThat(client.isClosing()).isFalse();
        assertThat(client.writeQueueSize()).isZero();
        assertThat(loop.isClosed()).isFalse();
        closeAll(fresh, timer, idle, prepare, check, async);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 16: loop.provider, handle.loop, execute and Async.send work from any thread")
    void anyThreadCallsWorkOnAnotherThread(Loop loop) throws Exception {
        AtomicInteger sends = new AtomicInteger();
        Async async = loop.async(sends::incrementAndGet);
        AtomicBoolean executed = new AtomicBoolean();
        AtomicReference<Object> seen = new AtomicReference<>();

        Throwable failure = onAnotherThread(() -> {
            seen.set(async.loop());
            assertThat(loop.provider()).isNotNull();
            async.send();
            loop.execute(() -> executed.set(true));
        });

        assertThat(failure).isNull();
        assertThat(seen.get()).isSameAs(loop);
        runUntil(loop, () -> executed.get() && sends.get() == 1);
        async.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 56: Async.send from many threads at once gives at least one and at most as many callbacks as sends, and none without a send")
    void concurrentSendsCoalesce(Loop loop) throws Exception {
        int threads = 8;
        int sendsPerThread = 2_000;
        AtomicBoolean allSent = new AtomicBoolean();
        AtomicInteger callbacks = new AtomicInteger();
        boolean[] sawLast = {false};
        List<Thread> loopThreads = new ArrayList<>();
        Async async = loop.async(() -> {
            callbacks.incrementAndGet();
            loopThreads.add(Thread.currentThread());
            if (allSent.get()) {
                sawLast[0] = true;
            }
        });
        AtomicInteger remaining = new AtomicInteger(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Throwable> failures = new ArrayList<>();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread sender = new Thread(() -> {
                try {
                    start.await(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS);
                    for (int i = 0; i < sendsPerThread; i++) {
                        async.send();
                    }
                    if (remaining.decrementAndGet() == 0) {
                        // Every send has returned: one more, so that a callback must start after this.
                        allSent.set(true);
                        async.send();
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }, "sender-" + t);
            senders.add(sender);
            sender.start();
        }

        runUntil(loop, () -> sawLast[0]);

        for (Thread sender : senders) {
            sender.join(Loops.BOUND.toMillis());
            assertThat(sender.isAlive()).isFalse();
        }
        assertThat(failures).isEmpty();
        int total = threads * sendsPerThread + 1;
        assertThat(callbacks.get()).isBetween(1, total);
        assertThat(loopThreads).containsOnly(Thread.currentThread());

        // The callback that saw allSent may have started just before the final send, which then
        // asks for one more callback: let that one run before counting.
        loop.run(RunMode.NOWAIT);
        int before = callbacks.get();
        for (int i = 0; i < 5; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(callbacks.get()).as("no callback without a send").isEqualTo(before);
        async.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 56: sends made while the loop is not running coalesce into callbacks on the next run")
    void sendsBeforeRunCoalesce(Loop loop) throws Exception {
        AtomicInteger callbacks = new AtomicInteger();
        Async async = loop.async(callbacks::incrementAndGet);
        int sends = 1_000;

        Throwable failure = onAnotherThread(() -> {
            for (int i = 0; i < sends; i++) {
                async.send();
            }
        });
        assertThat(failure).isNull();
        assertThat(callbacks.get()).as("nothing runs before the loop runs").isZero();

        runUntil(loop, () -> callbacks.get() > 0);
        for (int i = 0; i < 5; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(callbacks.get()).isBetween(1, sends);
        async.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 56: a send from another thread after the callback has started gives exactly one more callback")
    void sendAfterCallbackStartedGivesAnother(Loop loop) throws Exception {
        AtomicInteger callbacks = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Async> handle = new AtomicReference<>();
        Async async = loop.async(() -> {
            if (callbacks.incrementAndGet() == 1) {
                // Inside the first callback another thread sends, and we wait until it has.
                try {
                    Throwable thrown = onAnotherThread(() -> handle.get().send());
                    if (thrown != null) {
                        failure.set(thrown);
                    }
                } catch (InterruptedException | AssertionError e) {
                    failure.set(e);
                }
            }
        });
        handle.set(async);
        async.send();

        runUntil(loop, () -> callbacks.get() >= 2);
        for (int i = 0; i < 5; i++) {
            loop.run(RunMode.NOWAIT);
        }

        assertThat(failure.get()).isNull();
        assertThat(callbacks.get()).isEqualTo(2);
        async.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 5, 56: an async sent from its own callback runs again in a later iteration, so it cannot starve the loop")
    void asyncSentFromItsCallbackRunsInLaterIteration(Loop loop) {
        List<String> events = new ArrayList<>();
        Check check = loop.check();
        check.start(() -> events.add("check"));
        AtomicReference<Async> handle = new AtomicReference<>();
        Async async = loop.async(() -> {
            events.add("async");
            if (events.stream().filter("async"::equals).count() < 3) {
                handle.get().send();
            }
        });
        handle.set(async);
        async.send();

        runUntil(loop, () -> events.stream().filter("async"::equals).count() >= 3 && events.getLast().equals("check"));

        assertThat(events).startsWith("async", "check", "async", "check", "async", "check");
        closeAll(check, async);
        runToEnd(loop);
    }

    @Test
    @DisplayName("loop: a loop opened on one thread can be run on another, which then owns it until another thread runs it")
    void runOnAnotherThreadTransfersOwnership(Loop loop) throws Exception {
        Timer timer = loop.timer();
        AtomicReference<Thread> firedOn = new AtomicReference<>();
        AtomicReference<Long> nowInCallback = new AtomicReference<>();
        timer.start(() -> {
            firedOn.set(Thread.currentThread());
            nowInCallback.set(loop.now());
            timer.close();
        }, 1);
        AtomicReference<Boolean> result = new AtomicReference<>();
        AtomicReference<Thread> runner = new AtomicReference<>();

        Throwable failure = onAnotherThread(() -> {
            runner.set(Thread.currentThread());
            result.set(loop.run());
            // The runner owns the loop now, also after run returned.
            loop.updateTime();
        });

        assertThat(failure).isNull();
        assertThat(result.get()).isFalse();
        assertThat(firedOn.get()).isSameAs(runner.get());
        assertThat(nowInCallback.get()).isNotNull();
        assertThatThrownBy(loop::now).as("the test thread no longer owns the loop")
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(loop::timer).isInstanceOf(IllegalStateException.class);

        // Running it here takes it back.
        assertThat(loop.run(RunMode.NOWAIT)).isFalse();
        assertThat(loop.now()).isGreaterThanOrEqualTo(nowInCallback.get());
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    @DisplayName("loop: run while the loop runs on another thread throws IllegalStateException, and so do loop-thread-only calls")
    void runWhileRunningOnAnotherThreadThrows(Loop loop) throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        Async async = loop.async(running::countDown);
        AtomicReference<Boolean> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                result.set(loop.run());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "runner");
        runner.start();
        async.send();
        assertThat(running.await(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("the loop runs on the runner").isTrue();

        assertThatThrownBy(loop::run).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> loop.run(RunMode.NOWAIT)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(loop::now).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(loop::stop).isInstanceOf(IllegalStateException.class);

        loop.execute(async::close);
        runner.join(Loops.BOUND.toMillis());
        assertThat(runner.isAlive()).as("the runner's run ended").isFalse();
        assertThat(failure.get()).isNull();
        assertThat(result.get()).isFalse();

        assertThat(loop.run(RunMode.NOWAIT)).as("the test thread takes the loop back").isFalse();
        assertThat(async.isClosing()).isTrue();
    }

    @Test
    @DisplayName("rule 16: handles made on the owning thread refuse calls from a thread pool as well")
    void handleCallsFromExecutorThreadThrow(Loop loop) throws Exception {
        Timer timer = loop.timer();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> {
                    try {
                        timer.start(() -> {}, 0);
                        return "started";
                    } catch (IllegalStateException e) {
                        return "refused";
                    }
                }));
            }
            for (var future : results) {
                assertThat(future.get(Loops.BOUND.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("refused");
            }
        }
        assertThat(timer.isActive()).isFalse();
        timer.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("loop: an execute from another thread wakes a blocked poll, also after a close consumed an earlier wakeup")
    void foreignExecuteWakesBlockedPollAfterACloseConsumedAWakeup(Loop loop) throws Exception {
        Tcp victim = loop.tcp();
        victim.listen(1, error -> {});
        CountDownLatch victimClosed = new CountDownLatch(1);
        // A foreign execute whose wakeup lands while the loop is busy, then a close (which makes nio
        // deregister with a selectNow of its own) in the same iteration.
        Async async = loop.async(() -> loop.execute(() -> victim.close(victimClosed::countDown)));
        Timer guard = loop.timer();
        guard.start(() -> {
            async.close();
            guard.close();
        }, 5_000);
        long[] submitted = {0};
        long[] ran = {0};
        Thread other = Thread.ofPlatform().name("other").start(() -> {
            try {
                victimClosed.await(10, TimeUnit.SECONDS);
                // Gives the loop time to block in its poll; the test passes either way when the
                // wakeup logic is right, and fails when a wakeup can be lost.
                new CountDownLatch(1).await(200, TimeUnit.MILLISECONDS);
                submitted[0] = System.nanoTime();
                loop.execute(() -> {
                    ran[0] = System.nanoTime();
                    async.close();
                    guard.close();
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        async.send();
        Loops.runToEnd(loop);
        other.join(10_000);
        assertThat(ran[0]).as("the task ran before the 5 s guard timer").isNotZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(ran[0] - submitted[0])).isLessThan(2_000);
    }
}
