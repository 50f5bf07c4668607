package io.loopsock.unix.internal;

import io.loopsock.LoopsockOptions;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;

/**
 * The socket options of the shared streams and UDP handles, on Netty's {@link Socket} getters and setters and on
 * raw {@code getsockopt}/{@code setsockopt} for the JDK's extended options.
 *
 * <p>Any thread. Values are checked as the JDK checks them (a negative buffer size is an
 * {@link IllegalArgumentException}, {@code SO_LINGER} is capped at 65535 and negative means off;
 * the keep-alive numbers go to the kernel as they are, which refuses what is out of range),
 * then handed to the kernel, and read back as the kernel reports them. The raw option numbers are
 * {@link Platform#CURRENT}'s, and an option is listed only on the platforms that have it.
 */
final class UnixOptions {
    private UnixOptions() {}

    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_IP = 0;
    private static final int IPPROTO_IPV6 = 41;

    /**
     * An option set with a raw {@code setsockopt}: its level and name on one platform. A
     * {@code Boolean} option goes to the kernel as 1 or 0 and reads back as non-zero.
     *
     * @param level the level ({@code IPPROTO_TCP}, {@code SOL_SOCKET})
     * @param name the option's number at that level
     */
    record Raw(int level, int name) {}

    /**
     * Linux's raw options (linux/tcp.h, asm-generic/socket.h). {@code SO_INCOMING_NAPI_ID} is the
     * receive queue's NAPI id, read-only, 0 on loopback.
     */
    private static final Map<SocketOption<?>, Raw> LINUX_RAW = ordered(
            Map.entry(ExtendedSocketOptions.TCP_KEEPIDLE, new Raw(IPPROTO_TCP, 4)),
            Map.entry(ExtendedSocketOptions.TCP_KEEPINTERVAL, new Raw(IPPROTO_TCP, 5)),
            Map.entry(ExtendedSocketOptions.TCP_KEEPCOUNT, new Raw(IPPROTO_TCP, 6)),
            Map.entry(ExtendedSocketOptions.TCP_QUICKACK, new Raw(IPPROTO_TCP, 12)),
            Map.entry(ExtendedSocketOptions.SO_INCOMING_NAPI_ID, new Raw(1, 56)),
            Map.entry(LoopsockOptions.TCP_CORK, new Raw(IPPROTO_TCP, 3)),
            Map.entry(LoopsockOptions.TCP_USER_TIMEOUT, new Raw(IPPROTO_TCP, 18)),
            Map.entry(LoopsockOptions.TCP_NOTSENT_LOWAT, new Raw(IPPROTO_TCP, 25)));

    /**
     * macOS's raw options (xnu netinet/tcp.h). The keep-alive idle time is {@code TCP_KEEPALIVE}
     * (0x10), as the JDK uses it there. {@code TCP_CORK} is carried by {@code TCP_NOPUSH} (4), the
     * BSD option that holds back partial segments; unlike Linux's cork it has no 200 ms limit.
     * macOS has no {@code TCP_QUICKACK}, {@code TCP_USER_TIMEOUT} or NAPI ids.
     */
    private static final Map<SocketOption<?>, Raw> MACOS_RAW = ordered(
            Map.entry(ExtendedSocketOptions.TCP_KEEPIDLE, new Raw(IPPROTO_TCP, 0x10)),
            Map.entry(ExtendedSocketOptions.TCP_KEEPINTERVAL, new Raw(IPPROTO_TCP, 0x101)),
            Map.entry(ExtendedSocketOptions.TCP_KEEPCOUNT, new Raw(IPPROTO_TCP, 0x102)),
            Map.entry(LoopsockOptions.TCP_CORK, new Raw(IPPROTO_TCP, 4)),
            Map.entry(LoopsockOptions.TCP_NOTSENT_LOWAT, new Raw(IPPROTO_TCP, 0x201)));

