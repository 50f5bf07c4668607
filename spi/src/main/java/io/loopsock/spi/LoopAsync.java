package io.loopsock.spi;

import io.loopsock.Async;
import io.loopsock.Callback;
import java.util.concurrent.atomic.AtomicBoolean;

/** The async handle of every backend: a flag that coalesces sends, and the loop's wakeup. */
final class LoopAsync extends AbstractHandle implements Async {
    private final Callback onSend;
    private final AtomicBoolean sent = new AtomicBoolean();
    private volatile boolean closed;

    LoopAsync(AbstractLoop loop, Callback onSend) {
        super(loop);
        this.onSend = onSend;
        setActive(true);
    }

    @Override
    public void send() {
        if (!closed && sent.compareAndSet(false, true)) {
            owner().sent(this);
        }
    }

    /** Runs the callback on the loop thread; a send from now on gives another callback. */
    void fire() {
        sent.set(false);
        if (!closed) {
            owner().invoke(onSend);
        }
    }

    @Override
    protected void onClose() {
        closed = true;
    }
}
