package io.github.pgrepl.internal;

import io.github.pgrepl.Action;
import io.github.pgrepl.Cancellable;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.internal.session.Connector;
import io.github.pgrepl.internal.session.ReadHold;
import io.github.pgrepl.internal.session.ReceiveStats;
import io.github.pgrepl.internal.session.ReplicationSession;
import io.github.pgrepl.internal.session.SessionInfo;
import io.github.pgrepl.internal.session.SessionListener;
import io.github.pgrepl.internal.session.SessionPhase;
import io.github.pgrepl.internal.util.Durations;
import io.netty.channel.EventLoop;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection behind a {@code ReplicationConnection}: its mailbox, its handler's callbacks and the
 * {@link Action}s they return, and its life across sessions (connect, standby, disconnect, reconnect, close).
 * It alone decides the {@link ConnectionState}. Everything but its public methods (which are thread-safe) runs on
 * one event loop thread, which is the mailbox: session events, calls, infos and timers are handled there one at a
 * time, so the handler needs no locks.
 *
 * <p>The {@link Reconnector} makes each session; the {@link ReplicationSession} runs it and reports here, as its
 * {@link SessionListener}. While a query runs (and while connecting), calls and infos wait in a postponed queue,
 * as they would behind the synchronous query of Postgrex's ReplicationConnection.
 *
 * <p>Just past 500 lines on purpose: it is Postgrex's state machine (every callback and the action it returns, in
 * one place, so each transition can be read whole); the mailbox, pauses, status, backoff and sessions it drives are
 * classes of their own.
 */
public final class Connection implements SessionListener {

    private static final Logger log = LoggerFactory.getLogger(ReplicationSession.LOG_CATEGORY);

    private final ConnectionConfig config;
    private final ReplicationHandler handler;
    private final EventLoop loop;
    private final Reconnector reconnector;
    private final ServerWait serverWait;
    private final Mailbox mailbox;
    private final StatusRecorder status;
    private final StartGate started = new StartGate();
    private final Pauses pauses;

    // Confined to the loop.
    /** The connected session, or {@code null}. */
    private ReplicationSession session;
    /** Who asked for the running query or stream (its failures and chained actions answer them), or {@code null}. */
    private CallerImpl operationCaller;
    private boolean closed;
    /** Whether handler.init ran: a connection closed before it was started never calls the handler. */
    private boolean initialized;
    private boolean everConnected;
    /** Whether the last error ended a session rather than an attempt. */
    private boolean lastErrorEndedASession;
    private long lastStandbyLogMillis;

    public Connection(ConnectionConfig config, ReplicationHandler handler) {
        this.config = config;
        this.handler = handler;
        this.mailbox = new Mailbox(config.name(), config.eventLoopGroup());
        this.loop = mailbox.loop();
        ReceiveStats received = new ReceiveStats();
        this.status = new StatusRecorder(received);
        this.pauses = new Pauses(status);
        this.reconnector = new Reconnector(config, loop, new Connector(config, loop, received));
        this.serverWait = new ServerWait(config, loop, status::waitingFor);
    }

    // ---------------------------------------------------------------- thread-safe entry points

    /**
     * Runs {@code init} (the handler's {@code init}, given the public connection) on the loop, then connects; with
     * syncConnect, waits until settled (bounded by connectTimeout).
     */
    public void start(Runnable init) {
        loop.execute(() -> {
            if (closed) {
                return; // closed before it was started
            }
            initialized = true;
            if (invoke(Callback.INIT, () -> {
                init.run();
                return Action.noReply();
            }) != null) {
                connect();
            } else {
                started.fail(status.lastError());
            }
        });
        if (config.syncConnect()) {
            started.await(config, loop, this::close, status::lastError);
        }
    }

    public CompletableFuture<Object> call(Object request, Duration timeout) {
        return mailbox.call(request, timeout, caller -> onCall(request, caller));
    }

    public void send(Object message) {
        mailbox.post(() -> onInfo(message));
    }

    public Cancellable sendAfter(Object message, Duration delay) {
        return mailbox.sendAfter(delay, () -> onInfo(message));
    }

    /** Holds the stream as a handler's pause does, until {@link #resumeByOperator}; the handler's resume does not lift it. */
    public void pauseByOperator() {
        mailbox.post(() -> {
            if (pauses.pause(ReadHold.OPERATOR, session)) {
                log.info("[{}] paused by an operator", config.name());
            }
        });
    }

    public void resumeByOperator() {
        mailbox.post(() -> {
            if (pauses.resume(ReadHold.OPERATOR, session)) {
                log.info("[{}] resumed by an operator", config.name());
            }
        });
    }

