package io.loopsock.conformance.faults;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.spi.Capability;
import io.loopsock.spi.LoopProvider;
import java.util.Objects;
import java.util.Set;

/**
 * A backend that wraps a correct one and plants one {@link Fault}: the suite's proof that it can
 * fail. Not registered with {@link java.util.ServiceLoader}; tests make one directly.
 *
 * <p>Any thread.
 */
public final class FaultyProvider implements LoopProvider {
    private final LoopProvider delegate;
    private final Fault fault;

    /**
     * Wraps a backend.
     *
     * @param delegate the correct backend
     * @param fault the deviation to plant
     */
    public FaultyProvider(LoopProvider delegate, Fault fault) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.fault = Objects.requireNonNull(fault, "fault");
    }

    /**
     * Returns the planted fault.
     *
     * @return the fault
     */
    public Fault fault() {
        return fault;
    }

    @Override
    public String name() {
        return delegate.name() + "+" + fault.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public int priority() {
        return Integer.MIN_VALUE;
    }

    @Override
    public boolean isAvailable() {
        return delegate.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return delegate.unavailabilityCause();
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public Loop open() throws LoopException {
        return new FaultyLoop(this, delegate.open(), fault);
    }
}
