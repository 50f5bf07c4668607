package io.loopsock.clients.servers;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * A test class's server, as a JUnit extension: started once before the class's tests, stopped
 * (and its directory deleted) after them.
 *
 * <p>Test-thread only. Register it in a static field with {@code @RegisterExtension}. When the
 * server is not installed on a developer machine, every test of the class is reported skipped,
 * one by one, with the reason; in CI the class fails (see {@link Binaries}).
 *
 * @param <S> the kind of server
 */
public final class Server<S extends ServerProcess> implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    /** Starts a server; one of the servers' {@code start} methods. */
    @FunctionalInterface
    public interface Starter<S> {
        /**
         * Starts the server.
         *
         * @return the running server
         */
        S start() throws Exception;
    }

    private final Starter<S> starter;
    private S server;
    private TestAbortedException missing;

    /**
     * Describes the server.
     *
     * @param starter how to start it
     */
    public Server(Starter<S> starter) {
        this.starter = Objects.requireNonNull(starter, "starter");
    }

    /**
     * Returns the running server.
     *
     * @return the server
     */
    public S get() {
        if (server == null) {
            throw new IllegalStateException("the server runs only while the test class does");
        }
        return server;
    }

    /**
     * Tells whether the server runs: false when it is missing (and its tests are skipped).
     *
     * @return true between a successful start and the stop
     */
    public boolean isRunning() {
        return server != null;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        try {
            server = starter.start();
        } catch (TestAbortedException e) {
            missing = e;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (missing != null) {
            throw missing;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
