package io.github.pgrepl.spring.connection;

import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.spring.connection.internal.TrackingHandler;
import io.github.pgrepl.spring.listener.ListenerTimings;
import io.github.pgrepl.spring.listener.ReplicationListenerEndpoint;
import io.github.pgrepl.spring.listener.internal.TimedChangeListener;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured connection with what observes it: its {@link ReplicationConnection}, the handler its listener got,
 * and when it last worked. Created with the application context, started by the {@link ReplicationConnectionRegistry}.
 */
public final class ManagedReplicationConnection {

    private static final Logger log = LoggerFactory.getLogger(ManagedReplicationConnection.class);
    private static final Duration MAILBOX_WAIT = Duration.ofSeconds(2);

    private final ConnectionSettings settings;
    private final TrackingHandler handler;
    private final ReplicationConnection connection;
    private final ListenerTimings listenerTimings = new ListenerTimings();
    private volatile PgOutputHandler pgOutputHandler;
    private volatile String listenerBeanName;
    private volatile boolean started;
    private final AtomicBoolean closed = new AtomicBoolean();

    ManagedReplicationConnection(ConnectionSettings settings, Clock clock) {
        this.settings = settings;
        this.handler = new TrackingHandler(clock);
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

    /** The handler built for a {@code ChangeListener}; empty when the listener is a handler of its own. */
    public Optional<PgOutputHandler> pgOutputHandler() {
        return Optional.ofNullable(pgOutputHandler);
    }

    /** The slot streamed by a {@link PgOutputHandler}, or {@code null} when the listener is a handler of its own. */
    public String slot() {
        PgOutputHandler pgOutput = pgOutputHandler;
        return pgOutput == null ? null : pgOutput.slot();
    }

    /** Time spent in a {@code ChangeListener}; stays empty for a handler of its own. */
    public ListenerTimings listenerTimings() {
        return listenerTimings;
    }

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

    void bind(ReplicationListenerEndpoint endpoint) {
        if (endpoint.bean() instanceof ReplicationHandler replicationHandler) {
            handler.bind(replicationHandler, false);
        } else if (endpoint.bean() instanceof ChangeListener changeListener) {
            if (settings.pgOutput().publications().isEmpty()) {
                String property = "pgrepl.connections." + name() + ".publications";
                throw new InvalidReplicationPropertyException(property, "is empty, but the listener, bean '" + endpoint.beanName()
                        + "', is a ChangeListener, which streams publications", "Set " + property + "=<publication>, and "
                        + "pgrepl.connections." + name() + ".create-publication=true to have it created.");
            }
            PgOutputHandler pgOutput = settings.pgOutput().newHandler(new TimedChangeListener(changeListener, listenerTimings));
            handler.bind(pgOutput, true);
            pgOutputHandler = pgOutput;
        } else {
            throw new IllegalArgumentException("Bean '" + endpoint.beanName() + "' is neither a ReplicationHandler nor a ChangeListener");
        }
        listenerBeanName = endpoint.beanName();
    }

    boolean isBound() {
        return handler.isBound();
    }

    synchronized void start() {
        if (started) {
            return;
        }
        if (!handler.isBound()) {
            throw new IllegalStateException("Replication connection '" + name() + "' has no listener: annotate a bean with"
                    + " @ReplicationListener(\"" + name() + "\")");
        }
        started = true;
        handler.starting();
        log.info("Starting replication connection '{}' to {}:{}/{} for bean '{}'", name(), settings.config().host(),
                settings.config().port(), settings.config().database(), listenerBeanName);
        connection.connect();
    }

    /** Closes gracefully: the listener finishes the event in hand, the last processed LSN is confirmed. Idempotent. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        connection.close();
        if (started) {
            log.info("Replication connection '{}' closed; last flushed LSN {}", name(), connection.status().lastFlushedLsn());
        }
    }

    @Override
    public String toString() {
        return "ManagedReplicationConnection[" + name() + ", " + connection.status().state() + "]";
    }
}
