package io.github.pgrepl.testsupport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted PostgreSQL backend for what no real server will do: it answers the SSLRequest (with TLS from a
 * throw-away CA, or with 'N'), reads the startup message, then plays a {@link BackendScript} and records every
 * message the client sends. Tests use it for hostile servers: authentication requests that should never get a
 * password, an {@code AuthenticationOk} in the middle of SCRAM, absurd iteration counts, parameter changes.
 *
 * <pre>{@code
 * try (FakeBackend backend = FakeBackend.start(script)) {
 *     // connect a client to backend.host():backend.port(), then look at backend.sessions()
 * }
 * }</pre>
 *
 * <p>Every connection plays the script from its start. Messages are recorded after TLS, so a test sees what the
 * client meant to send.
 */
public final class FakeBackend implements AutoCloseable {

    private static final int SSL_REQUEST = 80877103;
    private static final int GSSENC_REQUEST = 80877104;
    private static final int PROTOCOL_3_0 = 196608;

    private final BackendScript script;
    private final SslContext sslContext;
    private final Path caCertificate;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final Channel server;

    private FakeBackend(BackendScript script, boolean tls) {
        this.script = script;
        if (tls) {
            TestCertificates certificates = TestCertificates.create();
            this.sslContext = certificates.serverContext();
            try {
                this.caCertificate = Files.createTempFile("pgrepl-fake-ca-", ".crt");
                certificates.writeCaCertificate(caCertificate);
            } catch (IOException e) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                throw new IllegalStateException("Could not write the fake backend's CA certificate", e);
            }
        } else {
            this.sslContext = null;
            this.caCertificate = null;
        }
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        Session session = new Session();
                        sessions.add(session);
                        channel.pipeline().addLast("frontend", new FrontendDecoder(session))
                                .addLast("script", new ScriptRunner(session));
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    /** A backend that refuses TLS ('N' to an SSLRequest). */
    public static FakeBackend start(BackendScript script) {
        return new FakeBackend(script, false);
    }

    /**
     * A backend that accepts TLS with a certificate for DNS {@code localhost}, signed by a throw-away CA (see
     * {@link #caCertificate()}); a client that sends no SSLRequest gets the script in plain text.
     */
    public static FakeBackend startWithTls(BackendScript script) {
        return new FakeBackend(script, true);
    }

