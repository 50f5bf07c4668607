package io.loopsock.conformance.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Handle;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadResult;
import io.loopsock.Stream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Helpers for behaviour tests: text buffers, error codes, recorded reads, closing and walking handles. */
public final class Streams {
    private Streams() {}

    /**
     * Wraps the text's US-ASCII bytes.
     *
     * @param text the text
     * @return a buffer over its bytes
     */
    public static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Asserts that the call throws a {@link LoopException} with the code.
     *
     * @param call the call
     * @param code the expected code
     */
    public static void assertCode(ThrowingCallable call, ErrorCode code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    /**
     * Describes a completion's outcome.
     *
     * @param error the error, or null on success
     * @return "ok", or the error's code name
     */
    public static String describe(LoopException error) {
        return error == null ? "ok" : error.code().name();
    }

    /**
     * Starts reading and records read outcomes as text: data as itself (US-ASCII), the end as "EOF",
     * an error as its code.
     *
     * @param stream the stream to read
     * @return the list the outcomes are added to
     * @throws LoopException if the read cannot start
     */
    public static List<String> recordReads(Stream stream) throws LoopException {
        List<String> events = new ArrayList<>();
        stream.startRead(result -> events.add(switch (result) {
            case ReadResult.Data(ByteBuffer bytes) -> StandardCharsets.US_ASCII.decode(bytes).toString();
            case ReadResult.EndOfStream() -> "EOF";
            case ReadResult.Failed(LoopException e) -> e.code().name();
        }));
        return events;
    }

    /**
     * Starts reading and discards the data, counting its bytes and adding the end to the list as
     * "EOF" or the error's code.
     *
     * @param stream the stream to read
     * @param count where the byte count is added up, in element 0
     * @param ends the list the end is added to
     * @throws LoopException if the read cannot start
     */
    public static void drain(Stream stream, long[] count, List<String> ends) throws LoopException {
        stream.startRead(result -> {
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> count[0] += bytes.remaining();
                case ReadResult.EndOfStream end -> ends.add("EOF");
                case ReadResult.Failed(LoopException e) -> ends.add(e.code().name());
            }
        });
    }

    /**
     * Closes those of the handles that are not already closing.
     *
     * @param handles the handles
     */
    public static void closeAll(Handle... handles) {
        for (Handle handle : handles) {
            if (!handle.isClosing()) {
                handle.close();
            }
        }
    }

    /**
     * Lists the loop's handles in the order {@link Loop#walk} visits them.
     *
     * @param loop the loop
     * @return the handles
     */
    public static List<Handle> walked(Loop loop) {
        List<Handle> seen = new ArrayList<>();
        loop.walk(seen::add);
        return seen;
    }
}
