package io.github.pgrepl.internal;

import io.github.pgrepl.Action;
import io.github.pgrepl.Cancellable;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.internal.protocol.CopyDataLayout;
import io.github.pgrepl.internal.protocol.FrameInbox;
import io.github.pgrepl.internal.protocol.ErrorResponses;
import io.github.pgrepl.internal.protocol.FrontendMessages;
import io.github.pgrepl.internal.protocol.QueryResultCollector;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine behind a {@link ReplicationConnection}. Everything but the methods marked
 * thread-safe runs on one event loop thread, which is the connection's mailbox: socket messages,
 * calls, infos and timers are handled there one at a time, so the handler needs no locks.
 *
 * <p>Socket bytes go into an inbox ({@link FrameInbox}), taken apart into messages as they are drained.
 * Pause stops draining it and turns Netty's autoRead off, so the kernel buffer fills and TCP holds the
 * walsender; what one read already brought stays held, in order, until resume. While a query runs (and
 * during startup), calls and infos wait in a postponed queue, as they would behind the seed's
 * synchronous query.
 */
public final class ConnectionDriver {

    private static final Logger log = LoggerFactory.getLogger(ReplicationConnection.class);

    private enum Phase { DISCONNECTED, STARTUP, READY, QUERY, STREAMING, STREAM_ENDING, CLOSED }

    private final ConnectionConfig config;
    private final ReplicationHandler handler;
    private final ReplicationConnection owner;
    private final EventLoopGroup ownedGroup;
    private final EventLoop loop;
    private final Backoff backoff;
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private final Set<CallerImpl> pendingCalls = ConcurrentHashMap.newKeySet();
    private final Set<ScheduledFuture<?>> timers = ConcurrentHashMap.newKeySet();

    // Confined to the loop.
    private final FrameInbox inbox;
    private final long minReadIntervalNanos;
    private final ArrayDeque<Runnable> postponed = new ArrayDeque<>();
    private Phase phase = Phase.DISCONNECTED;
    private Channel channel;
    private Operation operation;
    private boolean copyBoth;
    private int maxMessages = Action.DEFAULT_MAX_MESSAGES;
    private boolean paused;
    private boolean operatorPaused;
    private boolean autoRead = true;
    private boolean drainScheduled;
    /** Reading is off until the stream's minimum read interval has passed since the last read. */
    private boolean napping;
    private PgException fatalError;
    private ScheduledFuture<?> reconnectTimer;
    private ScheduledFuture<?> silenceCheck;
    private long lastActivityMillis;
    private long lastStandbyLogMillis;
    private boolean everConnected;
    /** Whether handler.init ran: a connection closed before it was started never calls the handler. */
    private boolean initialized;
    private SslContext sslContext;
    private long received;
    private long receivedBytes;
    /** Of the messages drained so far; the volatile copies are written once per batch. */
    private long receivedLsn;
    private long walEnd;

    // Written on the loop, read by status() from any thread.
    private volatile ConnectionState state = ConnectionState.CONNECTING;
    private volatile long lastReceivedLsn;
    private volatile long lastFlushedLsn;
    private volatile long serverWalEnd;
    private volatile long lastMessageAtMillis;
    private volatile long pausedSinceMillis;
    private volatile int reconnectAttempts;
    private volatile long reconnects;
    private volatile Throwable lastError;
    private volatile long messagesReceived;
    private volatile long bytesReceived;
    private volatile SessionInfo session;
    private volatile Duration walSenderTimeout;