    /**
     * FreeBSD's raw options (netinet/tcp.h): its keep-alive numbers differ from macOS's (there
     * 0x10 is {@code TCP_MD5SIG}), and it has no {@code TCP_NOTSENT_LOWAT}.
     */
    private static final Map<SocketOption<?>, Raw> FREEBSD_RAW = ordered(
            Map.entry(ExtendedSocketOptions.TCP_KEEPIDLE, new Raw(IPPROTO_TCP, 256)),
            Map.entry(ExtendedSocketOptions.TCP_KEEPINTERVAL, new Raw(IPPROTO_TCP, 512)),
            Map.entry(ExtendedSocketOptions.TCP_KEEPCOUNT, new Raw(IPPROTO_TCP, 1024)),
            Map.entry(LoopsockOptions.TCP_CORK, new Raw(IPPROTO_TCP, 4)));

    /**
     * The per-family multicast options: {@code IP_MULTICAST_TTL}, {@code IP_MULTICAST_LOOP},
     * {@code IPV6_MULTICAST_HOPS}, {@code IPV6_MULTICAST_LOOP}.
     */
    record Multicast(int ipTtl, int ipLoop, int ipv6Hops, int ipv6Loop) {}

    /** Linux's (linux/in.h, linux/in6.h). */
    private static final Multicast LINUX_MULTICAST = new Multicast(33, 34, 18, 19);
    /**
     * The BSDs' (netinet/in.h, netinet6/in6.h; macOS and FreeBSD agree). The IPv4 ones are
     * {@code u_char} in the headers; both kernels take and give an {@code int} as well.
     */
    private static final Multicast BSD_MULTICAST = new Multicast(10, 11, 10, 11);

    /**
     * The raw options of a platform, in the order {@code supportedOptions()} lists them.
     *
     * @param platform the platform
     * @return option to level and name; an option the platform lacks is absent
     */
    static Map<SocketOption<?>, Raw> raw(Platform platform) {
        return switch (platform) {
            case LINUX -> LINUX_RAW;
            case MACOS -> MACOS_RAW;
            case FREEBSD -> FREEBSD_RAW;
        };
    }

    /**
     * The multicast options of a platform.
     *
     * @param platform the platform
     * @return their numbers
     */
    static Multicast multicast(Platform platform) {
        return platform == Platform.LINUX ? LINUX_MULTICAST : BSD_MULTICAST;
    }

    /**
     * {@code IPV6_V6ONLY} of a platform: 26 on Linux (linux/in6.h), 27 in the BSDs' netinet6/in6.h,
     * where 26 is {@code IPV6_CHECKSUM}.
     *
     * @param platform the platform
     * @return the option's number at level {@code IPPROTO_IPV6}
     */
    static int ipv6Only(Platform platform) {
        return platform == Platform.LINUX ? 26 : 27;
    }

    /** {@code IPV6_V6ONLY} on this platform, at level {@code IPPROTO_IPV6} (41 on every platform). */
    static final int IPV6_V6ONLY = ipv6Only(Platform.CURRENT);

    private static final Map<SocketOption<?>, Raw> RAW = raw(Platform.CURRENT);
    private static final Multicast MULTICAST = multicast(Platform.CURRENT);

    /**
     * The options of TCP handles, listeners and connections alike, on a platform: the standard
     * ones Netty sets, then the raw ones the platform has.
     *
     * @param platform the platform
     * @return the options, in a stable order
     */
    static Set<SocketOption<?>> tcp(Platform platform) {
        List<SocketOption<?>> options = new ArrayList<>(List.of(
                StandardSocketOptions.TCP_NODELAY,
                StandardSocketOptions.SO_KEEPALIVE,
                StandardSocketOptions.SO_RCVBUF,
                StandardSocketOptions.SO_SNDBUF,
                StandardSocketOptions.SO_LINGER,
                StandardSocketOptions.SO_REUSEADDR,
                StandardSocketOptions.SO_REUSEPORT,
                StandardSocketOptions.IP_TOS));
        options.addAll(raw(platform).keySet());
        return ordered(options.toArray(SocketOption<?>[]::new));
    }

    /** The options of TCP handles, listeners and connections alike, on this platform. */
    static final Set<SocketOption<?>> TCP = tcp(Platform.CURRENT);

    /** The options of pipes: what a Unix-domain stream socket has. */
    static final Set<SocketOption<?>> PIPE = ordered(
            StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_LINGER);

