package io.github.pgrepl.spring.health;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.internal.util.Durations;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.ReplicationSlotException;
import io.github.pgrepl.pgoutput.SnapshotProgress;
import io.github.pgrepl.spring.connection.ListenerFailureStatus;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of one replication connection. UP while connected or streaming, paused or not, and as a standby (another
 * consumer holds the slot); DOWN while a listener fails on a change (retried, or stopped by its error handler), after
 * a fatal error (a listener that kept failing, a slot invalidated or lost: with the cause and the fix as the reason),
 * at once after an error that retrying cannot fix (a wrong password, a missing publication), when it has been
 * reconnecting (or setting up) for longer than the grace period, and when the server has sent nothing, not even a
 * keepalive, for twice its {@code wal_sender_timeout}: a half-open socket must not stay green.
 */
public class ReplicationHealthIndicator implements HealthIndicator {

    private final ManagedReplicationConnection connection;
    private final Duration reconnectGracePeriod;
    private final Duration assumedWalSenderTimeout;
    private final Clock clock;
    /** The last time this indicator saw the stream paused: a paused socket is not read, so silence then is expected. */
    private volatile Instant lastSeenPaused;

    /**
     * @param reconnectGracePeriod how long the connection may be starting, reconnecting or setting up and still be UP
     * @param assumedWalSenderTimeout the server's {@code wal_sender_timeout} assumed until the server told its own
     */
    public ReplicationHealthIndicator(ManagedReplicationConnection connection, Duration reconnectGracePeriod,
                                      Duration assumedWalSenderTimeout, Clock clock) {
        this.connection = connection;
        this.reconnectGracePeriod = reconnectGracePeriod;
        this.assumedWalSenderTimeout = assumedWalSenderTimeout;
        this.clock = clock;
    }

    @Override
    public Health health() {
        if (!connection.isStarted()) {
            return Health.unknown().withDetail("state", "NOT_STARTED").build();
        }
        ConnectionStatus status = connection.status();
        Instant now = clock.instant();
        if (status.paused()) {
            lastSeenPaused = now;
        }
        Optional<ListenerFailureStatus> listenerFailure = connection.listenerFailure();
        Health.Builder health = listenerFailure.map(this::failing).orElseGet(() -> status(status, now));
        health.withDetail("state", status.state().name()).withDetail("paused", status.paused());
        listenerFailure.ifPresent(failure -> health.withDetail("listener", failure.listener())
                .withDetail("failedChange", failure.change())
                .withDetail("listenerError", failure.error())
                .withDetail("attempts", failure.attempts())
                .withDetail("failingSince", failure.since().toString())
                .withDetail("stopped", failure.stopped()));
        if (status.pausedSince() != null) {
            health.withDetail("pausedSince", status.pausedSince().toString());
        }
        if (status.server() != null) {
            health.withDetail("server", status.server().toString()); // which host of the list, after a failover too
        }
        if (connection.slot() != null) {
            health.withDetail("slot", connection.slot());
        }
        health.withDetail("lastReceivedLsn", status.lastReceivedLsn().toString())
                .withDetail("lastFlushedLsn", status.lastFlushedLsn().toString())
                .withDetail("lagBytes", status.lagBytes())
                .withDetail("reconnectAttempts", status.reconnectAttempts());
        if (status.lastMessageAt() != null) {
            health.withDetail("lastMessageAt", status.lastMessageAt().toString());
        }
        if (status.waitingFor() != null) {
            health.withDetail("waitingFor", status.waitingFor());
        }
        connection.pgOutputHandler().flatMap(PgOutputHandler::snapshotProgress).filter(SnapshotProgress::running)
                .ifPresent(snapshot -> health.withDetail("snapshot", snapshot(snapshot)));
        connection.pgOutputHandler().map(PgOutputHandler::failoverWarnings).filter(warnings -> !warnings.isEmpty())
                .ifPresent(warnings -> health.withDetail("failoverWarnings", warnings));
        connection.pgOutputHandler().map(PgOutputHandler::tableWarnings).filter(warnings -> !warnings.isEmpty())
                .ifPresent(warnings -> health.withDetail("tableWarnings", warnings));
        Throwable lastError = failure().orElse(status.lastError());
        if (lastError != null) {
            // Messages of pgrepl never contain a password; the exception's class and message, not its stack.
            health.withDetail("lastError", lastError.getClass().getSimpleName() + ": " + lastError.getMessage());
        }
        return health.build();
    }

    /** DOWN while a listener fails: nothing after the change is delivered or confirmed until it is processed. */
    private Health.Builder failing(ListenerFailureStatus failure) {
        if (failure.stopped()) {
            return down("listener '" + failure.listener() + "' failed on " + failure.change() + " and the error handler"
                    + " stopped the connection; fix the cause, then restart it: POST /actuator/pgrepl/" + connection.name()
                    + " {\"action\":\"restart\"}");
        }
        return down("listener '" + failure.listener() + "' is failing on " + failure.change() + " and is retried; nothing"
                + " after it is delivered or confirmed meanwhile");
    }

