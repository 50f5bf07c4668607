package io.loopsock.conformance.examples;

import static io.loopsock.conformance.testing.Loops.loopback;
import static io.loopsock.conformance.testing.Loops.runToEnd;
import static io.loopsock.conformance.testing.Loops.runUntil;
import static io.loopsock.conformance.testing.Loops.tcpPair;
import static io.loopsock.conformance.testing.Streams.ascii;
import static io.loopsock.conformance.testing.Streams.assertCode;
import static io.loopsock.conformance.testing.Streams.describe;
import static io.loopsock.conformance.testing.Streams.recordReads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.RunMode;
import io.loopsock.Tcp;
import io.loopsock.conformance.testing.LoopExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connecting: failures through the callback, misuse, cancellation, addresses; the error codes (rules 25, 28, 77–83, 95, 213, 218, 219). */
@ExtendWith(LoopExtension.class)
@Timeout(30)
class TcpConnectExamples {

    /** libuv's UV_ERRNO_MAP (include/uv.h), without the UV_ prefix. */
    private static final List<String> UV_ERRNO_MAP = List.of(
            "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EAGAIN", "EAI_ADDRFAMILY", "EAI_AGAIN",
            "EAI_BADFLAGS", "EAI_BADHINTS", "EAI_CANCELED", "EAI_FAIL", "EAI_FAMILY", "EAI_MEMORY", "EAI_NODATA",
            "EAI_NONAME", "EAI_OVERFLOW", "EAI_PROTOCOL", "EAI_SERVICE", "EAI_SOCKTYPE", "EALREADY", "EBADF", "EBUSY",
            "ECANCELED", "ECHARSET", "ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDESTADDRREQ", "EEXIST", "EFAULT",
            "EFBIG", "EHOSTUNREACH", "EINTR", "EINVAL", "EIO", "EISCONN", "EISDIR", "ELOOP", "EMFILE", "EMSGSIZE",
            "ENAMETOOLONG", "ENETDOWN", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV", "ENOENT", "ENOMEM", "ENONET",
            "ENOPROTOOPT", "ENOSPC", "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTSOCK", "ENOTSUP", "EOVERFLOW",
            "EPERM", "EPIPE", "EPROTO", "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS", "ESHUTDOWN", "ESPIPE",
            "ESRCH", "ETIMEDOUT", "ETXTBSY", "EXDEV", "UNKNOWN", "EOF", "ENXIO", "EMLINK", "EHOSTDOWN", "EREMOTEIO",
            "ENOTTY", "EFTYPE", "EILSEQ", "ESOCKTNOSUPPORT", "ENODATA", "EUNATCH", "ENOEXEC");

    /** Runs one scenario of the error table, closing what it opened, and names what it produced as {@link #thrown} does. */
    @FunctionalInterface
    private interface Scenario {
        String run() throws Exception;
    }

    /** A row of the error table: when, what errors.md says a program sees then, and the scenario that makes it happen. */
    private record Row(String when, String expected, Scenario scenario) {}

    /** Names what the call threw: a LoopException's code, another exception's class, or "no error". */
    private static String thrown(ThrowingCallable call) {
        try {
            call.call();
            return "no error";
        } catch (LoopException e) {
            return e.code().name();
        } catch (Throwable e) {
            return e.getClass().getSimpleName();
        }
    }

