package io.loopsock;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One outcome of receiving on a {@link Udp} handle: a datagram, or an error.
 *
 * <p>Any thread (values). libuv's receive callback has more cases, told apart by its arguments:
 * {@code nread == 0} with no address only hands a buffer back ("nothing more to read"), and an
 * empty datagram is {@code nread == 0} with an address. Here the loop owns the buffer, so there is
 * nothing to hand back and no such call (as in pyuv); an empty datagram is a {@link Datagram} with
 * no bytes.
 *
 * <pre>{@code
 * udp.startReceive(result -> {
 *     switch (result) {
 *         case ReceiveResult.Datagram(ByteBuffer bytes, InetSocketAddress sender, boolean truncated) -> reply(sender, bytes);
 *         case ReceiveResult.Failed(LoopException e) -> log(e);
 *     }
 * });
 * }</pre>
 */
public sealed interface ReceiveResult {
    /**
     * One datagram, possibly empty. The buffer belongs to the loop, which reuses it after the
     * callback returns: copy what you keep.
     *
     * @param bytes the datagram's bytes, from position to limit
     * @param sender where it came from
     * @param truncated whether the datagram was longer than the loop's receive buffer and was cut
     *     (libuv's {@code UV_UDP_PARTIAL})
     */
    record Datagram(ByteBuffer bytes, InetSocketAddress sender, boolean truncated) implements ReceiveResult {
        /**
         * Checks the parts.
         *
         * @param bytes the bytes
         * @param sender the sender
         * @param truncated whether it was cut
         */
        public Datagram {
            Objects.requireNonNull(bytes, "bytes");
            Objects.requireNonNull(sender, "sender");
        }
    }

    /**
     * Receiving reported an error, for instance {@link ErrorCode#ECONNREFUSED} on a connected
     * handle whose peer's port is closed (an ICMP error). The handle keeps receiving.
     *
     * @param error the error
     */
    record Failed(LoopException error) implements ReceiveResult {
        /**
         * Checks the error.
         *
         * @param error the error
         */
        public Failed {
            Objects.requireNonNull(error, "error");
        }
    }
}
