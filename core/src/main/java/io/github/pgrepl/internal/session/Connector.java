package io.github.pgrepl.internal.session;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.PgException;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.TargetSessionAttrs;
import io.github.pgrepl.internal.protocol.FrontendMessages;
import io.github.pgrepl.internal.tls.SslContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the sessions of one connection: walks the host list (in order, or shuffled with {@code load_balance_hosts})
 * until a server of the wanted kind ({@code target_session_attrs}) answers, and for each host the TCP connect, the
 * SSLRequest and TLS (with {@code sslmode=allow}'s second try over TLS when the server refuses a plain session),
 * startup and authentication ({@link StartupHandler}), which also asks the server whether it is a standby and
 * read-only. It also says how long to wait before the next attempt when a walk found nothing. Lives as long as its
 * connection, on its event loop.
 */
public final class Connector {

    private static final Logger log = LoggerFactory.getLogger(ReplicationSession.LOG_CATEGORY);

    private final ConnectionConfig config;
    private final EventLoop loop;
    private final ReceiveStats stats;
    private final Backoff backoff;
    private final Random random;
    private SslContext sslContext;

    /** @param stats where the sessions made here count what they receive */
    public Connector(ConnectionConfig config, EventLoop loop, ReceiveStats stats) {
        this(config, loop, stats, new Random());
    }

    Connector(ConnectionConfig config, EventLoop loop, ReceiveStats stats, Random random) {
        this.config = config;
        this.loop = loop;
        this.stats = stats;
        this.backoff = new Backoff(config.reconnectBackoffMin(), config.reconnectBackoffMax());
        this.random = random;
    }

    /**
     * Connects a new session that reports to {@code listener}, on the first host of the list that answers and is of
     * the wanted kind. The future completes on the event loop with the session ready for a query (the last handler of
     * its channel's pipeline), or fails with what to fix: with one host, that host's error; with several, each host's.
     * It never takes longer than {@code connectTimeout} per host. Cancelling it closes the socket of an attempt still
     * under way as soon as that attempt ends.
     */
    public Future<ReplicationSession> connect(SessionListener listener) {
        Promise<ReplicationSession> ready = loop.newPromise();
        new Walk(listener, ready).next();
        return ready;
    }

    /** How long to wait before reconnect attempt {@code attempt} (1 for the first): exponential, with jitter. */
    public long retryDelayNanos(int attempt) {
        return backoff.delayNanos(attempt);
    }

    /** The longest reconnect delay: how often an error that retrying cannot fix is retried. */
    public long longestRetryDelayNanos() {
        return backoff.maxDelayNanos();
    }

    /** The hosts in the order one walk tries them: as listed, or shuffled with {@code load_balance_hosts=random}. */
    static List<Endpoint> order(List<Endpoint> endpoints, boolean shuffle, Random random) {
        if (!shuffle || endpoints.size() < 2) {
            return endpoints;
        }
        List<Endpoint> shuffled = new ArrayList<>(endpoints);
        Collections.shuffle(shuffled, random);
        return shuffled;
    }

    /**
     * One walk over the host list: each host in turn until one of the wanted kind is connected. {@code prefer-standby}
     * (and {@code preferPrimary}) walk the list a second time taking any server, as libpq does, when the first walk
     * found none of the preferred kind.
     */
    private final class Walk {

        private final SessionListener listener;
        private final Promise<ReplicationSession> ready;
        private final List<Endpoint> hosts = order(config.endpoints(), config.loadBalanceHosts(), random);
        /** Why each host was passed over, for the error when none is taken. */
        private final List<String> passedOver = new ArrayList<>();
        private Throwable firstError;
        /** Whether every host failed with an error that retrying cannot fix (a wrong password on each). */
        private boolean onlyNonTransient = true;
        private boolean wrongKindSeen;
        private int next;
        private boolean anyKind = config.targetSessionAttrs() == TargetSessionAttrs.ANY;

        Walk(SessionListener listener, Promise<ReplicationSession> ready) {
            this.listener = listener;
            this.ready = ready;
        }

        void next() {
            if (ready.isCancelled()) {
                return;
            }
            if (next == hosts.size()) {
                if (!anyKind && config.targetSessionAttrs().fallsBackToAny()) {
                    anyKind = true; // libpq's second pass of prefer-standby: any server will do
                    next = 0;
                } else {
                    ready.tryFailure(failure());
                    return;
                }
            }
            Endpoint host = hosts.get(next++);
            SslMode mode = config.sslMode();
            attempt(host, mode != SslMode.DISABLE && mode != SslMode.ALLOW, this);
        }

        /** A host answered: keep its session when it is of the wanted kind, else close it and try the next. */
        void connected(Channel ch, SessionInfo info) {
            if (anyKind || config.targetSessionAttrs().accepts(Boolean.TRUE.equals(info.inRecovery()),
                    Boolean.TRUE.equals(info.readOnly()))) {
                started(ch, info, listener, ready);
                return;
            }
            String kind = Boolean.TRUE.equals(info.inRecovery()) ? "a standby (in hot standby)"
                    : Boolean.TRUE.equals(info.readOnly()) ? "read-only (default_transaction_read_only)" : "a primary (read-write)";
            log.debug("[{}] {} is {}, not target_session_attrs={}; trying the next host", config.name(), info.endpoint(), kind,
                    config.targetSessionAttrs().value());
            passedOver.add(info.endpoint() + " is " + kind);
            wrongKindSeen = true;
            ch.writeAndFlush(FrontendMessages.terminate(ch.alloc())).addListener(ChannelFutureListener.CLOSE);
            next();
        }

        /** A host could not be connected: remember why, and try the next. */
        void failed(Endpoint host, Throwable cause) {
            if (ready.isCancelled()) {
                return;
            }
            log.debug("[{}] {} failed: {}; trying the next host", config.name(), host, cause.getMessage());
            if (firstError == null) {
                firstError = cause;
            }
            passedOver.add(cause.getMessage());
            onlyNonTransient &= NonTransientReplicationException.isNonTransient(cause);
            next();
        }

        private Throwable failure() {
            if (hosts.size() == 1 && !wrongKindSeen) {
                return firstError; // one host that failed: its own error, as without a list
            }
            String wanted = config.targetSessionAttrs() == TargetSessionAttrs.ANY ? "No server"
                    : "No server of the kind target_session_attrs=" + config.targetSessionAttrs().value();
            String problem = wanted + " answered among " + hosts.size() + " host(s): " + String.join("; ", passedOver);
            // When each host refused for a reason only a person can fix, so does the list as a whole.
            return onlyNonTransient && !wrongKindSeen ? new NonTransientReplicationException(problem, firstError)
                    : new ConnectionLostException(problem);
        }
    }

    private void attempt(Endpoint host, boolean tls, Walk walk) {
        Promise<SessionInfo> startup = loop.newPromise();
        SslContext context;
        try {
            context = tls ? sslContext() : null;
        } catch (ReplicationException e) {
            failed(host, e, tls, walk);
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new StartupHandler(config, host, context, startup));
        ChannelFuture connecting = bootstrap.connect(host.host(), host.port());
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            startup.tryFailure(new ReplicationException("Connecting to " + host + " did not finish within connectTimeout "
                    + config.connectTimeout()));
        }, config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                startup.tryFailure(new ConnectionLostException("Cannot connect to " + host + ": "
                        + StartupHandler.rootMessage(done.cause()), done.cause()));
            }
        });
        startup.addListener(done -> {
            deadline.cancel(false);
            Channel ch = connecting.channel();
            if (!done.isSuccess()) {
                ch.close();
                failed(host, done.cause(), tls, walk);
            } else if (walk.ready.isCancelled() || !ch.isActive()) {
                ch.close();
                walk.failed(host, new ConnectionLostException("The server at " + host + " closed the connection right after startup"));
            } else {
                walk.connected(ch, startup.getNow());
            }
        });
    }

    private SslContext sslContext() {
        if (sslContext == null) {
            sslContext = SslContexts.forConfig(config);
        }
        return sslContext;
    }

    private void failed(Endpoint host, Throwable cause, boolean triedTls, Walk walk) {
        if (config.sslMode() == SslMode.ALLOW && !triedTls && cause instanceof PgException pg && "28000".equals(pg.sqlState())) {
            attempt(host, true, walk); // allow: the server refused a plain session, so try TLS
            return;
        }
        walk.failed(host, cause);
    }

    /** Startup is done: the session takes the channel over, from the bytes after ReadyForQuery on. */
    private void started(Channel ch, SessionInfo info, SessionListener listener, Promise<ReplicationSession> ready) {
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
}