    public ConnectionDriver(ConnectionConfig config, ReplicationHandler handler, ReplicationConnection owner) {
        this.config = config;
        this.handler = handler;
        this.owner = owner;
        this.backoff = new Backoff(config.reconnectBackoffMin(), config.reconnectBackoffMax());
        this.inbox = new FrameInbox(config.maxMessageSize());
        this.minReadIntervalNanos = config.minReadInterval().toNanos();
        if (config.eventLoopGroup() != null) {
            this.ownedGroup = null;
            this.loop = config.eventLoopGroup().next();
        } else {
            this.ownedGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pgrepl-" + config.name()),
                    NioIoHandler.newFactory());
            this.loop = ownedGroup.next();
        }
    }

    // ---------------------------------------------------------------- thread-safe entry points

    /** Starts connecting; with syncConnect, waits until settled (bounded by connectTimeout). */
    public void start() {
        loop.execute(() -> {
            if (phase == Phase.CLOSED) {
                return; // closed before it was started
            }
            initialized = true;
            if (invoke("init", () -> {
                handler.init(owner);
                return Action.noReply();
            }) != null) {
                connect();
            } else if (!settled.isDone()) {
                settled.completeExceptionally(lastError);
            }
        });
        if (!config.syncConnect()) {
            return;
        }
        if (loop.inEventLoop()) {
            throw new IllegalStateException("A synchronous start cannot run on the event loop it would wait for;"
                    + " use syncConnect(false) when starting from a handler of a connection sharing the group");
        }
        try {
            settled.get(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            throw new ReplicationException("Could not connect to " + where() + " within connectTimeout "
                    + config.connectTimeout() + describeLastError() + "; check that the server is up and reachable,"
                    + " or raise connectTimeout");
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new ReplicationException("Interrupted while connecting to " + where(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            throw new ReplicationException("Could not start the replication connection to " + where() + ": "
                    + cause.getMessage(), cause);
        }
    }

    private String describeLastError() {
        Throwable error = lastError;
        return error == null ? "" : " (last error: " + error.getMessage() + ")";
    }

    public CompletableFuture<Object> call(Object request, Duration timeout) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        CallerImpl caller = new CallerImpl(future);
        pendingCalls.add(caller);
        future.whenComplete((value, error) -> pendingCalls.remove(caller));
        if (!execute(() -> onCall(request, caller))) {
            future.completeExceptionally(closedException());
            return future;
        }
        try {
            ScheduledFuture<?> timer = loop.schedule(() -> future.completeExceptionally(new TimeoutException(
                    "call(" + request + ") got no reply within " + timeout
                            + ": the handler must reply through its Caller, now or later")),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            future.whenComplete((value, error) -> timer.cancel(false));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(closedException());
        }
        return future;
    }

    public void send(Object message) {
        execute(() -> onInfo(message));
    }

    public Cancellable sendAfter(Object message, Duration delay) {
        ScheduledFuture<?>[] holder = new ScheduledFuture<?>[1];
        ScheduledFuture<?> timer;
        try {
            timer = loop.schedule(() -> {
                timers.remove(holder[0]);
                onInfo(message);
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return () -> false;
        }
        holder[0] = timer;
        timers.add(timer);
        if (timer.isDone()) {
            timers.remove(timer);
        }
        return () -> {
            timers.remove(timer);
            return timer.cancel(false);
        };
    }

    /** Holds the socket as a handler's pause does, until {@link #resumeByOperator}; the handler's resume does not lift it. */
    public void pauseByOperator() {
        execute(() -> {
            if (!operatorPaused) {
                operatorPaused = true;
                log.info("[{}] paused by an operator", config.name());
                if (!paused) {
                    pausedSinceMillis = System.currentTimeMillis();
                }
                updateAutoRead();
            }
        });
    }

    public void resumeByOperator() {
        execute(() -> {
            if (operatorPaused) {
                operatorPaused = false;
                log.info("[{}] resumed by an operator", config.name());
                if (!paused) {
                    pausedSinceMillis = 0;
                    if (inbox.isEmpty()) {
                        updateAutoRead();
                    } else {
                        scheduleDrain();
                    }
                }
            }
        });
    }

    public ConnectionStatus status() {
        long pausedSince = pausedSinceMillis;
        long lastMessage = lastMessageAtMillis;
        SessionInfo info = session;
        // The counters and positions are published once per batch; on the loop (in a callback) they are current.
        boolean onLoop = loop.inEventLoop();
        return new ConnectionStatus(state, pausedSince != 0, Lsn.of(onLoop ? receivedLsn : lastReceivedLsn),
                Lsn.of(lastFlushedLsn), Lsn.of(onLoop ? walEnd : serverWalEnd),
                lastMessage == 0 ? null : Instant.ofEpochMilli(lastMessage), reconnectAttempts, lastError,
                pausedSince == 0 ? null : Instant.ofEpochMilli(pausedSince), onLoop ? received : messagesReceived,
                onLoop ? receivedBytes : bytesReceived,
                reconnects, info == null ? 0 : info.backendPid(),
                info == null ? null : info.parameters().get("server_version"),
                info == null ? null : info.authenticationMethod(), info != null && info.tls(), walSenderTimeout);
    }

    /** Closes the socket (Terminate first), fails pending calls, cancels timers; idempotent. */
    public void close() {
        if (loop.inEventLoop()) {
            shutdown();
        } else {
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (execute(() -> {
                shutdown();
                done.complete(null);
            })) {
                try {
                    done.get(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    log.warn("[{}] closing took longer than 5 s; releasing the event loop anyway", config.name());
                }
            }
        }
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    private boolean execute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private ReplicationException closedException() {
        return new ReplicationException("The replication connection '" + config.name() + "' is closed");
    }

    private String where() {
        return config.host() + ":" + config.port();
    }

    // ---------------------------------------------------------------- mailbox events

    private boolean busy() {
        return phase == Phase.STARTUP || phase == Phase.QUERY;
    }

    private void onCall(Object request, CallerImpl caller) {
        if (phase == Phase.CLOSED) {
            caller.fail(closedException());
        } else if (busy()) {
            postponed.add(() -> onCall(request, caller));
        } else if (!caller.isDone()) {
            apply(invoke("handleCall", () -> handler.handleCall(request, caller)), caller);
        }
    }

    private void onInfo(Object message) {
        if (phase == Phase.CLOSED) {
            log.debug("[{}] info dropped, the connection is closed: {}", config.name(), message);
        } else if (busy()) {
            postponed.add(() -> onInfo(message));
        } else {
            apply(invoke("handleInfo", () -> handler.handleInfo(message)), null);
        }
    }

    private void runPostponed() {
        Runnable event;
        while (!busy() && phase != Phase.CLOSED && (event = postponed.poll()) != null) {
            event.run();
        }
    }

    /** Runs a callback; a throwing handler disconnects the connection and yields {@code null}. */
    private Action invoke(String callback, Supplier<Action> call) {
        try {
            Action action = call.get();
            if (action == null) {
                throw new NullPointerException(callback + " returned null; return Action.noReply() to do nothing");
            }
            return action;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return callbackFailed(callback, e);
        }
    }

    /** A callback threw: logged, kept as the last error, and (but for the closing ones) the connection drops. */
    private Action callbackFailed(String callback, Throwable e) {
        ReplicationException error = new ReplicationException("ReplicationHandler." + callback + " threw "
                + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        log.error("[{}] {}", config.name(), error.getMessage(), e);
        lastError = error;
        if (!"handleDisconnect".equals(callback) && !"handleClose".equals(callback)) {
            disconnect(error);
        }
        return null;
    }

    private void apply(Action action, CallerImpl caller) {
        if (action == null) {
            return;
        }
        sendAcks(action.acks());
        if (action instanceof Action.NoReply) {
            return; // the common case, once per message: nothing more to do
        } else if (action instanceof Action.NoReplyAndPause) {
            pause();
        } else if (action instanceof Action.NoReplyAndResume) {
            resume();
        } else if (action instanceof Action.Query query) {
            startOperation(false, query.sql(), query.timeout(), Action.DEFAULT_MAX_MESSAGES, caller);
        } else if (action instanceof Action.Stream stream) {
            startOperation(true, stream.sql(), null, stream.maxMessages(), caller);
        } else if (action instanceof Action.Disconnect disconnect) {
            disconnect(new ReplicationException("Disconnect requested by the handler: " + disconnect.reason()));
        } else if (action instanceof Action.Standby standby) {
            standby(standby.reason());
        }
    }

    private void sendAcks(java.util.List<byte[]> acks) {
        if (acks.isEmpty()) {
            return;
        }
        if (channel == null || phase != Phase.STREAMING || !copyBoth) {
            log.warn("[{}] {} ack(s) dropped: acks are CopyData of a running replication stream, and none is running",
                    config.name(), acks.size());
            return;
        }
        for (byte[] ack : acks) {
            if (CopyDataLayout.isStandbyStatusUpdate(ack)) {
                long flushed = ByteBuffer.wrap(ack).getLong(CopyDataLayout.STATUS_FLUSHED);
                if (Long.compareUnsigned(flushed, lastFlushedLsn) > 0) {
                    lastFlushedLsn = flushed;
                }
            }
            channel.write(FrontendMessages.copyData(channel.alloc(), ack))
                    .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }
        channel.flush();
    }

    private void pause() {
        if (!paused) {
            paused = true;
            if (!operatorPaused) {
                pausedSinceMillis = System.currentTimeMillis();
            }
            updateAutoRead();
        }
    }

    private void resume() {
        if (paused) {
            paused = false;
            if (operatorPaused) {
                return; // the operator's hold stays
            }
            pausedSinceMillis = 0;
            if (inbox.isEmpty()) {
                updateAutoRead();
            } else {
                scheduleDrain(); // held messages first, in order; reading starts once they are delivered
            }
        }
    }

    private void startOperation(boolean stream, String sql, Duration queryTimeout, int maxMessages, CallerImpl caller) {
        String what = (stream ? "stream" : "query") + " '" + abbreviate(sql) + "'";
        if (phase == Phase.STREAMING || phase == Phase.STREAM_ENDING) {
            reject(caller, new ReplicationException("Cannot start " + what + ": stream in progress. A connection runs one"
                    + " stream at a time; the running stream goes on"));
            return;
        }
        if (phase != Phase.READY) {
            reject(caller, new ConnectionLostException("Cannot start " + what + ": not connected (" + state + ")"));
            return;
        }
        Duration timeout = queryTimeout != null ? queryTimeout : config.queryTimeout();
        Operation op = new Operation(sql, maxMessages, caller);
        operation = op;
        phase = Phase.QUERY;
        op.timeout = loop.schedule(() -> onQueryTimeout(op, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        channel.writeAndFlush(FrontendMessages.query(channel.alloc(), sql))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    private void reject(CallerImpl caller, ReplicationException error) {
        if (caller != null) {
            caller.fail(error);
        } else {
            log.warn("[{}] {}", config.name(), error.getMessage());
        }
    }

    private void onQueryTimeout(Operation op, Duration timeout) {
        if (operation == op && phase == Phase.QUERY) {
            disconnect(new ReplicationException("The query '" + abbreviate(op.sql) + "' got no answer within " + timeout
                    + "; the connection was closed. Raise the query timeout if the query is legitimately slow"));
        }
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }

    // ---------------------------------------------------------------- connecting

    private void connect() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.STARTUP;
        if (state != ConnectionState.STANDBY) {
            state = everConnected || reconnectAttempts > 0 ? ConnectionState.RECONNECTING : ConnectionState.CONNECTING;
        }
        SslMode mode = config.sslMode();
        attempt(mode != SslMode.DISABLE && mode != SslMode.ALLOW);
    }

    private void attempt(boolean tls) {
        Promise<SessionInfo> result = loop.newPromise();
        SslContext context;
        try {
            context = tls ? sslContext() : null;
        } catch (ReplicationException e) {
            onConnectFailed(e, tls);
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new StartupHandler(config, context, result));
        ChannelFuture connecting = bootstrap.connect(config.host(), config.port());
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            result.tryFailure(new ReplicationException("Connecting to " + where() + " did not finish within connectTimeout "
                    + config.connectTimeout()));
        }, config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        connecting.addListener(done -> {
            if (!done.isSuccess()) {
                result.tryFailure(new ConnectionLostException("Cannot connect to " + where() + ": "
                        + StartupHandler.rootMessage(done.cause()), done.cause()));
            }
        });
        result.addListener(done -> {
            deadline.cancel(false);
            if (done.isSuccess()) {
                onConnected(connecting.channel(), result.getNow());
            } else {
                connecting.channel().close();
                onConnectFailed(done.cause(), tls);
            }
        });
    }

    private SslContext sslContext() {
        if (sslContext == null) {
            sslContext = io.github.pgrepl.internal.tls.SslContexts.forConfig(config);
        }
        return sslContext;
    }

    private void onConnected(Channel ch, SessionInfo info) {
        if (phase != Phase.STARTUP || !ch.isActive()) {
            ch.close();
            if (phase == Phase.STARTUP) {
                onConnectFailed(new ConnectionLostException("The server closed the connection right after startup"), info.tls());
            }
            return;
        }
        channel = ch;
        session = info;
        if (info.walSenderTimeout() != null) {
            walSenderTimeout = info.walSenderTimeout();
        }
        ch.pipeline().addLast("pgrepl", new InboundHandler());
        // From here the inbox takes the stream apart. The startup's frame decoder goes once the read that
        // brought ReadyForQuery is through: the frames it still passes on come first, then its leftover bytes.
        ch.eventLoop().execute(() -> {
            if (ch.pipeline().get("messages") != null) {
                ch.pipeline().remove("messages");
            }
        });
        startSilenceCheck();
        phase = Phase.READY;
        fatalError = null;
        if (state != ConnectionState.STANDBY) {
            // A standby's retries are not reconnects: it stays STANDBY, and its backoff keeps growing,
            // until the handler's stream starts.
            state = ConnectionState.CONNECTED;
            reconnectAttempts = 0;
            lastError = null;
            if (everConnected) {
                reconnects++;
            }
        }
        everConnected = true;
        log.info("[{}] connected to {} (pid {}, PostgreSQL {}, {}{})", config.name(), where(), info.backendPid(),
                info.parameters().get("server_version"), info.authenticationMethod(), info.tls() ? ", TLS" : "");
        apply(invoke("handleConnect", handler::handleConnect), null);
        checkSettled();
        runPostponed();
    }

    private void onConnectFailed(Throwable cause, boolean triedTls) {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (config.sslMode() == SslMode.ALLOW && !triedTls && cause instanceof PgException pg && "28000".equals(pg.sqlState())) {
            attempt(true); // allow: the server refused a plain connection, so try TLS
            return;
        }
        phase = Phase.DISCONNECTED;
        lastError = cause;
        if (!settled.isDone()) {
            settled.completeExceptionally(cause); // a synchronous start throws this
        }
        if (config.autoReconnect()) {
            log.warn("[{}] connection attempt {} to {} failed: {}", config.name(), reconnectAttempts, where(), cause.getMessage());
            scheduleReconnect();
        } else {
            log.error("[{}] connecting to {} failed: {}", config.name(), where(), cause.getMessage());
            state = ConnectionState.DISCONNECTED;
        }
        runPostponed();
    }

    private void scheduleReconnect() {
        reconnectAttempts++;
        state = ConnectionState.RECONNECTING;
        long delay = backoff.delayNanos(reconnectAttempts);
        reconnectTimer = loop.schedule(this::connect, delay, TimeUnit.NANOSECONDS);
    }

    private void checkSettled() {
        if (!settled.isDone() && (phase == Phase.READY || phase == Phase.STREAMING)) {
            settled.complete(null);
        }
    }

    // ---------------------------------------------------------------- disconnecting

    private void disconnect(Throwable reason) {
        disconnect(reason, false);
    }

    /** Standby: the socket goes, and the connection waits to take over, quietly (it is not an error). */
    private void standby(String reason) {
        if (!config.autoReconnect()) {
            disconnect(new ReplicationException(reason + "; enable auto-reconnect to wait as a standby"));
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastStandbyLogMillis >= 60_000) {
            lastStandbyLogMillis = now;
            log.info("[{}] standby: {} (retrying with backoff; this is logged at most once a minute)", config.name(), reason);
        }
        settled.complete(null); // a standby is a running connection, for a synchronous start
        disconnect(new ReplicationException("Standby: " + reason), true);
    }

    private void disconnect(Throwable reason, boolean standby) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        channel = null;
        closeGracefully(ch);
        clearSession();
        phase = Phase.DISCONNECTED;
        lastError = reason;
        failPendingCalls(new ConnectionLostException("The replication connection was lost: " + reason.getMessage(), reason));
        boolean reconnect = config.autoReconnect();
        state = standby ? ConnectionState.STANDBY : reconnect ? ConnectionState.RECONNECTING : ConnectionState.DISCONNECTED;
        if (standby) {
            log.debug("[{}] standby, disconnected from {}", config.name(), where());
        } else {
            log.warn("[{}] disconnected from {}: {}", config.name(), where(), reason.getMessage());
        }
        Action action = invoke("handleDisconnect", () -> handler.handleDisconnect(reason));
        if (action != null && !(action instanceof Action.NoReply)) {
            log.warn("[{}] handleDisconnect returned {}, which needs a connection; ignored", config.name(), action);
        }
        if (!settled.isDone()) {
            settled.completeExceptionally(reason);
        }
        if (phase == Phase.DISCONNECTED && reconnect) {
            scheduleReconnect();
            if (standby) {
                state = ConnectionState.STANDBY;
            }
        }
        runPostponed();
    }

    private void clearSession() {
        if (silenceCheck != null) {
            silenceCheck.cancel(false);
            silenceCheck = null;
        }
        inbox.release();
        if (operation != null && operation.timeout != null) {
            operation.timeout.cancel(false);
        }
        operation = null;
        paused = false;
        pausedSinceMillis = operatorPaused ? System.currentTimeMillis() : 0;
        autoRead = true;
        drainScheduled = false;
        napping = false;
        copyBoth = false;
        session = null;
    }

    private void closeGracefully(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(FrontendMessages.terminate(ch.alloc())).addListener(ChannelFutureListener.CLOSE);
            ch.eventLoop().schedule(() -> ch.close(), 1, TimeUnit.SECONDS); // in case the write never completes
        } else {
            ch.close();
        }
    }

    private void failPendingCalls(ReplicationException error) {
        for (CallerImpl caller : pendingCalls.toArray(CallerImpl[]::new)) {
            caller.fail(error);
        }
    }

    private void shutdown() {
        if (phase == Phase.CLOSED) {
            return;
        }
        Action last = initialized ? invoke("handleClose", handler::handleClose) : null;
        if (last != null && !last.acks().isEmpty()) {
            sendAcks(last.acks()); // a final status update, while the stream still runs
        }
        phase = Phase.CLOSED;
        state = ConnectionState.CLOSED;
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
        }
        for (ScheduledFuture<?> timer : timers) {
            timer.cancel(false);
        }
        timers.clear();
        Channel ch = channel;
        channel = null;
        clearSession();
        if (ch != null) {
            closeGracefully(ch);
        }
        postponed.clear();
        failPendingCalls(closedException());
        if (!settled.isDone()) {
            settled.completeExceptionally(closedException());
        }
        log.info("[{}] closed", config.name());
    }

    // ---------------------------------------------------------------- half-open detection

    /** The silence allowed on a running replication stream, or {@code null} for no check. */
    private Duration silenceTimeout() {
        Duration configured = config.silenceTimeout();
        if (configured != null) {
            return configured.isZero() ? null : configured;
        }
        Duration server = walSenderTimeout;
        return server == null || server.isZero() ? null : server.multipliedBy(2);
    }

    private void startSilenceCheck() {
        Duration timeout = silenceTimeout();
        lastActivityMillis = System.currentTimeMillis();
        if (timeout != null) {
            long period = Math.max(timeout.toMillis() / 4, 50);
            silenceCheck = loop.scheduleAtFixedRate(() -> checkSilence(timeout), period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A walsender sends a keepalive at least every half wal_sender_timeout; hearing nothing for longer
     * means the socket is half-open (a dead peer, a cut cable, a stalled proxy). Paused, we do not read,
     * so silence proves nothing then.
     */
    private void checkSilence(Duration timeout) {
        if (channel == null || phase != Phase.STREAMING || !copyBoth || paused || operatorPaused || inbox.hasMessage()) {
            lastActivityMillis = Math.max(lastActivityMillis, System.currentTimeMillis() - 1);
            return;
        }
        long silentFor = System.currentTimeMillis() - Math.max(lastActivityMillis, lastMessageAtMillis);
        if (silentFor > timeout.toMillis()) {
            disconnect(new ConnectionLostException("No message from " + where() + " for " + silentFor + " ms (allowed "
                    + timeout.toMillis() + " ms, twice wal_sender_timeout unless set): the connection is presumed dead"
                    + " (half-open) and is closed"));
        }
    }

    // ---------------------------------------------------------------- socket messages

    private void scheduleDrain() {
        if (!drainScheduled) {
            drainScheduled = true;
            updateAutoRead();
            loop.execute(this::drain);
        }
    }

    private void drain() {
        drainScheduled = false;
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        int delivered = 0;
        while (inbox.hasMessage()) {
            if (phase == Phase.STREAMING && (paused || operatorPaused)) {
                break;
            }
            if (phase == Phase.STREAMING && delivered >= maxMessages) {
                scheduleDrain(); // let timers and calls in before the next batch
                break;
            }
            byte type;
            try {
                type = inbox.next();
                process(type);
            } catch (TooLongFrameException e) {
                disconnect(new ReplicationException(e.getMessage(), e));
                return;
            } catch (RuntimeException e) {
                disconnect(e instanceof ReplicationException ? e
                        : new ReplicationException("Protocol error: " + e.getMessage(), e));
                return;
            }
            if (channel != ch) {
                return; // disconnected or closed meanwhile; the inbox was cleared
            }
            if (type == 'd') {
                delivered++;
            }
        }
        inbox.compact();
        messagesReceived = received;
        bytesReceived = receivedBytes;
        lastReceivedLsn = receivedLsn;
        serverWalEnd = walEnd;
        updateAutoRead();
    }

    /**
     * While streaming, reading stays off for {@link ConnectionConfig#minReadInterval()} after each read, so
     * that what arrives meanwhile is read at once (see there for why).
     */
    private void napAfterRead(Channel ch) {
        if (minReadIntervalNanos > 0 && phase == Phase.STREAMING && autoRead && !napping) {
            napping = true;
            updateAutoRead();
            loop.schedule(() -> {
                if (channel == ch && napping) {
                    napping = false;
                    updateAutoRead();
                }
            }, minReadIntervalNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void updateAutoRead() {
        Channel ch = channel;
        boolean wanted = !((paused || operatorPaused) && phase == Phase.STREAMING) && !inbox.hasMessage() && !drainScheduled
                && !napping;
        if (ch != null && wanted != autoRead) {
            autoRead = wanted;
            ch.config().setAutoRead(wanted);
        }
    }

    /** One message {@link FrameInbox#next} took; its body is the inbox's until the next. */
    private void process(byte type) {
        switch (type) {
            case 'd' -> onCopyData();
            case 'W' -> onCopyStart(true);
            case 'H' -> onCopyStart(false);
            case 'G' -> channel.writeAndFlush(FrontendMessages.copyFail(channel.alloc(), "COPY FROM STDIN is not supported by pgrepl"));
            case 'c' -> onCopyDone();
            case 'T' -> requireOperation(type).results.rowDescription(inbox.body());
            case 'D' -> requireOperation(type).results.dataRow(inbox.body());
            case 'C' -> requireOperation(type).results.commandComplete(inbox.body());
            case 'I' -> requireOperation(type);
            case 'E' -> onError(ErrorResponses.exception(inbox.body()));
            case 'N' -> log.info("[{}] server notice: {}", config.name(), ErrorResponses.notice(inbox.body()));
            case 'S', 'A', 'K' -> {
                // parameter changes and notifications do not concern replication
            }
            case 'Z' -> onReadyForQuery();
            default -> throw new ReplicationException("Protocol error: unexpected message '" + (char) type + "' in phase " + phase);
        }
    }

    private Operation requireOperation(byte type) {
        if (operation == null) {
            throw new ReplicationException("Protocol error: message '" + (char) type + "' arrived with no query running");
        }
        return operation;
    }

    private void onCopyData() {
        if (phase != Phase.STREAMING) {
            throw new ReplicationException("Protocol error: CopyData arrived outside a stream (phase " + phase + ")");
        }
        int length = inbox.bodyLength();
        received++;
        receivedBytes += length;
        if (copyBoth && length > 0) {
            trackPositions(length);
        }
        // Once per message, so not through invoke: a lambda capturing the view makes both escape. The harness
        // measured 70-78 B/msg with it; without, 3-73 B/msg: the view stays off the heap when the JIT inlines
        // the handler here.
        ByteBuffer data = inbox.bodyView();
        Action action;
        try {
            action = handler.handleData(data);
            if (action == null) {
                throw new NullPointerException("handleData returned null; return Action.noReply() to do nothing");
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            action = callbackFailed("handleData", e);
        }
        apply(action, null);
    }

    /**
     * Keeps the LSNs of status() current from XLogData and keepalive headers; published to other threads
     * at the end of each batch (see {@link #drain}).
     */
    private void trackPositions(int length) {
        byte kind = inbox.bodyByte(0);
        if (kind == CopyDataLayout.XLOG_DATA && length >= CopyDataLayout.XLOG_DATA_HEADER_LENGTH) {
            raiseReceived(inbox.bodyLong(CopyDataLayout.XLOG_DATA_WAL_START));
            walEnd = inbox.bodyLong(CopyDataLayout.XLOG_DATA_WAL_END);
        } else if (kind == CopyDataLayout.PRIMARY_KEEPALIVE && length >= CopyDataLayout.KEEPALIVE_LENGTH) {
            long end = inbox.bodyLong(CopyDataLayout.KEEPALIVE_WAL_END);
            raiseReceived(end);
            walEnd = end;
        }
    }

    private void raiseReceived(long lsn) {
        if (Long.compareUnsigned(lsn, receivedLsn) > 0) {
            receivedLsn = lsn;
        }
    }

    private void onCopyStart(boolean both) {
        Operation op = requireOperation(both ? (byte) 'W' : (byte) 'H');
        if (op.timeout != null) {
            op.timeout.cancel(false);
        }
        phase = Phase.STREAMING;
        state = ConnectionState.STREAMING;
        reconnectAttempts = 0;
        copyBoth = both;
        maxMessages = op.maxMessages;
        checkSettled();
    }

    private void onCopyDone() {
        if (phase == Phase.STREAMING) {
            if (copyBoth) {
                channel.writeAndFlush(FrontendMessages.copyDone(channel.alloc()));
            }
            phase = Phase.STREAM_ENDING;
        }
    }

    private void onError(PgException error) {
        if (error.isFatal()) {
            fatalError = error; // the server closes the socket next; this is the reason to report
        }
        if (operation != null && operation.error == null) {
            operation.error = error;
        } else if (operation == null) {
            log.warn("[{}] server error outside a query: {}", config.name(), error.getMessage());
            lastError = error;
        }
        if (phase == Phase.STREAMING) {
            phase = Phase.STREAM_ENDING;
        }
    }

    private void onReadyForQuery() {
        Phase previous = phase;
        Operation op = operation;
        operation = null;
        phase = Phase.READY;
        if (state != ConnectionState.STANDBY) {
            state = ConnectionState.CONNECTED;
        }
        copyBoth = false;
        if (op != null && op.timeout != null) {
            op.timeout.cancel(false);
        }
        if (op == null) {
            return;
        }
        if (previous == Phase.QUERY) {
            QueryOutcome outcome = op.error != null ? new QueryOutcome.Failure(op.error)
                    : new QueryOutcome.Success(op.results.results());
            apply(invoke("handleResult", () -> handler.handleResult(outcome)), op.caller);
        } else if (op.error != null) {
            apply(invoke("handleResult", () -> handler.handleResult(new QueryOutcome.Failure(op.error))), op.caller);
        } else {
            apply(invoke("handleCopyDone", handler::handleCopyDone), op.caller);
        }
        checkSettled();
        runPostponed();
    }

    private void onChannelGone(Channel ch, Throwable cause) {
        if (ch != channel) {
            return;
        }
        Throwable reason;
        if (fatalError != null) {
            reason = fatalError;
        } else if (cause instanceof ReplicationException) {
            reason = cause;
        } else if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() == null) {
            reason = new ReplicationException(cause.getMessage(), cause);
        } else if (cause != null) {
            reason = new ConnectionLostException("Connection to " + where() + " failed: " + StartupHandler.rootMessage(cause), cause);
        } else {
            reason = new ConnectionLostException("The server at " + where() + " closed the connection");
        }
        disconnect(reason);
    }

    /** The last handler of a ready session's pipeline: feeds the inbox and reports the socket's end. */
    private final class InboundHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ctx.channel() == channel) {
                inbox.append(ctx.alloc(), (ByteBuf) msg); // throws on an impossible length: exceptionCaught closes
            } else {
                ((ByteBuf) msg).release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel) {
                lastMessageAtMillis = System.currentTimeMillis();
                if (!drainScheduled) {
                    drain();
                }
                napAfterRead(ctx.channel());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onChannelGone(ctx.channel(), null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            onChannelGone(ctx.channel(), cause);
        }
    }

    /** A query or stream from its Query message to its ReadyForQuery. */
    private static final class Operation {
        final String sql;
        final int maxMessages;
        final CallerImpl caller;
        final QueryResultCollector results = new QueryResultCollector();
        ScheduledFuture<?> timeout;
        PgException error;

        Operation(String sql, int maxMessages, CallerImpl caller) {
            this.sql = sql;
            this.maxMessages = maxMessages;
            this.caller = caller;
        }
    }
}
