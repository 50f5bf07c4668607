package io.loopsock.socket;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterReader;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;

/**
 * A file view of a {@link Socket}, Python's {@code socket.makefile}: a binary
 * {@link InputStream}/{@link OutputStream} or a text {@link Reader}/{@link Writer}, buffered or not.
 *
 * <p>Thread-safety as the streams it exposes: one reader and one writer at a time. The view holds a
 * reference on its socket: closing the view never closes the socket by itself, but the socket
 * really closes when it and every view are closed. Reads of an unbuffered view go straight to the
 * socket, so a second unbuffered view continues exactly where the first stopped. After a read that
 * timed out, the view refuses further reads, as Python's {@code SocketIO} does (its buffer may be
 * inconsistent).
 */
public final class SocketFile implements Closeable {
    /** Python's {@code io.DEFAULT_BUFFER_SIZE}. */
    public static final int DEFAULT_BUFFER_SIZE = 8192;

    private static final Set<Character> MODE_LETTERS = Set.of('r', 'w', 'b');

    private final Socket socket;
    private final String mode;
    private final boolean reading;
    private final boolean writing;
    private final boolean binary;
    private final RawInput rawInput;
    private final InputStream input;
    private final OutputStream output;
    private final Reader reader;
    private final Writer writer;
    private volatile boolean closed;

    SocketFile(Socket socket, String mode, int buffering, String encoding, String errors, String newline) throws IOException {
        Objects.requireNonNull(mode, "mode");
        for (char c : mode.toCharArray()) {
            if (!MODE_LETTERS.contains(c)) {
                throw new IllegalArgumentException("invalid mode '" + mode + "' (only r, w, b allowed)");
            }
        }
        this.reading = mode.indexOf('r') >= 0;
        this.writing = mode.indexOf('w') >= 0;
        this.binary = mode.indexOf('b') >= 0;
        if (!reading && !writing) {
            throw new IllegalArgumentException("invalid mode '" + mode + "': it must read or write");
        }
        if (buffering == 0 && !binary) {
            throw new IllegalArgumentException("unbuffered streams must be binary");
        }
        if (binary && (encoding != null || errors != null || newline != null)) {
            throw new IllegalArgumentException("binary mode takes no encoding, errors or newline argument");
        }
        if (newline != null && !Set.of("", "\n", "\r", "\r\n").contains(newline)) {
            throw new IllegalArgumentException("illegal newline value: " + newline);
        }
        Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
        CodingErrorAction action = switch (errors == null ? "strict" : errors) {
            case "strict" -> CodingErrorAction.REPORT;
            case "replace" -> CodingErrorAction.REPLACE;
            case "ignore" -> CodingErrorAction.IGNORE;
            default -> throw new IllegalArgumentException("unknown error handler: " + errors);
        };
        int size = buffering < 0 || buffering == 1 ? DEFAULT_BUFFER_SIZE : buffering;
        this.socket = socket;
        this.mode = mode;
        socket.retain();
        this.rawInput = reading ? new RawInput() : null;
        this.input = !reading ? null : buffering == 0 ? rawInput : new BufferedInputStream(rawInput, size);
        OutputStream rawOutput = writing ? new RawOutput() : null;
        this.output = !writing ? null : buffering == 0 ? rawOutput : new BufferedOutputStream(rawOutput, size);
        if (binary) {
            this.reader = null;
            this.writer = null;
        } else {
            CharsetDecoder decoder = charset.newDecoder().onMalformedInput(action).onUnmappableCharacter(action);
            CharsetEncoder encoder = charset.newEncoder().onMalformedInput(action).onUnmappableCharacter(action);
            this.reader = reading ? translateOnRead(new InputStreamReader(input, decoder), newline) : null;
            this.writer = writing ? translateOnWrite(new OutputStreamWriter(output, encoder), newline, buffering == 1) : null;
        }
    }

    /**
     * Returns the mode, as requested.
     *
     * @return the mode
     */
    public String mode() {
        return mode;
    }

    /**
     * Tells whether the view reads.
     *
     * @return whether the mode has r
     */
    public boolean readable() {
        return reading;
    }

    /**
     * Tells whether the view writes.
     *
     * @return whether the mode has w
     */
    public boolean writable() {
        return writing;
    }

    /**
     * Tells whether the view is binary.
     *
     * @return whether the mode has b
     */
    public boolean isBinary() {
        return binary;
    }

