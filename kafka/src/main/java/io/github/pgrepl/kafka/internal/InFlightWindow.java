package io.github.pgrepl.kafka.internal;

import io.github.pgrepl.Lsn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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

    /**
     * A record the broker refused, kept to be sent again.
     *
     * @param sent its place in the order records were first sent ({@link #sending}), kept while it is sent again:
     *     failures come back in that order, not in the order the producer reported them (a producer closed by force
     *     fails its batches in no particular order)
     */
    public record FailedRecord(Transaction transaction, ProducerRecord<byte[], byte[]> record, long size, long sent,
                               Throwable error) {
    }

    /**
     * What health shows.
     *
     * @param failedRecords records that failed and are not on the broker yet: to be sent again, or sent again and not
     *     acknowledged yet
     * @param lastError why the last of them failed
     * @param lastErrorTopic its topic
     */
    public record Snapshot(int records, long bytes, int transactions, int failedRecords, Throwable lastError,
                           String lastErrorTopic, long stalledNanos, long waitingForRoomNanos, Lsn finishedThrough) {
    }

    private final long maxBytes;
    private final Deque<Transaction> transactions = new ArrayDeque<>();
    private final List<FailedRecord> failures = new ArrayList<>();
    private long bytes;
    private int outstanding;
    private long sent;
    /**
     * Failed records taken to be sent again and not acknowledged since, and the last failure: until both are gone the
     * relay is not well.
     */
    private int takenAgain;
    private Throwable lastError;
    private String lastErrorTopic;
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

    /**
     * A record of {@code transaction} goes to the producer.
     *
     * @return its place in the order of sending, to give {@link #failed} should it fail
     */
    public synchronized long sending(Transaction transaction, long size) {
        if (outstanding == 0) {
            progressNanos = System.nanoTime();
        }
        transaction.outstanding++;
        outstanding++;
        bytes += size;
        return sent++;
    }

    /**
     * A failed record taken with {@link #takeFailures()} goes to the producer again. Its transaction counts it failed
     * until now, so that the transaction never looks finished between the records sent again; its wait for an
     * acknowledgement goes on, it does not begin anew. Should it fail again, at once or in its callback, it fails with
     * the place it was first sent with ({@link FailedRecord#sent()}), not a new one: a new place would put it after the
     * records taken with it and put back with theirs ({@link #stillFailed}), and a row's older change after its newer.
     */
    public synchronized void sendingAgain(FailedRecord record) {
        record.transaction().failed--;
        record.transaction().outstanding++;
        outstanding++;
    }

    /** Failed records taken with {@link #takeFailures()} that were not sent again after all: failed still. */
    public synchronized void stillFailed(List<FailedRecord> records) {
        failures.addAll(records);
        takenAgain -= records.size();
        notifyAll();
    }

    /** The producer refused a record at once: it is not in flight after all. */
    public synchronized void notSent(Transaction transaction, long size) {
        transaction.outstanding--;
        outstanding--;
        bytes -= size;
        removeFinished();
        notifyAll();
    }

    /**
     * The broker acknowledged a record.
     *
     * @param again whether it was {@linkplain #sendingAgain sent again}
     */
    public synchronized void acknowledged(Transaction transaction, long size, boolean again) {
        transaction.outstanding--;
        outstanding--;
        if (again && --takenAgain == 0 && failures.isEmpty()) {
            lastError = null;
            lastErrorTopic = null;
        }
        bytes -= size;
        progressNanos = System.nanoTime();
        removeFinished();
        notifyAll();
    }

    /**
     * The broker (or the producer, after its own retries) refused a record: it stays in the window, to be sent again.
     *
     * @return whether it is the first failure since failed records were last taken
     */
    public synchronized boolean failed(Transaction transaction, ProducerRecord<byte[], byte[]> record, long size, long sent,
                                       boolean again, Throwable error) {
        transaction.outstanding--;
        transaction.failed++;
        outstanding--;
        if (again) {
            takenAgain--;
        }
        lastError = error;
        lastErrorTopic = record.topic();
        failures.add(new FailedRecord(transaction, record, size, sent, error));
        notifyAll();
        return failures.size() == 1;
    }

    public synchronized boolean hasFailures() {
        return !failures.isEmpty();
    }

    /**
     * Once no record is in flight (each acknowledged or failed), hands over the failed ones in the order they were first
     * sent, to be sent again ({@link #sendingAgain}, or back with {@link #stillFailed}); their bytes stay counted, and
     * their transactions unfinished, until they are settled.
     *
     * @throws IllegalStateException while a record is in flight: a record sent again could overtake it
     */
    public synchronized List<FailedRecord> takeFailures() throws InterruptedException {
        if (closed) {
            throw new InterruptedException("The Kafka relay is closing");
        }
        if (outstanding > 0) {
            throw new IllegalStateException(outstanding + " record(s) still in flight: failed records are taken once"
                    + " every record is settled");
        }
        List<FailedRecord> taken = new ArrayList<>(failures);
        taken.sort(Comparator.comparingLong(FailedRecord::sent));
        failures.clear();
        takenAgain += taken.size();
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

    /** The first failure (as reported) still waiting to be sent again, or {@code null}. */
    public synchronized FailedRecord firstFailure() {
        return failures.isEmpty() ? null : failures.get(0);
    }

    /**
     * How long records have waited for an acknowledgement: since the last one, or since the first of them was sent;
     * 0 when none is in flight.
     */
    public synchronized long stalledNanos() {
        return outstanding > 0 ? System.nanoTime() - progressNanos : 0;
    }

    /** How many records are in flight (sent, neither acknowledged nor failed). */
    public synchronized int outstanding() {
        return outstanding;
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
        return new Snapshot(outstanding, bytes, transactions.size(), failures.size() + takenAgain, lastError, lastErrorTopic,
                outstanding > 0 ? now - progressNanos : 0,
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
