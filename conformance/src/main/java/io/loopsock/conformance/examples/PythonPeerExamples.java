package io.loopsock.conformance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.Loops;
import io.loopsock.conformance.testing.PythonPeer;
import io.loopsock.conformance.testing.SocketScope;
import io.loopsock.socket.Socket;
import io.loopsock.socket.SocketFile;
import io.loopsock.spi.LoopProvider;
import java.io.BufferedReader;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CPython's own socket module as the peer of the socket layer: the seed's experiment from both
 * sides, and a line protocol between {@code makeFile} and Python's {@code makefile}.
 */
@ExtendWith(LoopExtension.class)
@Timeout(60)
class PythonPeerExamples {
    private static final Duration BOUND = Loops.BOUND;

    private SocketScope scope;

    @BeforeEach
    void startGroup(LoopProvider backend) throws Exception {
        scope = new SocketScope(backend);
    }

    @AfterEach
    void stopGroup() throws Exception {
        scope.close();
    }

    @Test
    @DisplayName("rule 174, 221 (seed): a Python server sends DATA and closes; a loopsock client receives DATA, then empty bytes, every time")
    void pythonServerClosesMidRead() throws Exception {
        String server = """
                import socket
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
                print(s.getsockname()[1], flush=True)
                c, _ = s.accept(); c.sendall(b"DATA"); c.close(); s.close()
                """;
        try (PythonPeer peer = PythonPeer.start(server)) {
            int port = Integer.parseInt(peer.line());
            Socket client = scope.closing(Socket.createConnection(scope.group(), new InetSocketAddress("127.0.0.1", port), BOUND, null));
            StringBuilder got = new StringBuilder();
            byte[] chunk;
            while ((chunk = client.recv(100)).length > 0) {
                got.append(new String(chunk, StandardCharsets.US_ASCII));
            }
            assertThat(got).hasToString("DATA");
            assertThat(client.recv(100)).isEmpty();
            assertThat(peer.await()).as("python's exit status; stderr: %s", peer.errors()).isZero();
        }
    }

    @Test
    @DisplayName("rule 178, 184 (seed, reversed): a loopsock server sends DATA and closes; a Python client receives DATA, then b''")
    void loopsockServerClosesMidRead() throws Exception {
        String client = """
                import socket, sys
                c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
                data = b""
                while True:
                    chunk = c.recv(100)
                    if not chunk:
                        break
                    data += chunk
                print(data.decode(), flush=True); print("EOF", flush=True)
                """;
        Socket listener = scope.listener();
        try (PythonPeer peer = PythonPeer.start(client, String.valueOf(listener.localAddress().getPort()))) {
            listener.setTimeout(BOUND);
            Socket accepted = listener.accept();
            accepted.sendAll(ByteBuffer.wrap("DATA".getBytes(StandardCharsets.US_ASCII)));
            accepted.close();
            accepted.close();
            assertThat(peer.line()).isEqualTo("DATA");
            assertThat(peer.line()).isEqualTo("EOF");
            assertThat(peer.await()).as("python's exit status; stderr: %s", peer.errors()).isZero();
        }
    }

    @Test
    @DisplayName("rule 203, 205: a line protocol between makeFile and Python's makefile: 200 lines out, 200 answers back, in order")
    void lineProtocolWithPythonMakefile() throws Exception {
        String server = """
                import socket
                s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
                print(s.getsockname()[1], flush=True)
                c, _ = s.accept()
                f = c.makefile("rw", encoding="utf-8", newline="\\n")
                for line in f:
                    f.write(line.upper()); f.flush()
                f.close(); c.close(); s.close()
                """;
        try (PythonPeer peer = PythonPeer.start(server)) {
            int port = Integer.parseInt(peer.line());
            Socket client = scope.closing(Socket.createConnection(scope.group(), new InetSocketAddress("127.0.0.1", port), BOUND, null));
            try (SocketFile file = client.makeFile("rw", -1, "utf-8", null, "\n")) {
                Writer out = file.writer();
                BufferedReader in = new BufferedReader(file.reader());
                for (int i = 0; i < 200; i++) {
                    out.write("line " + i + " é\n");
                    out.flush();
                    assertThat(in.readLine()).isEqualTo("LINE " + i + " É");
                }
            }
            client.shutdown(Socket.How.WRITE);
            assertThat(client.recv(10)).as("python closes after our end of stream").isEmpty();
            assertThat(peer.await()).as("python's exit status; stderr: %s", peer.errors()).isZero();
        }
    }
}