    private Health.Builder status(ConnectionStatus status, Instant now) {
        Optional<Throwable> failure = failure();
        if (failure.isPresent()) {
            if (failure.get() instanceof ReplicationSlotException slotProblem) {
                return down(slotProblem.getMessage()); // an invalidated or lost slot: the cause and the fix
            }
            return down("the ChangeListener failed and the connection stopped; restart the application once it is fixed");
        }
        ConnectionState state = status.state();
        if (status.lastErrorNonTransient() && (state == ConnectionState.CONNECTING || state == ConnectionState.RECONNECTING
                || state == ConnectionState.CONNECTED && connection.pgOutputHandler().isPresent())) {
            // No grace period: waiting cannot help. The connection retries at its longest backoff meanwhile.
            return down("retrying cannot fix the last error (lastError); fix its cause and the connection recovers by"
                    + " itself: it retries every " + Durations.text(connection.settings().config().reconnectBackoffMax()));
        }
        switch (state) {
            case CLOSED:
                return down("the connection is closed");
            case DISCONNECTED:
                return down("not connected, and not retrying");
            case STREAMING:
                return streaming(status, now);
            case STANDBY:
                return Health.up(); // another consumer streams the slot; this one is ready to take over
            case CONNECTED:
                if (connection.pgOutputHandler().isEmpty()) {
                    return Health.up(); // a handler of its own may well stay connected without a stream
                }
                Optional<SnapshotProgress> snapshot = connection.pgOutputHandler().flatMap(PgOutputHandler::snapshotProgress);
                if (snapshot.filter(SnapshotProgress::running).isPresent()) {
                    return Health.up(); // the initial snapshot: the stream starts once it is read, however long it takes
                }
                // After an initial snapshot the stream is set up only then: its grace period starts at the snapshot's end.
                Instant snapshotEnd = snapshot.filter(done -> done.kind() == SnapshotProgress.Kind.INITIAL
                        && done.state() == SnapshotProgress.State.COMPLETED).map(SnapshotProgress::completedAt).orElse(null);
                return withinGracePeriod(now, snapshotEnd, status.waitingFor() == null ? "setting up the stream"
                        : "setting up the stream, where " + status.waitingFor() + ",");
            default:
                return withinGracePeriod(now, state == ConnectionState.CONNECTING ? "connecting" : "reconnecting");
        }
    }

    /** A running snapshot in one line: which table, how many rows, how long yet. */
    private static String snapshot(SnapshotProgress snapshot) {
        StringBuilder text = new StringBuilder(snapshot.kind().name().toLowerCase(Locale.ROOT))
                .append(" snapshot ").append(snapshot.id()).append(" running: ").append(snapshot.rows()).append(" rows");
        snapshot.tables().stream().filter(table -> table.state() == SnapshotProgress.State.RUNNING).forEach(table -> {
            text.append("; ").append(table.table()).append(' ').append(table.rows());
            if (table.estimatedRows() > 0) {
                text.append(" of ~").append(table.estimatedRows());
            }
            if (table.eta() != null) {
                text.append(", ").append(table.eta().toSeconds()).append("s left");
            }
        });
        return text.toString();
    }

    private Health.Builder withinGracePeriod(Instant now, String doing) {
        return withinGracePeriod(now, null, doing);
    }

    /** Up until the grace period passed since the connection became unavailable, or since {@code notBefore}. */
    private Health.Builder withinGracePeriod(Instant now, Instant notBefore, String doing) {
        Instant since = connection.unavailableSince();
        if (since != null && notBefore != null && notBefore.isAfter(since)) {
            since = notBefore;
        }
        if (since == null || !now.isAfter(since.plus(reconnectGracePeriod))) {
            return Health.up();
        }
        return down(doing + " since " + since + ", longer than the grace period of "
                + Durations.text(reconnectGracePeriod))
                .withDetail("unavailableSince", since.toString());
    }

    private Health.Builder streaming(ConnectionStatus status, Instant now) {
        if (status.paused()) {
            return Health.up(); // nothing is read while paused; status updates keep the session alive
        }
        Duration walSenderTimeout = walSenderTimeout(status);
        if (walSenderTimeout.isZero()) {
            return Health.up(); // the server's timeout is off: silence proves nothing
        }
        Duration limit = walSenderTimeout.multipliedBy(2);
        Instant heardFrom = latest(status.lastMessageAt(), connection.connectedAt(), lastSeenPaused);
        if (heardFrom != null && now.isAfter(heardFrom.plus(limit))) {
            return down("no message or keepalive from the server since " + heardFrom + ", for more than twice its"
                    + " wal_sender_timeout (" + Durations.text(limit) + "); the connection may be half-open");
        }
        return Health.up();
    }

    private Duration walSenderTimeout(ConnectionStatus status) {
        if (status.walSenderTimeout() != null) {
            return status.walSenderTimeout();
        }
        Duration known = connection.pgOutputHandler().map(PgOutputHandler::walSenderTimeout).orElse(null);
        return known != null ? known : assumedWalSenderTimeout;
    }

    private Optional<Throwable> failure() {
        return connection.pgOutputHandler().map(PgOutputHandler::failure);
    }

    private static Health.Builder down(String reason) {
        return Health.down().withDetail("reason", reason);
    }

    private static Instant latest(Instant... instants) {
        Instant latest = null;
        for (Instant instant : instants) {
            if (instant != null && (latest == null || instant.isAfter(latest))) {
                latest = instant;
            }
        }
        return latest;
    }
}
