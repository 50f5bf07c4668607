package io.loopsock.nio.internal;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.util.Set;

/**
 * The provider of the java.nio backend, named {@code nio}.
 *
 * <p>Any thread. Always available: it needs nothing but the JDK. Its capabilities are what
 * java.nio can really do; everything else is reported as {@link io.loopsock.ErrorCode#ENOTSUP}.
 */
public final class NioLoopProvider implements LoopProvider {
    /** The lowest of loopsock's priorities: native backends win where they are available. */
    static final int PRIORITY = 100;

    /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
    public NioLoopProvider() {}

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public Set<Capability> capabilities() {
        return NioOptions.capabilities();
    }

    @Override
    public Loop open() throws LoopException {
        return new NioLoop(this);
    }

    @Override
    public String toString() {
        return "nio";
    }
}
