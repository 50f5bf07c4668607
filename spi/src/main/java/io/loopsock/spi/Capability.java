package io.loopsock.spi;

/**
 * Something a backend may or may not be able to do, declared by its {@link LoopProvider}.
 *
 * <p>Any thread (a value). Tests and the conformance suite skip a rule that needs a capability the
 * backend does not declare, with the capability as the reason; they never look at class names. A
 * backend that lacks a capability reports {@link io.loopsock.ErrorCode#ENOTSUP} for the operation,
 * never a made-up value.
 */
public enum Capability {
    /** {@link io.loopsock.Stream#bytesReadable()} on TCP streams asks the kernel (FIONREAD). */
    BYTES_READABLE,
    /** {@link io.loopsock.Stream#bytesReadable()} on pipes asks the kernel (FIONREAD). */
    PIPE_BYTES_READABLE,
    /** {@link io.loopsock.Tcp#bytesUnsent()} asks the kernel (SIOCOUTQ or SO_NWRITE). */
    BYTES_UNSENT,
    /** {@link io.loopsock.Tcp#tcpInfo()} asks the kernel (TCP_INFO). */
    TCP_INFO,
    /** {@link io.loopsock.Tcp.BindFlag#REUSE_PORT} works. */
    TCP_REUSE_PORT,
    /** {@link io.loopsock.Tcp.BindFlag#IPV6_ONLY} works on the IPv6 wildcard address. */
    TCP_IPV6_ONLY,
    /**
     * {@link io.loopsock.Tcp#bind} creates the socket at once, as libuv does, so
     * {@link io.loopsock.Tcp#localAddress()} answers before listen or connect.
     */
    TCP_EARLY_BIND,
    /** {@link io.loopsock.Pipe} accepts Linux abstract names (a leading {@code '\0'}). */
    PIPE_ABSTRACT_NAMES,
    /** {@link io.loopsock.Loop#udp()} makes UDP handles. */
    UDP,
    /** {@link io.loopsock.Udp.BindFlag#IPV6_ONLY} works on the IPv6 wildcard address. */
    UDP_IPV6_ONLY
}
