package io.github.pgrepl.testsupport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for fault tests, between a client and a server on this machine. It forwards bytes both
 * ways until told to fail: cut (close) or reset every connection, drop one direction, stall (stop
 * forwarding, sockets open: a half-open connection as the client sees it), or delay. {@link #heal()}
 * lifts the faults that persist. Backpressure passes through: a slow reader slows the writer.
 */
public final class FaultProxy implements AutoCloseable {

    private enum Direction { CLIENT_TO_SERVER, SERVER_TO_CLIENT }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private final AtomicLong serverToClientBytes = new AtomicLong();
    private final String targetHost;
    private final int targetPort;
    private final Channel server;
    private volatile boolean stalled;
    private volatile Direction dropped;
    private volatile long delayMillis;
    private volatile boolean corrupting;

    private FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        accept(client);
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    /** Starts a proxy on 127.0.0.1 and an ephemeral port, forwarding to {@code targetHost:targetPort}. */
    public static FaultProxy start(String targetHost, int targetPort) {
        return new FaultProxy(targetHost, targetPort);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections currently proxied. */
    public int connections() {
        return pairs.size();
    }

    /** Bytes forwarded from the server to clients so far. */
    public long serverToClientBytes() {
        return serverToClientBytes.get();
    }

    /** Closes every proxied connection (FIN both ways). New connections still go through. */
    public void cutAll() {
        pairs.forEach(pair -> {
            pair.client.close();
            pair.upstream.close();
        });
    }

    /** Resets every proxied connection (RST both ways). */
    public void resetAll() {
        pairs.forEach(pair -> {
            pair.client.config().setOption(ChannelOption.SO_LINGER, 0);
            pair.upstream.config().setOption(ChannelOption.SO_LINGER, 0);
            pair.client.close();
            pair.upstream.close();
        });
    }

    /** Silently drops what the client sends, until {@link #heal()}. */
    public void dropClientToServer() {
        dropped = Direction.CLIENT_TO_SERVER;
    }

    /** Silently drops what the server sends, until {@link #heal()}. */
    public void dropServerToClient() {
        dropped = Direction.SERVER_TO_CLIENT;
    }

    /** Stops forwarding both ways with the sockets left open, until {@link #heal()}. */
    public void stall() {
        stalled = true;
        pairs.forEach(pair -> pair.client.eventLoop().execute(pair::updateReading));
    }

    /** Overwrites bytes of what the server sends with garbage, until {@link #heal()}: bad input, as a client sees it. */
    public void corruptServerToClient() {
        corrupting = true;
    }

    /** Delays every chunk by {@code delay} in both directions, until {@link #heal()}. */
    public void delay(Duration delay) {
        delayMillis = delay.toMillis();
    }

    /** Lifts stall, drop and delay. */
    public void heal() {
        stalled = false;
        dropped = null;
        delayMillis = 0;
        corrupting = false;
        pairs.forEach(pair -> pair.client.eventLoop().execute(pair::updateReading));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        cutAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void accept(SocketChannel client) {
        new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(targetHost, targetPort)
                .addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        client.close();
                        return;
                    }
                    Pair pair = new Pair(client, connected.channel());
                    pairs.add(pair);
                    client.pipeline().addLast(new Forwarder(pair, Direction.CLIENT_TO_SERVER));
                    pair.upstream.pipeline().addLast(new Forwarder(pair, Direction.SERVER_TO_CLIENT));
                    pair.updateReading();
                });
    }

    /** One proxied connection: the client's socket and ours to the server. */
    private final class Pair {
        final Channel client;
        final Channel upstream;

        Pair(Channel client, Channel upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        /** Each side reads while not stalled and while the other side can take the bytes. */
        void updateReading() {
            client.config().setAutoRead(!stalled && upstream.isWritable());
            upstream.config().setAutoRead(!stalled && client.isWritable());
        }

        void close() {
            pairs.remove(this);
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class Forwarder extends ChannelInboundHandlerAdapter {
        private final Pair pair;
        private final Direction direction;

        Forwarder(Pair pair, Direction direction) {
            this.pair = pair;
            this.direction = direction;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel peer = direction == Direction.CLIENT_TO_SERVER ? pair.upstream : pair.client;
            if (dropped == direction || !peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (direction == Direction.SERVER_TO_CLIENT) {
                ByteBuf bytes = (ByteBuf) msg;
                serverToClientBytes.addAndGet(bytes.readableBytes());
                if (corrupting) {
                    for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i += 7) {
                        bytes.setByte(i, 0xFF); // lengths become huge or negative, types unknown
                    }
                }
            }
            long delay = delayMillis;
            if (delay > 0) {
                ctx.executor().schedule(() -> peer.writeAndFlush(msg), delay, TimeUnit.MILLISECONDS)
                        .addListener(done -> {
                            if (done.isCancelled()) {
                                ReferenceCountUtil.release(msg); // the proxy closed before the delay ran out
                            }
                        });
            } else {
                peer.writeAndFlush(msg);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pair.updateReading();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pair.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
