package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.Action;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.pgoutput.SnapshotException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The session of incremental snapshots, a plain connection beside the stream: it does what {@link IncrementalSnapshots}
 * asks, one command at a time, and reports back. {@link Plan}: which tables, read how (catalog). {@link RunChunk}: the
 * low watermark, the chunk ({@code COPY} of the next rows in key order, in a short repeatable-read transaction that
 * also tells its {@code pg_current_snapshot()}), the rows to the handler, then the high watermark. {@link Probe}: the
 * publications' tables now.
 *
 * <p>Each statement is its own short transaction: no lock beyond a SELECT's, nothing held between chunks. When the
 * session is lost it reconnects and runs the command in hand again from its start (the handler ignores watermarks
 * and chunks of attempts it no longer waits for).
 */
final class ChunkSession implements ReplicationHandler {

    private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(60);

    /** Which tables a snapshot reads; {@code lenient} drops those gone or unpublished instead of failing. */
    record Plan(long request, List<String> tables, boolean lenient) {
    }

    record RunChunk(long chunk, Watermark low, SnapshotTable table, int limit) {
    }

    record Probe(long request) {
    }

    /** Replies to the handler (through its mailbox). */
    record Planned(long request, List<SnapshotTable> tables, List<String> skipped, SnapshotException error)
            implements SnapshotSignal {
    }

    record ChunkRead(long chunk, List<Row> rows, PgSnapshot snapshot, List<String> last, boolean done) {
    }

    record ChunkFailed(long chunk, String problem, String sqlState) implements SnapshotSignal {
    }

    record Published(long request, List<String> tables) implements SnapshotSignal {
    }

    private record HandedOver(long chunk, boolean accepted) {
    }

    private enum Step { IDLE, RESOLVE, DESCRIBE, LOW, READ, COPY, COMMIT, HANDOVER, HIGH, PROBE }

    private final ReplicationConnection handler;
    private final SnapshotCatalog catalog;
    private final RowFactory.Source rows;
    private final boolean binary;
    private final Deque<Object> commands = new ArrayDeque<>();

    private ReplicationConnection connection;
    private Object current;
    private Step step = Step.IDLE;
    private boolean connected;
    // of the command in hand
    private List<String> requested;
    private List<Integer> oids;
    private List<String> skipped;
    private CopyRows decoder;
    private int[] keyIndexes;
    private List<Row> chunkRows;
    private PgSnapshot chunkSnapshot;

    ChunkSession(ReplicationConnection handler, SnapshotCatalog catalog, RowFactory.Source rows, boolean binary) {
        this.handler = handler;
        this.catalog = catalog;
        this.rows = rows;
        this.binary = binary;
    }

    @Override
    public void init(ReplicationConnection connection) {
        this.connection = connection;
    }

    @Override
    public Action handleConnect() {
        connected = true;
        return current != null ? begin(current) : next();
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        connected = false;
        step = Step.IDLE; // the command in hand runs again on reconnect
        return Action.noReply();
    }

    @Override
    public Action handleInfo(Object message) {
        if (message instanceof HandedOver handedOver) {
            if (!(current instanceof RunChunk run) || run.chunk() != handedOver.chunk() || step != Step.HANDOVER) {
                return Action.noReply();
            }
            if (!handedOver.accepted()) {
                return done(); // an attempt the handler gave up: no high watermark
            }
            step = Step.HIGH;
            Watermark low = run.low();
            boolean finished = chunkRows.size() < run.limit();
            List<String> last = chunkRows.isEmpty() ? low.after() : keyText(chunkRows.get(chunkRows.size() - 1));
            Watermark high = new Watermark(Watermark.Kind.HIGH, low.snapshot(), low.chunk(), low.table(), low.after(), last,
                    finished, low.rows() + chunkRows.size(), low.chunks() + 1, low.tables());
            chunkRows = null;
            // Flushed at once: a server with synchronous_commit off would leave it to the WAL writer (wal_writer_delay,
            // 200 ms by default), and the stream only sends flushed WAL; each chunk would wait that long for its high
            // watermark. "local": no wait for synchronous standbys, which logical decoding does not need.
            return Action.query("SET synchronous_commit = local; " + emit(high));
        }
        commands.add(message);
        return current == null && connected ? next() : Action.noReply();
    }

    private Action next() {
        current = commands.poll();
        return current == null ? Action.noReply() : begin(current);
    }

    private Action done() {
        current = null;
        step = Step.IDLE;
        chunkRows = null;
        decoder = null;
        return next();
    }

    private Action begin(Object command) {
        if (command instanceof Plan plan) {
            requested = plan.tables();
            step = Step.RESOLVE;
            return Action.query(catalog.resolveQuery(plan.lenient() ? List.of() : plan.tables()));
        }
        if (command instanceof Probe) {
            step = Step.PROBE;
            return Action.query(catalog.resolveQuery(List.of()));
        }
        RunChunk run = (RunChunk) command;
        step = Step.LOW;
        return Action.query(emit(run.low()));
    }

