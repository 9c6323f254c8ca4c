package io.github.pgrepl.spring.metrics;

import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotProgress;
import io.github.pgrepl.pgoutput.SnapshotProgress.TableProgress;
import io.github.pgrepl.spring.connection.ListenerControl;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Meters under {@code pgrepl.*} for every connection, tagged {@code connection=<name>}. Each reads the connection's
 * status when it is published, so nothing is counted twice and nothing runs on the connection's thread. The timer of
 * the listeners, {@code pgrepl.listener}, comes from their observations (see
 * {@link io.github.pgrepl.spring.observation.ReplicationObservation}).
 */
public class ReplicationMetrics implements MeterBinder {

    private final ReplicationConnectionRegistry registry;
    private final Clock clock;

    public ReplicationMetrics(ReplicationConnectionRegistry registry) {
        this(registry, Clock.systemUTC());
    }

    ReplicationMetrics(ReplicationConnectionRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        for (ManagedReplicationConnection connection : registry.connections()) {
            bind(meters, connection, Tags.of("connection", connection.name()));
        }
    }

    private void bind(MeterRegistry meters, ManagedReplicationConnection connection, Tags tags) {
        counter(meters, "pgrepl.messages.received", "Stream messages received (WAL data and keepalives)", null, tags,
                connection, status -> status.messagesReceived());
        counter(meters, "pgrepl.bytes.received", "Bytes of the stream messages received", BaseUnits.BYTES, tags,
                connection, status -> status.bytesReceived());
        counter(meters, "pgrepl.reconnects", "Successful reconnections", null, tags, connection, status -> status.reconnects());
        Gauge.builder("pgrepl.lag", connection, each -> each.status().lagBytes())
                .description("WAL the server has that the connection has not confirmed (flushed): what the slot holds")
                .baseUnit(BaseUnits.BYTES).tags(tags.and("position", "flushed")).register(meters);
        Gauge.builder("pgrepl.lag", connection, each -> receivedLag(each.status()))
                .description("WAL the server has that the connection has not received yet: grows while it cannot keep up")
                .baseUnit(BaseUnits.BYTES).tags(tags.and("position", "received")).register(meters);
        TimeGauge.builder("pgrepl.lag.time", connection, TimeUnit.MILLISECONDS,
                        each -> each.listenerActivity().lag(clock.instant()).toMillis())
                .description("How far behind the server's commits the listeners are: now minus the commit time of the"
                        + " transaction they are on; 0 while they wait for the next one").tags(tags).register(meters);
        Gauge.builder("pgrepl.paused", connection, each -> each.status().paused() ? 1 : 0)
                .description("Whether the connection has stopped reading the stream (1) or not (0)").tags(tags)
                .register(meters);
        TimeGauge.builder("pgrepl.paused.duration", connection, TimeUnit.MILLISECONDS, this::pausedMillis)
                .description("How long the current pause has lasted; 0 when not paused").tags(tags).register(meters);
        listenerCounter(meters, "pgrepl.listener.errors", "Failed calls of @ReplicationListener methods, retries included",
                tags, connection, ListenerControl::failedAttempts);
        listenerCounter(meters, "pgrepl.listener.skipped", "Changes the error handler skipped: not processed, and lost",
                tags, connection, ListenerControl::skipped);
        listenerCounter(meters, "pgrepl.listener.recovered", "Changes a recoverer took, e.g. wrote to the dead-letter table",
                tags, connection, ListenerControl::recovered);
        Gauge.builder("pgrepl.listener.queue", connection,
                        each -> each.pgOutputHandler().map(PgOutputHandler::queuedEvents).orElse(0))
                .description("Events waiting for the listeners").baseUnit("events").tags(tags).register(meters);
        snapshot(meters, connection, tags);
    }

    /** The running snapshot, else the last one; per table on the endpoint ({@code GET /actuator/pgrepl/<name>}). */
    private static void snapshot(MeterRegistry meters, ManagedReplicationConnection connection, Tags tags) {
        Gauge.builder("pgrepl.snapshot.running", connection,
                        each -> snapshotOf(each).filter(SnapshotProgress::running).isPresent() ? 1 : 0)
                .description("Whether a snapshot runs (1) or not (0)").tags(tags).register(meters);
        Gauge.builder("pgrepl.snapshot.rows", connection, each -> snapshotOf(each).map(SnapshotProgress::rows).orElse(0L))
                .description("Rows the running (else the last) snapshot handed to the listeners").baseUnit("rows").tags(tags)
                .register(meters);
        Gauge.builder("pgrepl.snapshot.rate", connection, each -> running(each).mapToDouble(TableProgress::rowsPerSecond).sum())
                .description("Rows per second of the running snapshot's tables; 0 when none runs").baseUnit("rows")
                .tags(tags).register(meters);
        TimeGauge.builder("pgrepl.snapshot.eta", connection, TimeUnit.SECONDS, each -> running(each)
                        .map(TableProgress::eta).filter(Objects::nonNull).mapToLong(Duration::toSeconds).max().orElse(0))
                .description("How long the running snapshot's table should take yet, from the planner's row estimate; 0"
                        + " when unknown or none runs").tags(tags).register(meters);
    }

    private static Optional<SnapshotProgress> snapshotOf(ManagedReplicationConnection connection) {
        return connection.pgOutputHandler().flatMap(PgOutputHandler::snapshotProgress);
    }

    private static Stream<TableProgress> running(ManagedReplicationConnection connection) {
        return snapshotOf(connection).filter(SnapshotProgress::running).stream().flatMap(progress -> progress.tables()
                .stream()).filter(table -> table.state() == SnapshotProgress.State.RUNNING);
    }

    private static void counter(MeterRegistry meters, String name, String description, String baseUnit, Tags tags,
                                ManagedReplicationConnection connection, ToDoubleFunction<ConnectionStatus> value) {
        FunctionCounter.builder(name, connection, each -> value.applyAsDouble(each.status()))
                .description(description).baseUnit(baseUnit).tags(tags).register(meters);
    }

    private static void listenerCounter(MeterRegistry meters, String name, String description, Tags tags,
                                        ManagedReplicationConnection connection, ToLongFunction<ListenerControl> value) {
        FunctionCounter.builder(name, connection, each -> each.listenerControl().map(value::applyAsLong).orElse(0L))
                .description(description).tags(tags).register(meters);
    }

    /** Bytes between the server's end of WAL and what the connection received; 0 when unknown. */
    private static long receivedLag(ConnectionStatus status) {
        if (status.serverWalEnd().isZero() || status.lastReceivedLsn().isZero()) {
            return 0L;
        }
        return Math.max(0L, status.serverWalEnd().minus(status.lastReceivedLsn()));
    }

    private double pausedMillis(ManagedReplicationConnection connection) {
        Instant since = connection.status().pausedSince();
        return since == null ? 0 : Math.max(0, Duration.between(since, clock.instant()).toMillis());
    }
}
