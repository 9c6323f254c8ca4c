package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.connection.ListenerActivity;
import io.github.pgrepl.spring.connection.ListenerControl;
import io.github.pgrepl.spring.connection.ListenerFailureStatus;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.ConnectionListener;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.TransactionTooLargeException;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

/**
 * The {@link ChangeListener} of a connection with {@code @ReplicationListener} methods: hands each decoded event to
 * every method whose tables and operations match, in commit order, on the connection's listener thread, one method
 * after the other; binds rows to the methods' types; collects transactions for transaction listeners; and, when a
 * method throws, asks the {@link ReplicationErrorHandler} what to do, retrying until the change is processed, skipped
 * or recovered. It returns from an event only then, and the connection confirms a transaction only after it returned
 * from the transaction's {@code Commit}: nothing is confirmed that no listener processed and no recoverer took.
 *
 * <p>While it retries, nothing after the change is delivered: the connection's queue fills, the connection stops
 * reading (the server holds the WAL) and status updates keep the session alive, however long that takes.
 *
 * <p>{@link ConnectionListener}s take their turn with the methods; the dispatcher's {@link #confirmLimit()} is the
 * lowest of theirs, so that the connection confirms a transaction only once each of them finished it too.
 */
public final class ChangeDispatcher implements ChangeListener, ListenerControl {

    /** Stops and resumes the connection's stream, for the {@link ErrorDecision#stop() stop} decision. */
    public interface StreamControl {

        /** Does nothing: for dispatchers without a connection (tests). */
        StreamControl NONE = new StreamControl() {
            @Override
            public void stop(String reason) {
            }

            @Override
            public void resume() {
            }
        };

        void stop(String reason);

        void resume();
    }

    private static final Logger log = LoggerFactory.getLogger(ChangeDispatcher.class);
    /** What a collected change costs beyond its rows' bytes (objects, references). */
    private static final long CHANGE_OVERHEAD_BYTES = 96;

    private final String connection;
    private final List<ListenerMethod> listeners;
    private final RowBinder binder;
    private final long transactionMaxBytes;
    private final boolean needsChanges;
    private final List<ListenerMethod> transactionListeners = new ArrayList<>();
    private final List<ConnectionListener> connectionListeners = new ArrayList<>();
    private final FailureHandlingInvoker invoker;

    /** From Begin to Commit; the listener thread's. */
    private Transaction transaction;

