package io.loopsock.socket;

import java.io.IOException;

/**
 * A backend's group, found on first use: what the {@code javax.net} factories hold, so that a
 * library instantiating one reflectively sees a bad backend name as an {@code IOException} from
 * {@code createSocket}, where it expects failures, not from the constructor.
 *
 * <p>Any thread.
 */
final class BackendGroup {
    private final String backend;
    private volatile LoopGroup group;

    BackendGroup(String backend) {
        this.backend = backend == null || backend.isBlank() ? "default" : backend;
    }

    BackendGroup(LoopGroup group) {
        this.backend = group.provider().name();
        this.group = group;
    }

    LoopGroup get() throws IOException {
        LoopGroup known = group;
        if (known == null) {
            known = LoopGroup.shared(backend);
            group = known;
        }
        return known;
    }

    @Override
    public String toString() {
        return backend;
    }
}
