package io.loopsock.unix.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.netty.channel.unix.Errors;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates errno values, and the exceptions Netty's syscalls throw, into {@link ErrorCode}s.
 *
 * <p>Any thread. Netty reports most failures as {@link Errors.NativeIoException} whose
 * {@code expectedErr()} is the negative errno: those map exactly. A few are turned into JDK types
 * on the way ({@code EBADF} to {@link ClosedChannelException}, {@code ENOTCONN} to
 * {@link NotYetConnectedException}, {@code ENOENT} to {@link FileNotFoundException},
 * {@code ECONNREFUSED} of a datagram socket to {@link PortUnreachableException}, connect errors
 * to a {@link java.net.ConnectException} that carries the errno only in its message); those are
 * mapped back by type, or by the number in the message. The errno numbers are the platform's
 * ({@link Platform#CURRENT}): Linux's, or the BSD ones of macOS and FreeBSD, which agree up to 84
 * and differ after it.
 */
public final class UnixErrors {
    private UnixErrors() {}

    /** Linux's errno numbers (asm-generic/errno-base.h and errno.h, x86_64 and aarch64 alike). */
    private static final Map<Integer, ErrorCode> LINUX = Map.<Integer, ErrorCode>ofEntries(
            Map.entry(1, ErrorCode.EPERM), Map.entry(2, ErrorCode.ENOENT), Map.entry(3, ErrorCode.ESRCH),
            Map.entry(4, ErrorCode.EINTR), Map.entry(5, ErrorCode.EIO), Map.entry(6, ErrorCode.ENXIO),
            Map.entry(7, ErrorCode.E2BIG), Map.entry(9, ErrorCode.EBADF), Map.entry(11, ErrorCode.EAGAIN),
            Map.entry(12, ErrorCode.ENOMEM), Map.entry(13, ErrorCode.EACCES), Map.entry(14, ErrorCode.EFAULT),
            Map.entry(16, ErrorCode.EBUSY), Map.entry(17, ErrorCode.EEXIST), Map.entry(18, ErrorCode.EXDEV),
            Map.entry(19, ErrorCode.ENODEV), Map.entry(20, ErrorCode.ENOTDIR), Map.entry(21, ErrorCode.EISDIR),
            Map.entry(22, ErrorCode.EINVAL), Map.entry(23, ErrorCode.ENFILE), Map.entry(24, ErrorCode.EMFILE),
            Map.entry(25, ErrorCode.ENOTTY), Map.entry(26, ErrorCode.ETXTBSY), Map.entry(27, ErrorCode.EFBIG),
            Map.entry(28, ErrorCode.ENOSPC), Map.entry(29, ErrorCode.ESPIPE), Map.entry(30, ErrorCode.EROFS),
            Map.entry(31, ErrorCode.EMLINK), Map.entry(32, ErrorCode.EPIPE), Map.entry(34, ErrorCode.ERANGE),
            Map.entry(36, ErrorCode.ENAMETOOLONG), Map.entry(38, ErrorCode.ENOSYS), Map.entry(39, ErrorCode.ENOTEMPTY),
            Map.entry(40, ErrorCode.ELOOP), Map.entry(64, ErrorCode.ENONET), Map.entry(71, ErrorCode.EPROTO),
            Map.entry(75, ErrorCode.EOVERFLOW), Map.entry(84, ErrorCode.EILSEQ), Map.entry(88, ErrorCode.ENOTSOCK),
            Map.entry(89, ErrorCode.EDESTADDRREQ), Map.entry(90, ErrorCode.EMSGSIZE), Map.entry(91, ErrorCode.EPROTOTYPE),
            Map.entry(92, ErrorCode.ENOPROTOOPT), Map.entry(93, ErrorCode.EPROTONOSUPPORT),
            Map.entry(94, ErrorCode.ESOCKTNOSUPPORT), Map.entry(95, ErrorCode.ENOTSUP),
            Map.entry(97, ErrorCode.EAFNOSUPPORT), Map.entry(98, ErrorCode.EADDRINUSE),
            Map.entry(99, ErrorCode.EADDRNOTAVAIL), Map.entry(100, ErrorCode.ENETDOWN),
            Map.entry(101, ErrorCode.ENETUNREACH), Map.entry(103, ErrorCode.ECONNABORTED),
            Map.entry(104, ErrorCode.ECONNRESET), Map.entry(105, ErrorCode.ENOBUFS), Map.entry(106, ErrorCode.EISCONN),
            Map.entry(107, ErrorCode.ENOTCONN), Map.entry(108, ErrorCode.ESHUTDOWN), Map.entry(110, ErrorCode.ETIMEDOUT),
            Map.entry(111, ErrorCode.ECONNREFUSED), Map.entry(112, ErrorCode.EHOSTDOWN),
            Map.entry(113, ErrorCode.EHOSTUNREACH), Map.entry(114, ErrorCode.EALREADY),
            Map.entry(121, ErrorCode.EREMOTEIO), Map.entry(125, ErrorCode.ECANCELED));

    /**
     * The errno numbers macOS and FreeBSD share (their sys/errno.h, 1 to 84): the 4.4BSD list.
     * Linux-only codes ({@code ENONET}, {@code EREMOTEIO}) have no BSD number.
     */
    private static final Map<Integer, ErrorCode> BSD_COMMON = Map.<Integer, ErrorCode>ofEntries(
            Map.entry(1, ErrorCode.EPERM), Map.entry(2, ErrorCode.ENOENT), Map.entry(3, ErrorCode.ESRCH),
            Map.entry(4, ErrorCode.EINTR), Map.entry(5, ErrorCode.EIO), Map.entry(6, ErrorCode.ENXIO),
            Map.entry(7, ErrorCode.E2BIG), Map.entry(9, ErrorCode.EBADF), Map.entry(12, ErrorCode.ENOMEM),
            Map.entry(13, ErrorCode.EACCES), Map.entry(14, ErrorCode.EFAULT), Map.entry(16, ErrorCode.EBUSY),
            Map.entry(17, ErrorCode.EEXIST), Map.entry(18, ErrorCode.EXDEV), Map.entry(19, ErrorCode.ENODEV),
            Map.entry(20, ErrorCode.ENOTDIR), Map.entry(21, ErrorCode.EISDIR), Map.entry(22, ErrorCode.EINVAL),
            Map.entry(23, ErrorCode.ENFILE), Map.entry(24, ErrorCode.EMFILE), Map.entry(25, ErrorCode.ENOTTY),
            Map.entry(26, ErrorCode.ETXTBSY), Map.entry(27, ErrorCode.EFBIG), Map.entry(28, ErrorCode.ENOSPC),
            Map.entry(29, ErrorCode.ESPIPE), Map.entry(30, ErrorCode.EROFS), Map.entry(31, ErrorCode.EMLINK),
            Map.entry(32, ErrorCode.EPIPE), Map.entry(34, ErrorCode.ERANGE), Map.entry(35, ErrorCode.EAGAIN),
            Map.entry(37, ErrorCode.EALREADY), Map.entry(38, ErrorCode.ENOTSOCK), Map.entry(39, ErrorCode.EDESTADDRREQ),
            Map.entry(40, ErrorCode.EMSGSIZE), Map.entry(41, ErrorCode.EPROTOTYPE), Map.entry(42, ErrorCode.ENOPROTOOPT),
            Map.entry(43, ErrorCode.EPROTONOSUPPORT), Map.entry(44, ErrorCode.ESOCKTNOSUPPORT),
            Map.entry(45, ErrorCode.ENOTSUP), Map.entry(47, ErrorCode.EAFNOSUPPORT), Map.entry(48, ErrorCode.EADDRINUSE),
            Map.entry(49, ErrorCode.EADDRNOTAVAIL), Map.entry(50, ErrorCode.ENETDOWN), Map.entry(51, ErrorCode.ENETUNREACH),
            Map.entry(53, ErrorCode.ECONNABORTED), Map.entry(54, ErrorCode.ECONNRESET), Map.entry(55, ErrorCode.ENOBUFS),
            Map.entry(56, ErrorCode.EISCONN), Map.entry(57, ErrorCode.ENOTCONN), Map.entry(58, ErrorCode.ESHUTDOWN),
            Map.entry(60, ErrorCode.ETIMEDOUT), Map.entry(61, ErrorCode.ECONNREFUSED), Map.entry(62, ErrorCode.ELOOP),
            Map.entry(63, ErrorCode.ENAMETOOLONG), Map.entry(64, ErrorCode.EHOSTDOWN), Map.entry(65, ErrorCode.EHOSTUNREACH),
            Map.entry(66, ErrorCode.ENOTEMPTY), Map.entry(78, ErrorCode.ENOSYS), Map.entry(79, ErrorCode.EFTYPE),
            Map.entry(84, ErrorCode.EOVERFLOW));

    /**
     * macOS (xnu bsd/sys/errno.h): the common list, then its own numbering after 84. The kernel
     * returns {@code EOPNOTSUPP} as 102, a number of its own, where FreeBSD has one number for
     * both; both mean {@link ErrorCode#ENOTSUP}.
     */
    private static final Map<Integer, ErrorCode> MACOS = withCommon(
            Map.entry(89, ErrorCode.ECANCELED), Map.entry(92, ErrorCode.EILSEQ), Map.entry(96, ErrorCode.ENODATA),
            Map.entry(100, ErrorCode.EPROTO), Map.entry(102, ErrorCode.ENOTSUP));

    /** FreeBSD (sys/sys/errno.h): the common list, then its own numbering after 84; no ENODATA. */
    private static final Map<Integer, ErrorCode> FREEBSD = withCommon(
            Map.entry(85, ErrorCode.ECANCELED), Map.entry(86, ErrorCode.EILSEQ), Map.entry(92, ErrorCode.EPROTO));

    @SafeVarargs
    private static Map<Integer, ErrorCode> withCommon(Map.Entry<Integer, ErrorCode>... own) {
        Map<Integer, ErrorCode> table = new java.util.HashMap<>(BSD_COMMON);
        for (Map.Entry<Integer, ErrorCode> entry : own) {
            table.put(entry.getKey(), entry.getValue());
        }
        return Map.copyOf(table);
    }

    /** The table of {@link Platform#CURRENT}, chosen once. */
    private static final Map<Integer, ErrorCode> CURRENT = table(Platform.CURRENT);

    /**
     * The errno table of a platform.
     *
     * @param platform the platform
     * @return errno number to code
     */
    static Map<Integer, ErrorCode> table(Platform platform) {
        return switch (platform) {
            case LINUX -> LINUX;
            case MACOS -> MACOS;
            case FREEBSD -> FREEBSD;
        };
    }

    private static final Pattern ERRNO_IN_MESSAGE = Pattern.compile("error\\((-?\\d+)\\)");

    /**
     * Maps an errno.
     *
     * @param errno the errno, positive or negative (Netty's convention)
     * @return the code; {@link ErrorCode#UNKNOWN} for a number the table lacks
     */
    public static ErrorCode code(int errno) {
        return CURRENT.getOrDefault(Math.abs(errno), ErrorCode.UNKNOWN);
    }

    /**
     * Makes the exception for an errno.
     *
     * @param errno the errno, positive or negative
     * @param detail what was being done
     * @return the exception
     */
    public static LoopException exception(int errno, String detail) {
        return new LoopException(code(errno), detail + " (errno " + Math.abs(errno) + ")");
    }

    /**
     * Maps what one of Netty's syscalls threw.
     *
     * @param e the exception, checked or not
     * @param detail what was being done, for the message
     * @return the exception to report
     */
    public static LoopException map(Throwable e, String detail) {
        if (e instanceof LoopException loop) {
            return loop;
        }
        if (e instanceof RuntimeException && e.getCause() instanceof IOException io) {
            // Netty's socket factories wrap the errno in its ChannelException.
            return new LoopException(code(io), detail, e);
        }
        return new LoopException(code(e), detail, e);
    }

    static ErrorCode code(Throwable e) {
        return switch (e) {
            case Errors.NativeIoException n -> code(n.expectedErr());
            case ClosedChannelException c -> ErrorCode.EBADF;
            case NotYetConnectedException n -> ErrorCode.ENOTCONN;
            case AlreadyConnectedException a -> ErrorCode.EISCONN;
            case FileNotFoundException f -> ErrorCode.ENOENT;
            // Netty folds ENETUNREACH and EHOSTUNREACH into this type without the number. It comes
            // only from a connect or a send that fails at once, where the kernel has no route to
            // the network: ENETUNREACH, as nio reports it. (Errors that arrive later come through
            // SO_ERROR, with their exact number.)
            case NoRouteToHostException n -> ErrorCode.ENETUNREACH;
            // Netty's sendTo and recvFrom turn ECONNREFUSED (an ICMP port unreachable reported on
            // a connected datagram socket) into this type without the number.
            case PortUnreachableException p -> ErrorCode.ECONNREFUSED;
            // Netty's setsockopt/getsockopt failures (an IOException, or its ChannelException)
            // carry only strerror's text.
            default -> byMessage(e.getMessage());
        };
    }

    private static ErrorCode byMessage(String message) {
        if (message == null) {
            return ErrorCode.UNKNOWN;
        }
        Matcher errno = ERRNO_IN_MESSAGE.matcher(message);
        if (errno.find()) {
            return code(Integer.parseInt(errno.group(1)));
        }
        String text = message.toLowerCase(Locale.ROOT);
        for (ErrorCode code : new ErrorCode[] {ErrorCode.EINVAL, ErrorCode.ENOPROTOOPT, ErrorCode.EBADF,
                ErrorCode.ENOTSOCK, ErrorCode.EPERM, ErrorCode.ENOMEM, ErrorCode.ENOBUFS, ErrorCode.ENOTCONN}) {
            if (text.contains(strerror(Platform.CURRENT, code))) {
                return code;
            }
        }
        return ErrorCode.UNKNOWN;
    }

    /**
     * The C library's text for a code, lower case: glibc's, or the BSD libc's, which differs for
     * {@code ENOTCONN} only among the codes setsockopt and getsockopt fail with.
     *
     * @param platform the platform
     * @param code one of the codes of {@link #STRERROR}
     * @return the text
     */
    static String strerror(Platform platform, ErrorCode code) {
        if (platform.isBsd() && code == ErrorCode.ENOTCONN) {
            return "socket is not connected";
        }
        return STRERROR.get(code);
    }

    /** glibc's strerror texts for the codes setsockopt and getsockopt can fail with. */
    private static final Map<ErrorCode, String> STRERROR = Map.of(
            ErrorCode.EINVAL, "invalid argument",
            ErrorCode.ENOPROTOOPT, "protocol not available",
            ErrorCode.EBADF, "bad file descriptor",
            ErrorCode.ENOTSOCK, "socket operation on non-socket",
            ErrorCode.EPERM, "operation not permitted",
            ErrorCode.ENOMEM, "cannot allocate memory",
            ErrorCode.ENOBUFS, "no buffer space available",
            ErrorCode.ENOTCONN, "transport endpoint is not connected");
}