    private static String emit(Watermark watermark) {
        String content = new String(watermark.encode(), StandardCharsets.UTF_8);
        return "SELECT pg_catalog.pg_logical_emit_message(true, " + SqlText.literal(Watermark.PREFIX) + ", "
                + SqlText.literal(content) + ")";
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        if (step == Step.IDLE) {
            return next(); // the ROLLBACK after a failure, whatever it says
        }
        if (outcome instanceof QueryOutcome.Failure failure) {
            return failed(failure.error().getMessage(), failure.error().sqlState());
        }
        List<QueryResult> results = ((QueryOutcome.Success) outcome).results();
        try {
            return switch (step) {
                case RESOLVE -> resolved(results.get(0));
                case DESCRIBE -> described(results);
                case PROBE -> probed(results.get(0));
                case LOW -> {
                    step = Step.READ;
                    yield Action.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT pg_catalog.pg_current_snapshot()");
                }
                case READ -> {
                    RunChunk run = (RunChunk) current;
                    chunkSnapshot = PgSnapshot.parse(results.get(1).rows().get(0).get(0));
                    decoder = CopyRows.of(rows.forRelation(run.table().relation()), binary);
                    keyIndexes = run.table().keyIndexes();
                    chunkRows = new ArrayList<>(Math.min(run.limit(), 8192));
                    step = Step.COPY;
                    yield Action.stream(run.table().copyChunk(run.low().after(), run.limit(), binary));
                }
                case COMMIT -> handOver();
                case HIGH -> done();
                default -> Action.noReply();
            };
        } catch (SnapshotException e) {
            return planFailed(e);
        } catch (RuntimeException e) {
            return failed(e.toString(), null);
        }
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        Row row = decoder.read(copyData);
        if (row != null) {
            chunkRows.add(row);
        }
        return Action.noReply();
    }

    @Override
    public Action handleCopyDone() {
        step = Step.COMMIT;
        return Action.query("COMMIT");
    }

    private Action handOver() {
        RunChunk run = (RunChunk) current;
        step = Step.HANDOVER;
        List<String> last = chunkRows.isEmpty() ? null : keyText(chunkRows.get(chunkRows.size() - 1));
        ChunkRead read = new ChunkRead(run.chunk(), List.copyOf(chunkRows), chunkSnapshot, last, chunkRows.size() < run.limit());
        // The rows reach the handler before the high watermark can: it reads them when the watermark arrives.
        handler.call(read, HANDOVER_TIMEOUT).whenComplete((accepted, error) ->
                connection.send(new HandedOver(run.chunk(), error == null && Boolean.TRUE.equals(accepted))));
        return Action.noReply();
    }

    private List<String> keyText(Row row) {
        List<String> key = new ArrayList<>(keyIndexes.length);
        for (int index : keyIndexes) {
            key.add(row.getString(index));
        }
        return key;
    }

    private Action resolved(QueryResult result) {
        Plan plan = (Plan) current;
        skipped = new ArrayList<>();
        if (plan.lenient()) {
            // Of the tables asked for, those still published; the others are skipped, not an error.
            List<String> published = publishedNames(result);
            oids = new ArrayList<>();
            for (String table : requested) {
                int at = published.indexOf(table);
                if (at < 0) {
                    skipped.add(table);
                } else {
                    oids.add(Integer.parseUnsignedInt(result.rows().get(at).get(2)));
                }
            }
        } else {
            oids = catalog.resolved(result);
        }
        if (oids.isEmpty()) {
            handler.send(new Planned(plan.request(), List.of(), skipped, null));
            return done();
        }
        step = Step.DESCRIBE;
        return Action.query(catalog.describeQuery(oids));
    }

    private Action described(List<QueryResult> results) {
        Plan plan = (Plan) current;
        List<SnapshotTable> tables = catalog.described(oids, results);
        for (SnapshotTable table : tables) {
            String problem = IncrementalSnapshots.unreadable(table, rows, binary);
            if (problem != null) {
                throw new SnapshotException(SnapshotException.Reason.NO_KEY, problem);
            }
        }
        handler.send(new Planned(plan.request(), tables, skipped, null));
        return done();
    }

    private Action probed(QueryResult result) {
        handler.send(new Published(((Probe) current).request(), publishedNames(result)));
        return done();
    }

    private static List<String> publishedNames(QueryResult result) {
        List<String> names = new ArrayList<>(result.rows().size());
        result.rows().forEach(row -> names.add(row.get(4) + "." + row.get(5)));
        return names;
    }

    private Action planFailed(SnapshotException error) {
        if (current instanceof Plan plan) {
            handler.send(new Planned(plan.request(), List.of(), List.of(), error));
        }
        return rollbackAndDone();
    }

    private Action failed(String problem, String sqlState) {
        if (current instanceof Plan plan) {
            handler.send(new Planned(plan.request(), List.of(), List.of(), new SnapshotException(SnapshotException.Reason.FAILED,
                    "Planning the snapshot failed: " + problem)));
        } else if (current instanceof RunChunk run) {
            handler.send(new ChunkFailed(run.chunk(), problem, sqlState));
        } else if (current instanceof Probe probe) {
            handler.send(new Published(probe.request(), null));
        }
        return rollbackAndDone();
    }

    /** Ends a transaction a failure may have left open, then takes the next command. */
    private Action rollbackAndDone() {
        current = null;
        chunkRows = null;
        decoder = null;
        step = Step.IDLE;
        return Action.query("ROLLBACK"); // harmless outside a transaction (a warning); its outcome takes the next command
    }

    @Override
    public String toString() {
        return "ChunkSession[" + step + ", " + commands.size() + " waiting]";
    }
}
