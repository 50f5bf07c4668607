package io.loopsock.unix.internal;

import java.util.Locale;

/**
 * The operating system whose numbers the native backends use: errno values, socket option levels
 * and names, ioctl requests. Chosen once, from {@code os.name}.
 *
 * <p>Any thread (constants). Linux's numbers come from its uapi headers, the BSD ones from
 * Apple's xnu ({@code bsd/sys/errno.h}, {@code socket.h}, {@code filio.h}, {@code ioccom.h},
 * {@code netinet/tcp.h}, {@code netinet/in.h}, {@code netinet6/in6.h}) and FreeBSD's headers of
 * the same names. macOS and FreeBSD agree on most of them; where they do not (the errno values
 * past 84, the TCP keep-alive options, {@code TCP_NOTSENT_LOWAT}, how to ask for the bytes not
 * yet sent), each has its own entry in the tables. An operating system that is neither macOS nor
 * FreeBSD gets Linux's numbers, as before the tables knew other platforms; no native backend of
 * loopsock loads there anyway.
 */
public enum Platform {
    /** Linux, every architecture Netty ships natives for (the numbers used are the same on all). */
    LINUX,
    /** macOS (Darwin, xnu): kqueue. Never run here: its tables are checked against the headers only. */
    MACOS,
    /** FreeBSD: kqueue. Never run here, and Netty ships no kqueue native for it. */
    FREEBSD;

    /** The platform this JVM runs on. */
    public static final Platform CURRENT = of(System.getProperty("os.name", ""));

    /**
     * The platform of an {@code os.name} value.
     *
     * @param osName the JVM's {@code os.name}, e.g. {@code "Linux"}, {@code "Mac OS X"}, {@code "FreeBSD"}
     * @return the platform whose numbers apply
     */
    public static Platform of(String osName) {
        String os = osName.toLowerCase(Locale.ROOT).replace(" ", "");
        if (os.startsWith("macos") || os.startsWith("darwin")) {
            return MACOS;
        }
        if (os.startsWith("freebsd")) {
            return FREEBSD;
        }
        return LINUX;
    }

    /** Whether this is one of the BSD family, whose kernels have kqueue. */
    public boolean isBsd() {
        return this != LINUX;
    }
}
