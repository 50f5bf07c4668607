package io.loopsock.conformance.faults;

import io.loopsock.Async;
import io.loopsock.Callback;
import io.loopsock.Check;
import io.loopsock.Handle;
import io.loopsock.Idle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import io.loopsock.Prepare;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.Timer;
import io.loopsock.Udp;
import io.loopsock.spi.LoopProvider;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** A loop that hands out faulty TCP handles and timers; everything else is the delegate's. */
final class FaultyLoop implements Loop {
    private final FaultyProvider provider;
    private final Loop delegate;
    private final Fault fault;
    /** The wrappers this loop handed out, by the delegate's handle, so that walk shows the wrappers. */
    private final Map<Handle, Handle> wrappers = new IdentityHashMap<>();

    FaultyLoop(FaultyProvider provider, Loop delegate, Fault fault) {
        this.provider = provider;
        this.delegate = delegate;
        this.fault = fault;
    }

    @Override
    public LoopProvider provider() {
        return provider;
    }

    @Override
    public boolean run(RunMode mode) {
        return delegate.run(mode);
    }

    @Override
    public void stop() {
        delegate.stop();
    }

    @Override
    public long now() {
        return delegate.now();
    }

    @Override
    public void updateTime() {
        delegate.updateTime();
    }

    @Override
    public boolean isAlive() {
        return delegate.isAlive();
    }

    @Override
    public void walk(Consumer<? super Handle> visitor) {
        delegate.walk(handle -> visitor.accept(wrappers.getOrDefault(handle, handle)));
    }

    @Override
    public void execute(Runnable task) {
        delegate.execute(task);
    }

    @Override
    public Tcp tcp() {
        return wrapped(delegate.tcp(), tcp -> new FaultyTcp(this, tcp, fault));
    }

    @Override
    public Pipe pipe() {
        return delegate.pipe();
    }

    @Override
    public Udp udp() {
        return delegate.udp();
    }

    @Override
    public Timer timer() {
        Timer timer = delegate.timer();
        return fault == Fault.TIMER_FIRES_EARLY ? wrapped(timer, t -> new EarlyTimer(this, t)) : timer;
    }

    @Override
    public Async async(Callback onSend) {
        return delegate.async(onSend);
    }

    @Override
    public Idle idle() {
        return delegate.idle();
    }

    @Override
    public Prepare prepare() {
        return delegate.prepare();
    }

    @Override
    public Check check() {
        return delegate.check();
    }

    @Override
    public void close() throws LoopException {
        delegate.close();
    }

    @Override
    public boolean isClosed() {
        return delegate.isClosed();
    }

    private <H extends Handle> H wrapped(H handle, UnaryOperator<H> wrap) {
        H wrapper = wrap.apply(handle);
        wrappers.put(handle, wrapper);
        return wrapper;
    }

    /** A timer that fires after half its timeout. */
    private record EarlyTimer(Loop loop, Timer timer) implements Timer {
        @Override
        public void start(Callback onTimeout, long timeoutMillis, long repeatMillis) {
            timer.start(onTimeout, timeoutMillis / 2, repeatMillis);
        }

        @Override
        public void stop() {
            timer.stop();
        }

        @Override
        public void again() {
            timer.again();
        }

        @Override
        public void setRepeat(long repeatMillis) {
            timer.setRepeat(repeatMillis);
        }

        @Override
        public long repeat() {
            return timer.repeat();
        }

        @Override
        public long dueIn() {
            return timer.dueIn();
        }

        @Override
        public boolean isActive() {
            return timer.isActive();
        }

        @Override
        public boolean isClosing() {
            return timer.isClosing();
        }

        @Override
        public void close(Callback onClose) {
            timer.close(onClose);
        }

        @Override
        public void ref() {
            timer.ref();
        }

        @Override
        public void unref() {
            timer.unref();
        }

        @Override
        public boolean hasRef() {
            return timer.hasRef();
        }
    }
}
