package io.loopsock.nio.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.file.InvalidPathException;
import java.util.Map;

/**
 * Translates the JDK's exceptions into the {@link ErrorCode} a native backend would report for the
 * same situation.
 *
 * <p>Any thread. The JDK reports most socket errors as a plain {@link java.net.SocketException}
 * whose message is the C library's {@code strerror} text (for ECONNRESET on a read, the JDK's own
 * "Connection reset"). So the mapping goes by exception type first, then by that text; what
 * matches nothing becomes {@link ErrorCode#UNKNOWN} with the original exception as cause.
 * docs/errors.md shows the table.
 */
final class NioErrors {
    private NioErrors() {}

    /** strerror texts (glibc, musl and the JDK's own) and the code they stand for. */
    private static final Map<String, ErrorCode> BY_MESSAGE = Map.ofEntries(
            Map.entry("connection reset", ErrorCode.ECONNRESET),
            Map.entry("connection reset by peer", ErrorCode.ECONNRESET),
            Map.entry("broken pipe", ErrorCode.EPIPE),
            Map.entry("resource temporarily unavailable", ErrorCode.EAGAIN),
            Map.entry("operation would block", ErrorCode.EAGAIN),
            Map.entry("connection refused", ErrorCode.ECONNREFUSED),
            Map.entry("connection timed out", ErrorCode.ETIMEDOUT),
            Map.entry("address already in use", ErrorCode.EADDRINUSE),
            Map.entry("cannot assign requested address", ErrorCode.EADDRNOTAVAIL),
            Map.entry("address not available", ErrorCode.EADDRNOTAVAIL),
            Map.entry("network is unreachable", ErrorCode.ENETUNREACH),
            Map.entry("no route to host", ErrorCode.EHOSTUNREACH),
            Map.entry("host is unreachable", ErrorCode.EHOSTUNREACH),
            Map.entry("network is down", ErrorCode.ENETDOWN),
            Map.entry("too many open files", ErrorCode.EMFILE),
            Map.entry("too many open files in system", ErrorCode.ENFILE),
            Map.entry("no such file or directory", ErrorCode.ENOENT),
            Map.entry("permission denied", ErrorCode.EACCES),
            Map.entry("operation not permitted", ErrorCode.EPERM),
            Map.entry("transport endpoint is not connected", ErrorCode.ENOTCONN),
            Map.entry("socket is not connected", ErrorCode.ENOTCONN),
            Map.entry("transport endpoint is already connected", ErrorCode.EISCONN),
            Map.entry("software caused connection abort", ErrorCode.ECONNABORTED),
            Map.entry("connection aborted", ErrorCode.ECONNABORTED),
            Map.entry("invalid argument", ErrorCode.EINVAL),
            Map.entry("protocol wrong type for socket", ErrorCode.EPROTOTYPE),
            Map.entry("address family not supported by protocol", ErrorCode.EAFNOSUPPORT),
            Map.entry("protocol not available", ErrorCode.ENOPROTOOPT),
            Map.entry("operation not supported", ErrorCode.ENOTSUP),
            Map.entry("no buffer space available", ErrorCode.ENOBUFS),
            Map.entry("cannot allocate memory", ErrorCode.ENOMEM),
            Map.entry("socket operation on non-socket", ErrorCode.ENOTSOCK),
            Map.entry("not a directory", ErrorCode.ENOTDIR),
            Map.entry("read-only file system", ErrorCode.EROFS),
            Map.entry("file name too long", ErrorCode.ENAMETOOLONG),
            Map.entry("unix domain path too long", ErrorCode.EINVAL),
            Map.entry("bad file descriptor", ErrorCode.EBADF),
            Map.entry("interrupted system call", ErrorCode.EINTR),
            Map.entry("message too long", ErrorCode.EMSGSIZE),
            Map.entry("cannot send after transport endpoint shutdown", ErrorCode.ESHUTDOWN));

    /**
     * Maps an I/O exception.
     *
     * @param e the JDK's exception
     * @param detail what was being done, for the message
     * @return the exception to report
     */
    static LoopException map(IOException e, String detail) {
        if (e instanceof LoopException loop) {
            return loop;
        }
        return new LoopException(code(e), detail, e);
    }

    /**
     * Maps one of the unchecked exceptions NIO throws for a socket state, or an invalid path.
     *
     * @param e the JDK's exception
     * @param detail what was being done
     * @return the exception to report
     */
    static LoopException map(RuntimeException e, String detail) {
        ErrorCode code = switch (e) {
            case UnresolvedAddressException u -> ErrorCode.EINVAL;
            case UnsupportedAddressTypeException u -> ErrorCode.EAFNOSUPPORT;
            case NotYetConnectedException n -> ErrorCode.ENOTCONN;
            case AlreadyConnectedException a -> ErrorCode.EISCONN;
            case ConnectionPendingException c -> ErrorCode.EALREADY;
            case InvalidPathException i -> ErrorCode.EINVAL;
            default -> ErrorCode.UNKNOWN;
        };
        return new LoopException(code, detail, e);
    }

    static ErrorCode code(IOException e) {
        ErrorCode byMessage = byMessage(e.getMessage());
        if (byMessage != null) {
            return byMessage;
        }
        return switch (e) {
            case ClosedChannelException c -> ErrorCode.EBADF;
            case ConnectException c -> ErrorCode.ECONNREFUSED;
            case BindException b -> ErrorCode.EADDRINUSE;
            case NoRouteToHostException n -> ErrorCode.EHOSTUNREACH;
            case PortUnreachableException p -> ErrorCode.ECONNREFUSED;
            case SocketTimeoutException s -> ErrorCode.ETIMEDOUT;
            default -> ErrorCode.UNKNOWN;
        };
    }

    private static ErrorCode byMessage(String message) {
        if (message == null) {
            return null;
        }
        String text = message.strip().toLowerCase(java.util.Locale.ROOT);
        ErrorCode exact = BY_MESSAGE.get(text);
        if (exact != null) {
            return exact;
        }
        // Some messages carry a prefix or suffix ("connect failed: Connection refused"); the longest
        // known text inside wins, so that "connection reset by peer" beats "connection reset".
        ErrorCode best = null;
        int bestLength = 0;
        for (var entry : BY_MESSAGE.entrySet()) {
            if (entry.getKey().length() > bestLength && text.contains(entry.getKey())) {
                best = entry.getValue();
                bestLength = entry.getKey().length();
            }
        }
        return best;
    }
}