    /** A loopback address where nothing listens: an ephemeral port that was just released. */
    private static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), probe.getLocalPort());
        }
    }

    /** A listener on loopback that accepts every connection into the list. */
    private static Tcp listener(Loop loop, List<Tcp> accepted) throws LoopException {
        Tcp listener = loop.tcp();
        listener.bind(loopback());
        listener.listen(8, error -> {
            assertThat(error).isNull();
            try {
                accepted.add(listener.accept());
            } catch (LoopException e) {
                throw new AssertionError("accept failed", e);
            }
        });
        return listener;
    }

    @Test
    @DisplayName("rule 77, 28: connecting to a port with no listener gives ECONNREFUSED through the callback, never from connect itself")
    void connectToClosedPortIsRefusedThroughCallback(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(closedPort(), error -> results.add(describe(error)));
        assertThat(results).as("no callback inside connect").isEmpty();
        assertThat(client.isActive()).as("a pending connect makes the handle active").isTrue();
        runUntil(loop, () -> !results.isEmpty());
        assertThat(results).containsExactly("ECONNREFUSED");
        client.close();
        runToEnd(loop);
        assertThat(results).hasSize(1);
    }

    @Test
    @DisplayName("rule 78: a failed connect does not close the handle; the user closes it and its close callback runs")
    void failedConnectLeavesHandleOpen(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(closedPort(), error -> events.add(describe(error)));
        runUntil(loop, () -> !events.isEmpty());
        assertThat(client.isClosing()).isFalse();
        assertThat(client.isActive()).isFalse();
        assertThat(client.isWritable()).isFalse();
        assertThat(loop.isAlive()).as("nothing keeps the loop alive after the failure").isFalse();
        client.close(() -> events.add("closed"));
        runToEnd(loop);
        assertThat(events).containsExactly("ECONNREFUSED", "closed");
    }

    @Test
    @DisplayName("rule 79: a second connect while one is pending is EALREADY, and the first still completes once")
    void secondConnectWhilePendingIsAlready(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(listener.localAddress(), error -> results.add("first " + describe(error)));
        assertCode(() -> client.connect(listener.localAddress(), error -> results.add("second " + describe(error))), ErrorCode.EALREADY);
        runUntil(loop, () -> !results.isEmpty() && accepted.size() == 1);
        assertThat(results).containsExactly("first ok");
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
        assertThat(results).containsExactly("first ok");
    }

    @Test
    @DisplayName("rule 79: connect on a connected stream is EISCONN, on a listener EINVAL")
    void connectWhenConnectedIsAlreadyConnected(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        List<LoopException> callbacks = new ArrayList<>();
        InetSocketAddress target = pair.listener().localAddress();
        assertCode(() -> pair.client().connect(target, callbacks::add), ErrorCode.EISCONN);
        assertCode(() -> pair.server().connect(target, callbacks::add), ErrorCode.EISCONN);
        assertCode(() -> pair.listener().connect(target, callbacks::add), ErrorCode.EINVAL);
        pair.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 80, 19: closing while connecting gives the connect callback ECANCELED, then the close callback, and the loop ends")
    void closeWhileConnectingCancelsThenCloses(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(listener.localAddress(), error -> events.add("connect " + describe(error)));
        listener.close();
        client.close(() -> events.add("closed"));
        assertThat(events).as("nothing runs inside close").isEmpty();
        runToEnd(loop);
        assertThat(events).containsExactly("connect ECANCELED", "closed");
        assertThat(loop.isAlive()).isFalse();
    }

    @Test
    @DisplayName("rule 81, 217: connecting to an unresolved address is EINVAL at once, and no callback ever runs")
    void unresolvedAddressIsInvalidSynchronously(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<LoopException> callbacks = new ArrayList<>();
        assertCode(() -> client.connect(InetSocketAddress.createUnresolved("localhost", 80), callbacks::add), ErrorCode.EINVAL);
        assertThat(client.isActive()).isFalse();
        assertThat(loop.isAlive()).as("a refused request keeps nothing alive").isFalse();
        for (int i = 0; i < 3; i++) {
            loop.run(RunMode.NOWAIT);
        }
        client.close();
        runToEnd(loop);
        assertThat(callbacks).isEmpty();
    }

    @Test
    @DisplayName("rule 82: connecting to 0.0.0.0 reaches the listener on this host")
    void connectToUnspecifiedAddressReachesLocalListener(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        int port = listener.localAddress().getPort();
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[4]), port), error -> results.add(describe(error)));
        runUntil(loop, () -> !results.isEmpty() && accepted.size() == 1);
        assertThat(results).containsExactly("ok");
        assertThat(client.remoteAddress().getPort()).isEqualTo(port);
        assertThat(accepted.getFirst().remoteAddress()).isEqualTo(client.localAddress());
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 83: after connect, localAddress has a non-zero port and remoteAddress is the listener's address")
    void connectedAddressesMatch(Loop loop) throws Exception {
        var pair = tcpPair(loop);
        InetSocketAddress listening = pair.listener().localAddress();
        InetSocketAddress clientLocal = pair.client().localAddress();
        assertThat(clientLocal.getPort()).isBetween(1, 65535).isNotEqualTo(listening.getPort());
        assertThat(clientLocal.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(pair.client().remoteAddress()).isEqualTo(listening);
        assertThat(pair.server().localAddress()).isEqualTo(listening);
        assertThat(pair.server().remoteAddress()).isEqualTo(clientLocal);
        pair.close();
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 95: writes and a shutdown queued during a connect that then fails complete with ECANCELED, in order")
    void requestsQueuedDuringFailedConnectAreCancelled(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> events = new ArrayList<>();
        client.connect(closedPort(), error -> events.add("connect " + describe(error)));
        for (int i = 0; i < 3; i++) {
            int index = i;
            client.write(ByteBuffer.wrap(new byte[] {(byte) i}), error -> events.add("write" + index + " " + describe(error)));
        }
        client.write(new ByteBuffer[] {ByteBuffer.allocate(10), ByteBuffer.allocate(10)}, error -> events.add("write3 " + describe(error)));
        assertThat(client.writeQueueSize()).isEqualTo(23);
        client.shutdown(error -> events.add("shutdown " + describe(error)));
        assertThat(events).isEmpty();
        runUntil(loop, () -> events.size() == 6);
        assertThat(events).startsWith("connect ECONNREFUSED")
                .containsSubsequence("write0 ECANCELED", "write1 ECANCELED", "write2 ECANCELED", "write3 ECANCELED")
                .contains("shutdown ECANCELED");
        assertThat(client.writeQueueSize()).isZero();
        assertThat(client.isClosing()).as("the user did not close it").isFalse();
        client.close();
        runToEnd(loop);
        assertThat(events).hasSize(6);
    }

    @Test
    @DisplayName("rule 25: a connect on an unreferenced handle still keeps the loop alive and completes under run(DEFAULT)")
    void connectOnUnreferencedHandleStillCompletes(Loop loop) throws Exception {
        List<Tcp> accepted = new ArrayList<>();
        Tcp listener = listener(loop, accepted);
        listener.unref();
        Tcp client = loop.tcp();
        client.unref();
        List<String> results = new ArrayList<>();
        client.connect(listener.localAddress(), error -> results.add(describe(error)));
        assertThat(loop.isAlive()).isTrue();
        loop.run(RunMode.DEFAULT);
        assertThat(results).containsExactly("ok");
        client.close();
        listener.close();
        accepted.forEach(Tcp::close);
        runToEnd(loop);
    }

    @Test
    @DisplayName("rule 213: a failed connect's pending error reaches the connect callback once (ECONNREFUSED) and is then cleared: later calls report the handle's state, never that error, and close works")
    void failedConnectReportsItsErrorOnceThenClears(Loop loop) throws Exception {
        Tcp client = loop.tcp();
        List<String> results = new ArrayList<>();
        client.connect(closedPort(), error -> results.add("connect " + describe(error)));
        runUntil(loop, () -> !results.isEmpty());
        for (int i = 0; i < 3; i++) {
            loop.run(RunMode.NOWAIT);
        }
        assertThat(results).containsExactly("connect ECONNREFUSED");
        Map<String, String> later = new LinkedHashMap<>();
        later.put("startRead", thrown(() -> client.startRead(result -> results.add("read"))));
        later.put("shutdown", thrown(() -> client.shutdown(error -> results.add("shutdown " + describe(error)))));
        later.put("remoteAddress", thrown(client::remoteAddress));
        later.put("write", thrown(() -> client.write(ascii("x"), error -> results.add("write " + describe(error)))));
        assertThat(later).containsExactly(
                entry("startRead", "ENOTCONN"), entry("shutdown", "ENOTCONN"), entry("remoteAddress", "ENOTCONN"), entry("write", "EBADF"));
        client.close(() -> results.add("closed"));
        runToEnd(loop);
        assertThat(results).containsExactly("connect ECONNREFUSED", "closed");
    }

    @Test
    @DisplayName("rule 218: ErrorCode names every code of libuv's UV_ERRNO_MAP except EOF, which is ReadResult.EndOfStream, and no other")
    void errorCodesAreLibuvsWithoutEof() {
        Set<String> ours = new TreeSet<>(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
        Set<String> libuvs = new TreeSet<>(UV_ERRNO_MAP);
        assertThat(libuvs).hasSize(UV_ERRNO_MAP.size()).contains("EOF", "UNKNOWN");
        libuvs.remove("EOF");
        assertThat(ours).doesNotContain("EOF").containsExactlyElementsOf(libuvs);
        assertThat(ErrorCode.values()).allSatisfy(code -> assertThat(code.description()).as("%s", code).isNotBlank());
    }

    @Test
    @DisplayName("rule 219: the codes a TCP program sees, scenario by scenario, as errors.md lists them: libuv's, except the end of stream, tryWrite on a full socket and misuse of a closing handle")
    void errorCodesPerScenario(Loop loop) throws Exception {
        List<Row> rows = List.of(
                new Row("connect to a port nobody listens on, in the callback", "ECONNREFUSED", () -> {
                    Tcp tcp = loop.tcp();
                    List<String> results = new ArrayList<>();
                    tcp.connect(closedPort(), error -> results.add(describe(error)));
                    runUntil(loop, () -> !results.isEmpty());
                    tcp.close();
                    return results.getFirst();
                }),
                new Row("read after the peer's reset", "ECONNRESET", () -> {
                    var pair = tcpPair(loop).closeListener();
                    List<String> reads = recordReads(pair.client());
                    pair.server().closeReset(null);
                    runUntil(loop, () -> !reads.isEmpty());
                    pair.close();
                    return reads.getFirst();
                }),
                new Row("read after the peer's orderly close: EndOfStream, not a code", "EOF", () -> {
                    var pair = tcpPair(loop).closeListener();
                    List<String> reads = recordReads(pair.client());
                    pair.server().close();
                    runUntil(loop, () -> !reads.isEmpty());
                    pair.close();
                    return reads.getFirst();
                }),
                new Row("write after shutdown", "EPIPE", () -> {
                    var pair = tcpPair(loop).closeListener();
                    pair.client().shutdown(null);
                    String code = thrown(() -> pair.client().write(ascii("x"), null));
                    pair.close();
                    return code;
                }),
                new Row("write on a listener", "EPIPE", () -> {
                    Tcp listener = loop.tcp();
                    listener.bind(loopback());
                    listener.listen(8, error -> {});
                    String code = thrown(() -> listener.write(ascii("x"), null));
                    listener.close();
                    return code;
                }),
                new Row("tryWrite once the peer reset the connection", "EPIPE, ECONNRESET or ECONNABORTED", () -> {
                    var pair = tcpPair(loop).closeListener();
                    pair.server().closeReset(null);
                    runToEnd(loop);
                    String code = "no error";
                    for (int i = 0; i < 100 && code.equals("no error"); i++) {
                        code = thrown(() -> pair.client().tryWrite(ascii("x")));
                    }
                    pair.close();
                    return Set.of("EPIPE", "ECONNRESET", "ECONNABORTED").contains(code) ? "EPIPE, ECONNRESET or ECONNABORTED" : code;
                }),
                new Row("a write queued behind a connect when the handle closes, in the callback", "ECANCELED", () -> {
                    Tcp listener = loop.tcp();
                    listener.bind(loopback());
                    listener.listen(8, error -> {});
                    Tcp tcp = loop.tcp();
                    List<String> results = new ArrayList<>();
                    tcp.connect(listener.localAddress(), error -> {});
                    tcp.write(ascii("x"), error -> results.add(describe(error)));
                    tcp.close();
                    listener.close();
                    runToEnd(loop);
                    return results.getFirst();
                }),
                new Row("listen on an address in use", "EADDRINUSE", () -> {
                    Tcp first = loop.tcp();
                    first.bind(loopback());
                    first.listen(8, error -> {});
                    Tcp second = loop.tcp();
                    String code = thrown(() -> {
                        second.bind(first.localAddress());
                        second.listen(8, error -> {});
                });
                    first.close();
                    second.close();
                    return code;
                }),
                new Row("listen on an address that is not local", "EADDRNOTAVAIL", () -> {
                    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to an interface.
                    Tcp tcp = loop.tcp();
                    String code = thrown(() -> {
                        tcp.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}), 0));
                        tcp.listen(8, error -> {});
                });
                    tcp.close();
                    return code;
                }),
                new Row("shutdown, startRead and remoteAddress before connecting", "ENOTCONN", () -> {
                    Tcp tcp = loop.tcp();
                    Set<String> codes = new TreeSet<>(List.of(
                            thrown(() -> tcp.shutdown(null)), thrown(() -> tcp.startRead(result -> {})), thrown(tcp::remoteAddress)));
                    tcp.close();
                    return String.join(" ", codes);
                }),
                new Row("accept with no connection waiting", "EAGAIN", () -> {
                    Tcp listener = loop.tcp();
                    listener.bind(loopback());
                    listener.listen(8, error -> {});
                    String code = thrown(listener::accept);
                    listener.close();
                    return code;
                }),
                new Row("tryWrite while the kernel's buffers are full: 0, not EAGAIN", "returns 0", () -> {
                    var pair = tcpPair(loop).closeListener();
                    ByteBuffer chunk = ByteBuffer.allocate(4 << 20);
                    int written = -1;
                    for (int i = 0; i < 64 && written != 0; i++) {
                        written = pair.client().tryWrite(chunk.clear());
                    }
                    pair.close();
                    return "returns " + written;
                }),
                new Row("startRead twice", "EALREADY", () -> {
                    var pair = tcpPair(loop).closeListener();
                    pair.client().startRead(result -> {});
                    String code = thrown(() -> pair.client().startRead(result -> {}));
                    pair.close();
                    return code;
                }),
                new Row("connect while a connect is pending", "EALREADY", () -> {
                    Tcp listener = loop.tcp();
                    listener.bind(loopback());
                    listener.listen(8, error -> {});
                    Tcp tcp = loop.tcp();
                    tcp.connect(listener.localAddress(), error -> {});
                    String code = thrown(() -> tcp.connect(listener.localAddress(), error -> {}));
                    tcp.close();
                    listener.close();
                    return code;
                }),
                new Row("a write of no buffers", "EINVAL", () -> {
                    var pair = tcpPair(loop).closeListener();
                    String code = thrown(() -> pair.client().write(new ByteBuffer[0], null));
                    pair.close();
                    return code;
                }),
                new Row("write on a handle that never connected", "EBADF", () -> {
                    Tcp tcp = loop.tcp();
                    String code = thrown(() -> tcp.write(ascii("x"), null));
                    tcp.close();
                    return code;
                }),
                new Row("Loop.close with a handle open", "EBUSY", () -> {
                    Tcp tcp = loop.tcp();
                    String code = thrown(loop::close);
                    tcp.close();
                    return code;
                }),
                new Row("write on a closing handle: a programming error, not a code", "IllegalStateException", () -> {
                    var pair = tcpPair(loop).closeListener();
                    pair.client().close();
                    String code = thrown(() -> pair.client().write(ascii("x"), null));
                    pair.close();
                    return code;
                }));
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (Row row : rows) {
            expected.put(row.when(), row.expected());
            seen.put(row.when(), row.scenario().run());
            runToEnd(loop);
        }
        assertThat(seen).containsExactlyEntriesOf(expected);
    }
}
