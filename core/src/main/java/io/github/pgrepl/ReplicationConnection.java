package io.github.pgrepl;

import io.github.pgrepl.internal.Connection;
import io.github.pgrepl.internal.util.Durations;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection to PostgreSQL in replication mode, driven by a {@link ReplicationHandler} callback
 * module: a Java/Netty port of Postgrex's ReplicationConnection, extended with socket pause/resume.
 *
 * <p>Each connection has a mailbox, its own event loop thread by default: socket messages, calls,
 * infos and timers are handled there one at a time. A handler returns
 * {@link Action#noReplyAndPause} to stop reading WAL (TCP backpressure holds the walsender) while
 * its timers keep sending status updates, and {@link Action#noReplyAndResume} to read again.
 *
 * <pre>{@code
 * ReplicationConnection conn = ReplicationConnection.start(config, new MyHandler());
 * conn.call("lag").get();
 * conn.close();
 * }</pre>
 *
 * <p>{@link #call}, {@link #send}, {@link #sendAfter}, {@link #status} and {@link #close} are safe
 * from any thread.
 */
public final class ReplicationConnection implements AutoCloseable {

    private final ConnectionConfig config;
    private final ReplicationHandler handler;
    private final Connection connection;
    private final AtomicBoolean connectCalled = new AtomicBoolean();

    private ReplicationConnection(ConnectionConfig config, ReplicationHandler handler) {
        this.config = config;
        this.handler = handler;
        this.connection = new Connection(config, handler);
    }

    /**
     * Creates the connection, calls {@link ReplicationHandler#init} and connects. With
     * {@link ConnectionConfig#syncConnect()} (the default) it returns once connected and the actions
     * returned from {@code handleConnect} have settled (a {@code noReply} or a running stream), and
     * throws a {@link ReplicationException} otherwise, never later than {@code connectTimeout}.
     */
    public static ReplicationConnection start(ConnectionConfig config, ReplicationHandler handler) {
        ReplicationConnection connection = create(config, handler);
        connection.connect();
        return connection;
    }

    /**
     * Creates the connection without connecting; {@link #connect()} starts it. For containers that create
     * their objects first and start them later (Spring's lifecycle). Until then {@link #status()} reports
     * {@link ConnectionState#CONNECTING}, and {@link #close()} releases the connection's thread without
     * calling the handler: neither {@code init} nor {@code handleClose} runs for a connection never started.
     */
    public static ReplicationConnection create(ConnectionConfig config, ReplicationHandler handler) {
        return new ReplicationConnection(Objects.requireNonNull(config, "config"), Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Starts a connection from {@link #create}: calls {@link ReplicationHandler#init} and connects, exactly as
     * {@link #start} does (blocking or not as {@link ConnectionConfig#syncConnect()} says).
     *
     * @throws IllegalStateException when called twice, or after {@link #close()}
     */
    public void connect() {
        if (status().state() == ConnectionState.CLOSED) {
            throw new IllegalStateException("The replication connection '" + config.name() + "' is closed; create a new one");
        }
        if (!connectCalled.compareAndSet(false, true)) {
            throw new IllegalStateException("The replication connection '" + config.name() + "' was already started");
        }
        connection.start(() -> handler.init(this));
    }

    /** Sends {@code request} to {@link ReplicationHandler#handleCall}; times out after the config's call timeout (5 s). */
    public CompletableFuture<Object> call(Object request) {
        return call(request, config.callTimeout());
    }

    /**
     * Sends {@code request} to {@link ReplicationHandler#handleCall}. The future completes with the
     * handler's reply, or fails with a {@link java.util.concurrent.TimeoutException}, a
     * {@link ConnectionLostException} when the connection drops first, or a {@link ReplicationException}
     * when an action of the call cannot run (for instance a query while a stream is in progress).
     */
    public CompletableFuture<Object> call(Object request, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The call timeout must be positive, was " + Durations.text(timeout));
        }
        return connection.call(request, timeout);
    }

    /** Delivers {@code message} to {@link ReplicationHandler#handleInfo}. */
    public void send(Object message) {
        connection.send(message);
    }

    /** Delivers {@code message} to {@link ReplicationHandler#handleInfo} after {@code delay}. */
    public Cancellable sendAfter(Object message, Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("The delay must not be negative, was " + Durations.text(delay));
        }
        return connection.sendAfter(message, delay);
    }

    /**
     * An operator's pause: stops reading the stream as {@link Action#noReplyAndPause} does, while timers,
     * calls and status updates go on. It holds until {@link #resume()}, whatever the handler returns,
     * and survives reconnects. Safe from any thread; pausing twice is harmless.
     */
    public void pause() {
        connection.pauseByOperator();
    }

    /** Lifts an operator's {@link #pause()}; a pause of the handler's own stays. */
    public void resume() {
        connection.resumeByOperator();
    }

    /** A consistent snapshot of the connection's state and positions. */
    public ConnectionStatus status() {
        return connection.status();
    }

    public ConnectionConfig config() {
        return config;
    }

    /**
     * Closes the socket (sending Terminate), fails pending calls, cancels timers and, when the thread is
     * the connection's own, stops it. Idempotent; {@link ReplicationHandler#handleDisconnect} is not called.
     */
    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "ReplicationConnection[" + config.name() + " " + config.host() + ":" + config.port() + "/" + config.database()
                + ", " + status().state() + "]";
    }
}
