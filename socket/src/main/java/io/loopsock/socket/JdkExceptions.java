package io.loopsock.socket;

import io.loopsock.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.EnumMap;
import java.util.Map;

/**
 * Turns the socket layer's errors into the exceptions {@code java.net.Socket} throws for the same
 * failure: the JDK's classes and its exact texts where the JDK writes them itself ("Read timed
 * out", "Socket closed", "Connection reset"), the C library's {@code strerror} text where the JDK
 * passes that on ("Connection refused", "Broken pipe").
 *
 * <p>Any thread (stateless). The original {@link SocketError} stays attached as the cause, so its
 * {@link ErrorCode} is still there for a caller that wants it.
 */
final class JdkExceptions {
    /** The operation that failed: it decides the timeout text and a reset's text. */
    enum Op {
        CONNECT("Connect timed out"),
        BIND(null),
        READ("Read timed out"),
        WRITE(null),
        ACCEPT("Accept timed out"),
        OTHER(null);

        private final String timeoutText;

        Op(String timeoutText) {
            this.timeoutText = timeoutText;
        }
    }

    /** glibc's strerror text where it differs from the capitalised libuv description. */
    private static final Map<ErrorCode, String> STRERROR = new EnumMap<>(ErrorCode.class);

    static {
        STRERROR.put(ErrorCode.EHOSTUNREACH, "No route to host");
        STRERROR.put(ErrorCode.EADDRNOTAVAIL, "Cannot assign requested address");
        STRERROR.put(ErrorCode.EAGAIN, "Resource temporarily unavailable");
        STRERROR.put(ErrorCode.ENOTSUP, "Operation not supported");
        STRERROR.put(ErrorCode.ENOTCONN, "Transport endpoint is not connected");
        STRERROR.put(ErrorCode.EISCONN, "Transport endpoint is already connected");
    }

    private JdkExceptions() {
    }

    /**
     * Translates a failure of the socket layer.
     *
     * @param failure what the socket layer threw
     * @param op the operation
     * @return the exception to throw instead
     */
    static IOException of(IOException failure, Op op) {
        if (failure instanceof SocketTimeoutException && op.timeoutText != null) {
            return withCause(new SocketTimeoutException(op.timeoutText), failure);
        }
        if (failure instanceof InterruptedIOException) {
            return failure;
        }
        if (!(failure instanceof SocketError error)) {
            return failure;
        }
        ErrorCode code = error.code();
        IOException translated = switch (code) {
            case EBADF -> new SocketException("Socket closed");
            case ECONNRESET -> new SocketException(op == Op.READ ? "Connection reset" : "Connection reset by peer");
            case ECONNREFUSED -> new ConnectException(text(code));
            case ETIMEDOUT, ENOTCONN -> op == Op.CONNECT ? new ConnectException(text(code)) : new SocketException(text(code));
            case EHOSTUNREACH -> new NoRouteToHostException(text(code));
            case EADDRINUSE, EADDRNOTAVAIL, EACCES -> new BindException(text(code));
            default -> new SocketException(text(code));
        };
        return withCause(translated, error);
    }

    /**
     * Translates a failure where the JDK's method may throw only {@link SocketException} (the
     * option methods).
     *
     * @param failure what the socket layer threw
     * @return the exception to throw instead
     */
    static SocketException socket(IOException failure) {
        IOException translated = of(failure, Op.OTHER);
        if (translated instanceof SocketException socket) {
            return socket;
        }
        return withCause(new SocketException(translated.getMessage()), translated);
    }

    /** The strerror text of a code, as the JDK's native code reports it on Linux. */
    static String text(ErrorCode code) {
        String known = STRERROR.get(code);
        if (known != null) {
            return known;
        }
        String description = code.description();
        return Character.toUpperCase(description.charAt(0)) + description.substring(1);
    }

    private static <E extends IOException> E withCause(E translated, Throwable cause) {
        translated.initCause(cause);
        return translated;
    }
}
