package io.loopsock.socket;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import java.net.SocketException;
import java.util.Objects;

/**
 * A socket operation failed with an OS error: Python's {@code OSError} with its {@code errno}.
 *
 * <p>Any thread (a value). The code says which error, as the errno does in Python, where PEP 3151
 * derives {@code ConnectionRefusedError}, {@code BlockingIOError} and the others from it:
 * {@link ErrorCode#ECONNREFUSED}, {@link ErrorCode#EAGAIN} (an operation that would block in
 * non-blocking mode), {@link ErrorCode#EBADF} (the socket is closed), and so on. A socket timeout is
 * not a {@code SocketError} but a {@link java.net.SocketTimeoutException}, with no code, distinct
 * from the kernel's {@link ErrorCode#ETIMEDOUT}.
 */
public final class SocketError extends SocketException {
    private static final long serialVersionUID = 1L;

    /** The error; not serialised beyond its name. */
    private final ErrorCode code;

    /**
     * Makes an error.
     *
     * @param code the error
     * @param detail what was being done
     */
    public SocketError(ErrorCode code, String detail) {
        super(Objects.requireNonNull(code, "code").name() + ": " + code.description() + (detail == null ? "" : " (" + detail + ")"));
        this.code = code;
    }

    /**
     * Wraps a loop's error.
     *
     * @param cause the loop's error
     */
    public SocketError(LoopException cause) {
        super(cause.getMessage(), cause);
        this.code = cause.code();
    }

    /**
     * Returns the error.
     *
     * @return the code, as Python's {@code errno}
     */
    public ErrorCode code() {
        return code;
    }
}