    /**
     * @param transactionMaxBytes the most a transaction listener's transaction may hold (bytes of its rows)
     */
    public ChangeDispatcher(String connection, List<ListenerMethod> listeners, RowBinder binder,
                            ReplicationErrorHandler errorHandler, long transactionMaxBytes, Clock clock) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.listeners = List.copyOf(listeners);
        this.binder = Objects.requireNonNull(binder, "binder");
        this.invoker = new FailureHandlingInvoker(connection, errorHandler, clock);
        this.transactionMaxBytes = transactionMaxBytes;
        for (ListenerMethod listener : this.listeners) {
            if (listener.kind() == ListenerMethod.Kind.TRANSACTION) {
                transactionListeners.add(listener);
            }
            if (listener.connectionListener() != null) {
                connectionListeners.add(listener.connectionListener());
            }
        }
        this.needsChanges = this.listeners.stream().anyMatch(listener -> listener.kind() != ListenerMethod.Kind.EVENT);
    }

    /** How the stop decision stops the connection's stream; set once, before the connection starts. */
    public void setStreamControl(StreamControl streamControl) {
        invoker.setStreamControl(streamControl);
    }

    /** Where each call of a listener is observed, as a child of its transaction's observation; set before the start. */
    public void setActivity(ListenerActivity activity) {
        invoker.setActivity(activity);
    }

    public String connection() {
        return connection;
    }

    public List<ListenerMethod> listeners() {
        return listeners;
    }

    public ReplicationErrorHandler errorHandler() {
        return invoker.errorHandler();
    }

    /**
     * Whether every method takes raw events (which may see in-progress transactions streamed); never with a
     * {@link ConnectionListener}, which takes committed transactions.
     */
    public boolean onlyRawEvents() {
        return !needsChanges && connectionListeners.isEmpty();
    }

    /** The lowest {@link ConnectionListener#confirmLimit() limit} of the connection listeners; {@code null} for none. */
    @Override
    public Lsn confirmLimit() {
        Lsn lowest = null;
        for (ConnectionListener listener : connectionListeners) {
            Lsn limit = listener.confirmLimit();
            if (limit != null && (lowest == null || limit.isBefore(lowest))) {
                lowest = limit;
            }
        }
        return lowest;
    }

    // ---------------------------------------------------------------- dispatch (listener thread)

    @Override
    public void onChange(ChangeEvent event) throws InterruptedException {
        if (event instanceof ChangeEvent.Begin begin) {
            // A Begin while another transaction is open: that one was cut off and does not come again (a transaction
            // cut by a reconnect goes on without a second Begin), so the collection starts over.
            transaction = new Transaction(begin.xid(), begin.finalLsn(), begin.commitTime(), transactionListeners.size());
        }
        List<Change<Row>> changes = needsChanges ? changesOf(event) : List.of();
        if (!transactionListeners.isEmpty() && transaction != null) {
            collect(changes);
        }
        for (ListenerMethod listener : listeners) {
            switch (listener.kind()) {
                case EVENT -> {
                    if (listener.takes(event) && matches(listener.endpoint(), event)) {
                        invoker.deliver(listener, event, null, null, () -> event);
                    }
                }
                case CHANGE -> {
                    for (Change<Row> change : changes) {
                        if (matches(listener.endpoint(), change)) {
                            invoker.deliver(listener, event, change, null, () -> binder.map(change, listener.rowType()));
                        }
                    }
                }
                case PAYLOAD -> {
                    for (Change<Row> change : changes) {
                        if (change.after() != null && matches(listener.endpoint(), change)) {
                            invoker.deliver(listener, event, change, null, () -> binder.bind(change.after(), change.before(),
                                    listener.rowType()));
                        }
                    }
                }
                case TRANSACTION -> {
                    if (event instanceof ChangeEvent.Commit commit && transaction != null) {
                        deliverTransaction(listener, commit);
                    }
                }
            }
        }
        if (event instanceof ChangeEvent.Commit) {
            transaction = null;
        }
    }

    private void collect(List<Change<Row>> changes) {
        for (Change<Row> change : changes) {
            if (change.operation() == Operation.READ) {
                continue; // an incremental snapshot's rows ride in its watermark's transaction, but are none of its changes
            }
            boolean wanted = false;
            for (int i = 0; i < transactionListeners.size(); i++) {
                if (matches(transactionListeners.get(i).endpoint(), change)) {
                    transaction.matched.set(i);
                    wanted = true;
                }
            }
            if (!wanted || transaction.tooLarge) {
                continue;
            }
            transaction.bytes += CHANGE_OVERHEAD_BYTES + size(change.before()) + size(change.after());
            if (transaction.bytes > transactionMaxBytes) {
                transaction.tooLarge = true;
                transaction.changes.clear(); // let them go now: holding on is what the bound prevents
                log.warn("[{}] Transaction {} (commit {}) holds more than listener.transaction-max-bytes ({}) for its"
                        + " transaction listeners; they will fail on it", connection, transaction.xid, transaction.finalLsn,
                        DataSize.ofBytes(transactionMaxBytes));
            } else {
                transaction.changes.add(change);
            }
        }
    }

    private void deliverTransaction(ListenerMethod listener, ChangeEvent.Commit commit) throws InterruptedException {
        Transaction current = transaction;
        int index = transactionListeners.indexOf(listener);
        if (!current.matched.get(index)) {
            return; // no change for this listener: an empty or unrelated transaction
        }
        if (current.tooLarge) {
            invoker.deliver(listener, commit, null, null, () -> {
                throw new TransactionTooLargeException("Transaction " + current.xid + " (commit " + commit.commitLsn()
                        + ") holds more than " + DataSize.ofBytes(transactionMaxBytes) + " of changes for transaction"
                        + " listener '" + listener.id() + "', which gets a whole transaction in memory. Take the changes one"
                        + " at a time (Change<T>) for tables with large transactions, or raise pgrepl.connections."
                        + connection + ".listener.transaction-max-bytes and restart the application (nothing of the"
                        + " transaction is confirmed meanwhile)");
            });
            return;
        }
        List<Change<Row>> mine = new ArrayList<>();
        for (Change<Row> change : current.changes) {
            if (matches(listener.endpoint(), change)) {
                mine.add(change);
            }
        }
        ChangeTransaction whole = new ChangeTransaction(current.xid, commit.commitLsn(), commit.commitTime(), mine, binder);
        invoker.deliver(listener, commit, null, whole, () -> whole);
    }

    private List<Change<Row>> changesOf(ChangeEvent event) {
        Transaction current = transaction;
        if (current == null || event instanceof ChangeEvent.Read) {
            // A snapshot's row: no transaction changed it, so its source has no commit (lsn, xid, commit time).
            return ChangeMapping.of(event, null, 0, null);
        }
        return ChangeMapping.of(event, current.finalLsn, current.xid, current.commitTime);
    }

    private static long size(Row row) {
        return row == null ? 0 : row.dataSize();
    }

    private static boolean matches(ReplicationListenerEndpoint endpoint, Change<Row> change) {
        return (endpoint.operations().isEmpty() || endpoint.operations().contains(change.operation()))
                && (endpoint.tables().isEmpty() || endpoint.tables().stream().anyMatch(change.source()::isTable));
    }

    /** Whether a raw listener takes {@code event}: events of tables and operations filter; the others always pass. */
    private static boolean matches(ReplicationListenerEndpoint endpoint, ChangeEvent event) {
        Operation operation = null;
        List<Relation> relations = List.of();
        if (event instanceof ChangeEvent.Read read) {
            operation = Operation.READ;
            relations = List.of(read.relation());
        } else if (event instanceof ChangeEvent.SnapshotStarted started) {
            relations = List.of(started.table());
        } else if (event instanceof ChangeEvent.SnapshotCompleted completed) {
            relations = List.of(completed.table());
        } else if (event instanceof ChangeEvent.Insert insert) {
            operation = Operation.INSERT;
            relations = List.of(insert.relation());
        } else if (event instanceof ChangeEvent.Update update) {
            operation = Operation.UPDATE;
            relations = List.of(update.relation());
        } else if (event instanceof ChangeEvent.Delete delete) {
            operation = Operation.DELETE;
            relations = List.of(delete.relation());
        } else if (event instanceof ChangeEvent.Truncate truncate) {
            operation = Operation.TRUNCATE;
            relations = truncate.relations();
        } else if (event instanceof Relation relation) {
            relations = List.of(relation);
        }
        if (operation != null && !endpoint.operations().isEmpty() && !endpoint.operations().contains(operation)) {
            return false;
        }
        if (relations.isEmpty() || endpoint.tables().isEmpty()) {
            return true;
        }
        for (Relation relation : relations) {
            Change.Source source = new Change.Source(null, 0, null, relation.namespace(), relation.name());
            if (endpoint.tables().stream().anyMatch(source::isTable)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- control (any thread)

    @Override
    public Optional<ListenerFailureStatus> failure() {
        return invoker.failure();
    }

    @Override
    public void restart() {
        invoker.restart();
    }

    /** Gives up a failing change, then lets each connection listener finish what it has in flight. */
    @Override
    public void close() {
        invoker.close();
        for (ConnectionListener listener : connectionListeners) {
            try {
                listener.closing();
            } catch (RuntimeException e) {
                log.warn("[{}] Connection listener {} failed to close: {}", connection, listener, e.toString());
            }
        }
    }

    @Override
    public long failedAttempts() {
        return invoker.failedAttempts();
    }

    @Override
    public long skipped() {
        return invoker.skipped();
    }

    @Override
    public long recovered() {
        return invoker.recovered();
    }

    @Override
    public String toString() {
        return "ChangeDispatcher[" + connection + ", " + listeners.size() + " listeners]";
    }

    /** A transaction from its Begin on: what transaction listeners get at its Commit. */
    private static final class Transaction {
        final long xid;
        final Lsn finalLsn;
        final Instant commitTime;
        final List<Change<Row>> changes = new ArrayList<>();
        /** Which transaction listeners have a change in it. */
        final BitSet matched;
        long bytes;
        boolean tooLarge;

        Transaction(long xid, Lsn finalLsn, Instant commitTime, int listeners) {
            this.xid = xid;
            this.finalLsn = finalLsn;
            this.commitTime = commitTime;
            this.matched = new BitSet(listeners);
        }
    }
}
