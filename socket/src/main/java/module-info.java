/**
 * The loopsock socket layer: Python's socket semantics (timeouts, recv, sendAll, shutdown) over
 * any loopsock backend; callers block, loop threads do the I/O.
 */
module io.loopsock.socket {
    requires transitive io.loopsock;
    requires jdk.net;

    exports io.loopsock.socket;
}
