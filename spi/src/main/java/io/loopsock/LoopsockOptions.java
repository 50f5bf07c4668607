package io.loopsock;

import java.net.SocketOption;
import java.util.Objects;

/**
 * Socket options that Linux has and the JDK lacks, for the backends that can set them: a backend
 * lists one in {@link Stream#supportedOptions()} only where it really works, and reads it back as
 * the kernel reports it.
 *
 * <p>Any thread (constants).
 */
public final class LoopsockOptions {
    private LoopsockOptions() {}

    /**
     * {@code TCP_CORK}: while on, partial segments are held back until it is turned off (or 200 ms
     * pass); for writers that send a header and a body in separate writes.
     */
    public static final SocketOption<Boolean> TCP_CORK = new Option<>("TCP_CORK", Boolean.class);

    /**
     * {@code TCP_USER_TIMEOUT}: milliseconds that sent data may stay unacknowledged before the
     * kernel drops the connection with {@link ErrorCode#ETIMEDOUT}; 0 is the system's default.
     */
    public static final SocketOption<Integer> TCP_USER_TIMEOUT = new Option<>("TCP_USER_TIMEOUT", Integer.class);

    /**
     * {@code TCP_NOTSENT_LOWAT}: the most not-yet-sent bytes the kernel keeps before the socket
     * stops being writable; bounds the send buffer's latency.
     */
    public static final SocketOption<Integer> TCP_NOTSENT_LOWAT = new Option<>("TCP_NOTSENT_LOWAT", Integer.class);

    private record Option<T>(String name, Class<T> type) implements SocketOption<T> {
        Option {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
