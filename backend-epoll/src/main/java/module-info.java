/**
 * The epoll backend of loopsock: Netty 4.2's native epoll transport used at the handle level,
 * with the stream logic of {@code io.loopsock.unix}. Linux only; elsewhere the provider reports
 * itself unavailable with the cause. Exports nothing: it is reached through
 * {@link io.loopsock.spi.LoopProvider} under the name {@code epoll}.
 */
module io.loopsock.epoll {
    requires io.loopsock;
    requires io.loopsock.unix;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.epoll;

    provides io.loopsock.spi.LoopProvider with io.loopsock.epoll.internal.EpollLoopProvider;
}
