package io.github.pgrepl.spring.connection;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.spring.connection.internal.ObservedChangeListener;
import io.github.pgrepl.spring.connection.internal.TrackingHandler;
import io.micrometer.observation.ObservationRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured connection with what observes it: its {@link ReplicationConnection}, the handler its listeners got,
 * and when it last worked. Created with the application context, bound to its listeners once every bean exists (by
 * the listener registry, through one of the {@code bind} methods), started by the {@link ReplicationConnectionRegistry}.
 */
public final class ManagedReplicationConnection {

    private static final Logger log = LoggerFactory.getLogger(ManagedReplicationConnection.class);
    private static final Duration MAILBOX_WAIT = Duration.ofSeconds(2);

    private final ConnectionSettings settings;
    private final TrackingHandler handler;
    private final ReplicationConnection connection;
    private final ListenerActivity listenerActivity;
    private volatile PgOutputHandler pgOutputHandler;
    private volatile ListenerControl listenerControl;
    private volatile String listenerBeanName;
    private volatile boolean started;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<ConnectionStateListener> stateListeners = new CopyOnWriteArrayList<>();

    ManagedReplicationConnection(ConnectionSettings settings, Clock clock, ObservationRegistry observations) {
        this.settings = settings;
        this.listenerActivity = new ListenerActivity(settings.name(), observations);
        this.handler = new TrackingHandler(clock, this::closedByItself);
        this.connection = ReplicationConnection.create(settings.config(), handler);
    }

    public String name() {
        return settings.name();
    }

    public ConnectionSettings settings() {
        return settings;
    }

    public ReplicationConnection connection() {
        return connection;
    }

    public ConnectionStatus status() {
        return connection.status();
    }

    /** The handler built for a {@code ChangeListener} or listener methods; empty when the listener is a handler of its own. */
    public Optional<PgOutputHandler> pgOutputHandler() {
        return Optional.ofNullable(pgOutputHandler);
    }

    /** The slot streamed by a {@link PgOutputHandler}, or {@code null} when the listener is a handler of its own. */
    public String slot() {
        PgOutputHandler pgOutput = pgOutputHandler;
        return pgOutput == null ? null : pgOutput.slot();
    }

    /** What the listeners are doing: the transaction in hand, its observation, the time lag. */
    public ListenerActivity listenerActivity() {
        return listenerActivity;
    }

    /** The listener's bean name, or the ids of the listener methods. */
    public Optional<String> listenerBeanName() {
        return Optional.ofNullable(listenerBeanName);
    }

    public boolean isStarted() {
        return started;
    }

    /** Since when the connection has been starting, reconnecting or setting up; {@code null} while it works. */
    public Instant unavailableSince() {
        return handler.unavailableSince();
    }

    /** When the current session was established, or {@code null}. */
    public Instant connectedAt() {
        return handler.connectedAt();
    }

    /**
     * An operator's pause: stops reading the stream; status updates keep flowing. Survives reconnects. Returns once
     * the connection's thread has applied it (or after a short bound, while the connection is busy setting up).
     */
    public void pause() {
        connection.pause();
        awaitMailbox();
    }

    /** Lifts an operator's pause; returns once applied, as {@link #pause()} does. */
    public void resume() {
        connection.resume();
        awaitMailbox();
    }

    /** Pause and resume are queued on the connection's thread; a call queued after them returns once they have run. */
    private void awaitMailbox() {
        try {
            connection.call(TrackingHandler.MAILBOX_BARRIER, MAILBOX_WAIT).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Not connected, or a query holds the mailbox: the pause still applies, only not yet.
        }
    }

    /**
     * Makes {@code handler} the connection's callback module, as is. Called once, before the connection starts.
     *
     * @param listenerName the bean's name, for messages
     */
    public void bindHandler(ReplicationHandler handler, String listenerName) {
        bound(listenerName);
        this.handler.bind(handler, false);
    }

    /**
     * Gives {@code listener} a {@link PgOutputHandler} built from the connection's properties: a bean-level
     * {@code ChangeListener}, retried {@code listener.max-attempts} times before the connection stops. Called once,
     * before the connection starts.
     */
    public void bindChangeListener(ChangeListener listener, String listenerName) {
        bound(listenerName);
        requirePublications("the listener, bean '" + listenerName + "', is a ChangeListener");
        bindPgOutput(settings.pgOutput().newHandler(new ObservedChangeListener(listener, listenerActivity, listenerName)));
    }

    /**
     * Gives the dispatcher of the connection's {@code @ReplicationListener} methods a {@link PgOutputHandler}: it
     * handles failures itself ({@code control}), so the handler does not retry; and streaming of in-progress
     * transactions is off unless every method takes raw events, since the others get committed changes only, in
     * commit order. Called once, before the connection starts.
     *
     * @param listenerNames the methods' ids, for messages
     * @param onlyRawEvents whether every method takes {@code ChangeEvent}s
     * @param tables the tables the methods name in their filters: one that no publication publishes is warned of (log
     *     and health) at connect, since the server sends nothing of it
     * @throws InvalidReplicationPropertyException when the properties cannot serve such listeners
     */
    public void bindListenerMethods(ChangeListener dispatcher, ListenerControl control, String listenerNames,
                                    boolean onlyRawEvents, List<String> tables) {
        requirePublications("listener methods " + listenerNames + " take decoded changes");
        Boolean streaming = settings.pgOutput().streaming();
        if (Boolean.TRUE.equals(streaming) && !onlyRawEvents) {
            String property = "pgrepl.connections." + name() + ".streaming";
            throw new InvalidReplicationPropertyException(property, "is true, but listener methods " + listenerNames
                    + " take changes or transactions, which arrive in commit order once committed; streaming delivers"
                    + " large transactions before they commit (or abort)", "Remove " + property + " (it is off for such"
                    + " listeners), or take raw ChangeEvents, which see the stream events, in every listener method.");
        }
        bound(listenerNames);
        bindPgOutput(settings.pgOutput().newHandlerWithoutRetries(new ObservedChangeListener(dispatcher, listenerActivity, null),
                streaming != null ? streaming : onlyRawEvents, tables));
        listenerControl = control;
    }

