package io.loopsock.epoll.internal;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import io.netty.channel.epoll.Epoll;
import java.util.Locale;
import java.util.Set;

/**
 * The provider of the epoll backend, named {@code epoll}.
 *
 * <p>Any thread. The constructor touches no Netty class; the first {@link #isAvailable()},
 * {@link #unavailabilityCause()} or {@link #open()} loads Netty's native library once, and a
 * failure (not Linux, no native jar for this architecture, a kernel without epoll) becomes the
 * cause, never an exception out of these methods.
 */
public final class EpollLoopProvider implements LoopProvider {
    /** Above nio (100): epoll is the better backend wherever it loads. */
    static final int PRIORITY = 300;

    private static final Set<Capability> CAPABILITIES = Set.of(
            Capability.BYTES_READABLE,
            Capability.PIPE_BYTES_READABLE,
            Capability.PIPE_ABSTRACT_NAMES,
            Capability.BYTES_UNSENT,
            Capability.TCP_INFO,
            Capability.TCP_REUSE_PORT,
            Capability.TCP_IPV6_ONLY,
            Capability.TCP_EARLY_BIND,
            Capability.UDP,
            Capability.UDP_IPV6_ONLY);

    /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
    public EpollLoopProvider() {}

    /** Whether Netty's epoll loaded, asked once, on first use. */
    private static final class Availability {
        static final Throwable CAUSE = probe();

        private static Throwable probe() {
            String os = System.getProperty("os.name", "");
            if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
                return new UnsupportedOperationException("epoll needs Linux; this is " + os);
            }
            try {
                return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
            } catch (Throwable t) {
                // A missing Netty jar or native library: the backend is unavailable, not broken.
                return t;
            }
        }
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public boolean isAvailable() {
        return Availability.CAUSE == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        return Availability.CAUSE;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Loop open() throws LoopException {
        Throwable cause = Availability.CAUSE;
        if (cause != null) {
            throw new LoopException(ErrorCode.ENOTSUP, "epoll is not available: " + cause, cause);
        }
        return new EpollLoop(this);
    }

    @Override
    public String toString() {
        return "epoll";
    }
}
