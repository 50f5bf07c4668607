/**
 * The readiness core of loopsock's native Unix backends: TCP and pipe streams and UDP handles on
 * Netty's public {@code io.netty.channel.unix.Socket} syscalls, written once against a small
 * poller interface that epoll and kqueue implement, or against a completion ring (io_uring), with
 * the driver of Netty's handlers that they share. Not a backend: it provides no
 * {@link io.loopsock.spi.LoopProvider}, and exports its internal package only to the backends
 * built on it.
 *
 * <p>The qualified export names backends that are built after this module, so the compiler cannot
 * see them yet; its "module not found" warning is expected and suppressed.
 */
@SuppressWarnings("module")
module io.loopsock.unix {
    requires transitive io.loopsock;
    requires transitive io.netty.transport.unix.common;
    requires transitive io.netty.transport;
    requires transitive io.netty.common;
    requires jdk.net;

    exports io.loopsock.unix.internal to io.loopsock.epoll, io.loopsock.kqueue, io.loopsock.iouring;
}
