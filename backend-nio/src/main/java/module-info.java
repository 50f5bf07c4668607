/**
 * The java.nio backend of loopsock: a {@link java.nio.channels.Selector} drives every handle.
 * Pure JDK, available everywhere; the reference backend. Exports nothing: it is reached through
 * {@link io.loopsock.spi.LoopProvider} under the name {@code nio}.
 */
module io.loopsock.nio {
    requires io.loopsock;

    provides io.loopsock.spi.LoopProvider with io.loopsock.nio.internal.NioLoopProvider;
}