    public String host() {
        return "localhost";
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The PEM file of the CA that signed the TLS certificate. */
    public Path caCertificate() {
        if (caCertificate == null) {
            throw new IllegalStateException("This backend was started without TLS");
        }
        return caCertificate;
    }

    /** One per connection accepted so far, in order. */
    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    /** The only session; fails when there is none or more than one. */
    public Session session() {
        List<Session> all = sessions();
        if (all.size() != 1) {
            throw new IllegalStateException("expected one session, the backend had " + all.size());
        }
        return all.get(0);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (caCertificate != null) {
            try {
                Files.deleteIfExists(caCertificate);
            } catch (IOException e) {
                // a temporary file; the OS cleans it up eventually
            }
        }
    }

    /** What one client connection did. */
    public static final class Session {

        private final List<FrontendMessage> received = new CopyOnWriteArrayList<>();
        private volatile boolean tls;
        private volatile boolean closed;
        private volatile String failure;

        /** Every message received, the startup message (and an SSLRequest) included. */
        public List<FrontendMessage> received() {
            return List.copyOf(received);
        }

        /** The messages of one type, e.g. {@code 'p'} for password and SASL responses. */
        public List<FrontendMessage> received(char type) {
            List<FrontendMessage> ofType = new ArrayList<>();
            for (FrontendMessage message : received) {
                if (message.type() == type) {
                    ofType.add(message);
                }
            }
            return ofType;
        }

        /** Every byte of every message body received, concatenated: to look for a secret in. */
        public String receivedText() {
            StringBuilder text = new StringBuilder();
            for (FrontendMessage message : received) {
                text.append(new String(message.body(), StandardCharsets.ISO_8859_1)).append('\n');
            }
            return text.toString();
        }

        public boolean tls() {
            return tls;
        }

        /** Whether the connection is closed (by either side). */
        public boolean closed() {
            return closed;
        }

        /** Why the script stopped early (the client sent something else than expected), or {@code null}. */
        public String failure() {
            return failure;
        }

        @Override
        public String toString() {
            return "Session[received=" + received + ", tls=" + tls + ", closed=" + closed + ", failure=" + failure + "]";
        }
    }

    /** Splits what the client sends into messages: first the untyped SSLRequest and startup message, then typed ones. */
    private final class FrontendDecoder extends ByteToMessageDecoder {

        private final Session session;
        private boolean started;

        FrontendDecoder(Session session) {
            this.session = session;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (true) {
                int header = started ? 5 : 4;
                if (in.readableBytes() < header) {
                    return;
                }
                int start = in.readerIndex();
                int length = started ? in.getInt(start + 1) : in.getInt(start);
                int frame = started ? length + 1 : length;
                if (length < 4 || length > 64 * 1024 * 1024) {
                    session.failure = "the client sent an impossible length " + length;
                    in.skipBytes(in.readableBytes());
                    ctx.close();
                    return;
                }
                if (in.readableBytes() < frame) {
                    return;
                }
                if (started) {
                    char type = (char) in.getByte(start);
                    out.add(new FrontendMessage(type, ByteBufUtil.getBytes(in, start + 5, length - 4)));
                    in.skipBytes(frame);
                    continue;
                }
                int code = in.getInt(start + 4);
                byte[] body = ByteBufUtil.getBytes(in, start + 4, length - 4);
                in.skipBytes(frame);
                if (code == SSL_REQUEST) {
                    session.received.add(new FrontendMessage(FrontendMessage.SSL_REQUEST, body));
                    answerSslRequest(ctx);
                } else if (code == GSSENC_REQUEST) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                } else if (code == PROTOCOL_3_0) {
                    started = true;
                    out.add(new FrontendMessage(FrontendMessage.STARTUP, body));
                } else {
                    session.failure = "the client sent an unknown startup code " + code;
                    ctx.close();
                    return;
                }
            }
        }

        private void answerSslRequest(ChannelHandlerContext ctx) {
            if (sslContext == null) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                return;
            }
            // 'S' goes out in plain text; everything after it through TLS.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
            ctx.pipeline().addFirst("tls", sslContext.newHandler(ctx.alloc()));
            session.tls = true;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (session.failure == null && !(cause instanceof IOException)) {
                session.failure = cause.toString();
            }
            ctx.close();
        }
    }

    /** Plays the script on one connection. */
    private final class ScriptRunner extends ChannelInboundHandlerAdapter {

        private final Session session;
        private final List<BackendScript.Step> steps = script.steps();
        private int next;

        ScriptRunner(Session session) {
            this.session = session;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            FrontendMessage message = (FrontendMessage) msg;
            session.received.add(message);
            run(ctx, message.type() == FrontendMessage.STARTUP ? null : message);
        }

        private void run(ChannelHandlerContext ctx, FrontendMessage arrived) {
            FrontendMessage pending = arrived;
            while (next < steps.size() && ctx.channel().isActive()) {
                BackendScript.Step step = steps.get(next);
                if (step instanceof BackendScript.Send send) {
                    send.messages().forEach(message -> ctx.write(Unpooled.wrappedBuffer(message)));
                    next++;
                } else if (step instanceof BackendScript.Close) {
                    next = steps.size();
                    ctx.flush();
                    ctx.close();
                    return;
                } else if (step instanceof BackendScript.Expect expect) {
                    if (pending == null) {
                        break;
                    }
                    if (pending.type() != expect.type()) {
                        session.failure = "expected a message of type '" + expect.type() + "' but the client sent '"
                                + pending.type() + "'";
                        next = steps.size();
                        ctx.flush();
                        ctx.close();
                        return;
                    }
                    next++;
                    expect.reply().apply(pending).forEach(message -> ctx.write(Unpooled.wrappedBuffer(message)));
                    pending = null;
                }
            }
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            session.closed = true;
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (session.failure == null && !(cause instanceof IOException)) {
                session.failure = cause.toString();
            }
            ctx.close();
        }
    }
}
