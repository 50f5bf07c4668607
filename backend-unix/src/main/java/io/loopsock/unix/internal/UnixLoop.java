package io.loopsock.unix.internal;

import io.loopsock.Pipe;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.Udp;
import io.loopsock.spi.AbstractLoop;
import io.loopsock.spi.LoopProvider;
import java.nio.ByteBuffer;

/**
 * A loop whose handles are the shared readiness streams and UDP handles; a native backend extends it with its
 * poller ({@link #poll(long)}, {@link #wakeup()}, {@link #closePoller()} and {@link Poller}).
 *
 * <p>Loop-thread only, as every loop. It owns one direct read buffer that every stream of the loop
 * reads into, as pyuv's shared slab (read callbacks see it only for the duration of the call), and
 * one direct staging buffer for writes: Netty's syscalls take direct memory only.
 */
public abstract class UnixLoop extends AbstractLoop implements Poller {
    /** Size of the shared read buffer: libuv suggests 64 KiB per read. */
    static final int READ_BUFFER_SIZE = 64 * 1024;
    /** Size of the staging buffer that heap (and gathered) write buffers are copied into. */
    static final int STAGING_BUFFER_SIZE = 256 * 1024;

    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final ReadResult.Data readResult = new ReadResult.Data(readBuffer);
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BUFFER_SIZE);
    /**
     * A descriptor held in reserve from the first listen on, as libuv's {@code emfile_fd}: at the
     * descriptor limit it is given up for a moment, so that waiting connections can be accepted
     * and dropped instead of making every poll report the same error (rule 75).
     */
    private io.netty.channel.unix.Socket reserve;

    /**
     * Creates a loop owned by the calling thread.
     *
     * @param provider the provider that opens it
     */
    protected UnixLoop(LoopProvider provider) {
        super(provider);
    }

    /** Opens the reserve descriptor, if it is not open; a failure leaves the loop without one. */
    void holdReserve() {
        if (reserve == null) {
            try {
                reserve = UnixSockets.datagram(false);
            } catch (RuntimeException e) {
                // At the limit already: the next holdReserve tries again.
            }
        }
    }

    /**
     * libuv's EMFILE trick: frees the reserve, accepts and closes every connection waiting on the
     * listener, takes the reserve again.
     *
     * @param listener the listening socket
     * @return whether the listener's queue was emptied (the error then needs no callback)
     */
    boolean dropWaitingConnections(io.netty.channel.unix.Socket listener) {
        if (reserve == null) {
            return false;
        }
        UnixStream.closeQuietly(reserve);
        reserve = null;
        boolean emptied;
        byte[] address = new byte[UnixStream.ACCEPT_ADDRESS_BYTES];
        try {
            int fd;
            while ((fd = listener.accept(address)) >= 0) {
                UnixStream.closeQuietly(new io.netty.channel.unix.Socket(fd));
            }
            emptied = true;
        } catch (java.io.IOException | RuntimeException e) {
            emptied = false;
        }
        holdReserve();
        return emptied;
    }

    /** Closes the reserve descriptor; a backend calls this when it closes its poller. */
    protected final void releaseReserve() {
        UnixStream.closeQuietly(reserve);
        reserve = null;
    }

    ByteBuffer readBuffer() {
        return readBuffer.clear();
    }

    ReadResult.Data readResult() {
        return readResult;
    }

    ByteBuffer staging() {
        return staging.clear();
    }

    @Override
    public final Tcp tcp() {
        checkOpenLoop();
        return new UnixTcp(this);
    }

    @Override
    public final Pipe pipe() {
        checkOpenLoop();
        return new UnixPipe(this);
    }

    @Override
    public final Udp udp() {
        checkOpenLoop();
        return new UnixUdp(this);
    }

    /**
     * Runs one ready descriptor's callback: what it or a user callback throws is recorded and
     * rethrown by {@code run} at the end of the phase, never into the poller (Netty's epoll would
     * log it and stall the loop for a second).
     *
     * @param ready the registration's callback
     * @param readable whether the descriptor is readable (or failed)
     * @param writable whether it is writable (or failed)
     */
    protected final void dispatch(Ready ready, boolean readable, boolean writable) {
        invoke(() -> ready.ready(readable, writable));
    }
}
