package io.loopsock.unix.internal;

import io.netty.channel.unix.Socket;

/**
 * Creates sockets through Netty's portable {@link Socket} factories, choosing the address family
 * ourselves: {@link Socket#newSocketStream()} would make a dual-stack IPv6 socket whatever the
 * address, and a listener on {@code 0.0.0.0} would then take IPv6 connections too.
 *
 * <p>Any thread. A subclass only to reach {@code Socket}'s protected static factories; never
 * instantiated. The native backend has loaded its library before any of these is called.
 */
final class UnixSockets extends Socket {
    private UnixSockets() {
        super(-1);
    }

    /** A non-blocking TCP socket: IPv6 (dual-stack) or IPv4. */
    static Socket stream(boolean ipv6) {
        return new Socket(newSocketStream0(ipv6));
    }

    /** A non-blocking UDP socket: IPv6 (dual-stack) or IPv4. */
    static Socket datagram(boolean ipv6) {
        return new Socket(newSocketDgram0(ipv6));
    }

    /** A non-blocking Unix-domain stream socket. */
    static Socket domain() {
        return new Socket(newSocketDomain0());
    }
}
