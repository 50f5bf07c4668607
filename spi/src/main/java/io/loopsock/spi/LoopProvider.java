package io.loopsock.spi;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import java.util.List;
import java.util.Set;

/**
 * A backend: it says whether it can run here and opens loops. Found through
 * {@link java.util.ServiceLoader}.
 *
 * <p>Any thread. Implementations are declared in {@code module-info.java} with
 * {@code provides io.loopsock.spi.LoopProvider with ...} and, for class-path users, in
 * {@code META-INF/services/io.loopsock.spi.LoopProvider}. A constructor does nothing expensive
 * and never loads native code: that happens in {@link #isAvailable()} or {@link #open()}.
 *
 * <h2>Selection</h2>
 * {@link Loop#open()} picks a backend in this order, written once here:
 * <ol>
 *   <li>the system property {@value #BACKEND_PROPERTY}, if set and not empty;
 *   <li>else the environment variable {@value #BACKEND_ENVIRONMENT}, if set and not empty;
 *   <li>else the available provider with the highest {@link #priority()}, ties broken by name.
 * </ol>
 * A name given in 1 or 2 must be installed and available: an unknown name is
 * {@link io.loopsock.ErrorCode#ENOENT}, an unavailable one {@link io.loopsock.ErrorCode#ENOTSUP},
 * and both messages list every installed backend. The name {@code "default"} means step 3.
 *
 * <p>Priorities of loopsock's backends: {@code io_uring} 400 and {@code epoll} 300 on Linux (their
 * issue fixes the final order), {@code kqueue} 300 on BSD and macOS, {@code nio} 100 everywhere.
 */
public interface LoopProvider {

    /** The system property that names the backend to use. */
    String BACKEND_PROPERTY = "loopsock.backend";

    /** The environment variable that names the backend to use when the property is not set. */
    String BACKEND_ENVIRONMENT = "LOOPSOCK_BACKEND";

    /**
     * Returns the backend's short, fixed name: {@code nio}, {@code epoll}, {@code kqueue},
     * {@code io_uring}, or a third party's own.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the priority used when no backend is named; higher wins.
     *
     * @return the priority
     */
    int priority();

    /**
     * Tells whether the backend can open loops on this machine. May load native code the first
     * time; never throws.
     *
     * @return true if {@link #open()} can work
     */
    boolean isAvailable();

    /**
     * Says why the backend is unavailable.
     *
     * @return the cause, or null when available
     */
    Throwable unavailabilityCause();

    /**
     * Returns what this backend can do beyond the core contract.
     *
     * @return an unmodifiable set
     */
    Set<Capability> capabilities();

    /**
     * Opens a new loop, owned by the calling thread.
     *
     * @return the loop
     * @throws LoopException {@link io.loopsock.ErrorCode#ENOTSUP} when unavailable, or the error
     *     of creating the poller (such as {@link io.loopsock.ErrorCode#EMFILE})
     */
    Loop open() throws LoopException;

    /**
     * Lists every installed provider, available or not, highest priority first, then by name.
     *
     * @return an unmodifiable list
     */
    static List<LoopProvider> installed() {
        return Discovery.installed();
    }

    /**
     * Picks the provider {@link Loop#open()} uses; see "Selection" above.
     *
     * @return an available provider
     * @throws LoopException when the named backend is unknown or unavailable, or none is available
     */
    static LoopProvider select() throws LoopException {
        return Discovery.select();
    }

    /**
     * Finds an installed, available provider by name; {@code "default"} means {@link #select()}.
     *
     * @param name the backend's name
     * @return the provider
     * @throws LoopException {@link io.loopsock.ErrorCode#ENOENT} if unknown,
     *     {@link io.loopsock.ErrorCode#ENOTSUP} if unavailable
     */
    static LoopProvider named(String name) throws LoopException {
        return Discovery.named(name, "argument");
    }
}
