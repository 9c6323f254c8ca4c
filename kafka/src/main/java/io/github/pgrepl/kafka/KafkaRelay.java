package io.github.pgrepl.kafka;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.internal.util.Durations;
import io.github.pgrepl.kafka.internal.InFlightWindow;
import io.github.pgrepl.kafka.internal.ProducerWatchdog;
import io.github.pgrepl.kafka.internal.Refusals;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ConnectionListener;
import io.github.pgrepl.spring.listener.support.ChangeMapping;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Publishes each change of a replication connection as one Kafka record, with spring-kafka's {@link KafkaTemplate},
 * and lets the connection confirm a PostgreSQL transaction only once the broker acknowledged every record of it.
 *
 * <p><b>Records.</b> Topic {@code <prefix><schema>.<table>} (or the table's own); key, value and timestamp from the
 * {@link ChangeRecordMapper} (by default {@link JsonChangeRecordMapper}: the row's identity and a JSON envelope); headers
 * {@value #LSN_HEADER} (the transaction's commit position, as PostgreSQL prints it), {@value #XID_HEADER} (its id) and
 * {@value #SEQ_HEADER} (the change's place in the transaction, from 0).
 *
 * <p><b>Snapshots.</b> A snapshot's rows ({@link ChangeEvent.Read}, operation {@code READ}) are relayed too. An
 * incremental snapshot's come inside its high watermark's transaction ({@code Begin}, the watermark, the chunk's
 * {@code Read}s, {@code Commit}): they are that transaction's records, with its lsn and xid, their seq following its
 * changes', confirmed with it (transactional: in its Kafka transaction). An initial snapshot's come before the stream,
 * outside any transaction: lsn {@code 0/0}, xid {@code 0}, seq the row's place in its table's snapshot (from 0 at the
 * table's {@code SnapshotStarted}). They are sent as they come, and each {@code SnapshotCompleted} returns only once the
 * broker has every row relayed so far: the handler takes the initial snapshot as done, and lets the stream start, once
 * the listener returned from them. Transactional, they go in Kafka transactions of at most {@code maxInFlightBytes}
 * each (not the whole table in memory): a {@code read_committed} consumer sees a table's rows batch by batch, every
 * batch whole.
 *
 * <p><b>Order and duplicates.</b> {@code (lsn, seq)} grows with every change of a row, and an initial snapshot's row
 * (lsn {@code 0/0}) comes before every streamed change of the row on its partition. A consumer that keeps, per key, the
 * last position it applied drops the duplicates that redelivery brings: it skips a record whose lsn is before the kept
 * one, or equal to it and not {@code 0/0} with a seq not after the kept one. Two initial snapshot rows of a key (a
 * snapshot taken again, after a crash during the first) are both applied: the later one is the newer.
 *
 * <p><b>Confirmation.</b> Not transactional (the default): records are sent as changes arrive, many transactions in
 * flight at once, their bytes bounded by {@code maxInFlightBytes}; {@link #confirmLimit()} holds the connection's
 * confirmation at the end of the last transaction whose records were all acknowledged. The producer must use
 * {@code acks=all} and idempotence, which keep each partition's records in the order sent. Transactional: each
 * PostgreSQL transaction's records are held until its {@code Commit}, then sent in one Kafka transaction, and the
 * {@code Commit} returns once that committed; {@code read_committed} consumers see whole PostgreSQL transactions.
 *
 * <p><b>Backpressure.</b> When the bound is reached the relay waits on the listener thread for acknowledgements, the
 * connection's queue fills and the connection stops reading; status updates keep the session alive. A broker that is
 * down or slow is waited for (the producer retries), never dropped from.
 *
 * <p><b>Failures.</b> A record the producer gives up on (after its {@code delivery.timeout.ms}, or refused for good,
 * e.g. too large or not authorized) stays in flight: its transaction and every later one stay unconfirmed. Once nothing
 * else is in flight the failed records are sent again, in the order they were first sent: at the next change (which
 * fails with a {@link KafkaRelayException} while they are still refused, so that the connection's error handler retries
 * it), or by the watchdog while the listener thread is idle (at most once per ack timeout). Health is DOWN until the
 * broker has them. A producer that for a whole ack timeout acknowledged nothing while it retried (after the broker
 * refused or split a batch, the idempotent producer can retry the partition's later batches, which the broker answers
 * with {@code OUT_OF_ORDER_SEQUENCE_NUMBER}, for good) is closed by the watchdog: what it held fails, and is sent again
 * from a new producer. A failed Kafka transaction is aborted (spring-kafka closes the producer whose commit failed,
 * which aborts it; should the producer not reach the broker to do so, the next producer, with the same
 * {@code transactional.id}, aborts it as it starts, or the broker after the producer's {@code transaction.timeout.ms})
 * and the whole PostgreSQL transaction is sent again when its {@code Commit} is retried;
 * health names the refused record's topic, and the fix where the error tells it. During an initial snapshot the same
 * holds for its rows: a refused row, or a failed Kafka transaction of its rows, fails the next row or {@code
 * SnapshotCompleted}, and the snapshot does not complete until the broker took it.
 *
 * <p><b>Threads.</b> The listener thread relays the events; the watchdog (one daemon thread per relay that is not
 * transactional) looks at the producer every quarter of the ack timeout; the send lock keeps the two from sending at
 * once; the producer's thread settles records in the window.
 *
 * <p>Past 500 lines on purpose: the stream's transactions, the initial snapshot's rows and the refused records are one
 * state machine on the listener thread, over one window and one template; the window, the producer watchdog and the
 * change mapping are classes of their own.
 */
public final class KafkaRelay implements ConnectionListener, AutoCloseable {

    /** The transaction's commit LSN, as PostgreSQL prints it ({@code 16/B374D848}); {@code 0/0} for an initial snapshot's row. */
    public static final String LSN_HEADER = "pgrepl.lsn";
    /** The transaction's id, in decimal; {@code 0} for an initial snapshot's row. */
    public static final String XID_HEADER = "pgrepl.xid";
    /**
     * The change's place in its transaction, in decimal, from 0; for an initial snapshot's row, its place in its table's
     * snapshot.
     */
    public static final String SEQ_HEADER = "pgrepl.seq";

    /** The lsn header of a row an initial snapshot read: before every position a transaction of the stream has. */
    private static final String INITIAL_SNAPSHOT_LSN = Lsn.ZERO.toString();

    private static final Logger log = LoggerFactory.getLogger(KafkaRelay.class);
    /** What a record costs beyond its key and value (Kafka's batch overhead, headers, topic). */
    private static final int RECORD_OVERHEAD = 96;
    private static final int MAX_CACHED_TOPICS = 10_000;

    private final KafkaRelaySettings settings;
    private final KafkaTemplate<byte[], byte[]> template;
    private final ChangeRecordMapper mapper;
    private final InFlightWindow window;
    private final long ackTimeoutNanos;
    private volatile boolean closing;

    // The listener thread's.
    private Transaction transaction;
    private ChangeEvent pendingEvent;
    private List<ProducerRecord<byte[], byte[]>> pendingRecords;
    private int pendingNext;
    /** By relation (the decoder keeps one object per table until it changes), then by qualified name. */
    private final Map<ChangeEvent.Relation, String> topics = new IdentityHashMap<>();
    private final Map<String, String> topicsByName = new HashMap<>();
    /** The initial snapshot's rows not yet known to be on the broker; {@code null} outside an initial snapshot. */
    private Transaction initialRows;
    /** Per table of the initial snapshot ({@code schema.table}), the seq of its next row. */
    private final Map<String, int[]> snapshotSeq = new HashMap<>();
    /** Replaces a stuck producer, and sends failed records again while the listener thread is idle; not transactional. */
    private final ProducerWatchdog watchdog;
    /**
     * Held by the listener thread while it relays an event, and by the watchdog while it sends failed records again:
     * records go to the producer from one thread at a time, in order.
     */
    private final ReentrantLock sendLock = new ReentrantLock();
    /** When failed records were last sent again (under the send lock). */
    private long lastSentAgain;

    // Transactional mode: what health and the connection's thread read.
    private volatile boolean transactionOpen;
    private volatile Lsn committedThrough = Lsn.ZERO;
    private volatile long committingSince;
    private volatile String commitFailure;

    /**
     * @param template sends the records: over a producer factory with {@code acks=all} and idempotence; transactional
     *     exactly when {@code settings.transactional()}, then best with one {@code transactional.id} for every producer
     *     (pgrepl's own factory: {@code <prefix>0}), so that a producer that replaces a failed one, or a restarted
     *     application's, fences the one before it and the broker keeps one id. The relay {@linkplain
     *     org.springframework.kafka.core.ProducerFactory#reset() resets} the factory when records are stuck behind a refused
     *     one; a short physical close timeout (pgrepl's own factory: 0) keeps that from waiting on them.
     */
    public KafkaRelay(KafkaRelaySettings settings, KafkaTemplate<byte[], byte[]> template, ChangeRecordMapper mapper) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.template = Objects.requireNonNull(template, "template");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        if (settings.transactional() != template.isTransactional()) {
            throw new IllegalArgumentException("The Kafka relay of connection '" + settings.connection() + "' is "
                    + (settings.transactional() ? "" : "not ") + "transactional but its KafkaTemplate's producer factory "
                    + (template.isTransactional() ? "is" : "is not") + ": give the producer factory a transaction id prefix"
                    + " exactly when the relay is transactional");
        }
        this.window = new InFlightWindow(settings.maxInFlightBytes());
        this.ackTimeoutNanos = settings.ackTimeout().toNanos();
        this.lastSentAgain = System.nanoTime() - ackTimeoutNanos;
        // Transactional: one Kafka transaction at a time, its outcome waited for on the listener thread.
        this.watchdog = settings.transactional() ? null
                : new ProducerWatchdog(settings.connection(), window, template, settings.ackTimeout(), this::resendWhileIdle);
    }

    @Override
    public String connection() {
        return settings.connection();
    }

    /**
     * No: a change the error handler gave up on (skipped, or dead-lettered) would be confirmed without being on the
     * broker. The relay's failures are the broker's, retried until it takes the record.
     */
    @Override
    public boolean changesMayBeGivenUp() {
        return false;
    }

    public KafkaRelaySettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- events (listener thread)

    @Override
    public void onChange(ChangeEvent event) throws Exception {
        sendLock.lock();
        try {
            relay(event);
        } finally {
            sendLock.unlock();
        }
    }

    private void relay(ChangeEvent event) throws Exception {
        if (closing) {
            throw new InterruptedException("The Kafka relay of connection '" + connection() + "' is closing: the change"
                    + " stays unconfirmed");
        }
        if (!settings.transactional() && window.hasFailures()) {
            resendFailed();
        }
        if (event instanceof ChangeEvent.Begin begin) {
            begin(begin);
        } else if (event instanceof ChangeEvent.Commit commit) {
            commit(commit);
        } else if (event instanceof ChangeEvent.SnapshotStarted started) {
            if (transaction == null) {
                // A table of the initial snapshot (again, after an attempt that started over): its rows from seq 0.
                snapshotSeq.put(qualified(started.table()), new int[1]);
            }
        } else if (event instanceof ChangeEvent.SnapshotCompleted completed) {
            if (transaction == null) {
                // The handler takes the initial snapshot as done once every SnapshotCompleted returned: not before the
                // broker has every row. (An incremental snapshot's rows are confirmed with their watermark transaction.)
                finishInitialSnapshotRows();
                snapshotSeq.remove(qualified(completed.table()));
            }
        } else if (isChange(event)) {
            Transaction target = transaction != null ? transaction
                    : event instanceof ChangeEvent.Read ? initialSnapshotRows() : null;
            if (target == null) {
                return;
            }
            if (event != pendingEvent) {
                pendingRecords = records(target, event); // once: a retry of the event goes on where the last attempt stopped
                pendingEvent = event;
                pendingNext = 0;
            }
            while (pendingNext < pendingRecords.size()) {
                publish(target, pendingRecords.get(pendingNext));
                pendingNext++;
            }
            pendingEvent = null;
            pendingRecords = null;
        }
    }

    private static boolean isChange(ChangeEvent event) {
        return event instanceof ChangeEvent.Read || event instanceof ChangeEvent.Insert || event instanceof ChangeEvent.Update
                || event instanceof ChangeEvent.Delete || event instanceof ChangeEvent.Truncate;
    }

    private static String qualified(ChangeEvent.Relation relation) {
        return relation.namespace() + "." + relation.name();
    }

    /** The initial snapshot's rows not yet known to be on the broker, opened by the first of them. */
    private Transaction initialSnapshotRows() {
        if (initialRows == null) {
            initialRows = Transaction.initialSnapshot(settings.transactional() ? null : window.open());
        }
        return initialRows;
    }

    /**
     * Returns once the broker has every row of the initial snapshot relayed so far: transactional, their last batch is
     * committed; else every record is acknowledged (waiting as long as the broker is away), refused ones sent again.
     *
     * @throws KafkaRelayException while the broker refuses a record, or the Kafka transaction fails
     */
    private void finishInitialSnapshotRows() throws InterruptedException {
        Transaction rows = initialRows;
        if (rows == null) {
            return;
        }
        if (settings.transactional()) {
            commitBatch(rows);
        } else {
            while (!window.awaitSettled(Long.MAX_VALUE) || window.hasFailures()) { // as long as the broker is away
                if (closing) {
                    throw new InterruptedException("The Kafka relay of connection '" + connection() + "' is closing: the"
                            + " initial snapshot is not completed");
                }
                resendFailed();
            }
            if (closing) {
                throw new InterruptedException("The Kafka relay of connection '" + connection() + "' is closing: the"
                        + " initial snapshot is not completed");
            }
            window.abandon(rows.inFlight); // settled: gone from the window, and it never moves the confirmed position
        }
        initialRows = null;
    }

    private void begin(ChangeEvent.Begin begin) throws InterruptedException {
        // The stream starts after every SnapshotCompleted of the initial snapshot; should rows remain, they go first.
        finishInitialSnapshotRows();
        pendingEvent = null;
        pendingRecords = null;
        Transaction current = transaction;
        if (current != null && current.commitLsn.equals(begin.finalLsn()) && current.xid == begin.xid()) {
            // The same transaction again: the handler goes on after a reconnect without one, but should another
            // listener chain replay it, its changes come again numbered from 0, as exact duplicates (same lsn and seq).
            current.nextSeq = 0;
            current.buffered.clear();
            current.bufferedBytes = 0;
            return;
        }
        if (current != null && current.inFlight != null) {
            window.abandon(current.inFlight); // never committed here: the stream started again elsewhere
        }
        transaction = new Transaction(begin, settings.transactional() ? null : window.open());
        transactionOpen = true;
    }

    private void commit(ChangeEvent.Commit commit) {
        Transaction current = transaction;
        if (current == null) {
            return;
        }
        if (settings.transactional()) {
            if (!current.buffered.isEmpty()) {
                sendInKafkaTransaction(current);
            }
            committedThrough = commit.endLsn();
            transactionOpen = false;
        } else {
            window.close(current.inFlight, commit.endLsn());
        }
        transaction = null;
    }

    private List<ProducerRecord<byte[], byte[]>> records(Transaction current, ChangeEvent event) {
        List<Change<Row>> changes = ChangeMapping.of(event, current.commitLsn, current.xid, current.commitTime);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(changes.size());
        for (Change<Row> change : changes) {
            ProducerRecord<byte[], byte[]> record = mapper.toRecord(change, topic(event, change));
            int seq = current.initialSnapshot
                    ? snapshotSeq.computeIfAbsent(change.source().qualifiedTable(), table -> new int[1])[0]++
                    : current.nextSeq++;
            record.headers().add(LSN_HEADER, current.lsnHeader);
            record.headers().add(XID_HEADER, current.xidHeader);
            record.headers().add(SEQ_HEADER, Integer.toString(seq).getBytes(StandardCharsets.US_ASCII));
            records.add(record);
        }
        return records;
    }

    private String topic(ChangeEvent event, Change<Row> change) {
        ChangeEvent.Relation relation = event instanceof ChangeEvent.Read read ? read.relation()
                : event instanceof ChangeEvent.Insert insert ? insert.relation()
                : event instanceof ChangeEvent.Update update ? update.relation()
                : event instanceof ChangeEvent.Delete delete ? delete.relation() : null;
        String topic = relation == null ? null : topics.get(relation);
        if (topic == null) {
            String schema = change.source().schema();
            String table = change.source().table();
            topic = topicsByName.computeIfAbsent(schema + "." + table, name -> settings.topicFor(schema, table));
            if (relation != null) {
                if (topics.size() >= MAX_CACHED_TOPICS) {
                    topics.clear(); // relations come anew after each reconnect: forget the old ones
                }
                topics.put(relation, topic);
            }
        }
        return topic;
    }

    private void publish(Transaction current, ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        long size = size(record);
        if (settings.transactional()) {
            if (current.bufferedBytes + size > settings.maxInFlightBytes() && !current.buffered.isEmpty()) {
                if (current.initialSnapshot) {
                    commitBatch(current); // the initial snapshot goes in Kafka transactions of at most max-in-flight
                    current.buffered.add(record);
                    current.bufferedBytes += size;
                    return;
                }
                throw new KafkaRelayException("Transaction " + current.xid + " (commit " + current.commitLsn + ") has more"
                        + " than " + settings.maxInFlightBytes() + " bytes of records, which a transactional relay holds"
                        + " until the commit to send them in one Kafka transaction. Raise pgrepl.connections."
                        + connection() + ".kafka.max-in-flight, or set kafka.transactional=false for such transactions;"
                        + " nothing of it is confirmed meanwhile", null);
            }
            current.buffered.add(record);
            current.bufferedBytes += size;
            return;
        }
        while (!window.awaitRoom(size)) {
            resendFailed();
        }
        if (closing) {
            throw new InterruptedException("The Kafka relay of connection '" + connection() + "' is closing");
        }
        send(current.inFlight, record, size);
    }

    private void send(InFlightWindow.Transaction inFlight, ProducerRecord<byte[], byte[]> record, long size) {
        long order = window.sending(inFlight, size);
        CompletableFuture<SendResult<byte[], byte[]>> sent;
        try {
            sent = template.send(record);
        } catch (RuntimeException e) {
            window.notSent(inFlight, size);
            throw notSent(record, cause(e));
        }
        settle(sent, inFlight, record, size, order, false);
    }

    private void sendAgain(InFlightWindow.FailedRecord failed) {
        window.sendingAgain(failed);
        CompletableFuture<SendResult<byte[], byte[]>> sent;
        try {
            sent = template.send(failed.record());
        } catch (RuntimeException e) {
            Throwable cause = cause(e);
            window.failed(failed.transaction(), failed.record(), failed.size(), failed.sent(), true, cause);
            throw notSent(failed.record(), cause);
        }
        settle(sent, failed.transaction(), failed.record(), failed.size(), failed.sent(), true);
    }

    private void settle(CompletableFuture<SendResult<byte[], byte[]>> sent, InFlightWindow.Transaction inFlight,
                        ProducerRecord<byte[], byte[]> record, long size, long order, boolean again) {
        sent.whenComplete((result, error) -> {
            if (error == null) {
                window.acknowledged(inFlight, size, again);
            } else {
                Throwable cause = cause(error);
                if (window.failed(inFlight, record, size, order, again, cause)) {
                    log.warn("[{}] A record of topic {} was not delivered: {}. It, and every later record, stays"
                            + " unconfirmed until it is sent again", connection(), record.topic(), cause.toString());
                }
            }
        });
    }

    /**
     * Waits until nothing else is in flight, then sends the failed records again in the order they were first sent, and
     * waits (a while) for the outcome: so that a row's later changes do not overtake them. Should the producer be stuck
     * on the records in flight, the {@link ProducerWatchdog} replaces it, which fails them: they come
     * back here with the others.
     *
     * @throws KafkaRelayException while they are refused
     */
    private void resendFailed() throws InterruptedException {
        window.awaitSettled(Long.MAX_VALUE);
        if (closing) {
            throw new InterruptedException("The Kafka relay of connection '" + connection() + "' is closing");
        }
        if (!sendAgain()) {
            return;
        }
        window.awaitSettled(ackTimeoutNanos);
        InFlightWindow.FailedRecord first = window.firstFailure();
        if (first != null) {
            throw refused(first);
        }
    }

    /**
     * Sends every failed record again, in the order they were first sent; nothing may be in flight. Under the send lock.
     *
     * @return whether there were any
     */
    private boolean sendAgain() throws InterruptedException {
        List<InFlightWindow.FailedRecord> failed = window.takeFailures();
        if (failed.isEmpty()) {
            return false;
        }
        log.warn("[{}] Sending {} record(s) again, first to topic {}: {}", connection(), failed.size(),
                failed.get(0).record().topic(), failed.get(0).error().toString());
        for (int i = 0; i < failed.size(); i++) {
            try {
                sendAgain(failed.get(i));
            } catch (RuntimeException e) {
                window.stillFailed(failed.subList(i + 1, failed.size()));
                throw e;
            }
        }
        lastSentAgain = System.nanoTime();
        return true;
    }

    /**
     * The watchdog's: sends the failed records again while the listener thread is idle and nothing else is in flight,
     * at most once per ack timeout.
     */
    private void resendWhileIdle() {
        if (closing || !window.hasFailures() || window.outstanding() > 0 || !sendLock.tryLock()) {
            return; // the listener thread is relaying: it sends them again itself
        }
        try {
            if (System.nanoTime() - lastSentAgain >= ackTimeoutNanos && window.outstanding() == 0) {
                sendAgain();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("[{}] Could not send the failed records again: {}", connection(), e.toString());
        } finally {
            sendLock.unlock();
        }
    }

    private KafkaRelayException refused(InFlightWindow.FailedRecord failed) {
        return undelivered("The broker refused", failed.record(), failed.error());
    }

    /** Sends the initial snapshot's rows held so far in one Kafka transaction; they are let go once it committed. */
    private void commitBatch(Transaction rows) {
        if (!rows.buffered.isEmpty()) {
            sendInKafkaTransaction(rows);
            rows.buffered.clear();
            rows.bufferedBytes = 0;
        }
    }

    private void sendInKafkaTransaction(Transaction current) {
        committingSince = System.nanoTime();
        List<CompletableFuture<SendResult<byte[], byte[]>>> sends = new ArrayList<>(current.buffered.size());
        try {
            template.executeInTransaction(operations -> {
                for (ProducerRecord<byte[], byte[]> record : current.buffered) {
                    sends.add(operations.send(record));
                }
                return null;
            });
            commitFailure = null;
        } catch (RuntimeException e) {
            // The commit fails with the producer's error, which does not say which record the broker refused: the
            // send that failed does, and with the topic the fix can be named.
            int refused = refusedSend(sends);
            Throwable why = refused < 0 ? cause(e) : sendError(sends.get(refused));
            String topic = refused < 0 ? null : current.buffered.get(refused).topic();
            String what = (topic == null ? "" : "the broker refused a record of topic " + topic + ": ") + text(why);
            String fix = Refusals.fix(why, topic, connection());
            if (current.initialSnapshot) {
                String failure = "Kafka transaction for " + current.buffered.size() + " rows of the initial snapshot failed: "
                        + what;
                commitFailure = failure + ". It was aborted; retried." + fix;
                throw new KafkaRelayException(failure + ". It was aborted, and the initial snapshot does not complete"
                        + " meanwhile; the rows are sent again, in a new Kafka transaction, with the next try." + fix, e);
            }
            String failure = "Kafka transaction for transaction " + current.xid + " (commit " + current.commitLsn
                    + ") failed: " + what;
            commitFailure = failure + ". It was aborted; retried." + fix;
            throw new KafkaRelayException(failure + ". It was aborted and stays unconfirmed; all " + current.buffered.size()
                    + " records are sent again, in a new Kafka transaction, with the next try." + fix, e);
        } finally {
            committingSince = 0;
        }
    }

    /**
     * The first send of a failed Kafka transaction that the broker (or the producer) refused, or -1: not those the
     * producer failed only because the transaction was aborted, nor those not settled.
     */
    private static int refusedSend(List<CompletableFuture<SendResult<byte[], byte[]>>> sends) {
        for (int i = 0; i < sends.size(); i++) {
            Throwable error = sendError(sends.get(i));
            if (error != null && !(error instanceof TransactionAbortedException)) {
                return i;
            }
        }
        return -1;
    }

    /** Why a send failed, or {@code null} while it has not (or not yet). */
    private static Throwable sendError(CompletableFuture<SendResult<byte[], byte[]>> send) {
        return send.isCompletedExceptionally() ? cause(send.handle((result, error) -> error).join()) : null;
    }

    private static long size(ProducerRecord<byte[], byte[]> record) {
        long size = RECORD_OVERHEAD;
        size += record.key() == null ? 0 : record.key().length;
        size += record.value() == null ? 0 : record.value().length;
        for (Header header : record.headers()) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    /**
     * A record the producer would not take on the caller's thread (no metadata after {@code max.block.ms}, a topic not
     * authorized, a producer closed meanwhile): named with its cause and the fix, not as the template's "Send failed".
     */
    private KafkaRelayException notSent(ProducerRecord<byte[], byte[]> record, Throwable cause) {
        return undelivered("The producer did not take", record, cause);
    }

    /** A record not delivered, named with what holds meanwhile and, where there is one, the fix. */
    private KafkaRelayException undelivered(String what, ProducerRecord<byte[], byte[]> record, Throwable cause) {
        String fix = Refusals.fix(cause, record.topic(), connection());
        if (INITIAL_SNAPSHOT_LSN.equals(header(record, LSN_HEADER))) {
            return new KafkaRelayException(what + " a record of topic " + record.topic() + " (a row of the initial"
                    + " snapshot): " + text(cause) + ". The initial snapshot does not complete, and the stream does not"
                    + " start, while it is refused; the record is sent again with the next try." + fix, cause);
        }
        return new KafkaRelayException(what + " a record of topic " + record.topic() + " (transaction "
                + header(record, XID_HEADER) + ", commit " + header(record, LSN_HEADER) + "): " + text(cause) + ". It and"
                + " every later transaction stay unconfirmed; the record is sent again with the next try." + fix, cause);
    }

    /** What went wrong, out of the wrappers of the future and of the template (whose own message says nothing). */
    private static Throwable cause(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof org.springframework.kafka.KafkaException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The error as a message's clause: without the full stop its own message may end with. */
    private static String text(Throwable error) {
        String text = String.valueOf(error);
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "?" : new String(header.value(), StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- confirmation (connection's thread)

    /** The end of the last transaction the broker has whole, while the broker lacks some; {@code null} when it has all. */
    @Override
    public Lsn confirmLimit() {
        if (settings.transactional()) {
            return transactionOpen ? committedThrough : null;
        }
        return window.confirmLimit();
    }

    // ---------------------------------------------------------------- status (any thread)

    public KafkaRelayStatus status() {
        InFlightWindow.Snapshot window = this.window.snapshot();
        Duration sinceLastAck = Duration.ofNanos(window.stalledNanos());
        String problem = null;
        if (window.failedRecords() > 0) {
            problem = window.failedRecords() + " record(s) not delivered, being sent again; the last, of topic "
                    + window.lastErrorTopic() + ": " + text(window.lastError()) + "."
                    + Refusals.fix(window.lastError(), window.lastErrorTopic(), connection());
        } else if (commitFailure != null) {
            problem = commitFailure;
        } else if (sinceLastAck.compareTo(settings.ackTimeout()) >= 0) {
            problem = "No acknowledgement for " + sinceLastAck.toSeconds() + " s with " + window.records() + " record(s) in"
                    + " flight: the broker is down, unreachable or slow; the relay waits (nothing is dropped)";
        } else {
            long committing = committingSince;
            if (committing != 0 && System.nanoTime() - committing >= settings.ackTimeout().toNanos()) {
                problem = "A Kafka transaction has been committing for more than "
                        + Durations.text(settings.ackTimeout()) + ": the broker is down, unreachable or slow; the relay waits (nothing is dropped)";
            }
        }
        Lsn confirmed = settings.transactional() ? committedThrough : window.finishedThrough();
        return new KafkaRelayStatus(connection(), settings.transactional(), problem, window.records(), window.bytes(),
                settings.maxInFlightBytes(), confirmed, Duration.ofNanos(window.waitingForRoomNanos()), sinceLastAck);
    }

    // ---------------------------------------------------------------- closing (any thread)

    /** Takes no more changes and waits, up to the close timeout, for the records in flight to be acknowledged. */
    @Override
    public void closing() {
        closing = true;
        try {
            if (!window.awaitSettled(settings.closeTimeout().toNanos())) {
                log.info("[{}] Closing with records still unacknowledged after {}: their transactions stay unconfirmed and"
                        + " are relayed again after a restart", connection(), Durations.text(settings.closeTimeout()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            window.shutDown();
            stopWatchdog();
        }
    }

    /** Stops: what is not acknowledged stays unconfirmed. The template's producer factory is its owner's to close. */
    @Override
    public void close() {
        closing = true;
        window.shutDown();
        stopWatchdog();
    }

    private void stopWatchdog() {
        if (watchdog != null) {
            watchdog.close();
        }
    }

    @Override
    public String toString() {
        return "KafkaRelay[" + connection() + (settings.transactional() ? ", transactional" : "") + "]";
    }

    /** One PostgreSQL transaction, from its Begin; or the rows of an initial snapshot, which no transaction brought. */
    private static final class Transaction {
        final boolean initialSnapshot;
        final Lsn commitLsn;
        final long xid;
        final Instant commitTime;
        final byte[] lsnHeader;
        final byte[] xidHeader;
        /** Non-transactional: its records in flight. */
        final InFlightWindow.Transaction inFlight;
        /** Transactional: its records, until the commit. */
        final List<ProducerRecord<byte[], byte[]>> buffered = new ArrayList<>();
        long bufferedBytes;
        int nextSeq;

        Transaction(ChangeEvent.Begin begin, InFlightWindow.Transaction inFlight) {
            this.initialSnapshot = false;
            this.commitLsn = begin.finalLsn();
            this.xid = begin.xid();
            this.commitTime = begin.commitTime();
            this.lsnHeader = commitLsn.toString().getBytes(StandardCharsets.US_ASCII);
            this.xidHeader = Long.toString(xid).getBytes(StandardCharsets.US_ASCII);
            this.inFlight = inFlight;
        }

        private Transaction(InFlightWindow.Transaction inFlight) {
            this.initialSnapshot = true;
            this.commitLsn = null;
            this.xid = 0;
            this.commitTime = null;
            this.lsnHeader = INITIAL_SNAPSHOT_LSN.getBytes(StandardCharsets.US_ASCII);
            this.xidHeader = "0".getBytes(StandardCharsets.US_ASCII);
            this.inFlight = inFlight;
        }

        /** The rows of an initial snapshot: headers lsn 0/0, xid 0, seq their place in their table's snapshot. */
        static Transaction initialSnapshot(InFlightWindow.Transaction inFlight) {
            return new Transaction(inFlight);
        }
    }
}
