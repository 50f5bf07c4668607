package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.pipePair;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.describe;
import static io.loopsock.conformance.testing.Streams.recordReads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import io.loopsock.ReadResult;
import io.loopsock.spi.Capability;
import io.loopsock.conformance.testing.LoopExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipes, streams over Unix-domain sockets: bind, listen, connect, names, data and close
 * (rules 142–152, with 85–88, 105–106, 117 and 216 on pipes).
 */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class PipeExamples {

    /** Socket files go here; the directory's path is short so that names stay below 100 bytes. */
    @TempDir
    Path dir;

    private static int bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A socket path in the temporary directory, checked to fit every platform's sun_path. */
    private String path(String file) {
        String name = dir.resolve(file).toString();
        assertThat(bytes(name)).as("length of %s", name).isLessThan(100);
        return name;
    }

    // ---- bind and listen (142, 143, 144) ------------------------------------------------------

    @Test
    @DisplayName("rule 142: binding a path another pipe is bound to is EADDRINUSE, and listen on that handle is EINVAL")
    void bindToBoundPathIsAddressInUseAndThatHandleCannotListen(Loop loop) throws Exception {
        String name = path("s");
        Pipe first = loop.pipe();
        first.bind(name);
        Pipe second = loop.pipe();
        assertCode(() -> second.bind(name), ErrorCode.EADDRINUSE);
        assertCode(() -> second.listen(8, error -> {}), ErrorCode.EINVAL);
        assertThat(second.isActive()).isFalse();
        first.close();
        second.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 142: a handle whose bind failed with EADDRINUSE does not remove the other listener's socket file when it closes")
    void closingAFailedBindKeepsTheOtherListenersFile(Loop loop) throws Exception {
        String name = path("s");
        Pipe listener = loop.pipe();
        listener.bind(name);
        List<Pipe> accepted = new ArrayList<>();
        listener.listen(8, error -> {
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError(e);
            }
        });
        Pipe loser = loop.pipe();
        assertCode(() -> loser.bind(name), ErrorCode.EADDRINUSE);
        boolean[] closed = {false};
        loser.close(() -> closed[0] = true);
        runUntil(loop, () -> closed[0]);
        assertThat(Path.of(name)).as("the first listener's socket file").exists();

        Pipe client = loop.pipe();
        List<String> connects = new ArrayList<>();
        client.connect(name, error -> connects.add(describe(error)));
        runUntil(loop, () -> !connects.isEmpty() && !accepted.isEmpty());
        assertThat(connects).containsExactly("ok");
        client.close();
        accepted.forEach(Pipe::close);
        listener.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 142: binding a path where a regular file exists is EADDRINUSE, and closing the pipe leaves that file alone")
    void bindOverRegularFileIsAddressInUseAndKeepsTheFile(Loop loop) throws Exception {
        String name = path("file");
        Files.writeString(Path.of(name), "not a socket");
        Pipe pipe = loop.pipe();
        assertCode(() -> pipe.bind(name), ErrorCode.EADDRINUSE);
        pipe.close();
        runToEnd(loop);
        assertThat(Path.of(name)).hasContent("not a socket");
    }

    @Test
    @DisplayName("rule 142: binding an already bound pipe is EINVAL, and the second path is not created")
    void bindTwiceIsInvalid(Loop loop) throws Exception {
        String first = path("a");
        String second = path("b");
        Pipe pipe = loop.pipe();
        pipe.bind(first);
        assertCode(() -> pipe.bind(second), ErrorCode.EINVAL);
        assertThat(Path.of(second)).doesNotExist();
        assertThat(pipe.localName()).isEqualTo(first);
        pipe.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 142: binding a path in a directory that does not exist is ENOENT or EACCES")
    void bindInMissingDirectoryFails(Loop loop) throws Exception {
        String name = path("missing/s");
        Pipe pipe = loop.pipe();
        assertThatThrownBy(() -> pipe.bind(name))
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isIn(ErrorCode.ENOENT, ErrorCode.EACCES));
        assertThat(pipe.isClosing()).as("a failed bind does not close the handle").isFalse();
        pipe.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 143: listen on an unbound pipe is EINVAL (a pipe does not bind itself, unlike TCP)")
    void listenOnUnboundPipeIsInvalid(Loop loop) {
        Pipe pipe = loop.pipe();
        boolean[] called = {false};
        assertCode(() -> pipe.listen(8, error -> called[0] = true), ErrorCode.EINVAL);
        assertThat(pipe.isActive()).isFalse();
        pipe.close();
        runToEnd(loop);
        assertThat(called[0]).as("a call that throws never calls its callback").isFalse();
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    @DisplayName("rule 144: a name longer than sun_path is EINVAL for bind and, through the callback, for connect; it is never truncated")
    void overlongNameIsRejectedNotTruncated(Loop loop) throws Exception {
        String name = dir.resolve("x".repeat(200)).toString();
        assertThat(bytes(name)).isGreaterThan(108);
        Pipe listener = loop.pipe();
        assertCode(() -> listener.bind(name), ErrorCode.EINVAL);
        assertThat(dir.toFile().list()).as("no shortened socket file was created").isEmpty();

        Pipe client = loop.pipe();
        List<String> connects = new ArrayList<>();
        assertThatCode(() -> client.connect(name, error -> connects.add(describe(error)))).doesNotThrowAnyException();
        assertThat(connects).as("the connect callback never runs inside connect").isEmpty();
        runUntil(loop, () -> !connects.isEmpty());
        assertThat(connects).containsExactly("EINVAL");
        listener.close();
        client.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 144: an empty name is EINVAL for bind and, through the callback, for connect")
    void emptyNameIsInvalid(Loop loop) {
        Pipe listener = loop.pipe();
        assertCode(() -> listener.bind(""), ErrorCode.EINVAL);
        Pipe client = loop.pipe();
        List<String> connects = new ArrayList<>();
        client.connect("", error -> connects.add(describe(error)));
        assertThat(connects).isEmpty();
        runUntil(loop, () -> !connects.isEmpty());
        assertThat(connects).containsExactly("EINVAL");
        listener.close();
        client.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 144: a 99-byte path, within every platform's sun_path, binds and connects under its full name")
    void nameJustBelowTheLimitWorks(Loop loop) throws Exception {
        String prefix = dir.toString() + "/";
        String name = prefix + "n".repeat(99 - bytes(prefix));
        assertThat(bytes(name)).isEqualTo(99);
        var pair = pipePair(loop, name);
        assertThat(pair.listener().localName()).isEqualTo(name);
        assertThat(Path.of(name)).exists();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 147: a name with an embedded NUL is EINVAL for bind")
    void embeddedNulIsInvalid(Loop loop) {
        String name = path("a") + "\0b";
        Pipe pipe = loop.pipe();
        assertCode(() -> pipe.bind(name), ErrorCode.EINVAL);
        pipe.close();
        runToEnd(loop);
        assertThat(dir.toFile().list()).isEmpty();
    }

    // ---- connect (145, 146, 151) --------------------------------------------------------------

    @Test
    @DisplayName("rule 145: connecting to a missing path is ENOENT through the callback, never thrown and never inside connect")
    void connectToMissingPathFailsThroughCallback(Loop loop) {
        String name = path("nobody");
        Pipe client = loop.pipe();
        List<String> connects = new ArrayList<>();
        assertThatCode(() -> client.connect(name, error -> connects.add(describe(error)))).doesNotThrowAnyException();
        assertThat(connects).as("the connect callback never runs inside connect").isEmpty();
        runUntil(loop, () -> !connects.isEmpty());
        runToEnd(loop);
        assertThat(connects).containsExactly("ENOENT");
        assertThat(client.isClosing()).as("a failed connect does not close the handle (rule 78)").isFalse();
        client.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 145: connecting to a regular file fails through the callback with ENOTSOCK, EACCES or ECONNREFUSED")
    void connectToRegularFileFailsThroughCallback(Loop loop) throws Exception {
        String name = path("plain");
        Files.writeString(Path.of(name), "not a socket");
        Pipe client = loop.pipe();
        List<LoopException> connects = new ArrayList<>();
        assertThatCode(() -> client.connect(name, connects::add)).doesNotThrowAnyException();
        assertThat(connects).isEmpty();
        runUntil(loop, () -> !connects.isEmpty());
        runToEnd(loop);
        assertThat(connects).hasSize(1);
        assertThat(connects.get(0)).isNotNull();
        assertThat(connects.get(0).code()).isIn(ErrorCode.ENOTSOCK, ErrorCode.EACCES, ErrorCode.ECONNREFUSED);
        client.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 146: ten clients connecting at once are all accepted, each its own connection")
    void tenConcurrentClientsAreAllAccepted(Loop loop) throws Exception {
        String name = path("s");
        Pipe listener = loop.pipe();
        listener.bind(name);
        List<Pipe> handles = new ArrayList<>();
        List<String> received = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        listener.listen(16, error -> {
            if (error != null) {
                problems.add("connection " + error.code());
                return;
            }
            try {
                Pipe connection = listener.accept();
                handles.add(connection);
                StringBuilder text = new StringBuilder();
                connection.startRead(result -> {
                    switch (result) {
                        case ReadResult.Data(ByteBuffer bytes) -> text.append(StandardCharsets.US_ASCII.decode(bytes));
                        case ReadResult.EndOfStream() -> received.add(text.toString());
                        case ReadResult.Failed(LoopException e) -> problems.add("read " + e.code());
                    }
                });
            } catch (LoopException e) {
                problems.add("accept " + e.code());
            }
        });
        int[] connected = {0};
        for (int i = 0; i < 10; i++) {
            Pipe client = loop.pipe();
            handles.add(client);
            String message = "client-" + i;
            client.connect(name, error -> {
                if (error != null) {
                    problems.add("connect " + error.code());
                    return;
                }
                connected[0]++;
                try {
                    client.write(ascii(message), null);
                    client.shutdown(null);
                } catch (LoopException e) {
                    problems.add("write " + e.code());
                }
            });
        }
        runUntil(loop, () -> !problems.isEmpty() || received.size() == 10);
        assertThat(problems).isEmpty();
        assertThat(connected[0]).isEqualTo(10);
        assertThat(received).containsExactlyInAnyOrder(
                "client-0", "client-1", "client-2", "client-3", "client-4",
                "client-5", "client-6", "client-7", "client-8", "client-9");
        handles.forEach(Pipe::close);
        listener.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 145: clients beyond the listener's backlog fail through the callback with EAGAIN (libuv's code) or ECONNREFUSED, never UNKNOWN")
    void connectBeyondBacklogFailsWithAPortableCode(Loop loop) throws Exception {
        String name = path("s");
        Pipe listener = loop.pipe();
        listener.bind(name);
        int[] announced = {0};
        // The listener accepts nothing, so the kernel's queue fills up.
        listener.listen(8, error -> announced[0]++);
        List<Pipe> clients = new ArrayList<>();
        List<LoopException> outcomes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Pipe client = loop.pipe();
            clients.add(client);
            client.connect(name, outcomes::add);
        }
        assertThat(outcomes).as("no connect callback inside connect").isEmpty();
        runUntil(loop, () -> outcomes.size() == 200);
        List<String> failures = outcomes.stream()
                .filter(e -> e != null)
                .map(e -> e.getMessage() + (e.getCause() != null ? " caused by " + e.getCause() : ""))
                .distinct()
                .toList();
        Set<ErrorCode> codes = new HashSet<>();
        outcomes.stream().filter(e -> e != null).forEach(e -> codes.add(e.code()));
        assertThat(codes).as("codes of the refused connects: %s", failures).isSubsetOf(ErrorCode.EAGAIN, ErrorCode.ECONNREFUSED);
        clients.forEach(Pipe::close);
        listener.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 146, 80: a client closed while connecting gets one connect callback (ECANCELED, or ok if it had completed), then its close callback")
    void clientClosedWhileConnectingGetsCanceledOrCompletesThenCloses(Loop loop) throws Exception {
        String name = path("s");
        Pipe listener = loop.pipe();
        listener.bind(name);
        List<Pipe> accepted = new ArrayList<>();
        listener.listen(8, error -> {
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError(e);
            }
        });
        Pipe client = loop.pipe();
        List<String> events = new ArrayList<>();
        client.connect(name, error -> events.add("connect " + describe(error)));
        client.close(() -> events.add("closed"));
        assertThat(events).as("no callback inside connect or close").isEmpty();
        runUntil(loop, () -> events.contains("closed"));
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isIn("connect ECANCELED", "connect ok");
        assertThat(events.get(1)).isEqualTo("closed");
        listener.close();
        accepted.forEach(Pipe::close);
        runToEnd(loop);
        assertThat(events).as("nothing of the client runs after its close callback").hasSize(2);
    }

    @Test
    @DisplayName("rule 151: closing the server while a client connects: the connect callback gets ok and both close callbacks run")
    void closingServerWhileClientConnects(Loop loop) throws Exception {
        String name = path("s");
        Pipe listener = loop.pipe();
        listener.bind(name);
        listener.listen(8, error -> {});
        Pipe client = loop.pipe();
        List<String> events = new ArrayList<>();
        client.connect(name, error -> events.add("connect " + describe(error)));
        listener.close(() -> events.add("server closed"));
        runUntil(loop, () -> events.contains("server closed") && events.stream().anyMatch(e -> e.startsWith("connect")));
        client.close(() -> events.add("client closed"));
        runToEnd(loop);
        assertThat(events).containsExactlyInAnyOrder("connect ok", "server closed", "client closed");
    }

    // ---- names (147, 148, 152) ----------------------------------------------------------------

    @Test
    @DisplayName("rule 147, 152: localName is the bound path on the listener; a client's remoteName is the server path and its localName empty")
    void namesOfListenerAndClient(Loop loop) throws Exception {
        String name = path("s");
        Pipe fresh = loop.pipe();
        assertCode(fresh::localName, ErrorCode.EBADF);
        assertThatThrownBy(fresh::remoteName)
                .isInstanceOfSatisfying(LoopException.class, e -> assertThat(e.code()).isIn(ErrorCode.EBADF, ErrorCode.ENOTCONN));
        fresh.close();

        var pair = pipePair(loop, name);
        assertThat(pair.listener().localName()).isEqualTo(name);
        assertCode(() -> pair.listener().remoteName(), ErrorCode.ENOTCONN);
        assertThat(pair.client().remoteName()).isEqualTo(name);
        assertThat(pair.client().localName()).isEmpty();
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 148, 152: an abstract name (leading NUL) works where PIPE_ABSTRACT_NAMES is declared, else bind is ENOTSUP and connect fails through its callback")
    void abstractNamesFollowTheDeclaredCapability(Loop loop) throws Exception {
        String name = "\0loopsock-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        if (loop.provider().capabilities().contains(Capability.PIPE_ABSTRACT_NAMES)) {
            var pair = pipePair(loop, name);
            assertThat(pair.listener().localName()).isEqualTo(name);
            assertThat(pair.client().remoteName()).isEqualTo(name);
            List<String> events = recordReads(pair.client());
            pair.server().write(ascii("abstract"), error -> pair.server().close());
            runUntil(loop, () -> events.contains("EOF"));
            assertThat(String.join("", events)).isEqualTo("abstractEOF");
            pair.close();
        } else {
            Pipe listener = loop.pipe();
            assertCode(() -> listener.bind(name), ErrorCode.ENOTSUP);
            Pipe client = loop.pipe();
            List<String> connects = new ArrayList<>();
            assertThatCode(() -> client.connect(name, error -> connects.add(describe(error)))).doesNotThrowAnyException();
            assertThat(connects).isEmpty();
            runUntil(loop, () -> !connects.isEmpty());
            assertThat(connects).containsExactly("ENOTSUP");
            listener.close();
            client.close();
        }
        runToEnd(loop);
    }

    // ---- data (85, 88, 105, 106, 117, 216) ------------------------------------------------------

    @Test
    @DisplayName("rule 117: echo ping-pong over a pipe, 1000 round trips")
    void pingPongThousandRoundTrips(Loop loop) throws Exception {
        var pair = pipePair(loop, path("pp")).closeListener();
        List<String> problems = new ArrayList<>();
        pair.server().startRead(result -> {
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    ByteBuffer echo = ByteBuffer.allocate(bytes.remaining()).put(bytes).flip();
                    try {
                        pair.server().write(echo, error -> {
                            if (error != null) {
                                problems.add("echo " + error.code());
                            }
                        });
                    } catch (LoopException e) {
                        problems.add("echo " + e.code());
                    }
                }
                case ReadResult.EndOfStream() -> problems.add("server EOF");
                case ReadResult.Failed(LoopException e) -> problems.add("server read " + e.code());
            }
        });
        ByteBuffer ping = ascii("PING").asReadOnlyBuffer();
        StringBuilder received = new StringBuilder();
        int[] roundTrips = {0};
        pair.client().startRead(result -> {
            switch (result) {
                case ReadResult.Data(ByteBuffer bytes) -> {
                    received.append(StandardCharsets.US_ASCII.decode(bytes));
                    while (received.length() >= 4 * (roundTrips[0] + 1)) {
                        roundTrips[0]++;
                        if (roundTrips[0] < 1000) {
                            try {
                                pair.client().write(ping, null);
                            } catch (LoopException e) {
                                problems.add("ping " + e.code());
                            }
                        }
                    }
                }
                case ReadResult.EndOfStream() -> problems.add("client EOF");
                case ReadResult.Failed(LoopException e) -> problems.add("client read " + e.code());
            }
        });
        pair.client().write(ping, null);
        runUntil(loop, () -> !problems.isEmpty() || roundTrips[0] >= 1000);
        assertThat(problems).isEmpty();
        assertThat(roundTrips[0]).isEqualTo(1000);
        assertThat(received.toString()).isEqualTo("PING".repeat(1000));
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 85, 88 (seed): over a pipe, the server writes DATA and closes; the client reads the data, then the end of stream")
    void peerCloseMidReadGivesDataThenEndOfStream(Loop loop) throws Exception {
        var pair = pipePair(loop, path("seed")).closeListener();
        List<String> events = recordReads(pair.client());
        pair.server().write(ascii("DATA"), error -> pair.server().close());
        runUntil(loop, () -> events.contains("EOF") || !pair.client().isReadable());
        assertThat(String.join("", events.subList(0, events.size() - 1))).isEqualTo("DATA");
        assertThat(events).last().isEqualTo("EOF");
        assertThat(pair.client().isClosing()).as("EOF does not close the handle").isFalse();
        pair.client().close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 105, 106: shutdown after a write gives the peer the data, then EOF; the peer can still write back")
    void shutdownGivesPeerEndOfStream(Loop loop) throws Exception {
        var pair = pipePair(loop, path("sh")).closeListener();
        List<String> serverReads = recordReads(pair.server());
        List<String> order = new ArrayList<>();
        pair.client().write(ascii("last words"), error -> order.add("write " + describe(error)));
        pair.client().shutdown(error -> order.add("shutdown " + describe(error)));
        assertThat(pair.client().isWritable()).as("not writable once shutdown returns").isFalse();
        runUntil(loop, () -> serverReads.contains("EOF") && order.size() == 2);
        assertThat(String.join("", serverReads)).isEqualTo("last wordsEOF");
        assertThat(order).containsExactly("write ok", "shutdown ok");

        List<String> clientReads = recordReads(pair.client());
        pair.server().write(ascii("reply"), null);
        runUntil(loop, () -> String.join("", clientReads).equals("reply"));
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 216: bytesReadable on a pipe counts the queued bytes where PIPE_BYTES_READABLE is declared, else is ENOTSUP; a listener is EINVAL")
    void bytesReadableFollowsTheDeclaredCapability(Loop loop) throws Exception {
        var pair = pipePair(loop, path("br"));
        assertCode(() -> pair.listener().bytesReadable(), ErrorCode.EINVAL);
        boolean[] written = {false};
        pair.server().write(ascii("hello"), error -> written[0] = true);
        runUntil(loop, () -> written[0]);
        if (loop.provider().capabilities().contains(Capability.PIPE_BYTES_READABLE)) {
            runUntil(loop, () -> readable(pair.client()) == 5);
            List<String> reads = recordReads(pair.client());
            runUntil(loop, () -> String.join("", reads).equals("hello"));
            assertThat(pair.client().bytesReadable()).as("nothing left after reading").isZero();
        } else {
            assertCode(() -> pair.client().bytesReadable(), ErrorCode.ENOTSUP);
        }
        pair.close();
        runToEnd(loop);
    }

    private static int readable(Pipe pipe) {
        try {
            return pipe.bytesReadable();
        } catch (LoopException e) {
            throw new AssertionError(e);
        }
    }

    // ---- the socket file ------------------------------------------------------------------------

    @Test
    @DisplayName("rule 142: closing a listener removes its socket file, closing its connections does not, and the path can be bound again")
    void closingListenerRemovesSocketFile(Loop loop) throws Exception {
        String name = path("s");
        var pair = pipePair(loop, name);
        assertThat(Path.of(name)).exists();
        assertThat(Files.isRegularFile(Path.of(name))).as("a socket, not a regular file").isFalse();
        boolean[] closed = {false};
        pair.client().close();
        pair.server().close(() -> closed[0] = true);
        runUntil(loop, () -> closed[0]);
        assertThat(Path.of(name)).as("still there while the listener is open").exists();

        pair.listener().close();
        runToEnd(loop);
        assertThat(Path.of(name)).as("removed by the listener's close").doesNotExist();
        Pipe again = loop.pipe();
        assertThatCode(() -> again.bind(name)).doesNotThrowAnyException();
        again.close();
        runToEnd(loop);
        try (Stream<Path> left = Files.list(dir)) {
            Set<Path> files = new HashSet<>(left.toList());
            assertThat(files).isEmpty();
        }
    }

    @Test
    @DisplayName("rule 145: a connect on a listening pipe fails through its callback, and the listener keeps accepting")
    void connectOnAListeningPipeLeavesTheListenerAccepting(Loop loop) throws Exception {
        String name = path("l");
        Pipe listener = loop.pipe();
        listener.bind(name);
        int[] connections = {0};
        listener.listen(8, error -> connections[0]++);
        Pipe first = loop.pipe();
        first.connect(name, error -> {});
        runUntil(loop, () -> connections[0] == 1);
        java.util.concurrent.atomic.AtomicReference<LoopException> rejected = new java.util.concurrent.atomic.AtomicReference<>();
        listener.connect(name, rejected::set);
        runUntil(loop, () -> rejected.get() != null);
        assertThat(rejected.get().code()).isEqualTo(ErrorCode.EINVAL);
        Pipe firstServer = listener.accept();
        Pipe second = loop.pipe();
        second.connect(name, error -> {});
        runUntil(loop, () -> connections[0] == 2);
        Pipe secondServer = listener.accept();
        for (Pipe pipe : List.of(listener, first, firstServer, second, secondServer)) {
            pipe.close();
        }
        runToEnd(loop);
    }
}
