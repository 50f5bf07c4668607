package io.loopsock.unix.internal;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.util.Locale;
import java.util.Set;

/**
 * The provider part every native Unix backend shares (epoll, io_uring, kqueue): a fixed name, priority and capability set,
 * and the availability of its Netty transport, asked once, on first use.
 *
 * <p>Any thread. The constructor touches no Netty class; the first {@link #isAvailable()},
 * {@link #unavailabilityCause()} or {@link #open()} loads Netty's native library, and a failure
 * (another operating system, no native jar for this architecture, a kernel that refuses) becomes
 * the cause, never an exception out of these methods.
 */
public abstract class NativeLoopProvider implements LoopProvider {
    /** What the shared streams and UDP handle do on Linux, whichever the poller. */
    protected static final Set<Capability> LINUX_CAPABILITIES = Set.of(
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

    private final String name;
    private final int priority;
    private final Set<Capability> capabilities;
    private final Object lock = new Object();
    private boolean probed;
    private Throwable cause;

    /**
     * Creates the provider; cheap, as {@link java.util.ServiceLoader} requires.
     *
     * @param name the backend's name
     * @param priority its priority
     * @param capabilities what it can do
     */
    protected NativeLoopProvider(String name, int priority, Set<Capability> capabilities) {
        this.name = name;
        this.priority = priority;
        this.capabilities = capabilities;
    }

    /**
     * Asks Netty whether the transport loaded; called once, on a platform that
     * {@link #wrongPlatform} let through.
     *
     * @return null if it is available, else why not
     */
    protected abstract Throwable probe();

    /**
     * Tells whether the transport cannot exist on this operating system, before Netty is asked:
     * the Linux backends need Linux. A backend whose {@link #probe()} words the platform itself
     * (kqueue's, which keeps Netty's reason next to its own) returns null.
     *
     * @param os the JVM's {@code os.name}
     * @return null to go on and probe, else the cause to report
     */
    protected Throwable wrongPlatform(String os) {
        return os.toLowerCase(Locale.ROOT).contains("linux") ? null
                : new UnsupportedOperationException(name + " needs Linux; this is " + os);
    }

    /**
     * Opens a loop on the available transport.
     *
     * @return the loop
     * @throws LoopException if the poller cannot be made
     */
    protected abstract Loop openLoop() throws LoopException;

    private Throwable cause() {
        synchronized (lock) {
            if (!probed) {
                probed = true;
                cause = wrongPlatform(System.getProperty("os.name", ""));
                if (cause == null) {
                    try {
                        cause = probe();
                    } catch (Throwable t) {
                        // A missing Netty jar or native library: the backend is unavailable, not broken.
                        cause = t;
                    }
                }
            }
            return cause;
        }
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int priority() {
        return priority;
    }

    @Override
    public final boolean isAvailable() {
        return cause() == null;
    }

    @Override
    public final Throwable unavailabilityCause() {
        return cause();
    }

    @Override
    public final Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public final Loop open() throws LoopException {
        Throwable failure = cause();
        if (failure != null) {
            String why = failure.getMessage() != null ? failure.getMessage() : failure.toString();
            throw new LoopException(ErrorCode.ENOTSUP, name + " is not available: " + why, failure);
        }
        return openLoop();
    }

    @Override
    public final String toString() {
        return name;
    }
}
