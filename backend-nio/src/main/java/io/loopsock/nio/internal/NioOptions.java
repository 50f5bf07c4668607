package io.loopsock.nio.internal;

import io.loopsock.spi.Capability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Set;

/**
 * What java.nio supports on this JDK and OS, asked once from throwaway channels.
 *
 * <p>Any thread. The sets come from the channels' own {@code supportedOptions()}, so they list
 * only what really works here: {@code SO_REUSEPORT} and the {@code jdk.net} options appear on the
 * platforms that have them.
 */
final class NioOptions {
    private NioOptions() {}

    private static final class Sets {
        static final Set<SocketOption<?>> TCP_STREAM = ask(() -> SocketChannel.open(StandardProtocolFamily.INET));
        static final Set<SocketOption<?>> TCP_LISTENER = ask(() -> ServerSocketChannel.open(StandardProtocolFamily.INET));
        static final Set<SocketOption<?>> PIPE_STREAM = ask(() -> SocketChannel.open(StandardProtocolFamily.UNIX));
        static final Set<SocketOption<?>> PIPE_LISTENER = ask(() -> ServerSocketChannel.open(StandardProtocolFamily.UNIX));
        static final Set<SocketOption<?>> UDP = ask(() -> DatagramChannel.open(StandardProtocolFamily.INET));
    }

    private interface Opener {
        NetworkChannel open() throws IOException;
    }

    private static Set<SocketOption<?>> ask(Opener opener) {
        try (NetworkChannel channel = opener.open()) {
            return Set.copyOf(channel.supportedOptions());
        } catch (UnsupportedOperationException e) {
            return Set.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a channel to ask for its options", e);
        }
    }

    static Set<SocketOption<?>> tcpStream() {
        return Sets.TCP_STREAM;
    }

    static Set<SocketOption<?>> tcpListener() {
        return Sets.TCP_LISTENER;
    }

    static Set<SocketOption<?>> pipeStream() {
        return Sets.PIPE_STREAM;
    }

    static Set<SocketOption<?>> pipeListener() {
        return Sets.PIPE_LISTENER;
    }

    static Set<SocketOption<?>> udp() {
        return Sets.UDP;
    }

    static Set<Capability> capabilities() {
        EnumSet<Capability> capabilities = EnumSet.of(Capability.BYTES_READABLE, Capability.UDP);
        if (tcpListener().contains(StandardSocketOptions.SO_REUSEPORT)) {
            capabilities.add(Capability.TCP_REUSE_PORT);
        }
        return Set.copyOf(capabilities);
    }
}
