package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.Action;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One session of an initial snapshot: imports the slot's exported snapshot into a repeatable-read transaction, then
 * reads the tables it is given one at a time with {@code COPY ... TO STDOUT}, and hands their rows to the handler
 * ({@link InitialSnapshot}) in batches. The first reader also plans the snapshot (which tables, which columns) in
 * the snapshot itself.
 *
 * <p>Flow control: at most one batch waits at the handler. When the next is full before the handler asked for more
 * (its listener's queue is full), the reader stops reading the COPY ({@link Action#noReplyAndPause}): TCP holds the
 * server's backend, and memory stays flat whatever the table's size.
 */
final class CopyReader implements ReplicationHandler {

    /** Rows per batch, and bytes: whichever comes first. */
    static final int BATCH_ROWS = 512;
    static final long BATCH_BYTES = 1024 * 1024;

    private enum Phase { IMPORTING, RESOLVING, DESCRIBING, IDLE, COPYING, COMMITTING, DONE }

    private final InitialSnapshot.Session session;
    private final int index;
    private final SnapshotCatalog catalog;
    private final List<String> requestedTables;
    private final RowFactory.Source rows;
    private final boolean binary;

    private ReplicationConnection connection;
    private Phase phase = Phase.IMPORTING;
    private List<Integer> oids;
    private SnapshotTable table;
    private CopyRows decoder;
    private long tableRows;
    private List<ChangeEvent> batch = new ArrayList<>();
    private long batchBytes;
    private long batchRows;
    private final Deque<InitialSnapshot.RowBatch> held = new ArrayDeque<>();
    private boolean outstanding;
    private boolean paused;
    private boolean noMoreTables;

    /**
     * @param catalog set for the reader that plans the snapshot, {@code null} for the others
     * @param requestedTables the tables to snapshot, empty for the publications' (for the planning reader)
     */
    CopyReader(InitialSnapshot.Session session, int index, SnapshotCatalog catalog, List<String> requestedTables,
               RowFactory.Source rows, boolean binary) {
        this.session = session;
        this.index = index;
        this.catalog = catalog;
        this.requestedTables = requestedTables;
        this.rows = rows;
        this.binary = binary;
    }

    @Override
    public void init(ReplicationConnection connection) {
        this.connection = connection;
    }

    @Override
    public Action handleConnect() {
        phase = Phase.IMPORTING;
        return Action.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT "
                + SqlText.literal(session.snapshotName()));
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        if (outcome instanceof QueryOutcome.Failure failure) {
            return fail("at " + phase + ": " + failure.error().getMessage(), failure.error());
        }
        QueryOutcome.Success success = (QueryOutcome.Success) outcome;
        try {
            switch (phase) {
                case IMPORTING -> {
                    session.send(new InitialSnapshot.Imported(session.attempt(), index));
                    if (catalog == null) {
                        return askForTable();
                    }
                    phase = Phase.RESOLVING;
                    return Action.query(catalog.resolveQuery(requestedTables));
                }
                case RESOLVING -> {
                    oids = catalog.resolved(success.result());
                    if (oids.isEmpty()) {
                        session.send(new InitialSnapshot.Planned(session.attempt(), List.of()));
                        return askForTable();
                    }
                    phase = Phase.DESCRIBING;
                    return Action.query(catalog.describeQuery(oids));
                }
                case DESCRIBING -> {
                    session.send(new InitialSnapshot.Planned(session.attempt(), catalog.described(oids, success.results())));
                    return askForTable();
                }
                case COMMITTING -> {
                    phase = Phase.DONE;
                    session.send(new InitialSnapshot.ReaderDone(session.attempt(), index));
                    return Action.noReply();
                }
                default -> {
                    return Action.noReply();
                }
            }
        } catch (RuntimeException e) {
            return fail(e.getMessage(), e);
        }
    }

    private Action askForTable() {
        phase = Phase.IDLE;
        session.send(new InitialSnapshot.WantsTable(session.attempt(), index));
        return Action.noReply();
    }

    @Override
    public Action handleInfo(Object message) {
        if (message instanceof InitialSnapshot.ReadTable read) {
            table = read.table();
            decoder = CopyRows.of(rows.forRelation(table.relation()), binary);
            tableRows = 0;
            add(new ChangeEvent.SnapshotStarted(decoder.rows.relation()), 0);
            phase = Phase.COPYING;
            return Action.stream(table.copyAll(binary));
        }
        if (message == InitialSnapshot.NO_MORE_TABLES) {
            noMoreTables = true;
            return finishIfSent();
        }
        if (message == InitialSnapshot.CREDIT) {
            outstanding = false;
            InitialSnapshot.RowBatch next = held.poll();
            if (next != null) {
                outstanding = true;
                session.send(next);
            }
            if (paused && held.isEmpty()) {
                paused = false;
                return Action.noReplyAndResume();
            }
            return finishIfSent();
        }
        return Action.noReply();
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        Row row;
        try {
            row = decoder.read(copyData);
        } catch (RuntimeException e) {
            return fail("reading " + table.qualifiedName() + ": " + e.getMessage(), e);
        }
        if (row == null) {
            return Action.noReply();
        }
        tableRows++;
        add(new ChangeEvent.Read(decoder.rows.relation(), row), row.dataSize());
        if (batch.size() >= BATCH_ROWS || batchBytes >= BATCH_BYTES) {
            ship();
            if (!held.isEmpty() && !paused) {
                paused = true;
                return Action.noReplyAndPause();
            }
        }
        return Action.noReply();
    }

    @Override
    public Action handleCopyDone() {
        add(new ChangeEvent.SnapshotCompleted(decoder.rows.relation(), tableRows), 0);
        ship();
        decoder = null;
        return askForTable();
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        if (phase != Phase.DONE) {
            session.send(new InitialSnapshot.ReaderFailed(session.attempt(), index, "session " + index + " was lost: "
                    + reason.getMessage(), reason));
        }
        return Action.noReply();
    }

    private void add(ChangeEvent event, long bytes) {
        batch.add(event);
        batchBytes += bytes;
        if (event instanceof ChangeEvent.Read) {
            batchRows++;
        }
    }

    /** Sends the batch, or holds it while the last one waits at the handler. */
    private void ship() {
        if (batch.isEmpty()) {
            return;
        }
        InitialSnapshot.RowBatch next = new InitialSnapshot.RowBatch(session.attempt(), index, table.qualifiedName(), batch,
                batchBytes, batchRows);
        batch = new ArrayList<>(Math.min(BATCH_ROWS + 2, 1024));
        batchBytes = 0;
        batchRows = 0;
        if (!outstanding) {
            outstanding = true;
            session.send(next);
        } else {
            held.add(next);
        }
    }

    /** Once told there is nothing left and every batch went to the handler: ends the transaction. */
    private Action finishIfSent() {
        if (!noMoreTables || phase != Phase.IDLE || !held.isEmpty()) {
            return Action.noReply();
        }
        phase = Phase.COMMITTING;
        return Action.query("COMMIT");
    }

    private Action fail(String problem, Throwable cause) {
        phase = Phase.DONE; // reported here; the disconnect that follows is not news
        session.send(new InitialSnapshot.ReaderFailed(session.attempt(), index, problem, cause));
        return Action.disconnect("initial snapshot session " + index + " failed: " + problem);
    }

    @Override
    public String toString() {
        return "CopyReader[" + index + ", " + phase + (table == null ? "" : ", " + table.qualifiedName()) + "]";
    }
}