    private void bound(String listenerName) {
        if (handler.isBound()) {
            throw new IllegalStateException("Replication connection '" + name() + "' is bound to " + listenerBeanName
                    + " already; it cannot take " + listenerName + " too");
        }
        listenerBeanName = listenerName;
    }

    private void bindPgOutput(PgOutputHandler pgOutput) {
        handler.bind(pgOutput, true);
        pgOutputHandler = pgOutput;
    }

    private void requirePublications(String why) {
        if (settings.pgOutput().publications().isEmpty()) {
            String property = "pgrepl.connections." + name() + ".publications";
            throw new InvalidReplicationPropertyException(property, "is empty, but " + why + ", which streams"
                    + " publications", "Set " + property + "=<publication>, and pgrepl.connections." + name()
                    + ".create-publication=true to have it created.");
        }
    }

    /** The listener methods' side, or empty for a bean-level listener. */
    public Optional<ListenerControl> listenerControl() {
        return Optional.ofNullable(listenerControl);
    }

    /** The failing listener, if one is failing or stopped the connection. */
    public Optional<ListenerFailureStatus> listenerFailure() {
        ListenerControl control = listenerControl;
        return control == null ? Optional.empty() : control.failure();
    }

    /** Whether the listeners' error handler stopped the stream, until {@link #restart()}. */
    public boolean isStopped() {
        return handler.isStopped();
    }

    /**
     * Stops the stream: the session ends, the slot is let go, and the connection stays connected without streaming
     * until {@link #resumeStreaming()}. For the listeners' error handler; the failing change is held meanwhile.
     */
    public void stopStreaming(String reason) {
        log.error("Replication connection '{}' stops streaming: {}. Restart it once fixed: POST /actuator/pgrepl/{}"
                + " {\"action\":\"restart\"}", name(), reason, name());
        connection.send(new TrackingHandler.StopStreaming(reason));
        stateListeners.forEach(listener -> listener.stopped(this, reason));
    }

    /** Sets the stream up again after {@link #stopStreaming}. */
    public void resumeStreaming() {
        connection.send(TrackingHandler.RESUME_STREAMING);
        stateListeners.forEach(listener -> listener.resumed(this));
    }

    /** Tells {@code listener} when this connection stops for good, and when it streams again. */
    public void addStateListener(ConnectionStateListener listener) {
        stateListeners.add(listener);
    }

    /** The connection closed, and not at shutdown: a fatal error (a bean-level listener that kept failing). */
    private void closedByItself() {
        if (closed.get()) {
            return;
        }
        Throwable failure = pgOutputHandler != null ? pgOutputHandler.failure() : null;
        String reason = failure != null ? failure.getMessage() : "the connection closed";
        stateListeners.forEach(listener -> listener.stopped(this, reason));
    }

    /**
     * Starts the connection if it has not started; otherwise tries a failing listener's change again now, restarting
     * the stream if its error handler stopped it. Does nothing to a connection that works.
     *
     * @throws IllegalStateException for a closed connection (a bean-level listener that kept failing, or shutdown),
     *     which only an application restart brings back
     */
    public void restart() {
        if (!started) {
            start();
            return;
        }
        if (closed.get() || connection.status().state() == ConnectionState.CLOSED) {
            throw new IllegalStateException("Replication connection '" + name() + "' is closed for good"
                    + (pgOutputHandler != null && pgOutputHandler.failure() != null
                            ? " (" + pgOutputHandler.failure().getMessage() + ")" : "")
                    + "; restart the application once its listener is fixed");
        }
        ListenerControl control = listenerControl;
        if (control != null) {
            log.info("Restarting the listeners of replication connection '{}'", name());
            control.restart();
        }
    }

    boolean isBound() {
        return handler.isBound();
    }

    synchronized void start() {
        if (started) {
            return;
        }
        if (!handler.isBound()) {
            throw new IllegalStateException("Replication connection '" + name() + "' has no listener: annotate a method"
                    + " with @ReplicationListener(connection = \"" + name() + "\")");
        }
        started = true;
        handler.starting();
        log.info("Starting replication connection '{}' to {}:{}/{} for {}", name(), settings.config().host(),
                settings.config().port(), settings.config().database(), "'" + listenerBeanName + "'");
        connection.connect();
    }

    /** Closes gracefully: the listener finishes the event in hand, the last processed LSN is confirmed. Idempotent. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ListenerControl control = listenerControl;
        if (control != null) {
            control.close(); // before the listener thread is interrupted, so that it does not retry on
        }
        connection.close();
        listenerActivity.abandon(); // the listener thread has stopped: a transaction still in hand is not finished
        if (started) {
            log.info("Replication connection '{}' closed; last flushed LSN {}", name(), connection.status().lastFlushedLsn());
        }
    }

    @Override
    public String toString() {
        return "ManagedReplicationConnection[" + name() + ", " + connection.status().state() + "]";
    }
}
