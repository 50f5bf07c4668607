/**
 * The loopsock contract: a libuv-style event loop with handles, and the provider interface that
 * backends implement.
 *
 * <p>Users program against {@code io.loopsock}; backends implement {@code io.loopsock.spi} and
 * declare themselves with {@code provides io.loopsock.spi.LoopProvider with ...}. This module
 * depends on {@code java.base} only.
 */
module io.loopsock {
    exports io.loopsock;
    exports io.loopsock.spi;

    uses io.loopsock.spi.LoopProvider;
}
