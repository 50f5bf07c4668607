package io.loopsock.conformance.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Counts this process's open sockets, pipes and poller descriptors (epoll, eventfd), through
 * /proc/self/fd. Regular files are left out: the JVM opens jars as classes load.
 */
public final class Descriptors {
    private Descriptors() {}

    static {
        warmUp();
    }

    /**
     * Makes the JDK create the one socket it keeps for the whole life of the JVM, so that it is
     * counted before a test class rather than blamed on it: closing a channel that is registered
     * with a selector "pre-closes" its descriptor by dup2-ing a half-closed socket onto it, and the
     * JDK creates that socket once, on first use.
     */
    private static void warmUp() {
        try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
            java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open();
            channel.configureBlocking(false);
            channel.register(selector, java.nio.channels.SelectionKey.OP_READ);
            channel.close();
            selector.selectNow();
        } catch (IOException e) {
            throw new IllegalStateException("cannot warm up the descriptor count", e);
        }
    }

    /**
     * Descriptors by kind.
     *
     * @param byKind count per kind
     */
    public record Count(Map<String, Integer> byKind) {
        /**
         * Returns the sum over all kinds.
         *
         * @return the total
         */
        public int total() {
            return byKind.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * Counts now.
     *
     * @return the count; empty where /proc is missing
     */
    public static Count count() {
        Map<String, Integer> byKind = new TreeMap<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return new Count(byKind);
        }
        try (Stream<Path> entries = Files.list(fds)) {
            entries.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    String kind = target.startsWith("socket:") ? "socket"
                            : target.startsWith("pipe:") ? "pipe"
                            : target.startsWith("anon_inode:") ? target.substring("anon_inode:".length())
                            : null;
                    if (kind != null) {
                        byKind.merge(kind, 1, Integer::sum);
                    }
                } catch (IOException e) {
                    // The descriptor closed while we listed it (the listing's own, for one).
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
        return new Count(byKind);
    }

    /**
     * Describes the open sockets for a failure message: inode, protocol, local and remote address
     * in /proc/net's hex notation, and the TCP state.
     *
     * @return one line per socket
     */
    public static String describeSockets() {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : entries.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (!target.startsWith("socket:[")) {
                    continue;
                }
                String inode = target.substring("socket:[".length(), target.length() - 1);
                out.append("\n  fd ").append(fd.getFileName()).append(' ').append(target).append(' ').append(lookUp(inode));
            }
        } catch (IOException e) {
            out.append("(cannot list: ").append(e).append(')');
        }
        return out.toString();
    }

    private static String lookUp(String inode) {
        for (String table : new String[] {"tcp", "tcp6", "unix", "udp", "udp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net", table))) {
                    String[] f = line.trim().split("\\s+");
                    boolean inet = !table.equals("unix");
                    if (inet && f.length > 9 && f[9].equals(inode)) {
                        return table + " local " + f[1] + " remote " + f[2] + " state " + f[3];
                    }
                    if (!inet && f.length > 6 && f[6].equals(inode)) {
                        return "unix " + (f.length > 7 ? f[7] : "(unnamed)");
                    }
                }
            } catch (IOException e) {
                // Table missing on this kernel.
            }
        }
        return "(not in /proc/net)";
    }

    /**
     * Counts until the total is at most the expected one, or two seconds have passed: the JDK
     * releases a closed channel's descriptor when its selector next deregisters it, and a peer
     * thread may still be closing its socket.
     *
     * @param expected the count to come back to
     * @return the last count
     * @throws InterruptedException if interrupted while waiting
     */
    public static Count awaitAtMost(Count expected) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        Count now = count();
        while (now.total() > expected.total() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
            now = count();
        }
        return now;
    }
}