    /**
     * The options of UDP handles: nio's list without {@code IP_MULTICAST_IF}, which belongs with
     * multicast membership (not yet in the API).
     */
    static final Set<SocketOption<?>> UDP = ordered(
            StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_REUSEPORT,
            StandardSocketOptions.SO_BROADCAST,
            StandardSocketOptions.IP_TOS,
            StandardSocketOptions.IP_MULTICAST_TTL,
            StandardSocketOptions.IP_MULTICAST_LOOP);

    private static Set<SocketOption<?>> ordered(SocketOption<?>... options) {
        return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(List.of(options)));
    }

    @SafeVarargs
    private static Map<SocketOption<?>, Raw> ordered(Map.Entry<SocketOption<?>, Raw>... entries) {
        Map<SocketOption<?>, Raw> map = new LinkedHashMap<>();
        for (Map.Entry<SocketOption<?>, Raw> entry : entries) {
            map.put(entry.getKey(), entry.getValue());
        }
        return java.util.Collections.unmodifiableMap(map);
    }

    /**
     * Checks a value as the JDK would and returns what goes to the kernel.
     *
     * @param name the option
     * @param value the value
     * @return the value to set
     * @throws IllegalArgumentException for a null, mistyped or out-of-range value
     */
    static Object check(SocketOption<?> name, Object value) {
        if (value == null || !name.type().isInstance(value)) {
            throw new IllegalArgumentException("'" + name + "' takes a " + name.type().getSimpleName() + ", not " + value);
        }
        if (name == StandardSocketOptions.SO_RCVBUF || name == StandardSocketOptions.SO_SNDBUF) {
            if ((Integer) value < 0) {
                throw new IllegalArgumentException("a negative buffer size for '" + name + "'");
            }
        } else if (name == StandardSocketOptions.IP_TOS) {
            int tos = (Integer) value;
            if (tos < 0 || tos > 255) {
                throw new IllegalArgumentException("IP_TOS must be between 0 and 255");
            }
        } else if (name == StandardSocketOptions.IP_MULTICAST_TTL) {
            int ttl = (Integer) value;
            if (ttl < 0 || ttl > 255) {
                throw new IllegalArgumentException("IP_MULTICAST_TTL must be between 0 and 255");
            }
        } else if (name == StandardSocketOptions.SO_LINGER) {
            int linger = (Integer) value;
            return linger < 0 ? -1 : Math.min(linger, 65535);
        } else if (name == LoopsockOptions.TCP_USER_TIMEOUT || name == LoopsockOptions.TCP_NOTSENT_LOWAT) {
            if ((Integer) value < 0) {
                throw new IllegalArgumentException("'" + name + "' cannot be negative: " + value);
            }
        }
        return value;
    }

    /**
     * Sets a checked option on a socket.
     *
     * @param socket the socket
     * @param name the option
     * @param value a value that passed {@link #check}
     * @throws IOException the kernel's refusal
     */
    static void set(Socket socket, SocketOption<?> name, Object value) throws IOException {
        if (name == StandardSocketOptions.TCP_NODELAY) {
            socket.setTcpNoDelay((Boolean) value);
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            socket.setKeepAlive((Boolean) value);
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            socket.setReceiveBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            socket.setSendBufferSize((Integer) value);
        } else if (name == StandardSocketOptions.SO_LINGER) {
            socket.setSoLinger((Integer) value);
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            socket.setReuseAddress((Boolean) value);
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            socket.setReusePort((Boolean) value);
        } else if (name == StandardSocketOptions.IP_TOS) {
            socket.setTrafficClass((Integer) value);
        } else if (name == ExtendedSocketOptions.SO_INCOMING_NAPI_ID) {
            // As the JDK's sockets: the option can be read, never set.
            throw new java.net.SocketException("Attempt to set read-only option");
        } else if (RAW.containsKey(name)) {
            Raw raw = RAW.get(name);
            socket.setIntOpt(raw.level(), raw.name(), value instanceof Boolean on ? (on ? 1 : 0) : (Integer) value);
        } else {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
    }

    /**
     * Sets a checked option on a UDP socket. The multicast options are per address family: an
     * IPv6 socket gets the IPv6 option and the IPv4 one too, which Linux applies to the IPv4
     * traffic of a dual-stack socket, as the JDK's datagram channels do.
     *
     * @param socket the socket
     * @param ipv6 whether the socket is an IPv6 one
     * @param name the option
     * @param value a value that passed {@link #check}
     * @throws IOException the kernel's refusal
     */
    static void setDatagram(Socket socket, boolean ipv6, SocketOption<?> name, Object value) throws IOException {
        if (name == StandardSocketOptions.SO_BROADCAST) {
            socket.setBroadcast((Boolean) value);
        } else if (name == StandardSocketOptions.IP_MULTICAST_TTL) {
            if (ipv6) {
                socket.setIntOpt(IPPROTO_IPV6, MULTICAST.ipv6Hops(), (Integer) value);
            }
            socket.setIntOpt(IPPROTO_IP, MULTICAST.ipTtl(), (Integer) value);
        } else if (name == StandardSocketOptions.IP_MULTICAST_LOOP) {
            int loop = (Boolean) value ? 1 : 0;
            if (ipv6) {
                socket.setIntOpt(IPPROTO_IPV6, MULTICAST.ipv6Loop(), loop);
            }
            socket.setIntOpt(IPPROTO_IP, MULTICAST.ipLoop(), loop);
        } else if (UDP.contains(name)) {
            set(socket, name, value);
        } else {
            throw new UnsupportedOperationException("'" + name + "' is not supported");
        }
    }

    /**
     * Reads an option of a UDP socket as the kernel reports it.
     *
     * @param socket the socket
     * @param ipv6 whether the socket is an IPv6 one
     * @param name the option
     * @return the value, of the option's type
     * @throws IOException the kernel's refusal
     */
    static Object getDatagram(Socket socket, boolean ipv6, SocketOption<?> name) throws IOException {
        if (name == StandardSocketOptions.SO_BROADCAST) {
            return socket.isBroadcast();
        } else if (name == StandardSocketOptions.IP_MULTICAST_TTL) {
            return ipv6 ? socket.getIntOpt(IPPROTO_IPV6, MULTICAST.ipv6Hops()) : socket.getIntOpt(IPPROTO_IP, MULTICAST.ipTtl());
        } else if (name == StandardSocketOptions.IP_MULTICAST_LOOP) {
            return (ipv6 ? socket.getIntOpt(IPPROTO_IPV6, MULTICAST.ipv6Loop()) : socket.getIntOpt(IPPROTO_IP, MULTICAST.ipLoop())) != 0;
        } else if (UDP.contains(name)) {
            return get(socket, name);
        }
        throw new UnsupportedOperationException("'" + name + "' is not supported");
    }

    /**
     * Linux doubles a buffer size on the way in (the other half is its bookkeeping) and reports
     * the doubled value; the JDK halves it on the way out, so that what was set reads back. The
     * suite judges backends against the JDK, so the sizes read back here are the JDK's.
     */
    private static int bufferSize(int kernel) {
        return Platform.CURRENT == Platform.LINUX ? kernel / 2 : kernel;
    }

    /**
     * Reads an option as the kernel reports it.
     *
     * @param socket the socket
     * @param name the option
     * @return the value, of the option's type
     * @throws IOException the kernel's refusal
     */
    static Object get(Socket socket, SocketOption<?> name) throws IOException {
        if (name == StandardSocketOptions.TCP_NODELAY) {
            return socket.isTcpNoDelay();
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            return socket.isKeepAlive();
        } else if (name == StandardSocketOptions.SO_RCVBUF) {
            return bufferSize(socket.getReceiveBufferSize());
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            return bufferSize(socket.getSendBufferSize());
        } else if (name == StandardSocketOptions.SO_LINGER) {
            return socket.getSoLinger();
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            return socket.isReuseAddress();
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            return socket.isReusePort();
        } else if (name == StandardSocketOptions.IP_TOS) {
            return socket.getTrafficClass();
        } else if (RAW.containsKey(name)) {
            Raw raw = RAW.get(name);
            int value = socket.getIntOpt(raw.level(), raw.name());
            return name.type() == Boolean.class ? (Object) (value != 0) : (Object) value;
        }
        throw new UnsupportedOperationException("'" + name + "' is not supported");
    }
}
