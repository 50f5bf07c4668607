package io.loopsock.bench.internal;

import java.io.IOException;
import java.util.List;

/**
 * Entry points into this package for {@link io.loopsock.bench.Main}.
 *
 * <p>Any thread.
 */
public final class Launch {
    private Launch() {
    }

    /**
     * Runs the idle workload's client JVM.
     *
     * @param args host and port
     * @throws IOException if a connection fails
     */
    public static void idleClients(List<String> args) throws IOException {
        IdleClients.main(args);
    }
}
