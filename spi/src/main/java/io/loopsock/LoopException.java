package io.loopsock;

import java.io.IOException;
import java.util.Objects;

/**
 * The one checked exception of loopsock: an I/O failure with a portable {@link ErrorCode}.
 *
 * <p>Any thread. Synchronous operations that can fail for I/O reasons throw it; asynchronous
 * operations pass it to their callback as a value (a callback gets either a result or an
 * exception, never both). An operation that throws never calls its callback.
 *
 * <p>Programming errors are not reported this way: a {@code null} argument is a
 * {@link NullPointerException}, a call from a thread that does not own the loop an
 * {@link IllegalStateException}, and so on. Where a libuv rule names an error code for a misuse
 * (starting to read twice is {@link ErrorCode#EALREADY}), the code is used, as libuv does.
 */
public class LoopException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The code; never null. */
    private final ErrorCode code;

    /**
     * Creates an exception whose message is the code's description.
     *
     * @param code the portable code
     */
    public LoopException(ErrorCode code) {
        this(code, null, null);
    }

    /**
     * Creates an exception with a code and a message that says what was being done.
     *
     * @param code the portable code
     * @param detail what failed, e.g. {@code "connect 127.0.0.1:9"}; may be null
     */
    public LoopException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    /**
     * Creates an exception with a code, a message and the backend's original exception.
     *
     * @param code the portable code
     * @param detail what failed; may be null
     * @param cause the backend's own exception, kept for diagnostics; may be null
     */
    public LoopException(ErrorCode code, String detail, Throwable cause) {
        super(format(Objects.requireNonNull(code, "code"), detail), cause);
        this.code = code;
    }

    private static String format(ErrorCode code, String detail) {
        return detail == null || detail.isEmpty()
                ? code.name() + ": " + code.description()
                : code.name() + ": " + code.description() + " (" + detail + ")";
    }

    /**
     * Returns the portable code.
     *
     * @return the code, never null
     */
    public ErrorCode code() {
        return code;
    }
}
