package io.loopsock.kqueue.internal;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.Capability;
import io.loopsock.unix.internal.NativeLoopProvider;
import io.loopsock.unix.internal.Platform;
import io.netty.channel.kqueue.KQueue;
import java.util.Set;

/**
 * The provider of the kqueue backend, named {@code kqueue}.
 *
 * <p>Any thread. As every native provider ({@link NativeLoopProvider}), it touches no Netty class
 * until the first {@link #isAvailable()}, {@link #unavailabilityCause()} or {@link #open()}, which
 * asks Netty's {@link KQueue} once: that loads the native library on macOS and fails at once
 * elsewhere. A failure becomes the cause, never an exception out of these methods: an {@link UnsupportedOperationException} whose one-line message
 * says why (on Linux: "kqueue needs macOS or FreeBSD; this is Linux", with Netty's own reason)
 * and whose {@linkplain Throwable#getCause() cause} is {@link KQueue#unavailabilityCause()}
 * itself. Netty's cause alone would not do for a listing: on Linux it is an
 * {@link ExceptionInInitializerError} without a message.
 */
public final class KqueueLoopProvider extends NativeLoopProvider {
    /** Above nio (100), as epoll on Linux: kqueue is the better backend wherever it loads. */
    static final int PRIORITY = 300;

    /**
     * What kqueue would do on macOS, by the shared core's code: the queries there are FIONREAD
     * and SO_NWRITE; TCP_INFO and Linux's abstract pipe names are absent. Untested: declared
     * from the code, not from a run.
     */
    private static final Set<Capability> CAPABILITIES = Set.of(
            Capability.BYTES_READABLE,
            Capability.PIPE_BYTES_READABLE,
            Capability.BYTES_UNSENT,
            Capability.TCP_REUSE_PORT,
            Capability.TCP_IPV6_ONLY,
            Capability.TCP_EARLY_BIND,
            Capability.UDP,
            Capability.UDP_IPV6_ONLY);

    /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
    public KqueueLoopProvider() {
        super("kqueue", PRIORITY, CAPABILITIES);
    }

    /**
     * Asks Netty whether kqueue loaded and words the answer.
     *
     * @param os the JVM's {@code os.name}
     * @return null when available, else the cause to report
     */
    static Throwable probe(String os) {
        Throwable netty;
        try {
            netty = KQueue.isAvailable() ? null : KQueue.unavailabilityCause();
        } catch (Throwable t) {
            // A missing Netty jar: the backend is unavailable, not broken.
            netty = t;
        }
        return explain(os, netty);
    }

    /**
     * Words Netty's cause as one line.
     *
     * @param os the JVM's {@code os.name}
     * @param netty Netty's cause, or null when kqueue loaded
     * @return null when {@code netty} is null, else the cause to report
     */
    static Throwable explain(String os, Throwable netty) {
        if (netty == null) {
            return null;
        }
        String reason = Platform.of(os).isBsd()
                ? "Netty's kqueue transport did not load on " + os
                : "kqueue needs macOS or FreeBSD; this is " + os;
        return new UnsupportedOperationException(reason + " (" + firstMessage(netty) + ")", netty);
    }

    /** The first message down a cause chain: Netty wraps its reason in errors without one. */
    static String firstMessage(Throwable t) {
        for (Throwable cause = t; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                return cause.getClass().getSimpleName() + ": " + cause.getMessage();
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return t.getClass().getSimpleName();
    }

    @Override
    protected Throwable wrongPlatform(String os) {
        // probe() words the platform itself, with Netty's reason.
        return null;
    }

    @Override
    protected Throwable probe() {
        return probe(System.getProperty("os.name", ""));
    }

    @Override
    protected Loop openLoop() throws LoopException {
        return new KqueueLoop(this);
    }
}
