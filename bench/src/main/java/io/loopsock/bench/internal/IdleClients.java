package io.loopsock.bench.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The idle workload's clients: a JVM of their own that opens connections to the measured server,
 * makes one 1-byte round trip on each (so the server has accepted and set up every connection
 * before it is sampled), then holds them idle. The measured JVM drives it through standard input
 * ({@code open N}, {@code close}) and reads its answers from standard output.
 *
 * <p>Single-threaded use.
 */
final class IdleClients {
    private IdleClients() {
    }

    /**
     * The client JVM's main: {@code idle-clients HOST PORT}.
     *
     * @param args host and port
     * @throws IOException if a connection fails
     */
    static void main(List<String> args) throws IOException {
        InetSocketAddress server = new InetSocketAddress(args.get(0), Integer.parseInt(args.get(1)));
        List<SocketChannel> open = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = System.out;
        ByteBuffer one = ByteBuffer.allocate(1);
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("open ")) {
                int n = Integer.parseInt(line.substring(5).trim());
                for (int i = 0; i < n; i++) {
                    SocketChannel channel = SocketChannel.open(server);
                    open.add(channel);
                    channel.write(one.clear());
                    one.clear();
                    while (one.hasRemaining() && channel.read(one) >= 0) {
                        // a 1-byte round trip: the server has taken the connection
                    }
                    if (one.hasRemaining()) {
                        throw new IOException("the server closed an idle connection");
                    }
                }
                out.println("opened " + open.size());
            } else if (line.equals("close")) {
                for (SocketChannel channel : open) {
                    channel.close();
                }
                open.clear();
                out.println("closed");
            }
            out.flush();
        }
    }

    /**
     * Starts the client JVM.
     *
     * @param server the measured server
     * @return the handle that drives it
     * @throws IOException if it cannot start
     */
    static Remote start(InetSocketAddress server) throws IOException {
        String java = Harness.javaCommand();
        Process process = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "io.loopsock.bench.Main", "idle-clients", server.getAddress().getHostAddress(), String.valueOf(server.getPort()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new Remote(process);
    }

    /** The measured JVM's handle on the client JVM. */
    static final class Remote implements AutoCloseable {
        private final Process process;
        private final PrintWriter commands;
        private final BufferedReader answers;

        Remote(Process process) {
            this.process = process;
            this.commands = new PrintWriter(process.outputWriter(StandardCharsets.UTF_8), true);
            this.answers = process.inputReader(StandardCharsets.UTF_8);
        }

        /**
         * Opens connections and waits until each has made its round trip.
         *
         * @param n how many more
         * @throws IOException if the client JVM fails
         */
        void open(int n) throws IOException {
            ask("open " + n, "opened ");
        }

        /**
         * Closes every connection.
         *
         * @throws IOException if the client JVM fails
         */
        void closeAll() throws IOException {
            ask("close", "closed");
        }

        private void ask(String command, String answer) throws IOException {
            commands.println(command);
            String line = answers.readLine();
            if (line == null || !line.startsWith(answer)) {
                throw new IOException("the idle clients answered " + line + " to " + command);
            }
        }

        @Override
        public void close() {
            commands.close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
