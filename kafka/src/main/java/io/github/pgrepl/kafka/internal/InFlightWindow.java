package io.github.pgrepl.kafka.internal;

import io.github.pgrepl.Lsn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The records a relay sent and the broker has not acknowledged yet, by PostgreSQL transaction, oldest first. It bounds
 * their bytes (the relay waits for room), tells how far transactions are finished (every record acknowledged, the
 * commit seen, every earlier transaction finished too), and keeps each failed record to be sent again.
 *
 * <p>The listener thread opens, fills and closes transactions; the producer's thread acknowledges and fails records;
 * the connection's thread reads the limit; health reads the status. One monitor guards it all: a few short critical
 * sections per record.
 */
public final class InFlightWindow {

    /** One PostgreSQL transaction's records in flight. */
    public static final class Transaction {
        private Lsn endLsn;
        private boolean abandoned;
        private int outstanding;
        private int failed;

        private Transaction() {
        }
    }

    /** A record the broker refused, kept to be sent again. */
    public record FailedRecord(Transaction transaction, ProducerRecord<byte[], byte[]> record, long size, Throwable error) {
    }

    /** What health shows. */
    public record Snapshot(int records, long bytes, int transactions, int failedRecords, Throwable firstError,
                           long stalledNanos, long waitingForRoomNanos, Lsn finishedThrough) {
    }

    private final long maxBytes;
    private final Deque<Transaction> transactions = new ArrayDeque<>();
    private final List<FailedRecord> failures = new ArrayList<>();
    private long bytes;
    private int outstanding;
    private Lsn finishedThrough = Lsn.ZERO;
    /** When the oldest wait for an acknowledgement began, or the last acknowledgement came: to tell a stalled broker. */
    private long progressNanos;
    private long waitingForRoomSince;
    private boolean closed;

    public InFlightWindow(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Opens the next transaction. */
    public synchronized Transaction open() {
        Transaction transaction = new Transaction();
        transactions.addLast(transaction);
        return transaction;
    }

    /** The transaction's commit was seen: it is finished once its records are acknowledged. */
    public synchronized void close(Transaction transaction, Lsn endLsn) {
        transaction.endLsn = endLsn;
        removeFinished();
    }

    /**
     * A transaction that will never see its commit (the stream started again elsewhere): it no longer holds the limit
     * back once its records are settled, and never moves it on.
     */
    public synchronized void abandon(Transaction transaction) {
        transaction.abandoned = true;
        removeFinished();
    }

    /**
     * Waits until {@code size} more bytes fit (always, when nothing is in flight).
     *
     * @return false, at once, when a record failed: the relay sends the failed records again first
     * @throws InterruptedException when interrupted or closed meanwhile
     */
    public synchronized boolean awaitRoom(long size) throws InterruptedException {
        while (!closed && failures.isEmpty() && bytes > 0 && bytes + size > maxBytes) {
            if (waitingForRoomSince == 0) {
                waitingForRoomSince = System.nanoTime();
            }
            wait();
        }
        waitingForRoomSince = 0;
        if (closed) {
            throw new InterruptedException("The Kafka relay is closing");
        }
        return failures.isEmpty();
    }

    /** A record of {@code transaction} goes to the producer. */
    public synchronized void sending(Transaction transaction, long size) {
        if (outstanding == 0) {
            progressNanos = System.nanoTime();
        }
        transaction.outstanding++;
        outstanding++;
        bytes += size;
    }

    /** The producer refused a record at once: it is not in flight after all. */
    public synchronized void notSent(Transaction transaction, long size) {
        transaction.outstanding--;
        outstanding--;
        bytes -= size;
        removeFinished();
        notifyAll();
    }

    /** The broker acknowledged a record. */
    public synchronized void acknowledged(Transaction transaction, long size) {
        transaction.outstanding--;
        outstanding--;
        bytes -= size;
        progressNanos = System.nanoTime();
        removeFinished();
        notifyAll();
    }

    /** The broker (or the producer, after its own retries) refused a record: it stays in the window, to be sent again. */
    public synchronized void failed(Transaction transaction, ProducerRecord<byte[], byte[]> record, long size, Throwable error) {
        transaction.outstanding--;
        transaction.failed++;
        outstanding--;
        failures.add(new FailedRecord(transaction, record, size, error));
        notifyAll();
    }

    public synchronized boolean hasFailures() {
        return !failures.isEmpty();
    }

    /**
     * Waits until no record is in flight (each acknowledged or failed), then hands over the failed ones, oldest first, to
     * be sent again; their bytes stay counted until they are settled again.
     */
    public synchronized List<FailedRecord> takeFailuresWhenSettled() throws InterruptedException {
        awaitSettled(Long.MAX_VALUE);
        if (closed) {
            throw new InterruptedException("The Kafka relay is closing");
        }
        List<FailedRecord> taken = List.copyOf(failures);
        failures.clear();
        for (FailedRecord failure : taken) {
            failure.transaction().failed--;
            bytes -= failure.size(); // sending() counts them again
        }
        return taken;
    }

    /**
     * Waits until no record is in flight, at most {@code nanos}.
     *
     * @return whether none is
     */
    public synchronized boolean awaitSettled(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        long remaining = nanos;
        while (!closed && outstanding > 0 && remaining > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
            remaining = deadline - System.nanoTime();
        }
        return outstanding == 0;
    }

    /** The first failure still waiting to be sent again, or {@code null}. */
    public synchronized FailedRecord firstFailure() {
        return failures.isEmpty() ? null : failures.get(0);
    }

    /**
     * The end of the last finished transaction while some transaction is not finished; {@code null} when every
     * transaction is ({@link io.github.pgrepl.pgoutput.ChangeListener#confirmLimit()}).
     */
    public synchronized Lsn confirmLimit() {
        return transactions.isEmpty() ? null : finishedThrough;
    }

    /** Wakes every wait, which then throws. */
    public synchronized void shutDown() {
        closed = true;
        notifyAll();
    }

    public synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        return new Snapshot(outstanding, bytes, transactions.size(), failures.size(),
                failures.isEmpty() ? null : failures.get(0).error(), outstanding > 0 ? now - progressNanos : 0,
                waitingForRoomSince == 0 ? 0 : now - waitingForRoomSince, finishedThrough);
    }

    private void removeFinished() {
        Transaction head;
        while ((head = transactions.peekFirst()) != null && head.outstanding == 0 && head.failed == 0
                && (head.endLsn != null || head.abandoned)) {
            transactions.pollFirst();
            if (!head.abandoned) {
                finishedThrough = head.endLsn;
            }
        }
    }
}
