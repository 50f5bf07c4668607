package io.loopsock.bench.internal;

import io.loopsock.spi.LoopProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Every contender the harness knows, in its fixed order, with whether it can run here: loopsock's
 * backends as {@link LoopProvider#installed()} finds them (a new backend joins by being on the
 * class path), the socket layer on each, Netty's three transports, the JDK's blocking sockets, the
 * raw selector and the two limit tools.
 *
 * <p>Any thread.
 */
public final class Contenders {
    /** The raw {@code java.nio} selector, the Java baseline of every ratio. */
    public static final String NIO_SELECTOR = "nio-selector";
    /** iperf3, the stream workload's limit. */
    public static final String IPERF3 = "iperf3";
    /** sockperf, the ping-pong workload's limit. */
    public static final String SOCKPERF = "sockperf";

    private Contenders() {
    }

    /** What kind of stack a contender is; the report groups and colours by it. */
    public enum Family {
        /** A loopsock backend at the SPI level. */
        LOOPSOCK,
        /** loopsock's socket layer. */
        SOCKET,
        /** Netty's channels. */
        NETTY,
        /** The JDK's blocking sockets. */
        BLOCKING,
        /** The raw selector. */
        NIO_SELECTOR,
        /** A native tool that shows the machine's limit. */
        LIMIT
    }

    /**
     * One contender.
     *
     * @param name its name in commands and results
     * @param family its kind
     * @param transport for loopsock and Netty contenders the transport (backend name: nio, epoll,
     *     io_uring), which pairs each with Netty on the same transport; else null
     * @param unavailable null if it can run here, else why not
     * @param make creates it (in the measuring JVM); null for the limit tools
     */
    public record Entry(String name, Family family, String transport, String unavailable, Supplier<Contender> make) {
        /**
         * Tells whether it runs the workload.
         *
         * @param workload the workload
         * @return true if it has that workload (the limit tools have one each)
         */
        public boolean runs(Workload workload) {
            return switch (name) {
                case IPERF3 -> workload == Workload.STREAM;
                case SOCKPERF -> workload == Workload.PING_PONG;
                default -> true;
            };
        }
    }

    /**
     * Lists every contender, available or not.
     *
     * @return the contenders in report order
     */
    public static List<Entry> all() {
        List<Entry> all = new ArrayList<>();
        all.add(new Entry(IPERF3, Family.LIMIT, null, Tools.missing(IPERF3), null));
        all.add(new Entry(SOCKPERF, Family.LIMIT, null, Tools.missing(SOCKPERF), null));
        List<LoopProvider> providers = LoopProvider.installed();
        for (LoopProvider provider : providers) {
            String why = provider.isAvailable() ? null : String.valueOf(provider.unavailabilityCause());
            all.add(new Entry(LoopsockContender.name(provider.name()), Family.LOOPSOCK, provider.name(), why,
                    () -> new LoopsockContender(provider)));
        }
        for (LoopProvider provider : providers) {
            String why = provider.isAvailable() ? null : String.valueOf(provider.unavailabilityCause());
            for (boolean virtual : new boolean[] {false, true}) {
                all.add(new Entry(SocketLayerContender.name(provider.name(), virtual), Family.SOCKET, provider.name(), why,
                        () -> new SocketLayerContender(provider.name(), virtual)));
            }
        }
        for (NettyContender.Transport transport : NettyContender.Transport.values()) {
            all.add(new Entry(transport.contender(), Family.NETTY, transport.backend(), unavailability(transport),
                    () -> new NettyContender(transport)));
        }
        all.add(new Entry("blocking-platform", Family.BLOCKING, null, null, () -> new BlockingContender(false)));
        all.add(new Entry("blocking-virtual", Family.BLOCKING, null, null, () -> new BlockingContender(true)));
        all.add(new Entry(NIO_SELECTOR, Family.NIO_SELECTOR, null, null, NioSelectorContender::new));
        return all;
    }

    private static String unavailability(NettyContender.Transport transport) {
        try {
            return transport.unavailability();
        } catch (LinkageError e) {
            return e.toString();
        }
    }

    /**
     * Finds a contender by name.
     *
     * @param name the name
     * @return the entry
     * @throws IllegalArgumentException for an unknown name
     */
    public static Entry named(String name) {
        return all().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown contender " + name + "; known: "
                        + all().stream().map(Entry::name).toList()));
    }

    /**
     * Rebuilds a contender's description from its name alone, as a results file has it.
     *
     * @param name the name
     * @return the entry, without a way to make the contender
     */
    public static Entry fromName(String name) {
        if (name.equals(IPERF3) || name.equals(SOCKPERF)) {
            return new Entry(name, Family.LIMIT, null, null, null);
        }
        if (name.startsWith("loopsock-")) {
            return new Entry(name, Family.LOOPSOCK, name.substring("loopsock-".length()), null, null);
        }
        if (name.startsWith("socket-")) {
            String transport = name.substring("socket-".length()).replaceAll("-(platform|virtual)$", "");
            return new Entry(name, Family.SOCKET, transport, null, null);
        }
        for (NettyContender.Transport t : NettyContender.Transport.values()) {
            if (t.contender().equals(name)) {
                return new Entry(name, Family.NETTY, t.backend(), null, null);
            }
        }
        return new Entry(name, name.equals(NIO_SELECTOR) ? Family.NIO_SELECTOR : Family.BLOCKING, null, null, null);
    }

    /**
     * Returns the name of the Netty contender on a transport.
     *
     * @param transport a backend name such as {@code epoll}
     * @return such as {@code netty-epoll}, or null if Netty has no such transport
     */
    public static String nettyOn(String transport) {
        for (NettyContender.Transport t : NettyContender.Transport.values()) {
            if (t.backend().equals(transport)) {
                return t.contender();
            }
        }
        return null;
    }
}
