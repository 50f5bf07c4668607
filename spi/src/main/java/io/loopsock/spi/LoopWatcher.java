package io.loopsock.spi;

import io.loopsock.Callback;
import io.loopsock.Check;
import io.loopsock.Idle;
import io.loopsock.Prepare;
import java.util.List;
import java.util.Objects;

/** Idle, prepare and check handles: one mechanism, three lists of the loop. */
abstract sealed class LoopWatcher extends AbstractHandle
        permits LoopWatcher.IdleWatcher, LoopWatcher.PrepareWatcher, LoopWatcher.CheckWatcher {
    private Callback callback;
    private boolean started;
    /** The watcher pass during which it was last started. */
    private long startedInPass;

    LoopWatcher(AbstractLoop loop) {
        super(loop);
    }

    /** The loop's list of started watchers of this kind. */
    abstract List<LoopWatcher> list();

    public final void start(Callback callback) {
        checkOpen();
        this.callback = Objects.requireNonNull(callback, "callback");
        if (!started) {
            started = true;
            startedInPass = owner().watcherPasses;
            list().add(this);
            setActive(true);
        }
    }

    public final void stop() {
        owner().checkThread();
        if (started) {
            started = false;
            list().remove(this);
            setActive(false);
        }
    }

    /** Runs the callback unless stopped, or started during this very pass. */
    final void fire(long pass) {
        if (started && startedInPass < pass) {
            owner().invoke(callback);
        }
    }

    @Override
    protected final void onClose() {
        stop();
    }

    static final class IdleWatcher extends LoopWatcher implements Idle {
        IdleWatcher(AbstractLoop loop) {
            super(loop);
        }

        @Override
        List<LoopWatcher> list() {
            return owner().idles;
        }
    }

    static final class PrepareWatcher extends LoopWatcher implements Prepare {
        PrepareWatcher(AbstractLoop loop) {
            super(loop);
        }

        @Override
        List<LoopWatcher> list() {
            return owner().prepares;
        }
    }

    static final class CheckWatcher extends LoopWatcher implements Check {
        CheckWatcher(AbstractLoop loop) {
            super(loop);
        }

        @Override
        List<LoopWatcher> list() {
            return owner().checks;
        }
    }
}
