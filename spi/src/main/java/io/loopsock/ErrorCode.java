package io.loopsock;

/**
 * A portable error code, named after libuv's and POSIX's codes.
 *
 * <p>Any thread. Values are loopsock's own: raw operating-system numbers never appear in the API
 * (a {@link LoopException} may carry one for diagnostics only). The same situation yields the same
 * code on every backend; the conformance suite checks that.
 *
 * <p>End of stream is not an error and has no code here: a read reports it as
 * {@link ReadResult.EndOfStream}. A timeout of the blocking socket layer is not
 * {@link #ETIMEDOUT} either, which is reserved for the kernel's own timeouts (keep-alive expiry,
 * a TCP connect that the kernel gave up on).
 *
 * <p>The full list follows libuv's {@code UV_ERRNO_MAP}, so that every code a libuv program can
 * see has a name here. See docs/errors.md for when each backend reports which.
 */
public enum ErrorCode {
    /** Argument list too long. */
    E2BIG("argument list too long"),
    /** Permission denied. */
    EACCES("permission denied"),
    /** Address already in use. */
    EADDRINUSE("address already in use"),
    /** Address not available. */
    EADDRNOTAVAIL("address not available"),
    /** Address family not supported. */
    EAFNOSUPPORT("address family not supported"),
    /** Resource temporarily unavailable. */
    EAGAIN("resource temporarily unavailable"),
    /** Address family not supported by the resolver. */
    EAI_ADDRFAMILY("address family not supported"),
    /** Temporary failure in name resolution. */
    EAI_AGAIN("temporary failure"),
    /** Bad resolver flags. */
    EAI_BADFLAGS("bad ai_flags value"),
    /** Invalid resolver hints. */
    EAI_BADHINTS("invalid value for hints"),
    /** Name resolution request cancelled. */
    EAI_CANCELED("request canceled"),
    /** Permanent failure in name resolution. */
    EAI_FAIL("permanent failure"),
    /** Resolver family not supported. */
    EAI_FAMILY("ai_family not supported"),
    /** Out of memory in the resolver. */
    EAI_MEMORY("out of memory"),
    /** No address for the name. */
    EAI_NODATA("no address"),
    /** Unknown node or service. */
    EAI_NONAME("unknown node or service"),
    /** Resolver argument buffer overflow. */
    EAI_OVERFLOW("argument buffer overflow"),
    /** Resolved protocol is unknown. */
    EAI_PROTOCOL("resolved protocol is unknown"),
    /** Service not available for the socket type. */
    EAI_SERVICE("service not available for socket type"),
    /** Socket type not supported by the resolver. */
    EAI_SOCKTYPE("socket type not supported"),
    /** Connection already in progress. */
    EALREADY("connection already in progress"),
    /** Bad file descriptor: the handle has no socket (yet, or any more). */
    EBADF("bad file descriptor"),
    /** Resource busy or locked. */
    EBUSY("resource busy or locked"),
    /** Operation cancelled, typically because its handle was closed. */
    ECANCELED("operation canceled"),
    /** Invalid Unicode character. */
    ECHARSET("invalid Unicode character"),
    /** Software caused connection abort. */
    ECONNABORTED("software caused connection abort"),
    /** Connection refused. */
    ECONNREFUSED("connection refused"),
    /** Connection reset by peer. */
    ECONNRESET("connection reset by peer"),
    /** Destination address required. */
    EDESTADDRREQ("destination address required"),
    /** File or handle already exists. */
    EEXIST("file already exists"),
    /** Bad address in system call argument. */
    EFAULT("bad address in system call argument"),
    /** File too large. */
    EFBIG("file too large"),
    /** Host is unreachable. */
    EHOSTUNREACH("host is unreachable"),
    /** Interrupted system call. */
    EINTR("interrupted system call"),
    /** Invalid argument, or an operation the handle's state does not allow. */
    EINVAL("invalid argument"),
    /** Input/output error. */
    EIO("i/o error"),
    /** Socket is already connected. */
    EISCONN("socket is already connected"),
    /** Illegal operation on a directory. */
    EISDIR("illegal operation on a directory"),
    /** Too many symbolic links encountered. */
    ELOOP("too many symbolic links encountered"),
    /** Too many open files. */
    EMFILE("too many open files"),
    /** Message too long. */
    EMSGSIZE("message too long"),
    /** Name too long. */
    ENAMETOOLONG("name too long"),
    /** Network is down. */
    ENETDOWN("network is down"),
    /** Network is unreachable. */
    ENETUNREACH("network is unreachable"),
    /** File table overflow. */
    ENFILE("file table overflow"),
    /** No buffer space available. */
    ENOBUFS("no buffer space available"),
    /** No such device. */
    ENODEV("no such device"),
    /** No such file or directory. */
    ENOENT("no such file or directory"),
    /** Not enough memory. */
    ENOMEM("not enough memory"),
    /** Machine is not on the network. */
    ENONET("machine is not on the network"),
    /** Protocol not available. */
    ENOPROTOOPT("protocol not available"),
    /** No space left on device. */
    ENOSPC("no space left on device"),
    /** Function not implemented. */
    ENOSYS("function not implemented"),
    /** Socket is not connected. */
    ENOTCONN("socket is not connected"),
    /** Not a directory. */
    ENOTDIR("not a directory"),
    /** Directory not empty. */
    ENOTEMPTY("directory not empty"),
    /** Socket operation on non-socket. */
    ENOTSOCK("socket operation on non-socket"),
    /** Operation not supported, by the socket or by this backend. */
    ENOTSUP("operation not supported"),
    /** Value too large for defined data type. */
    EOVERFLOW("value too large for defined data type"),
    /** Operation not permitted. */
    EPERM("operation not permitted"),
    /** Broken pipe: the stream can no longer be written. */
    EPIPE("broken pipe"),
    /** Protocol error. */
    EPROTO("protocol error"),
    /** Protocol not supported. */
    EPROTONOSUPPORT("protocol not supported"),
    /** Protocol wrong type for socket. */
    EPROTOTYPE("protocol wrong type for socket"),
    /** Result too large. */
    ERANGE("result too large"),
    /** Read-only file system. */
    EROFS("read-only file system"),
    /** Cannot send after transport endpoint shutdown. */
    ESHUTDOWN("cannot send after transport endpoint shutdown"),
    /** Invalid seek. */
    ESPIPE("invalid seek"),
    /** No such process. */
    ESRCH("no such process"),
    /** Connection timed out (a kernel timeout). */
    ETIMEDOUT("connection timed out"),
    /** Text file is busy. */
    ETXTBSY("text file is busy"),
    /** Cross-device link not permitted. */
    EXDEV("cross-device link not permitted"),
    /** No such device or address. */
    ENXIO("no such device or address"),
    /** Too many links. */
    EMLINK("too many links"),
    /** Host is down. */
    EHOSTDOWN("host is down"),
    /** Remote I/O error. */
    EREMOTEIO("remote I/O error"),
    /** Inappropriate ioctl for device. */
    ENOTTY("inappropriate ioctl for device"),
    /** Inappropriate file type or format. */
    EFTYPE("inappropriate file type or format"),
    /** Illegal byte sequence. */
    EILSEQ("illegal byte sequence"),
    /** Socket type not supported. */
    ESOCKTNOSUPPORT("socket type not supported"),
    /** No data available. */
    ENODATA("no data available"),
    /** Protocol driver not attached. */
    EUNATCH("protocol driver not attached"),
    /** Exec format error. */
    ENOEXEC("exec format error"),
    /** An error loopsock could not classify; the exception's message and cause say more. */
    UNKNOWN("unknown error");

    private final String description;

    ErrorCode(String description) {
        this.description = description;
    }

    /**
     * Returns a short, lower-case description, libuv's {@code uv_strerror} text for this code.
     *
     * @return the description, never empty
     */
    public String description() {
        return description;
    }
}
