package io.loopsock.epoll.internal;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.unix.internal.NativeLoopProvider;
import io.netty.channel.epoll.Epoll;

/**
 * The provider of the epoll backend, named {@code epoll}.
 *
 * <p>Any thread. Availability is Netty's {@link Epoll#isAvailable()}, asked once, on first use
 * (see {@link NativeLoopProvider}).
 */
public final class EpollLoopProvider extends NativeLoopProvider {
    /** Above nio (100) and io_uring (200): epoll is the better backend wherever it loads. */
    static final int PRIORITY = 300;

    /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
    public EpollLoopProvider() {
        super("epoll", PRIORITY, LINUX_CAPABILITIES);
    }

    @Override
    protected Throwable probe() {
        return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
    }

    @Override
    protected Loop openLoop() throws LoopException {
        return new EpollLoop(this);
    }
}
