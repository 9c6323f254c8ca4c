package io.github.pgrepl.internal.session;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.PgException;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.internal.tls.SslContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Makes the sessions of one connection: the TCP connect, the SSLRequest and TLS (with {@code sslmode=allow}'s
 * second try over TLS when the server refuses a plain session), startup and authentication ({@link StartupHandler}),
 * and the delay before the next attempt when one failed. Lives as long as its connection, on its event loop.
 */
public final class Connector {

    private final ConnectionConfig config;
    private final EventLoop loop;
    private final ReceiveStats stats;
    private final Backoff backoff;
    private SslContext sslContext;

    /** @param stats where the sessions made here count what they receive */
    public Connector(ConnectionConfig config, EventLoop loop, ReceiveStats stats) {
        this.config = config;
        this.loop = loop;
        this.stats = stats;
        this.backoff = new Backoff(config.reconnectBackoffMin(), config.reconnectBackoffMax());
    }

    /**
     * Connects a new session that reports to {@code listener}. The future completes on the event loop with the
     * session ready for a query (the last handler of its channel's pipeline), or fails with what to fix; it never
     * takes longer than {@code connectTimeout} per attempt. Cancelling it closes the socket of an attempt still
     * under way as soon as that attempt ends.
     */
    public Future<ReplicationSession> connect(SessionListener listener) {
        Promise<ReplicationSession> ready = loop.newPromise();
        SslMode mode = config.sslMode();
        attempt(mode != SslMode.DISABLE && mode != SslMode.ALLOW, listener, ready);
        return ready;
    }

    /** How long to wait before reconnect attempt {@code attempt} (1 for the first): exponential, with jitter. */
    public long retryDelayNanos(int attempt) {
        return backoff.delayNanos(attempt);
    }

    private void attempt(boolean tls, SessionListener listener, Promise<ReplicationSession> ready) {
        Promise<SessionInfo> startup = loop.newPromise();
        SslContext context;
        try {
            context = tls ? sslContext() : null;
        } catch (ReplicationException e) {
            failed(e, tls, listener, ready);
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new StartupHandler(config, context, startup));
        ChannelFuture connecting = bootstrap.connect(config.host(), config.port());
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            startup.tryFailure(new ReplicationException("Connecting to " + where() + " did not finish within connectTimeout "
                    + config.connectTimeout()));
        }, config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                startup.tryFailure(new ConnectionLostException("Cannot connect to " + where() + ": "
                        + StartupHandler.rootMessage(done.cause()), done.cause()));
            }
        });
        startup.addListener(done -> {
            deadline.cancel(false);
            if (done.isSuccess()) {
                started(connecting.channel(), startup.getNow(), listener, ready);
            } else {
                connecting.channel().close();
                failed(done.cause(), tls, listener, ready);
            }
        });
    }

    private SslContext sslContext() {
        if (sslContext == null) {
            sslContext = SslContexts.forConfig(config);
        }
        return sslContext;
    }

    private void failed(Throwable cause, boolean triedTls, SessionListener listener, Promise<ReplicationSession> ready) {
        if (ready.isCancelled()) {
            return;
        }
        if (config.sslMode() == SslMode.ALLOW && !triedTls && cause instanceof PgException pg && "28000".equals(pg.sqlState())) {
            attempt(true, listener, ready); // allow: the server refused a plain session, so try TLS
            return;
        }
        ready.tryFailure(cause);
    }

    /** Startup is done: the session takes the channel over, from the bytes after ReadyForQuery on. */
    private void started(Channel ch, SessionInfo info, SessionListener listener, Promise<ReplicationSession> ready) {
        if (ready.isCancelled() || !ch.isActive()) {
            ch.close();
            ready.tryFailure(new ConnectionLostException("The server closed the connection right after startup"));
            return;
        }
        ReplicationSession session = new ReplicationSession(config, info, listener, stats);
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast(SessionPipeline.SESSION, session);
        // The startup's frame decoder goes once the read that brought ReadyForQuery is through: the frames it
        // still passes on come first, then its leftover bytes.
        ch.eventLoop().execute(() -> {
            if (pipeline.get(SessionPipeline.FRAMES) != null) {
                pipeline.remove(SessionPipeline.FRAMES);
            }
        });
        if (!ready.trySuccess(session)) {
            session.terminate(); // cancelled meanwhile
        }
    }

    private String where() {
        return config.host() + ":" + config.port();
    }
}
