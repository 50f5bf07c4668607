package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.conformance.testing.LoopExtension;
import io.loopsock.conformance.testing.SocketScope;
import io.loopsock.socket.LoopGroup;
import io.loopsock.socket.Socket;
import io.loopsock.socket.SocketError;
import io.loopsock.socket.SocketFile;
import io.loopsock.spi.LoopProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Python's {@code makefile} rules (194–209) for {@link Socket#makeFile}, on the backend under test. */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class MakeFileExamples {
    private static final long BOUND_SECONDS = 10;

    private SocketScope scope;
    private LoopGroup group;

    @BeforeEach
    void startGroup(LoopProvider backend) throws Exception {
        scope = new SocketScope(backend);
        group = scope.group();
    }

    @AfterEach
    void stopGroup() throws Exception {
        scope.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        return scope.closing(closeable);
    }

    private Socket listener() throws IOException {
        return scope.listener();
    }

    private Socket[] connectedPair() throws IOException {
        return scope.connectedPair();
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    @DisplayName("rule 194, 200 (decided): modes use only r, w and b (others are IllegalArgumentException); the mode echoes the request and sets readable and writable")
    void modes() throws Exception {
        Socket socket = connectedPair()[0];
        for (String bad : new String[] {"x", "rx", "a", "r+", "b", ""}) {
            assertThatThrownBy(() -> socket.makeFile(bad)).as("mode '%s'", bad).isInstanceOf(IllegalArgumentException.class);
        }
        for (String mode : new String[] {"r", "w", "rw", "rb", "wb", "rwb"}) {
            try (SocketFile file = socket.makeFile(mode)) {
                assertThat(file.mode()).isEqualTo(mode);
                assertThat(file.readable()).isEqualTo(mode.contains("r"));
                assertThat(file.writable()).isEqualTo(mode.contains("w"));
                assertThat(file.isBinary()).isEqualTo(mode.contains("b"));
            }
        }
    }

    @Test
    @DisplayName("rule 195: unbuffered only in binary; binary views are streams, text views readers and writers, by mode")
    void viewsByMode() throws Exception {
        Socket socket = connectedPair()[0];
        assertThatThrownBy(() -> socket.makeFile("r", 0, null, null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> socket.makeFile("rb", -1, "utf-8", null, null)).isInstanceOf(IllegalArgumentException.class);
        try (SocketFile raw = socket.makeFile("rwb", 0, null, null, null); SocketFile text = socket.makeFile("rw")) {
            assertThat(raw.inputStream()).isNotNull();
            assertThat(raw.outputStream()).isNotNull();
            assertThatThrownBy(raw::reader).isInstanceOf(IllegalStateException.class);
            assertThat(text.reader()).isNotNull();
            assertThat(text.writer()).isNotNull();
            assertThatThrownBy(text::inputStream).isInstanceOf(IllegalStateException.class);
        }
        try (SocketFile reader = socket.makeFile("rb")) {
            assertThatThrownBy(reader::outputStream).isInstanceOf(IllegalStateException.class);
        }
        assertThat(SocketFile.DEFAULT_BUFFER_SIZE).isEqualTo(8192);
    }

    @Test
    @DisplayName("rule 196, 197, 198, 209: each view holds a reference; closing a view leaves the socket open; a closed socket with a view open keeps working until the last view closes")
    void referenceCounting() throws Exception {
        Socket[] pair = connectedPair();
        SocketFile first = pair[0].makeFile("rb", 0, null, null, null);
        SocketFile second = pair[0].makeFile("wb");
        first.close();
        pair[1].sendAll(ascii("after a view closed"));
        assertThat(new String(pair[0].recv(100), StandardCharsets.US_ASCII)).as("the socket still works").isEqualTo("after a view closed");
        pair[0].close();
        assertThat(pair[0].isClosed()).isTrue();
        OutputStream out = second.outputStream();
        out.write("through the view".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(new String(pair[1].recv(100), StandardCharsets.US_ASCII)).isEqualTo("through the view");
        pair[1].setTimeout(Duration.ofMillis(100));
        assertThatThrownBy(() -> pair[1].recv(1)).as("no end of stream while a view is open").isInstanceOf(SocketTimeoutException.class);
        second.close();
        pair[1].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        assertThat(pair[1].recv(1)).as("the last view's close really closed the socket").isEmpty();
        assertThatThrownBy(() -> pair[0].recv(1)).isInstanceOf(SocketError.class);
        assertThatThrownBy(() -> pair[0].makeFile("r")).isInstanceOf(SocketError.class)
                .extracting(e -> ((SocketError) e).code()).isEqualTo(ErrorCode.EBADF);
    }

    @Test
    @DisplayName("rule 199 (decided): close is idempotent and a closed view fails every read and write with an IOException")
    void closedView() throws Exception {
        Socket socket = connectedPair()[0];
        SocketFile file = socket.makeFile("rwb", 0, null, null, null);
        file.close();
        file.close();
        assertThat(file.isClosed()).isTrue();
        assertThatThrownBy(() -> file.inputStream().read()).isInstanceOf(IOException.class).hasMessageContaining("closed file");
        assertThatThrownBy(() -> file.outputStream().write(1)).isInstanceOf(IOException.class).hasMessageContaining("closed file");
    }

    @Test
    @DisplayName("rule 201 (decided): a raw read returns the count, -1 at the end of the stream, and EAGAIN when non-blocking and empty; a write sends every byte")
    void rawReadsAndWrites() throws Exception {
        Socket[] pair = connectedPair();
        try (SocketFile file = pair[0].makeFile("rb", 0, null, null, null)) {
            pair[0].setBlocking(false);
            assertThatThrownBy(() -> file.inputStream().read(new byte[4])).isInstanceOf(SocketError.class)
                    .extracting(e -> ((SocketError) e).code()).isEqualTo(ErrorCode.EAGAIN);
            pair[0].setBlocking(true);
            pair[1].sendAll(ascii("abc"));
            byte[] buffer = new byte[10];
            int n = file.inputStream().read(buffer);
            assertThat(n).isBetween(1, 3);
            pair[1].shutdown(Socket.How.WRITE);
            int rest = 0;
            int r;
            while ((r = file.inputStream().read(buffer)) > 0) {
                rest += r;
            }
            assertThat(n + rest).isEqualTo(3);
            assertThat(r).isEqualTo(-1);
        }
    }

    @Test
    @DisplayName("rule 202, 207: after a read timed out (a SocketTimeoutException) the view refuses further reads; the socket itself still reads")
    void timedOutViewRefusesReads() throws Exception {
        Socket[] pair = connectedPair();
        pair[0].setTimeout(Duration.ofMillis(100));
        try (SocketFile file = pair[0].makeFile("rb", 0, null, null, null)) {
            assertThatThrownBy(() -> file.inputStream().read()).isInstanceOf(SocketTimeoutException.class);
            pair[1].sendAll(ascii("x"));
            assertThatThrownBy(() -> file.inputStream().read()).isInstanceOf(IOException.class).hasMessageContaining("timed out object");
            pair[0].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
            assertThat(pair[0].recv(1)).containsExactly('x');
        }
    }

    @ParameterizedTest(name = "buffer size {0}")
    @ValueSource(ints = {1, 2, 7, 64, 8192, 65536})
    @DisplayName("rule 203: buffered reads of k bytes, one byte at a time, to the end, and lines all work for every buffer size")
    void bufferedReadsForEveryBufferSize(int size) throws Exception {
        Socket[] pair = connectedPair();
        String lines = "first line\nsecond\n\nfourth, the last\n";
        byte[] block = new byte[10_000];
        new Random(size).nextBytes(block);
        try (SocketFile binary = pair[0].makeFile("rb", size == 1 ? -1 : size, null, null, null)) {
            pair[1].sendAll(ByteBuffer.wrap(block));
            InputStream in = binary.inputStream();
            byte[] head = in.readNBytes(100);
            int one = in.read();
            byte[] rest = in.readNBytes(block.length - 101);
            assertThat(head).isEqualTo(java.util.Arrays.copyOfRange(block, 0, 100));
            assertThat((byte) one).isEqualTo(block[100]);
            assertThat(rest).isEqualTo(java.util.Arrays.copyOfRange(block, 101, block.length));
        }
        try (SocketFile text = pair[0].makeFile("r", size == 1 ? -1 : size, "utf-8", null, null)) {
            pair[1].sendAll(ascii(lines));
            pair[1].shutdown(Socket.How.WRITE);
            BufferedReader reader = new BufferedReader(text.reader());
            assertThat(reader.readLine()).isEqualTo("first line");
            assertThat(reader.readLine()).isEqualTo("second");
            assertThat(reader.readLine()).isEmpty();
            assertThat(reader.readLine()).isEqualTo("fourth, the last");
            assertThat(reader.readLine()).isNull();
        }
    }

    @Test
    @DisplayName("rule 204: a second unbuffered view continues exactly where the first stopped")
    void secondUnbufferedViewContinues() throws Exception {
        Socket[] pair = connectedPair();
        pair[1].sendAll(ascii("0123456789"));
        StringBuilder got = new StringBuilder();
        try (SocketFile first = pair[0].makeFile("rb", 0, null, null, null)) {
            while (got.length() < 4) {
                got.append((char) first.inputStream().read());
            }
        }
        try (SocketFile second = pair[0].makeFile("rb", 0, null, null, null)) {
            while (got.length() < 10) {
                got.append((char) second.inputStream().read());
            }
        }
        assertThat(got).hasToString("0123456789");
    }

    @Test
    @DisplayName("rule 205: text views encode and decode (UTF-8 by default, others by name, with error handlers), translate newlines, and interoperate with binary views")
    void textViews() throws Exception {
        Socket[] pair = connectedPair();
        try (SocketFile writer = pair[0].makeFile("w", -1, null, null, "\r\n"); SocketFile reader = pair[1].makeFile("rb", 0, null, null, null)) {
            Writer out = writer.writer();
            out.write("héllo\nwörld\n");
            out.flush();
            byte[] expected = "héllo\r\nwörld\r\n".getBytes(StandardCharsets.UTF_8);
            assertThat(reader.inputStream().readNBytes(expected.length)).isEqualTo(expected);
        }
        try (SocketFile latin = pair[1].makeFile("r", -1, "ISO-8859-1", null, null); SocketFile binary = pair[0].makeFile("wb")) {
            binary.outputStream().write(new byte[] {'a', (byte) 0xe9, '\r', '\n', 'b', '\r', 'c', '\n'});
            binary.outputStream().flush();
            char[] chars = new char[7];
            int n = 0;
            while (n < 7) {
                n += latin.reader().read(chars, n, 7 - n);
            }
            assertThat(new String(chars)).as("universal newlines").isEqualTo("aé\nb\nc\n".substring(0, 7));
        }
        try (SocketFile replacing = pair[1].makeFile("r", -1, "utf-8", "replace", ""); SocketFile binary = pair[0].makeFile("wb")) {
            binary.outputStream().write(new byte[] {'o', 'k', (byte) 0xff, '\n'});
            binary.outputStream().flush();
            assertThat(new BufferedReader(replacing.reader()).readLine()).isEqualTo("ok\uFFFD");
        }
        assertThatThrownBy(() -> pair[0].makeFile("r", -1, null, "bogus", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("rule 206: closing the socket and then the writer's view delivers the end of stream to the reader; isClosed follows")
    void closingTheLastWriterViewEndsTheStream() throws Exception {
        Socket[] pair = connectedPair();
        SocketFile view = pair[0].makeFile("wb");
        view.outputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
        pair[0].close();
        assertThat(view.isClosed()).isFalse();
        view.close();
        assertThat(view.isClosed()).isTrue();
        pair[1].setTimeout(Duration.ofSeconds(BOUND_SECONDS));
        StringBuilder got = new StringBuilder();
        byte[] chunk;
        while ((chunk = pair[1].recv(10)).length > 0) {
            got.append(new String(chunk, StandardCharsets.US_ASCII));
        }
        assertThat(got).hasToString("bye");
    }

    @Test
    @DisplayName("rule 208: closing the socket and the view while another thread reads from the view never hangs")
    void closeWhileAnotherThreadReads() throws Exception {
        Socket[] pair = connectedPair();
        SocketFile view = pair[0].makeFile("rb");
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                outcome.complete(view.inputStream().read());
            } catch (IOException e) {
                outcome.complete(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (reader.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        pair[0].close();
        view.close();
        assertThat(outcome.get(BOUND_SECONDS, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
    }
}
