/**
 * The kqueue backend of loopsock: Netty 4.2's native kqueue transport used at the handle level,
 * with the stream logic and the handler driver of {@code io.loopsock.unix} that epoll uses too.
 * macOS and BSD only; elsewhere the provider reports itself unavailable with the cause. Exports
 * nothing: it is reached through {@link io.loopsock.spi.LoopProvider} under the name
 * {@code kqueue}.
 */
module io.loopsock.kqueue {
    requires io.loopsock;
    requires io.loopsock.unix;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.kqueue;

    provides io.loopsock.spi.LoopProvider with io.loopsock.kqueue.internal.KqueueLoopProvider;
}