    /**
     * Returns the binary input.
     *
     * @return the stream
     * @throws IllegalStateException for a text or write-only view
     */
    public InputStream inputStream() {
        if (input == null || !binary) {
            throw new IllegalStateException("a " + mode + " view has no binary input");
        }
        return input;
    }

    /**
     * Returns the binary output.
     *
     * @return the stream
     * @throws IllegalStateException for a text or read-only view
     */
    public OutputStream outputStream() {
        if (output == null || !binary) {
            throw new IllegalStateException("a " + mode + " view has no binary output");
        }
        return output;
    }

    /**
     * Returns the text input.
     *
     * @return the reader
     * @throws IllegalStateException for a binary or write-only view
     */
    public Reader reader() {
        if (reader == null) {
            throw new IllegalStateException("a " + mode + " view has no text input");
        }
        return reader;
    }

    /**
     * Returns the text output.
     *
     * @return the writer
     * @throws IllegalStateException for a binary or read-only view
     */
    public Writer writer() {
        if (writer == null) {
            throw new IllegalStateException("a " + mode + " view has no text output");
        }
        return writer;
    }

    /**
     * Tells whether the view is closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Flushes what is buffered for writing, then closes the view: idempotent. It drops the view's
     * reference on the socket, which really closes if the socket was closed and this was the last
     * view.
     *
     * @throws IOException if the flush fails (the view is closed anyway)
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (writer != null) {
                writer.flush();
            } else if (output != null) {
                output.flush();
            }
        } finally {
            release();
        }
    }

    /** Closes the view without flushing: its buffered streams flush before they close the raw ones. */
    private synchronized void release() {
        if (!closed) {
            closed = true;
            socket.release();
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("I/O operation on closed file");
        }
    }

    /** Reads straight from the socket: Python's {@code SocketIO.readinto}. */
    private final class RawInput extends InputStream {
        private boolean timedOut;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            checkOpen();
            if (timedOut) {
                throw new IOException("cannot read from timed out object");
            }
            if (length == 0) {
                return 0;
            }
            try {
                int n = socket.recvInto(ByteBuffer.wrap(buffer, offset, length));
                return n == 0 ? -1 : n;
            } catch (SocketTimeoutException e) {
                timedOut = true;
                throw e;
            }
        }

        @Override
        public int available() throws IOException {
            checkOpen();
            return 0;
        }

        @Override
        public void close() {
            release();
        }
    }

    /** Writes straight to the socket, every byte ({@code sendAll}). */
    private final class RawOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            checkOpen();
            socket.sendAll(ByteBuffer.wrap(buffer, offset, length));
        }

        @Override
        public void close() {
            release();
        }
    }

    /** Python's newline handling on read: null translates \r\n and \r to \n; other values keep the text. */
    private static Reader translateOnRead(Reader in, String newline) {
        if (newline != null) {
            return in;
        }
        return new FilterReader(in) {
            private int pending = -2;

            @Override
            public int read() throws IOException {
                int c = pending != -2 ? pending : super.read();
                pending = -2;
                if (c == '\r') {
                    int next = super.read();
                    if (next != '\n') {
                        pending = next;
                    }
                    return '\n';
                }
                return c;
            }

            @Override
            public int read(char[] buffer, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, buffer.length);
                if (length == 0) {
                    return 0;
                }
                int n = 0;
                while (n < length) {
                    if (n > 0 && pending == -2 && !in.ready()) {
                        break;
                    }
                    int c = read();
                    if (c < 0) {
                        return n == 0 ? -1 : n;
                    }
                    buffer[offset + n++] = (char) c;
                }
                return n;
            }
        };
    }

    /** Python's newline handling on write: "\r" or "\r\n" replace each \n; line buffering flushes at \n. */
    private static Writer translateOnWrite(Writer out, String newline, boolean lineBuffered) {
        String lineEnd = newline == null || newline.isEmpty() ? "\n" : newline;
        return new FilterWriter(out) {
            @Override
            public void write(int c) throws IOException {
                if (c == '\n') {
                    out.write(lineEnd);
                    if (lineBuffered) {
                        out.flush();
                    }
                } else {
                    out.write(c);
                }
            }

            @Override
            public void write(char[] buffer, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, buffer.length);
                for (int i = 0; i < length; i++) {
                    write(buffer[offset + i]);
                }
            }

            @Override
            public void write(String text, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, text.length());
                for (int i = 0; i < length; i++) {
                    write(text.charAt(offset + i));
                }
            }
        };
    }
}
