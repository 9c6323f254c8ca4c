package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.Caller;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.pgoutput.SnapshotException;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.pgoutput.SnapshotProgress;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incremental snapshots, on the handler's thread, while it streams: one at a time, each table read in chunks of
 * {@link SnapshotOptions#chunkSize()} rows in key order by a {@link ChunkSession}, each chunk bracketed by watermarks
 * the stream brings back; at the high watermark the chunk's rows the stream did not change meanwhile
 * ({@link ChunkWindow}) go to the listener as {@link ChangeEvent.Read}s, inside the watermark's transaction.
 *
 * <p>Progress survives a crash in the slot itself: every watermark carries the snapshot's whole state, and while a
 * snapshot runs the position confirmed to the server is held at the last watermark whose chunk the listener
 * processed ({@link #confirmable}). A restarted consumer receives that watermark again first, and resumes after the
 * last chunk the listener processed; the slot holds back at most the WAL of one chunk's window. Nothing else is
 * written anywhere.
 *
 * <p>Past 500 lines on purpose: requests, the chunk loop, the watermarks and the held position are one state machine
 * driven by the stream's order; the parts that stand alone (the window, the chunk session, the watermark format,
 * progress) are classes of their own.
 */
final class IncrementalSnapshots {

    private static final Logger log = LoggerFactory.getLogger("io.github.pgrepl.pgoutput.PgOutputHandler");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String UNDEFINED_TABLE = "42P01";

    /** A snapshot wanted: of these tables (empty: the publications'). */
    record Request(List<String> tables) implements SnapshotSignal {
    }

    /** Where a watermark's transaction commits: held there until the listener processed it. */
    private record Marker(String snapshot, Lsn commit, Lsn end, boolean last) {
    }

    private final SnapshotHost host;
    private final SnapshotOptions options;
    private final Clock clock;
    private final Function<ProgressTracker, ProgressTracker> publish;

    private ReplicationConnection session;
    private long requests;
    /** A plan asked of the session: for a caller, for new tables, or to resume a snapshot found in the stream. */
    private Planning planning;
    private Run run;
    private final Deque<Watermark> toResume = new ArrayDeque<>();
    /** Snapshots this handler finished or gave up: their old watermarks are not resumed. */
    private final Set<String> ended = new LinkedHashSet<>();

    private final Deque<Marker> markers = new ArrayDeque<>();
    /** Per unfinished snapshot, the commit of its last processed watermark: the position may not pass it. */
    private final Map<String, Lsn> held = new HashMap<>();
    private Marker markerInTransaction;

    // Where the stream is, followed always: a table's window starts from it.
    private long transaction;
    private long streamed;
    private final Set<Long> openEarly = new LinkedHashSet<>();

    private boolean streaming;
    private Set<String> knownTables;
    private long probe;

    private record Planning(long request, Caller caller, Watermark resume, boolean newTables) {
    }

    /** The running snapshot. */
    private final class Run {
        final String id;
        final ProgressTracker progress;
        final Deque<SnapshotTable> tables;
        SnapshotTable table;
        List<String> after;
        long rows;
        long chunks;
        boolean startedSent;
        ChunkWindow window;
        long chunk;
        ChunkSession.ChunkRead read;
        boolean deferred;
        int retries;

        Run(String id, List<SnapshotTable> tables) {
            this.id = id;
            this.progress = publish.apply(new ProgressTracker(id, SnapshotProgress.Kind.INCREMENTAL, clock));
            this.tables = new ArrayDeque<>(tables);
        }

        List<String> remainingNames() {
            List<String> names = new ArrayList<>(tables.size());
            tables.forEach(table -> names.add(table.qualifiedName()));
            return names;
        }
    }

    IncrementalSnapshots(SnapshotHost host, SnapshotOptions options, Clock clock,
                         Function<ProgressTracker, ProgressTracker> publish) {
        this.host = host;
        this.options = options;
        this.clock = clock;
        this.publish = publish;
    }

    /** Why {@code table} cannot be read incrementally, or {@code null}. */
    static String unreadable(SnapshotTable table, RowFactory.Source rows, boolean binary) {
        if (table.key().isEmpty()) {
            return "Table " + table.qualifiedName() + " has no primary key nor unique not-null index (among its published"
                    + " columns), which incremental snapshots read it in the order of: add one (ALTER TABLE "
                    + table.qualifiedName() + " ADD PRIMARY KEY (...)), or read it with an initial snapshot"
                    + " (snapshot.mode=initial, when pgrepl creates the slot)";
        }
        if (binary) {
            for (ChangeEvent.Relation.Column column : table.columns()) {
                if (table.key().contains(column.name()) && !rows.knowsBinary(column.typeOid())) {
                    return "Key column " + column.name() + " of " + table.qualifiedName() + " has type OID "
                            + Integer.toUnsignedString(column.typeOid()) + ", which pgrepl reads as hex in binary mode, so the"
                            + " stream's keys cannot be matched to the snapshot's: turn binary off for this connection";
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- requests

    /** A request from any thread, through the connection's call: answered once planned, or refused. */
    void request(Request request, Caller caller) {
        if (!streaming) {
            caller.reply(new SnapshotException(SnapshotException.Reason.NOT_READY, "The connection is not streaming yet"
                    + " (it is connecting, or an initial snapshot runs); ask again once it streams"));
            return;
        }
        if (run != null || planning != null || !toResume.isEmpty()) {
            caller.reply(new SnapshotException(SnapshotException.Reason.RUNNING, whatRuns()));
            return;
        }
        plan(new Planning(++requests, caller, null, false), request.tables(), false);
    }

    private String whatRuns() {
        if (run != null) {
            SnapshotProgress progress = run.progress.progress();
            return "Snapshot " + run.id + " is running (" + progress.rows() + " rows read, table " + run.table.qualifiedName()
                    + ", since " + progress.startedAt() + "); one runs at a time: wait until it completes";
        }
        return "A snapshot is starting; one runs at a time: wait until it completes";
    }

    private void plan(Planning planning, List<String> tables, boolean lenient) {
        this.planning = planning;
        session().send(new ChunkSession.Plan(planning.request(), tables, lenient));
    }

    private ReplicationConnection session() {
        if (session == null) {
            ChunkSession handler = new ChunkSession(host.connection(), new SnapshotCatalog(host.publications(),
                    host.serverVersionNum()), host.rows(), host.binary());
            session = ReplicationConnection.create(host.sessionConfig("snapshot", true), handler);
            session.connect();
        }
        return session;
    }

    private void closeSessionIfIdle() {
        if (session != null && run == null && planning == null && toResume.isEmpty()) {
            session.close();
            session = null;
        }
    }

    void planned(ChunkSession.Planned planned) {
        Planning plan = planning;
        if (plan == null || plan.request() != planned.request()) {
            return;
        }
        planning = null;
        if (planned.error() != null) {
            if (plan.caller() != null) {
                plan.caller().reply(planned.error());
            } else {
                log.error("[{}] cannot {}: {}", name(), plan.resume() != null ? "resume snapshot " + plan.resume().snapshot()
                        : "snapshot the new tables", planned.error().getMessage());
                if (plan.resume() != null) {
                    giveUp(plan.resume().snapshot());
                }
            }
            resumeNext();
            return;
        }
        if (!planned.skipped().isEmpty()) {
            log.warn("[{}] snapshot skips {}: no longer published (or dropped)", name(), planned.skipped());
        }
        Watermark resume = plan.resume();
        run = new Run(resume != null ? resume.snapshot() : newId(), planned.tables());
        for (SnapshotTable table : planned.tables()) {
            boolean current = resume != null && table.qualifiedName().equals(resume.table());
            run.progress.plan(table.qualifiedName(), table.estimatedRows(), current ? resume.rows() : 0,
                    current ? resume.chunks() : 0);
        }
        if (plan.caller() != null) {
            plan.caller().reply(run.progress.progress());
        }
        log.info("[{}] {} snapshot {} of {} in chunks of {} rows", name(), resume != null ? "resuming" : "incremental",
                run.id, run.remainingNames(), options.chunkSize());
        nextTable(resume);
    }

    private static String newId() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }

    /** Starts the next table, at the position a resumed watermark gives for its first. */
    private void nextTable(Watermark resume) {
        run.table = run.tables.poll();
        if (run.table == null) {
            finish();
            return;
        }
        boolean resumed = resume != null && run.table.qualifiedName().equals(resume.table());
        run.after = resumed ? resume.after() : null;
        run.rows = resumed ? resume.rows() : 0;
        run.chunks = resumed ? resume.chunks() : 0;
        run.startedSent = false;
        run.window = new ChunkWindow(run.table, transaction, streamed, openEarly);
        run.progress.started(run.table.qualifiedName());
        nextChunk();
    }

    private void nextChunk() {
        run.chunk = RANDOM.nextLong() & Long.MAX_VALUE;
        run.read = null;
        run.deferred = false;
        Watermark low = new Watermark(Watermark.Kind.LOW, run.id, run.chunk, run.table.qualifiedName(), run.after, null,
                false, run.rows, run.chunks, run.remainingNames());
        session().send(new ChunkSession.RunChunk(run.chunk, low, run.table, options.chunkSize()));
    }

    private void finish() {
        log.info("[{}] snapshot {} completed: {} rows", name(), run.id, run.progress.progress().rows());
        run.progress.finished();
        ended.add(run.id);
        run = null;
        resumeNext();
    }

    private void fail(String problem) {
        log.error("[{}] snapshot {} failed: {}", name(), run.id, problem);
        run.progress.failed(problem);
        giveUp(run.id);
        run = null;
        resumeNext();
    }

    /** Forgets a snapshot: its watermarks no longer hold the slot's position. */
    private void giveUp(String snapshot) {
        ended.add(snapshot);
        held.remove(snapshot);
        markers.removeIf(marker -> marker.snapshot().equals(snapshot));
    }

    private void resumeNext() {
        Watermark next = toResume.poll();
        if (next != null) {
            resume(next);
        } else {
            closeSessionIfIdle();
        }
    }

    // ---------------------------------------------------------------- the session's reports

    /** The chunk's rows, before its high watermark: kept when the chunk is the one awaited. */
    boolean chunkRead(ChunkSession.ChunkRead read) {
        if (run == null || run.chunk != read.chunk()) {
            return false;
        }
        run.read = read;
        return true;
    }

    void chunkFailed(ChunkSession.ChunkFailed failed) {
        if (run == null || run.chunk != failed.chunk()) {
            return;
        }
        if (UNDEFINED_TABLE.equals(failed.sqlState())) {
            log.warn("[{}] snapshot {} skips {}: {}", name(), run.id, run.table.qualifiedName(), failed.problem());
            run.progress.tableFailed(run.table.qualifiedName());
            nextTable(null);
            return;
        }
        fail("reading " + run.table.qualifiedName() + ": " + failed.problem());
    }

    // ---------------------------------------------------------------- the stream

    /** The stream started (again): requests may come, and new tables are looked for. */
    void streaming() {
        streaming = true;
    }

    /**
     * Follows a stream event: a watermark opens or closes its chunk's window (offering the chunk's rows at the high
     * one), other events go to the window of the table being read. Returns true when the listener's queue is full.
     */
    boolean observe(ChangeEvent event, Watermark watermark) {
        if (watermark != null) {
            return onWatermark(watermark);
        }
        if (event instanceof ChangeEvent.Begin || event instanceof ChangeEvent.BeginPrepare) {
            markerInTransaction = null; // a watermark's transaction cut off and never sent again (lost with a server)
        }
        if (event instanceof ChangeEvent.Commit commit && markerInTransaction != null) {
            Marker marker = markerInTransaction;
            markers.add(new Marker(marker.snapshot(), commit.commitLsn(), commit.endLsn(), marker.last()));
            markerInTransaction = null;
        }
        follow(event);
        if (run != null && run.window != null) {
            run.window.observe(event);
            if (run.deferred && !run.window.waitsForOpenTransactions()) {
                nextChunk(); // the transactions that made the last attempt unreliable ended
            }
        }
        return false;
    }

    /** Which transaction the stream is in, and which were delivered before their commit and are open. */
    private void follow(ChangeEvent event) {
        if (event instanceof ChangeEvent.Begin begin) {
            transaction = begin.xid();
        } else if (event instanceof ChangeEvent.Commit) {
            transaction = 0;
        } else if (event instanceof ChangeEvent.StreamStart start) {
            streamed = start.xid();
            openEarly.add(start.xid());
        } else if (event instanceof ChangeEvent.StreamStop) {
            streamed = 0;
        } else if (event instanceof ChangeEvent.StreamCommit commit) {
            openEarly.remove(commit.xid());
        } else if (event instanceof ChangeEvent.StreamAbort abort) {
            if (abort.xid() == abort.subXid()) {
                openEarly.remove(abort.xid());
            }
        } else if (event instanceof ChangeEvent.BeginPrepare begin) {
            transaction = begin.xid();
        } else if (event instanceof ChangeEvent.Prepare prepare) {
            transaction = 0;
            openEarly.add(prepare.xid());
        } else if (event instanceof ChangeEvent.StreamPrepare prepare) {
            openEarly.add(prepare.xid());
        } else if (event instanceof ChangeEvent.CommitPrepared commit) {
            openEarly.remove(commit.xid());
        } else if (event instanceof ChangeEvent.RollbackPrepared rollback) {
            openEarly.remove(rollback.xid());
        }
    }

    private boolean onWatermark(Watermark watermark) {
        if (run != null && watermark.snapshot().equals(run.id) && watermark.chunk() == run.chunk) {
            markerInTransaction = new Marker(run.id, null, null, false);
            if (watermark.kind() == Watermark.Kind.LOW) {
                if (!run.window.isOpen()) {
                    run.window.open();
                }
                return false;
            }
            return closeWindow();
        }
        if (!ended.contains(watermark.snapshot()) && (run == null || !watermark.snapshot().equals(run.id))
                && toResume.stream().noneMatch(queued -> queued.snapshot().equals(watermark.snapshot()))
                && (planning == null || planning.resume() == null || !planning.resume().snapshot().equals(watermark.snapshot()))) {
            // The first watermark of an unfinished snapshot since this handler started: where to resume. It holds the
            // slot's position too, until the resumed snapshot has moved on.
            markerInTransaction = new Marker(watermark.snapshot(), null, null, false);
            if (run != null || planning != null) {
                log.warn("[{}] found interrupted snapshot {} in the stream; it resumes after the running one", name(),
                        watermark.snapshot());
                toResume.add(watermark);
            } else {
                resume(watermark);
            }
        }
        return false;
    }

    private void resume(Watermark watermark) {
        boolean tableDone = watermark.kind() == Watermark.Kind.HIGH && watermark.done();
        List<String> tables = new ArrayList<>();
        if (!tableDone) {
            tables.add(watermark.table());
        }
        tables.addAll(watermark.tables());
        if (tables.isEmpty()) {
            ended.add(watermark.snapshot()); // its last chunk was processed: nothing is left
            held.remove(watermark.snapshot());
            closeSessionIfIdle();
            return;
        }
        // Where the first table resumes: after the last chunk the listener processed.
        Watermark position = tableDone
                ? new Watermark(Watermark.Kind.LOW, watermark.snapshot(), 0, tables.get(0), null, null, false, 0, 0, List.of())
                : new Watermark(Watermark.Kind.LOW, watermark.snapshot(), 0, watermark.table(),
                        watermark.kind() == Watermark.Kind.HIGH ? watermark.last() : watermark.after(), null, false,
                        watermark.rows(), watermark.chunks(), List.of());
        log.info("[{}] resuming snapshot {} at {} after key {} ({} rows read before)", name(), watermark.snapshot(),
                position.table(), position.after(), position.rows());
        plan(new Planning(++requests, null, position, false), tables, true);
    }

    /** The high watermark: emits the chunk's surviving rows, or reads it again; then the next chunk. */
    private boolean closeWindow() {
        ChunkSession.ChunkRead read = run.read;
        if (read == null) {
            // Cannot happen: the session hands the rows over before it writes the high watermark. Read it again.
            log.warn("[{}] snapshot {}: high watermark of {} without its rows; reading the chunk again", name(), run.id,
                    run.table.qualifiedName());
            nextChunk();
            return false;
        }
        ChunkWindow.Decision decision = run.window.close(read.rows(), read.snapshot());
        if (decision.retry()) {
            run.retries++;
            if (run.retries % 10 == 0) {
                log.warn("[{}] snapshot {}: reading a chunk of {} again ({} times): {}", name(), run.id,
                        run.table.qualifiedName(), run.retries, decision.why());
            } else {
                log.debug("[{}] snapshot {}: reading a chunk of {} again: {}", name(), run.id, run.table.qualifiedName(),
                        decision.why());
            }
            if (run.window.waitsForOpenTransactions()) {
                run.deferred = true;
            } else {
                nextChunk();
            }
            return false;
        }
        run.retries = 0;
        boolean full = false;
        ChangeEvent.Relation relation = read.rows().isEmpty() ? run.table.relation() : read.rows().get(0).relation();
        String table = run.table.qualifiedName();
        if (!run.startedSent) {
            run.startedSent = true;
            full |= host.offer(new ChangeEvent.SnapshotStarted(relation), 0);
        }
        for (Row row : decision.rows()) {
            full |= host.offer(new ChangeEvent.Read(relation, row), row.dataSize());
        }
        run.rows += read.rows().size();
        run.chunks++;
        run.progress.read(table, read.rows().size(), 1);
        if (read.done()) {
            full |= host.offer(new ChangeEvent.SnapshotCompleted(relation, run.rows), 0);
            run.progress.completed(table);
        }
        host.flush();
        markerInTransaction = new Marker(run.id, null, null, read.done() && run.tables.isEmpty());
        if (!read.done()) {
            run.after = read.last();
            nextChunk();
        } else {
            nextTable(null);
        }
        return full;
    }

    /**
     * The position that may be confirmed, given {@code candidate} (what the listener processed, or the idle
     * position): not past an unfinished snapshot's last watermark whose chunk the listener processed, so that a
     * restart receives it again and resumes there.
     */
    Lsn confirmable(Lsn candidate) {
        while (!markers.isEmpty() && !markers.peek().end().isAfter(candidate)) {
            Marker processed = markers.poll();
            if (processed.last() || ended.contains(processed.snapshot())) {
                held.remove(processed.snapshot());
            } else {
                held.put(processed.snapshot(), processed.commit());
            }
        }
        Lsn confirmable = candidate;
        for (Lsn limit : held.values()) {
            if (limit.isBefore(confirmable)) {
                confirmable = limit;
            }
        }
        return confirmable;
    }

    /** Whether a snapshot runs or waits to (for health and the endpoint). */
    boolean busy() {
        return run != null || planning != null || !toResume.isEmpty();
    }

    // ---------------------------------------------------------------- new tables

    /** Looks for tables new to the publications, when no snapshot runs. */
    void lookForNewTables() {
        if (!streaming || busy()) {
            return;
        }
        session().send(new ChunkSession.Probe(++probe));
    }

    void published(ChunkSession.Published published) {
        if (published.request() != probe || published.tables() == null) {
            closeSessionIfIdle();
            return;
        }
        Set<String> now = new LinkedHashSet<>(published.tables());
        if (knownTables == null) {
            knownTables = now; // the first look: these are known
            log.debug("[{}] the publications' tables {} are known now: a table added to them later gets a snapshot of"
                    + " its own", name(), now);
            closeSessionIfIdle();
            return;
        }
        List<String> added = new ArrayList<>();
        for (String table : now) {
            if (!knownTables.contains(table)) {
                added.add(table);
            }
        }
        knownTables = now;
        if (added.isEmpty() || busy()) {
            closeSessionIfIdle();
            return;
        }
        log.info("[{}] tables {} were added to the publications: taking an incremental snapshot of them", name(), added);
        plan(new Planning(++requests, null, null, true), added, true);
    }

    // ---------------------------------------------------------------- lifecycle

    void close() {
        if (session != null) {
            session.close();
            session = null;
        }
        if (run != null) {
            run.progress.failed("the connection was closed; it resumes at the next start");
            run = null;
        }
        planning = null;
    }

    private String name() {
        return host.connection().config().name();
    }
}
