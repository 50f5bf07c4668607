package io.loopsock.internal;

import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.spi.LoopProvider;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The command line behind {@code ./loopsock}: {@code backends} lists the installed providers,
 * {@code demo} runs the seed experiment on every available backend. (The launcher's default
 * command, the conformance suite, lives in the conformance module.)
 *
 * <p>Not API: this package is not exported.
 */
public final class Main {
    private static final PrintStream OUT = System.out;

    private Main() {}

    /**
     * Runs a subcommand.
     *
     * @param args the subcommand and its arguments
     */
    public static void main(String[] args) {
        String command = args.length == 0 ? "help" : args[0];
        int status = switch (command) {
            case "backends" -> backends();
            case "demo" -> demo(args.length > 1 ? List.of(args).subList(1, args.length) : List.of());
            case "help", "-h", "--help" -> usage(0);
            default -> {
                System.err.println("loopsock: unknown command '" + command + "'");
                yield usage(2);
            }
        };
        System.exit(status);
    }

    private static int usage(int status) {
        PrintStream out = status == 0 ? OUT : System.err;
        out.println("usage: ./loopsock [conformance [OPTIONS] | demo [BACKEND...] | backends | help]");
        out.println("  conformance  the conformance suite on every installed backend (the default; --help for its options)");
        out.println("  demo      the seed experiment (a server writes DATA and closes; the client reads it, then the end of");
        out.println("            the stream) on every available backend, or on the named ones, printing each callback");
        out.println("  backends  every installed backend, whether it is available here, and why not");
        return status;
    }

    private static int backends() {
        List<LoopProvider> installed = LoopProvider.installed();
        if (installed.isEmpty()) {
            System.err.println("no loopsock backend is installed");
            return 1;
        }
        String selected;
        try {
            selected = LoopProvider.select().name();
        } catch (LoopException e) {
            selected = "none (" + e.getMessage() + ")";
        }
        OUT.printf(Locale.ROOT, "%-10s %-9s %-12s %s%n", "BACKEND", "PRIORITY", "AVAILABLE", "CAPABILITIES / CAUSE");
        for (LoopProvider provider : installed) {
            boolean available = provider.isAvailable();
            String detail = available
                    ? provider.capabilities().stream().map(Enum::name).sorted().collect(Collectors.joining(", "))
                    : String.valueOf(provider.unavailabilityCause());
            OUT.printf(Locale.ROOT, "%-10s %-9d %-12s %s%n", provider.name(), provider.priority(), available ? "yes" : "no", detail);
        }
        OUT.println("selected by default: " + selected);
        return 0;
    }

    private static int demo(List<String> requested) {
        List<String> names = requested;
        if (names.isEmpty() && selectionRequested()) {
            // A backend chosen by property or environment applies to the demo too, and a wrong name
            // must fail here with the list of installed backends, as Loop.open() does.
            try {
                names = List.of(LoopProvider.select().name());
            } catch (LoopException e) {
                System.err.println("loopsock: " + e.getMessage());
                return 1;
            }
        }
        int failures = 0;
        for (LoopProvider provider : LoopProvider.installed()) {
            if (!names.isEmpty() && !names.contains(provider.name())) {
                continue;
            }
            if (!provider.isAvailable()) {
                OUT.println("[" + provider.name() + "] skipped: unavailable (" + provider.unavailabilityCause() + ")");
                continue;
            }
            try {
                if (!seedExperiment(provider)) {
                    failures++;
                }
            } catch (LoopException e) {
                OUT.println("[" + provider.name() + "] failed: " + e.getMessage());
                failures++;
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static boolean selectionRequested() {
        String property = System.getProperty(LoopProvider.BACKEND_PROPERTY);
        String environment = System.getenv(LoopProvider.BACKEND_ENVIRONMENT);
        return (property != null && !property.isBlank()) || (environment != null && !environment.isBlank());
    }

    /**
     * The experiment loopsock grew from: what does a client's read callback see when the server
     * closes the connection mid-read? The data, then the end of the stream, not an error.
     */
    private static boolean seedExperiment(LoopProvider provider) throws LoopException {
        String tag = "[" + provider.name() + "] ";
        StringBuilder outcome = new StringBuilder();
        try (Loop loop = provider.open()) {
            Tcp server = loop.tcp();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.listen(16, error -> {
                if (error != null) {
                    OUT.println(tag + "server: connection error " + error.code());
                    return;
                }
                try {
                    Tcp connection = server.accept();
                    OUT.println(tag + "server: accepted " + connection.remoteAddress() + ", writing \"DATA\" and closing");
                    connection.write(ByteBuffer.wrap("DATA".getBytes(StandardCharsets.US_ASCII)), writeError -> {
                        OUT.println(tag + "server: write callback, " + (writeError == null ? "ok" : writeError.code()));
                        connection.close(() -> OUT.println(tag + "server: connection closed"));
                    });
                } catch (LoopException e) {
                    OUT.println(tag + "server: " + e.getMessage());
                }
            });
            InetSocketAddress address = server.localAddress();
            Tcp client = loop.tcp();
            OUT.println(tag + "client: connecting to " + address);
            client.connect(address, error -> {
                OUT.println(tag + "client: connect callback, " + (error == null ? "ok" : error.code()));
                if (error != null) {
                    client.close();
                    server.close();
                    return;
                }
                try {
                    client.startRead(result -> {
                        switch (result) {
                            case ReadResult.Data(ByteBuffer bytes) -> {
                                String text = StandardCharsets.US_ASCII.decode(bytes).toString();
                                OUT.println(tag + "client: read callback, data \"" + text + "\"");
                                outcome.append(text);
                            }
                            case ReadResult.EndOfStream() -> {
                                OUT.println(tag + "client: read callback, end of stream");
                                outcome.append("|EOF");
                                client.close(() -> OUT.println(tag + "client: closed"));
                                server.close(() -> OUT.println(tag + "server: listener closed"));
                            }
                            case ReadResult.Failed(LoopException e) -> {
                                OUT.println(tag + "client: read callback, error " + e.code());
                                outcome.append("|ERROR ").append(e.code());
                                client.close();
                                server.close();
                            }
                        }
                    });
                } catch (LoopException e) {
                    OUT.println(tag + "client: " + e.getMessage());
                    client.close();
                    server.close();
                }
            });
            loop.run();
        }
        boolean ok = outcome.toString().equals("DATA|EOF");
        OUT.println(tag + (ok ? "result: the data, then the end of the stream (not an error)" : "result: UNEXPECTED " + outcome));
        return ok;
    }
}
