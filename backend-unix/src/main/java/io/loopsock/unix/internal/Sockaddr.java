package io.loopsock.unix.internal;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes a socket address as the kernel's {@code struct sockaddr}, for a completion backend's
 * CONNECT (Netty encodes addresses only inside its own system calls).
 *
 * <p>Any thread. The layouts and family numbers are Linux's: {@code sockaddr_in} (16 bytes),
 * {@code sockaddr_in6} (28 bytes) and {@code sockaddr_un} (the family and the name's bytes, a
 * path with its terminating NUL, an abstract name as it is). The address must match the socket's
 * family: an IPv4 address on an IPv6 socket becomes the IPv4-mapped IPv6 address, as Netty's own
 * connect does.
 */
final class Sockaddr {
    private Sockaddr() {}

    private static final short AF_UNIX = 1;
    private static final short AF_INET = 2;
    private static final short AF_INET6 = 10;
    private static final int SOL_SOCKET = 1;
    private static final int SO_DOMAIN = 39;
    /** The size of {@code sockaddr_storage}: room for every address. */
    static final int MAX_BYTES = 128;

    /**
     * Writes the address for a socket into a buffer.
     *
     * @param socket the socket that will connect
     * @param address the target
     * @param into a direct buffer of at least {@link #MAX_BYTES} bytes
     * @return the length of the encoded address
     * @throws IOException if the socket's family cannot be read
     */
    static int encode(Socket socket, SocketAddress address, ByteBuffer into) throws IOException {
        into.clear().order(ByteOrder.nativeOrder());
        for (int i = 0; i < MAX_BYTES; i++) {
            into.put(i, (byte) 0);
        }
        if (address instanceof DomainSocketAddress domain) {
            byte[] name = domain.path().getBytes(StandardCharsets.UTF_8);
            into.putShort(0, AF_UNIX);
            into.put(2, name);
            // An abstract name (a leading NUL) is its exact bytes; a path ends with a NUL.
            return 2 + name.length + (name.length > 0 && name[0] == 0 ? 0 : 1);
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        byte[] ip = inet.getAddress().getAddress();
        short port = (short) inet.getPort();
        if (ip.length == 4 && socket.getIntOpt(SOL_SOCKET, SO_DOMAIN) == AF_INET) {
            into.putShort(0, AF_INET);
            into.order(ByteOrder.BIG_ENDIAN).putShort(2, port);
            into.put(4, ip);
            return 16;
        }
        into.putShort(0, AF_INET6);
        into.order(ByteOrder.BIG_ENDIAN).putShort(2, port);
        if (inet.getAddress() instanceof Inet4Address) {
            into.put(18, (byte) 0xff).put(19, (byte) 0xff).put(20, ip);
        } else {
            into.put(8, ip);
            into.order(ByteOrder.nativeOrder()).putInt(24, ((java.net.Inet6Address) inet.getAddress()).getScopeId());
        }
        return 28;
    }
}
