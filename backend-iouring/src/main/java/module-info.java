/**
 * The io_uring backend of loopsock: Netty 4.2's native io_uring transport used at the handle
 * level, with the completion model for streams and the shared code of {@code io.loopsock.unix}.
 * Linux only (kernel 5.9 or later, io_uring not disabled); elsewhere the provider reports itself
 * unavailable with the cause. Exports nothing: it is reached through
 * {@link io.loopsock.spi.LoopProvider} under the name {@code io_uring}.
 */
module io.loopsock.iouring {
    requires io.loopsock;
    requires io.loopsock.unix;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.io_uring;

    provides io.loopsock.spi.LoopProvider with io.loopsock.iouring.internal.IoUringLoopProvider;
}
