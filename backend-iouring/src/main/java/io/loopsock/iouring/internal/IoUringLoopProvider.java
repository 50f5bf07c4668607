package io.loopsock.iouring.internal;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.unix.internal.NativeLoopProvider;
import io.netty.channel.uring.IoUring;

/**
 * The provider of the io_uring backend, named {@code io_uring}.
 *
 * <p>Any thread. Availability is Netty's {@link IoUring#isAvailable()}, asked once, on first use
 * (see {@link NativeLoopProvider}): besides Linux and the native jar it needs a kernel of 5.9 or
 * later with the operations Netty probes for, and io_uring not disabled by
 * {@code kernel.io_uring_disabled} or a container's seccomp profile.
 */
public final class IoUringLoopProvider extends NativeLoopProvider {
    /**
     * Between nio (100) and epoll (300): io_uring goes first only once it passes everything epoll
     * passes and is not slower on the benchmarks (docs/backends.md).
     */
    static final int PRIORITY = 200;

    /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
    public IoUringLoopProvider() {
        super("io_uring", PRIORITY, LINUX_CAPABILITIES);
    }

    @Override
    protected Throwable probe() {
        return IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
    }

    @Override
    protected Loop openLoop() throws LoopException {
        return new IoUringLoop(this);
    }
}
