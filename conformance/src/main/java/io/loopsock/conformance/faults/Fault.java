package io.loopsock.conformance.faults;

/**
 * A deviation a {@link FaultyProvider} plants in an otherwise correct backend, to prove that the
 * suite catches it.
 *
 * <p>Any thread (values).
 */
public enum Fault {
    /** The end of a stream is reported as {@code ECONNRESET}. */
    END_OF_STREAM_AS_RESET,
    /** The last byte written before a shutdown is dropped. */
    LAST_BYTE_DROPPED_ON_SHUTDOWN,
    /** A timer fires after half its timeout. */
    TIMER_FIRES_EARLY,
    /** Every write callback is called twice. */
    WRITE_CALLBACK_TWICE,
    /** The close callback runs before the cancelled writes of the handle complete. */
    CLOSE_CALLBACK_BEFORE_CANCELLED_WRITES,
    /** Bytes readable reports one more than the kernel holds. */
    BYTES_READABLE_OFF_BY_ONE,
    /** Setting {@code TCP_NODELAY} or {@code SO_KEEPALIVE} does nothing. */
    OPTION_NOT_APPLIED
}
