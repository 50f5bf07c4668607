package io.loopsock.nio.internal;

import io.loopsock.ErrorCode;
import io.loopsock.LoopException;
import io.loopsock.Pipe;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.Udp;
import io.loopsock.spi.AbstractLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * A loop whose poller is a {@link Selector}.
 *
 * <p>Loop-thread only, as every loop. It owns one direct read buffer that every stream of the loop
 * reads into, as pyuv's shared slab: read callbacks see it only for the duration of the call.
 */
final class NioLoop extends AbstractLoop {
    /** Size of the shared read buffer: libuv suggests 64 KiB per read. */
    static final int READ_BUFFER_SIZE = 64 * 1024;

    private final Selector selector;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    /** The one read result of the loop: it always wraps the shared buffer, so it is reused. */
    private final ReadResult.Data readResult = new ReadResult.Data(readBuffer);
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    /** Whether the current poll has refreshed the loop's time since its wait returned. */
    private boolean timeRefreshed;
    /** Whether the loop is inside the selector's select. */
    private boolean polling;
    /** Whether a channel was closed during the current select and awaits deregistration. */
    private boolean releasePending;
    /**
     * A descriptor held in reserve from the first listen on, as libuv's {@code emfile_fd}: at the
     * descriptor limit it is given up for a moment, so that waiting connections can be accepted
     * and dropped instead of making every poll report the same error (rule 75).
     */
    private java.nio.channels.DatagramChannel reserve;

    NioLoop(NioLoopProvider provider) throws LoopException {
        super(provider);
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw NioErrors.map(e, "open a selector");
        }
    }

    Selector selector() {
        return selector;
    }

    ByteBuffer readBuffer() {
        return readBuffer.clear();
    }

    ReadResult.Data readResult() {
        return readResult;
    }

    @Override
    public Tcp tcp() {
        checkOpenLoop();
        return new NioTcp(this);
    }

    @Override
    public Pipe pipe() {
        checkOpenLoop();
        return new NioPipe(this);
    }

    @Override
    public Udp udp() {
        checkOpenLoop();
        return new NioUdp(this);
    }

    @Override
    protected void poll(long timeoutMillis) {
        timeRefreshed = false;
        polling = true;
        try {
            if (timeoutMillis == 0) {
                selector.selectNow(dispatch);
            } else if (timeoutMillis < 0) {
                selector.select(dispatch);
            } else {
                selector.select(dispatch, timeoutMillis);
            }
        } catch (IOException e) {
            // The selector itself failed (not a socket): nothing can go on without it.
            throw new UncheckedIOException("the selector failed", e);
        } finally {
            polling = false;
        }
        if (releasePending) {
            release();
        }
    }

    /**
     * Called after a registered channel was closed. The JDK keeps the descriptor of a channel that
     * is registered with a selector open until the selector deregisters it, at its next select; a
     * listener's port would stay taken until then, although a handle releases its socket at once
     * (rule 18). So the loop deregisters at once, or right after the select it is inside.
     */
    void released() {
        if (polling) {
            releasePending = true;
        } else {
            release();
        }
    }

    private void release() {
        releasePending = false;
        try {
            // Readiness seen by this select is dropped; the selector is level-triggered, so the next
            // poll reports it again.
            selector.selectNow(key -> {});
        } catch (IOException e) {
            throw new UncheckedIOException("the selector failed", e);
        }
    }

    private void dispatch(SelectionKey key) {
        if (!timeRefreshed) {
            // The selector calls this only once its wait is over: the first key is the moment.
            timeRefreshed = true;
            pollReturned();
        }
        // A key cancelled by a callback earlier in this select is still handed over, and its
        // readyOps() would throw: the handle is closing and has nothing left to do.
        if (key.isValid() && key.attachment() instanceof NioReady handle) {
            handle.ready(key.readyOps());
        }
    }

    @Override
    protected void wakeup() {
        // After close this does nothing, so a wakeup racing with Loop.close is harmless.
        selector.wakeup();
    }

    /** Opens the reserve descriptor, if it is not open; a failure leaves the loop without one. */
    void holdReserve() {
        if (reserve == null) {
            try {
                reserve = java.nio.channels.DatagramChannel.open();
            } catch (IOException e) {
                // At the limit already: the next holdReserve tries again.
            }
        }
    }

    /**
     * libuv's EMFILE trick: frees the reserve, accepts and closes every connection waiting on the
     * listener, takes the reserve again.
     *
     * @return whether the listener's queue was emptied (the error then needs no callback)
     */
    boolean dropWaitingConnections(java.nio.channels.ServerSocketChannel server) {
        if (reserve == null) {
            return false;
        }
        NioStream.closeQuietly(reserve);
        reserve = null;
        boolean emptied;
        try {
            java.nio.channels.SocketChannel waiting;
            while ((waiting = server.accept()) != null) {
                NioStream.closeQuietly(waiting);
            }
            emptied = true;
        } catch (IOException e) {
            emptied = false;
        }
        holdReserve();
        return emptied;
    }

    @Override
    protected void closePoller() throws LoopException {
        NioStream.closeQuietly(reserve);
        reserve = null;
        try {
            selector.close();
        } catch (IOException e) {
            throw new LoopException(ErrorCode.UNKNOWN, "close the selector", e);
        }
    }

    @Override
    public String toString() {
        return "NioLoop";
    }
}