    public ConnectionStatus status() {
        // Counts and positions are published once per batch; on the loop (in a callback) they are current.
        return status.snapshot(loop.inEventLoop());
    }

    /** Closes the socket (Terminate first), fails pending calls, cancels timers; idempotent. */
    public void close() {
        if (loop.inEventLoop()) {
            shutdown();
        } else {
            // As long as the handler may take to finish the work in hand and confirm it, so that a caller (Spring's
            // stop callback) goes on only once that is done.
            Duration wait = closeTimeout();
            if (!mailbox.runAndWait(this::shutdown, wait)) {
                log.warn("[{}] closing took longer than {}; releasing the event loop anyway", config.name(),
                        Durations.text(wait));
            }
        }
        mailbox.releaseLoop();
    }

    /** The handler's close timeout; a handler that fails to say gets the default. */
    private Duration closeTimeout() {
        try {
            Duration wait = handler.closeTimeout();
            return wait != null && !wait.isNegative() ? wait : Duration.ofSeconds(5);
        } catch (RuntimeException e) {
            log.warn("[{}] {}.closeTimeout() failed; waiting 5 s: {}", config.name(), handler.getClass().getName(), e.toString());
            return Duration.ofSeconds(5);
        }
    }

        /** The server of the current session, else the host list. */
    private String where() {
        ReplicationSession current = session;
        if (current != null) {
            return current.info().endpoint().toString();
        }
        List<Endpoint> hosts = config.endpoints();
        return hosts.size() == 1 ? hosts.get(0).toString() : hosts.toString();
    }

    // ---------------------------------------------------------------- mailbox

    /** While connecting, and while a query runs, calls and infos wait: they may not interleave with it. */
    private boolean busy() {
        return reconnector.isConnecting() || (session != null && session.phase() == SessionPhase.QUERY);
    }

    private void onCall(Object request, CallerImpl caller) {
        if (closed) {
            caller.fail(mailbox.closedException());
        } else if (busy()) {
            mailbox.postpone(() -> onCall(request, caller));
        } else if (!caller.isDone()) {
            apply(invoke(Callback.HANDLE_CALL, () -> handler.handleCall(request, caller)), caller);
        }
    }

    private void onInfo(Object message) {
        if (closed) {
            log.debug("[{}] info dropped, the connection is closed: {}", config.name(), message);
        } else if (busy()) {
            mailbox.postpone(() -> onInfo(message));
        } else {
            apply(invoke(Callback.HANDLE_INFO, () -> handler.handleInfo(message)), null);
        }
    }

    private void runPostponed() {
        mailbox.runPostponed(() -> !busy() && !closed);
    }

    /** Runs a callback; a throwing handler disconnects the connection and yields {@code null}. */
    private Action invoke(Callback callback, Supplier<Action> call) {
        try {
            return callback.checked(call.get());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return callbackFailed(callback, e);
        }
    }

