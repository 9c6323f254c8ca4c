package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.Action;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.SnapshotMode;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.pgoutput.SnapshotProgress;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial snapshot, on the handler's thread: creates the slot with an exported snapshot, has
 * {@link SnapshotOptions#parallelism()} {@link CopyReader}s import it and COPY the tables, hands their rows to the
 * listener's queue between {@code SnapshotStarted} and {@code SnapshotCompleted}, and once the listener has processed
 * them all, lets the stream start at the slot's consistent point.
 *
 * <p>The replication session stays idle meanwhile: the exported snapshot lives until its next command. The slot is
 * created {@code TEMPORARY} and made permanent ({@code pg_copy_logical_replication_slot}, same consistent point) only
 * once the listener has processed every row: if the application dies during the snapshot, the temporary slot goes
 * with its session, and the next start finds no slot, creates one and takes the snapshot again. It never streams
 * from a half-read snapshot. (A slot the user asked to be temporary is used as is.)
 */
public final class InitialSnapshot {

    private static final Logger log = LoggerFactory.getLogger("io.github.pgrepl.pgoutput.PgOutputHandler");
    private static final Duration DRAIN_POLL = Duration.ofMillis(20);
    private static final String DUPLICATE_OBJECT = "42710";

    // ---------------------------------------------------------------- messages

    /** The readers' and the handler's messages; {@code attempt} tells those of an abandoned attempt. */
    record Imported(int attempt, int reader) implements SnapshotSignal {
    }

    record Planned(int attempt, List<SnapshotTable> tables) implements SnapshotSignal {
    }

    record WantsTable(int attempt, int reader) implements SnapshotSignal {
    }

    record RowBatch(int attempt, int reader, String table, List<ChangeEvent> events, long bytes, long rows)
            implements SnapshotSignal {
    }

    record ReaderDone(int attempt, int reader) implements SnapshotSignal {
    }

    record ReaderFailed(int attempt, int reader, String problem, Throwable cause) implements SnapshotSignal {
    }

    private record DrainCheck(int attempt) implements SnapshotSignal {
    }

    record ReadTable(SnapshotTable table) {
    }

    static final Object NO_MORE_TABLES = new Object() {
        @Override
        public String toString() {
            return "initial snapshot: no more tables";
        }
    };

    static final Object CREDIT = new Object() {
        @Override
        public String toString() {
            return "initial snapshot: credit";
        }
    };

    /** What a reader knows of its snapshot. */
    record Session(ReplicationConnection handler, int attempt, String snapshotName) {
        void send(SnapshotSignal signal) {
            handler.send(signal);
        }
    }

    /** What the handler's setup does once the slot is ready: streams from its position. */
    public interface Continuation {
        /**
         * @param consistentPoint where the stream starts for a temporary slot (still this session's); {@code null} for
         *     a permanent one, whose confirmed position is that point
         */
        Action slotReady(Lsn consistentPoint);
    }

    private enum Phase { IDLE, CREATING, READING, DRAINING, COPYING_SLOT, DROPPING, DONE, FAILED }

    private final SnapshotHost host;
    private final SnapshotOptions options;
    private final String slot;
    private final boolean temporarySlot;
    private final Clock clock;
    private final Function<ProgressTracker, ProgressTracker> publish;

    private Phase phase = Phase.IDLE;
    private int attempt;
    private Continuation continuation;
    private Lsn consistentPoint;
    private String snapshotName;
    private final List<ReplicationConnection> readers = new ArrayList<>();
    private final Deque<SnapshotTable> tables = new ArrayDeque<>();
    private boolean planned;
    private final Deque<Integer> waiting = new ArrayDeque<>();
    private final Set<Integer> owedCredit = new LinkedHashSet<>();
    private int done;
    private ProgressTracker progress;
    private boolean existingSlotLogged;

    /**
     * @param publish makes a snapshot's progress the one observers see
     */
    InitialSnapshot(SnapshotHost host, SnapshotOptions options, String slot, boolean temporarySlot, Clock clock,
                    Function<ProgressTracker, ProgressTracker> publish) {
        this.host = host;
        this.options = options;
        this.slot = slot;
        this.temporarySlot = temporarySlot;
        this.clock = clock;
        this.publish = publish;
    }

    /** Whether a missing slot is created through an initial snapshot. */
    public boolean wanted() {
        return options.mode() != SnapshotMode.NEVER;
    }

    /** Whether one is being taken (the stream waits for it). */
    public boolean running() {
        return phase != Phase.IDLE && phase != Phase.DONE && phase != Phase.FAILED;
    }

    /** The slot created for the snapshot: the slot itself when temporary, else a temporary one beside it. */
    String creatingSlot() {
        return temporarySlot ? slot : temporaryName(slot);
    }

    static String temporaryName(String slot) {
        return (slot.length() > 54 ? slot.substring(0, 54) : slot) + "_snapshot";
    }

    /**
     * The slot exists: streams from its position, no snapshot (the exported snapshot of its creation is gone). Logged
     * once, with how to take one on demand; for {@code initial-only}, stops.
     *
     * @return {@code null} to stream on, or the action that stops
     */
    public Action slotExists() {
        if (phase == Phase.DONE) {
            return null; // the slot this snapshot made
        }
        if (options.mode() == SnapshotMode.INITIAL_ONLY) {
            log.warn("[{}] replication slot {} exists, so no initial snapshot can be taken (its exported snapshot is gone);"
                    + " snapshot.mode=initial-only has nothing to do and stops. Drop the slot to take one, or take an"
                    + " incremental snapshot (PgOutputHandler.snapshot, POST /actuator/pgrepl/<name>/snapshot)", name(), slot);
            return stop();
        }
        if (!existingSlotLogged) {
            existingSlotLogged = true;
            log.info("[{}] replication slot {} exists: it streams from its position, without an initial snapshot (that is"
                    + " only taken when pgrepl creates the slot). For the rows it lacks, take an incremental snapshot:"
                    + " PgOutputHandler.snapshot(tables) or POST /actuator/pgrepl/<name>/snapshot", name(), slot);
        }
        return null;
    }

    /** Creates the slot, exporting a snapshot; the outcome comes to {@link #onResult}. */
    public Action createSlot(int serverVersionNum, boolean twoPhase, Continuation continuation) {
        this.continuation = continuation;
        attempt++;
        phase = Phase.CREATING;
        String name = creatingSlot();
        log.info("[{}] creating {}replication slot {} with an exported snapshot, for the initial snapshot", name(),
                temporarySlot ? "temporary " : "the temporary ", name);
        if (serverVersionNum < 150000) {
            return Action.query("CREATE_REPLICATION_SLOT " + name + " TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT");
        }
        return Action.query("CREATE_REPLICATION_SLOT " + name + " TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export'"
                + (twoPhase ? ", TWO_PHASE true" : "") + ")");
    }

    /** The outcome of the slot's creation, or of making it permanent. */
    public Action onResult(QueryOutcome outcome) {
        if (outcome instanceof QueryOutcome.Failure failure) {
            return failed(failure.error());
        }
        QueryResult result = ((QueryOutcome.Success) outcome).result();
        switch (phase) {
            case CREATING -> {
                consistentPoint = Lsn.parse(result.value(0, "consistent_point"));
                snapshotName = result.value(0, "snapshot_name");
                startReading();
                return Action.noReply(); // the session stays idle: the exported snapshot lives until its next command
            }
            case COPYING_SLOT -> {
                phase = Phase.DROPPING;
                return Action.query("DROP_REPLICATION_SLOT " + creatingSlot());
            }
            case DROPPING -> {
                return finished();
            }
            default -> {
                return Action.noReply();
            }
        }
    }

    private Action failed(PgException error) {
        if (phase == Phase.CREATING && DUPLICATE_OBJECT.equals(error.sqlState())) {
            phase = Phase.IDLE;
            return Action.standby("replication slot \"" + creatingSlot() + "\" exists: another consumer is taking the initial"
                    + " snapshot of slot " + slot);
        }
        String problem = "the initial snapshot failed at " + phase + ": " + error.getMessage();
        abort(problem);
        return Action.disconnect(problem);
    }

    private void startReading() {
        phase = Phase.READING;
        tables.clear();
        waiting.clear();
        owedCredit.clear();
        planned = false;
        done = 0;
        progress = publish.apply(new ProgressTracker("initial-" + slot, SnapshotProgress.Kind.INITIAL, clock));
        log.info("[{}] initial snapshot {} at {}: reading {} with {} session(s)", name(), snapshotName, consistentPoint,
                options.tables().isEmpty() ? "the tables of " + host.publications() : options.tables(), options.parallelism());
        Session session = new Session(host.connection(), attempt, snapshotName);
        SnapshotCatalog catalog = new SnapshotCatalog(host.publications(), host.serverVersionNum());
        for (int i = 0; i < options.parallelism(); i++) {
            CopyReader reader = new CopyReader(session, i, i == 0 ? catalog : null, options.tables(), host.rows(), host.binary());
            ReplicationConnection connection = ReplicationConnection.create(host.sessionConfig("snapshot-" + i, false), reader);
            readers.add(connection);
            connection.connect();
        }
    }

    /** A message of a reader, or the handler's own. */
    public Action onSignal(SnapshotSignal signal) {
        if (!running() || attemptOf(signal) != attempt) {
            return Action.noReply(); // of an attempt given up
        }
        if (signal instanceof Planned plan) {
            planned = true;
            tables.addAll(plan.tables());
            plan.tables().forEach(table -> progress.plan(table.qualifiedName(), table.estimatedRows(), 0, 0));
            if (plan.tables().isEmpty()) {
                log.warn("[{}] the initial snapshot has no table to read: the publications {} publish none", name(),
                        host.publications());
            }
            while (!waiting.isEmpty()) {
                handOut(waiting.poll());
            }
        } else if (signal instanceof WantsTable wants) {
            if (planned) {
                handOut(wants.reader());
            } else {
                waiting.add(wants.reader());
            }
        } else if (signal instanceof RowBatch batch) {
            offer(batch);
        } else if (signal instanceof ReaderDone) {
            if (++done == readers.size()) {
                readers.forEach(ReplicationConnection::close);
                readers.clear();
                phase = Phase.DRAINING;
                host.connection().send(new DrainCheck(attempt));
            }
        } else if (signal instanceof ReaderFailed failure) {
            String problem = "the initial snapshot failed: " + failure.problem();
            log.error("[{}] {}; it starts over with a new slot", name(), problem, failure.cause());
            abort(problem);
            return Action.disconnect(problem); // the temporary slot goes with the session; a reconnect starts over
        } else if (signal instanceof DrainCheck) {
            return drained();
        }
        return Action.noReply();
    }

    private static int attemptOf(SnapshotSignal signal) {
        if (signal instanceof Imported s) {
            return s.attempt();
        } else if (signal instanceof Planned s) {
            return s.attempt();
        } else if (signal instanceof WantsTable s) {
            return s.attempt();
        } else if (signal instanceof RowBatch s) {
            return s.attempt();
        } else if (signal instanceof ReaderDone s) {
            return s.attempt();
        } else if (signal instanceof ReaderFailed s) {
            return s.attempt();
        } else if (signal instanceof DrainCheck s) {
            return s.attempt();
        }
        return -1;
    }

    private void handOut(int reader) {
        SnapshotTable table = tables.poll();
        ReplicationConnection connection = readers.get(reader);
        if (table == null) {
            connection.send(NO_MORE_TABLES);
        } else {
            progress.started(table.qualifiedName());
            connection.send(new ReadTable(table));
        }
    }

    private void offer(RowBatch batch) {
        boolean full = false;
        for (ChangeEvent event : batch.events()) {
            int bytes = event instanceof ChangeEvent.Read read ? read.row().dataSize() : 0;
            full |= host.offer(event, bytes);
        }
        host.flush();
        progress.read(batch.table(), batch.rows(), 0);
        ChangeEvent last = batch.events().get(batch.events().size() - 1);
        if (last instanceof ChangeEvent.SnapshotCompleted) {
            progress.read(batch.table(), 0, 1);
            progress.completed(batch.table());
        }
        if (full) {
            owedCredit.add(batch.reader()); // once the listener's queue drained
        } else {
            readers.get(batch.reader()).send(CREDIT);
        }
    }

    /** The listener's queue drained below half: the readers it held may send again. */
    public void queueDrained() {
        if (phase == Phase.READING) {
            owedCredit.forEach(reader -> readers.get(reader).send(CREDIT));
            owedCredit.clear();
        }
    }

    private Action drained() {
        if (!host.listenerIdle()) {
            host.connection().sendAfter(new DrainCheck(attempt), DRAIN_POLL);
            return Action.noReply();
        }
        log.info("[{}] initial snapshot read and processed: {} rows of {} table(s)", name(), progress.progress().rows(),
                progress.progress().tables().size());
        if (temporarySlot) {
            return finished();
        }
        // Only now, with every row processed, does the slot become permanent: until here a crash left no slot.
        phase = Phase.COPYING_SLOT;
        return Action.query("SELECT slot_name FROM pg_catalog.pg_copy_logical_replication_slot("
                + SqlText.literal(creatingSlot()) + ", " + SqlText.literal(slot) + ", false)");
    }

    private Action finished() {
        phase = Phase.DONE;
        // Completed only now, with the slot made: a stop while it was being made fails the snapshot, which is then taken
        // again, so progress must not have said completed before.
        progress.finished();
        if (options.mode() == SnapshotMode.INITIAL_ONLY) {
            log.info("[{}] snapshot.mode=initial-only: done. Replication slot {} stays at the snapshot's consistent point"
                    + " {}: a later start with snapshot.mode=never (or initial) streams from there, without a gap", name(), slot,
                    consistentPoint);
            return stop();
        }
        log.info("[{}] initial snapshot done; streaming slot {} from its consistent point {}", name(), slot, consistentPoint);
        return continuation.slotReady(temporarySlot ? consistentPoint : null);
    }

    private Action stop() {
        host.connection().close(); // from its own thread: the handler is told (handleClose), nothing reconnects
        return Action.noReply();
    }

    /** Gives the snapshot up: its sessions are closed, its progress failed. The slot goes with the session. */
    public void abort(String reason) {
        if (!running()) {
            return;
        }
        phase = Phase.FAILED;
        readers.forEach(ReplicationConnection::close);
        readers.clear();
        if (progress != null) {
            progress.failed(reason);
        }
    }

    private String name() {
        return host.connection().config().name();
    }
}
