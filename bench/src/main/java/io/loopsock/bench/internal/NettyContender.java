package io.loopsock.bench.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Netty 4.2's channels on one transport, at Netty's defaults (allocator, water marks): the
 * reference event loop the targets compare loopsock with. Server and client each run on a
 * one-thread event loop group; the server accepts and serves on that thread.
 *
 * <p>Any thread; the channels are touched by Netty's event loop threads.
 */
final class NettyContender implements Contender {

    /** Netty's three Linux transports, by the name the harness gives them. */
    enum Transport {
        /** {@code java.nio} channels. */
        NIO("netty-nio", "nio"),
        /** The native epoll transport. */
        EPOLL("netty-epoll", "epoll"),
        /** The native io_uring transport. */
        IO_URING("netty-iouring", "io_uring");

        private final String contender;
        private final String backend;

        Transport(String contender, String backend) {
            this.contender = contender;
            this.backend = backend;
        }

        /**
         * Returns the contender's name.
         *
         * @return such as {@code netty-epoll}
         */
        String contender() {
            return contender;
        }

        /**
         * Returns the loopsock backend on the same transport, which the targets compare with it.
         *
         * @return such as {@code epoll}
         */
        String backend() {
            return backend;
        }

        /**
         * Tells why the transport cannot run here.
         *
         * @return null when it can, else the reason
         */
        String unavailability() {
            Throwable cause = switch (this) {
                case NIO -> null;
                case EPOLL -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
                case IO_URING -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
            };
            return cause == null ? null : String.valueOf(cause);
        }

        private IoHandlerFactory handlers() {
            return switch (this) {
                case NIO -> NioIoHandler.newFactory();
                case EPOLL -> EpollIoHandler.newFactory();
                case IO_URING -> IoUringIoHandler.newFactory();
            };
        }

        private Supplier<ServerChannel> serverChannel() {
            return switch (this) {
                case NIO -> NioServerSocketChannel::new;
                case EPOLL -> EpollServerSocketChannel::new;
                case IO_URING -> IoUringServerSocketChannel::new;
            };
        }

        private Supplier<Channel> channel() {
            return switch (this) {
                case NIO -> NioSocketChannel::new;
                case EPOLL -> EpollSocketChannel::new;
                case IO_URING -> IoUringSocketChannel::new;
            };
        }
    }

    private final Transport transport;

    NettyContender(Transport transport) {
        this.transport = transport;
    }

    @Override
    public String name() {
        return transport.contender();
    }

    @Override
    public Server serve(Service service) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.handlers());
        LongAdder received = new LongAdder();
        ChannelHandler handler = switch (service) {
            case CLOSE -> new Handler() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    ctx.close();
                }
            };
            case DISCARD -> new Handler() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    received.add(((ByteBuf) msg).readableBytes());
                    ReferenceCountUtil.release(msg);
                }
            };
            case ECHO -> new Handler() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg, ctx.voidPromise());
                }
            };
        };
        Channel listener = new ServerBootstrap()
                .group(group)
                .channelFactory(transport.serverChannel()::get)
                .option(ChannelOption.SO_BACKLOG, Workload.BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(handler)
                .bind(new InetSocketAddress(Workload.LOOPBACK, 0)).sync().channel();
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        return new Running(address, received, () -> {
            listener.close().syncUninterruptibly();
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        });
    }

    /** A handler shared by every connection of a server; failures end the measurement. */
    @ChannelHandler.Sharable
    private abstract static class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Failures.record(cause);
            ctx.close();
        }
    }

    @Override
    public Client client() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.handlers());
        // Payloads that never change, written again and again as retained duplicates (Netty's
        // idiom); released when the client closes. (An unreleasable wrapper of a JDK buffer
        // streamed twenty times slower on epoll here.)
        List<ByteBuf> constants = new CopyOnWriteArrayList<>();
        IntFunction<ByteBuf> constant = size -> {
            ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(size).writeBytes(Workload.directBytes(size));
            constants.add(buffer);
            return buffer;
        };
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(transport.channel()::get)
                .option(ChannelOption.TCP_NODELAY, true);
        return new ExchangingClient() {
            @Override
            public void stream(InetSocketAddress server, int chunk) throws Exception {
                ByteBuf data = constant.apply(chunk);
                bootstrap.clone().handler(new Handler() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        writeWhileWritable(ctx);
                    }

                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        writeWhileWritable(ctx);
                    }

                    private void writeWhileWritable(ChannelHandlerContext ctx) {
                        while (ctx.channel().isWritable()) {
                            ctx.write(data.retainedDuplicate(), ctx.voidPromise());
                        }
                        ctx.flush();
                    }
                }).connect(server).sync();
            }

            @Override
            void exchange(InetSocketAddress server, int size, Exchange exchange) throws InterruptedException {
                ByteBuf message = constant.apply(size);
                bootstrap.clone().handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        exchange.sent();
                        ctx.writeAndFlush(message.retainedDuplicate(), ctx.voidPromise());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        int bytes = ((ByteBuf) msg).readableBytes();
                        ReferenceCountUtil.release(msg);
                        if (exchange.received(bytes)) {
                            exchange.sent();
                            ctx.writeAndFlush(message.retainedDuplicate(), ctx.voidPromise());
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        exchange.fail(cause);
                        ctx.close();
                    }
                }).connect(server).sync();
            }

            @Override
            public void churn(InetSocketAddress server, int concurrency, LongAdder connections) {
                Bootstrap churning = bootstrap.clone().handler(new Handler() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                });
                for (int i = 0; i < concurrency; i++) {
                    churnOnce(churning, server, connections);
                }
            }

            private void churnOnce(Bootstrap churning, InetSocketAddress server, LongAdder connections) {
                churning.connect(server).addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        Failures.record(connected.cause());
                        return;
                    }
                    // Netty closes the channel when it reads the end of the stream (no half-closure).
                    connected.channel().closeFuture().addListener(closed -> {
                        connections.increment();
                        churnOnce(churning, server, connections);
                    });
                });
            }

            @Override
            public void close() {
                group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
                constants.forEach(ByteBuf::release);
            }
        };
    }
}
