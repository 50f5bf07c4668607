package io.loopsock.conformance.faults;

import io.loopsock.Callback;
import io.loopsock.Completion;
import io.loopsock.ErrorCode;
import io.loopsock.Loop;
import io.loopsock.LoopException;
import io.loopsock.ReadCallback;
import io.loopsock.ReadResult;
import io.loopsock.Tcp;
import io.loopsock.TcpInfo;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.Set;

/** A TCP handle that delegates everything and plants its loop's fault where it belongs. */
final class FaultyTcp implements Tcp {
    private final FaultyLoop loop;
    private final Tcp delegate;
    private final Fault fault;
    /** For {@link Fault#LAST_BYTE_DROPPED_ON_SHUTDOWN}: the last write, held back until the next. */
    private ByteBuffer heldData;
    private Completion heldCallback;
    private boolean shutdown;

    FaultyTcp(FaultyLoop loop, Tcp delegate, Fault fault) {
        this.loop = loop;
        this.delegate = delegate;
        this.fault = fault;
    }

    @Override
    public void startRead(ReadCallback onRead) throws LoopException {
        if (fault == Fault.END_OF_STREAM_AS_RESET) {
            delegate.startRead(result -> onRead.onRead(result instanceof ReadResult.EndOfStream
                    ? new ReadResult.Failed(new LoopException(ErrorCode.ECONNRESET, "planted fault")) : result));
        } else {
            delegate.startRead(onRead);
        }
    }

    @Override
    public void stopRead() {
        delegate.stopRead();
    }

    @Override
    public void write(ByteBuffer data, Completion onWrite) throws LoopException {
        write(new ByteBuffer[] {data}, onWrite);
    }

    @Override
    public void write(ByteBuffer[] data, Completion onWrite) throws LoopException {
        switch (fault) {
            case WRITE_CALLBACK_TWICE -> delegate.write(data, error -> {
                if (onWrite != null) {
                    onWrite.onComplete(error);
                    onWrite.onComplete(error);
                }
            });
            case LAST_BYTE_DROPPED_ON_SHUTDOWN -> {
                if (shutdown) {
                    // Only the last write before the shutdown is touched; later ones fail as usual.
                    delegate.write(data, onWrite);
                    return;
                }
                releaseHeld(false);
                heldData = join(data);
                heldCallback = onWrite;
            }
            default -> delegate.write(data, onWrite);
        }
    }

    private static ByteBuffer join(ByteBuffer[] data) {
        int total = 0;
        for (ByteBuffer buffer : data) {
            total += buffer.remaining();
        }
        ByteBuffer joined = ByteBuffer.allocate(total);
        for (ByteBuffer buffer : data) {
            joined.put(buffer.duplicate());
        }
        return joined.flip();
    }

    private void releaseHeld(boolean dropLastByte) throws LoopException {
        if (heldData == null) {
            return;
        }
        ByteBuffer data = heldData;
        if (dropLastByte && data.remaining() > 0) {
            data.limit(data.limit() - 1);
        }
        Completion callback = heldCallback;
        heldData = null;
        heldCallback = null;
        delegate.write(data, callback);
    }

    @Override
    public int tryWrite(ByteBuffer data) throws LoopException {
        if (fault == Fault.LAST_BYTE_DROPPED_ON_SHUTDOWN && heldData != null) {
            return 0;
        }
        return delegate.tryWrite(data);
    }

    @Override
    public void shutdown(Completion onShutdown) throws LoopException {
        if (fault == Fault.LAST_BYTE_DROPPED_ON_SHUTDOWN) {
            releaseHeld(true);
            shutdown = true;
        }
        delegate.shutdown(onShutdown);
    }

    @Override
    public long writeQueueSize() {
        return delegate.writeQueueSize() + (heldData == null ? 0 : heldData.remaining());
    }

    @Override
    public void listen(int backlog, Completion onConnection) throws LoopException {
        delegate.listen(backlog, onConnection);
    }

    @Override
    public Tcp accept() throws LoopException {
        return new FaultyTcp(loop, delegate.accept(), fault);
    }

    @Override
    public boolean isReadable() {
        return delegate.isReadable();
    }

    @Override
    public boolean isWritable() {
        return delegate.isWritable();
    }

    @Override
    public <T> void setOption(SocketOption<T> name, T value) throws LoopException {
        if (fault == Fault.OPTION_NOT_APPLIED
                && (name == StandardSocketOptions.TCP_NODELAY || name == StandardSocketOptions.SO_KEEPALIVE)) {
            return;
        }
        delegate.setOption(name, value);
    }

    @Override
    public <T> T option(SocketOption<T> name) throws LoopException {
        return delegate.option(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return delegate.supportedOptions();
    }

    @Override
    public int bytesReadable() throws LoopException {
        int readable = delegate.bytesReadable();
        return fault == Fault.BYTES_READABLE_OFF_BY_ONE ? readable + 1 : readable;
    }

    @Override
    public void bind(InetSocketAddress address, BindFlag... flags) throws LoopException {
        delegate.bind(address, flags);
    }

    @Override
    public void connect(InetSocketAddress address, Completion onConnect) throws LoopException {
        delegate.connect(address, onConnect);
    }

    @Override
    public void closeReset(Callback onClose) throws LoopException {
        delegate.closeReset(onClose);
    }

    @Override
    public InetSocketAddress localAddress() throws LoopException {
        return delegate.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() throws LoopException {
        return delegate.remoteAddress();
    }

    @Override
    public int bytesUnsent() throws LoopException {
        return delegate.bytesUnsent();
    }

    @Override
    public TcpInfo tcpInfo() throws LoopException {
        return delegate.tcpInfo();
    }

    @Override
    public Loop loop() {
        return loop;
    }

    @Override
    public boolean isActive() {
        return delegate.isActive();
    }

    @Override
    public boolean isClosing() {
        return delegate.isClosing();
    }

    @Override
    public void close(Callback onClose) {
        if (fault == Fault.LAST_BYTE_DROPPED_ON_SHUTDOWN && heldData != null) {
            try {
                releaseHeld(false);
            } catch (LoopException e) {
                // Closing anyway: the held write's callback gets the close's ECANCELED or nothing.
            }
        }
        if (fault == Fault.CLOSE_CALLBACK_BEFORE_CANCELLED_WRITES && onClose != null) {
            // An executed task runs in the poll phase, before the close phase that cancels writes.
            delegate.close(null);
            loop.execute(() -> {
                try {
                    onClose.run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            return;
        }
        delegate.close(onClose);
    }

    @Override
    public void ref() {
        delegate.ref();
    }

    @Override
    public void unref() {
        delegate.unref();
    }

    @Override
    public boolean hasRef() {
        return delegate.hasRef();
    }
}