    /** A callback threw: logged, kept as the last error, and (but for the closing ones) the connection drops. */
    private Action callbackFailed(Callback callback, Throwable e) {
        ReplicationException error = new ReplicationException("ReplicationHandler." + callback.method() + " threw "
                + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        log.error("[{}] {}", config.name(), error.getMessage(), e);
        status.lastError(error);
        if (callback.failureDisconnects()) {
            disconnect(error, false);
        }
        return null;
    }

    /** Does what a callback asked; {@code caller} is the call it answered, if any (it hears of a refused query). */
    private void apply(Action action, CallerImpl caller) {
        if (action == null) {
            return;
        }
        sendAcks(action.acks());
        if (action instanceof Action.NoReply) {
            return; // the common case, once per message: nothing more to do
        } else if (action instanceof Action.NoReplyAndPause) {
            pauses.pause(ReadHold.HANDLER, session);
        } else if (action instanceof Action.NoReplyAndResume) {
            pauses.resume(ReadHold.HANDLER, session);
        } else if (action instanceof Action.Query query) {
            startOperation(false, query.sql(), query.timeout(), Action.DEFAULT_MAX_MESSAGES, caller);
        } else if (action instanceof Action.Stream stream) {
            startOperation(true, stream.sql(), null, stream.maxMessages(), caller);
        } else if (action instanceof Action.Disconnect disconnect) {
            disconnect(disconnect.error() != null ? disconnect.error()
                    : new ReplicationException("Disconnect requested by the handler: " + disconnect.reason()), false);
        } else if (action instanceof Action.Standby standby) {
            standby(standby.reason());
        }
    }

    private void sendAcks(List<byte[]> acks) {
        if (acks.isEmpty()) {
            return;
        }
        if (session == null || !session.send(acks)) {
            log.warn("[{}] {} ack(s) dropped: acks are CopyData of a running replication stream, and none is running",
                    config.name(), acks.size());
            return;
        }
        status.acksSent(acks);
    }

    private void startOperation(boolean stream, String sql, Duration queryTimeout, int maxMessages, CallerImpl caller) {
        if (session == null) {
            reject(caller, new ConnectionLostException("Cannot start " + ReplicationSession.describe(stream, sql)
                    + ": not connected (" + status.state() + ")"));
            return;
        }
        // A command that waits on the server would only be timed out to be started again, for ever.
        boolean untimed = queryTimeout == null && !stream && ServerWait.waitsOnServer(sql);
        Duration timeout = queryTimeout != null ? queryTimeout : untimed ? null : config.queryTimeout();
        try {
            if (stream) {
                session.stream(sql, timeout, maxMessages);
            } else {
                session.query(sql, timeout);
            }
            operationCaller = caller;
            if (untimed) {
                serverWait.started(sql, session.info().backendPid());
            }
        } catch (ReplicationException e) {
            reject(caller, e);
        }
    }

    private void reject(CallerImpl caller, ReplicationException error) {
        if (caller != null) {
            caller.fail(error);
        } else {
            log.warn("[{}] {}", config.name(), error.getMessage());
        }
    }

    // ---------------------------------------------------------------- session events (SessionListener, on the loop)

    @Override
    public void onStreamStarted() {
        serverWait.ended();
        status.state(ConnectionState.STREAMING);
        status.attemptsReset();
        if (NonTransientReplicationException.isNonTransient(status.lastError())) {
            status.lastError(null); // a stream runs: what retrying could not fix was fixed
        }
        checkSettled();
        runPostponed(); // what waited while the stream's query started runs now, not when the stream ends
    }

    @Override
    public void onCopyData(ByteBuffer copyData) {
        // Once per message, so not through invoke: a lambda capturing the view makes both escape. The harness
        // measured 70-78 B/msg with it; without, 3-73 B/msg: the view stays off the heap when the JIT inlines
        // the handler here.
        Action action;
        try {
            action = Callback.HANDLE_DATA.checked(handler.handleData(copyData));
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            action = callbackFailed(Callback.HANDLE_DATA, e);
        }
        if (action == Action.noReply()) {
            return; // the common case: no list of acks asked whether it is empty (List.of() here, Arrays.asList for acks)
        }
        apply(action, null);
    }

    @Override
    public void onCopyDone() {
        operationEnded(Callback.HANDLE_COPY_DONE, handler::handleCopyDone);
    }

    @Override
    public void onResult(QueryOutcome outcome) {
        operationEnded(Callback.HANDLE_RESULT, () -> handler.handleResult(outcome));
    }

    /** A query or stream ended and the session is ready: the callback's action may start the next one. */
    private void operationEnded(Callback callback, Supplier<Action> call) {
        CallerImpl caller = operationCaller;
        operationCaller = null;
        serverWait.ended();
        if (status.state() != ConnectionState.STANDBY) {
            status.state(ConnectionState.CONNECTED);
        }
        apply(invoke(callback, call), caller);
        checkSettled();
        runPostponed();
    }

    @Override
    public void onServerError(PgException error) {
        status.lastError(error);
    }

    @Override
    public void onLost(Throwable reason) {
        disconnect(reason, false);
    }

    // ---------------------------------------------------------------- connecting

    private void connect() {
        if (closed) {
            return;
        }
        if (status.state() != ConnectionState.STANDBY) {
            status.state(everConnected || status.reconnectAttempts() > 0 ? ConnectionState.RECONNECTING : ConnectionState.CONNECTING);
        }
        reconnector.connect(this, this::onConnected, this::onConnectFailed);
    }

    private void onConnected(ReplicationSession ready) {
        if (closed) {
            ready.terminate();
            return;
        }
        session = ready;
        SessionInfo info = ready.info();
        status.sessionStarted(info);
        pauses.holdNew(ready);
        ready.watchForSilence(config.silenceTimeout(), status.walSenderTimeout());
        if (status.state() != ConnectionState.STANDBY) {
            // A standby's retries are not reconnects: it stays STANDBY, and its backoff keeps growing,
            // until the handler's stream starts.
            status.state(ConnectionState.CONNECTED);
            status.attemptsReset();
            reconnector.connected();
            if (!(lastErrorEndedASession && NonTransientReplicationException.isNonTransient(status.lastError()))) {
                // Connected: a failed attempt's cause is gone. Not so what ended the last session for good (a
                // missing publication): that stays until a stream runs.
                status.lastError(null);
            }
            if (everConnected) {
                status.reconnected();
            }
        }
        everConnected = true;
        log.info("[{}] connected to {} (pid {}, PostgreSQL {}, {}{})", config.name(), where(), info.backendPid(),
                info.parameters().get("server_version"), info.authenticationMethod(), info.tls() ? ", TLS" : "");
        apply(invoke(Callback.HANDLE_CONNECT, handler::handleConnect), null);
        checkSettled();
        runPostponed();
    }

    private void onConnectFailed(Throwable cause) {
        if (closed) {
            return;
        }
        status.lastError(cause);
        lastErrorEndedASession = false;
        started.fail(cause); // a synchronous start throws this
        if (config.autoReconnect()) {
            int attempt = status.attemptFailed(); // 1 for the first since the connection was last up
            log.warn("[{}] connection attempt {} to {} failed: {}{}", config.name(), attempt, where(),
                    cause.getMessage(), reconnector.retryNote(cause));
            status.state(ConnectionState.RECONNECTING);
            reconnector.retryAfter(cause, this::connect);
        } else {
            log.error("[{}] connecting to {} failed: {}", config.name(), where(), cause.getMessage());
            status.state(ConnectionState.DISCONNECTED);
        }
        runPostponed();
    }

    /** A synchronous start returns once connected with nothing under way: ready, or streaming. */
    private void checkSettled() {
        if (!started.isSettled() && session != null
                && (session.phase() == SessionPhase.READY || session.phase() == SessionPhase.STREAMING)) {
            started.open();
        }
    }

    // ---------------------------------------------------------------- disconnecting

    /** Standby: the socket goes, and the connection waits to take over, quietly (it is not an error). */
    private void standby(String reason) {
        if (!config.autoReconnect()) {
            disconnect(new ReplicationException(reason + "; enable auto-reconnect to wait as a standby"), false);
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastStandbyLogMillis >= 60_000) {
            lastStandbyLogMillis = now;
            log.info("[{}] standby: {} (retrying with backoff; this is logged at most once a minute)", config.name(), reason);
        }
        started.open(); // a standby is a running connection, for a synchronous start
        disconnect(new ReplicationException("Standby: " + reason), true);
    }

    private void disconnect(Throwable reason, boolean standby) {
        ReplicationSession lost = session;
        if (lost == null) {
            return;
        }
        session = null;
        operationCaller = null;
        serverWait.ended();
        lost.terminate();
        pauses.sessionEnded();
        status.sessionEnded();
        status.lastError(reason);
        lastErrorEndedASession = true;
        mailbox.failCalls(new ConnectionLostException("The replication connection was lost: " + reason.getMessage(), reason));
        boolean reconnect = config.autoReconnect();
        status.state(standby ? ConnectionState.STANDBY : reconnect ? ConnectionState.RECONNECTING : ConnectionState.DISCONNECTED);
        if (standby) {
            log.debug("[{}] standby, disconnected from {}", config.name(), lost.info().endpoint());
        } else {
            log.warn("[{}] disconnected from {}: {}{}", config.name(), lost.info().endpoint(), reason.getMessage(),
                    reconnect ? reconnector.retryNote(reason) : "");
        }
        // Before the handler runs: a handler that closes the connection now (it gives up for good) must not turn a
        // synchronous start's error into "closed", which hides why.
        started.fail(reason);
        Action action = invoke(Callback.HANDLE_DISCONNECT, () -> handler.handleDisconnect(reason));
        if (action != null && !(action instanceof Action.NoReply)) {
            log.warn("[{}] handleDisconnect returned {}, which needs a connection; ignored", config.name(), action);
        }
        if (reconnect && !closed) {
            if (standby) {
                status.attemptFailed(); // it connected, but cannot take over yet: a standby's attempts are its retries
            }
            reconnector.retryAfter(reason, this::connect); // a lost session is no failed attempt
        }
        runPostponed();
    }

    private void shutdown() {
        if (closed) {
            return;
        }
        Action last = initialized ? invoke(Callback.HANDLE_CLOSE, handler::handleClose) : null;
        if (last != null) {
            sendAcks(last.acks()); // a final status update, while the stream still runs
        }
        closed = true;
        status.state(ConnectionState.CLOSED);
        reconnector.cancel();
        serverWait.ended();
        ReplicationSession open = session;
        session = null;
        if (open != null) {
            open.terminate();
        }
        pauses.sessionEnded();
        status.sessionEnded();
        mailbox.close();
        started.fail(mailbox.closedException());
        log.info("[{}] closed", config.name());
    }
}
