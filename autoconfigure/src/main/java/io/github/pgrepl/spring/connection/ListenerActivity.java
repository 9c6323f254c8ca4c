package io.github.pgrepl.spring.connection;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.observation.DefaultTransactionObservationConvention;
import io.github.pgrepl.spring.observation.ReplicationObservation;
import io.github.pgrepl.spring.observation.TransactionObservationContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a connection's listeners are doing, as observability sees it: the transaction in hand (a
 * {@link ReplicationObservation#TRANSACTION} observation, the parent of its listener calls) and how far behind the
 * server's commits they are. Written on the connection's listener thread, read from any.
 */
public final class ListenerActivity {

    /** For listeners run without a connection (tests): observes nothing. */
    public static final ListenerActivity NONE = new ListenerActivity("none", ObservationRegistry.NOOP);

    private final String connection;
    private final ObservationRegistry observations;
    private volatile Observation transaction;
    private volatile TransactionObservationContext inHand;
    /** Commit time of the transaction in hand, or null between transactions. */
    private volatile Instant inHandCommitTime;
    private volatile Instant lastProcessedCommitTime;

    public ListenerActivity(String connection, ObservationRegistry observations) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.observations = Objects.requireNonNull(observations, "observations");
    }

    public String connection() {
        return connection;
    }

    /** Where listener calls are observed. */
    public ObservationRegistry observationRegistry() {
        return observations;
    }

    /** The observation of the transaction in hand, the parent of its listener calls; {@code null} between them. */
    public Observation transaction() {
        return transaction;
    }

    /** The id of the transaction in hand, or 0. */
    public long transactionXid() {
        TransactionObservationContext current = inHand;
        return current == null ? 0 : current.getXid();
    }

    /** The commit position of the transaction in hand, or {@code null}. */
    public Lsn transactionLsn() {
        TransactionObservationContext current = inHand;
        return current == null ? null : current.getLsn();
    }

    /**
     * The listeners got {@code begin}: its transaction is in hand. The same transaction again (a retried
     * {@code Begin}) goes on in the same observation; another one abandons the transaction that was in hand (cut off,
     * it does not come again).
     */
    public void began(ChangeEvent.Begin begin) {
        TransactionObservationContext current = inHand;
        if (current != null && current.getXid() == begin.xid()) {
            return;
        }
        abandon();
        TransactionObservationContext context = new TransactionObservationContext(connection, begin.xid(), begin.finalLsn());
        inHand = context;
        inHandCommitTime = begin.commitTime();
        transaction = ReplicationObservation.TRANSACTION.observation(null, DefaultTransactionObservationConvention.INSTANCE,
                () -> context, observations).start();
    }

    /** The listeners returned from {@code commit}: its transaction is processed, and will be confirmed. */
    public void committed(ChangeEvent.Commit commit) {
        Observation current = transaction;
        TransactionObservationContext context = inHand;
        transaction = null;
        inHand = null;
        inHandCommitTime = null;
        lastProcessedCommitTime = commit.commitTime();
        if (current != null) {
            context.setFinished(true);
            current.stop();
        }
    }

    /** The transaction in hand will not be finished here (the connection closes): its observation ends as abandoned. */
    public void abandon() {
        Observation current = transaction;
        transaction = null;
        inHand = null;
        inHandCommitTime = null;
        if (current != null) {
            current.stop();
        }
    }

    /**
     * How far behind the server's commits the listeners are: {@code now} minus the commit time of the transaction they
     * are on; zero while they wait for the next one.
     */
    public Duration lag(Instant now) {
        Instant inHand = inHandCommitTime;
        if (inHand == null || now.isBefore(inHand)) {
            return Duration.ZERO;
        }
        return Duration.between(inHand, now);
    }

    /** Commit time of the last transaction the listeners returned from, or {@code null}. */
    public Instant lastProcessedCommitTime() {
        return lastProcessedCommitTime;
    }
}
