package io.github.pgrepl.spring.observation;

import io.github.pgrepl.Lsn;
import io.micrometer.observation.Observation;

/** What a {@link ReplicationObservation#TRANSACTION} observation knows of its transaction. */
public class TransactionObservationContext extends Observation.Context {

    private final String connection;
    private final long xid;
    private final Lsn lsn;
    private volatile boolean finished;

    /** @param lsn the position of the transaction's commit */
    public TransactionObservationContext(String connection, long xid, Lsn lsn) {
        this.connection = connection;
        this.xid = xid;
        this.lsn = lsn;
    }

    public String getConnection() {
        return connection;
    }

    public long getXid() {
        return xid;
    }

    public Lsn getLsn() {
        return lsn;
    }

    /** Whether the listeners returned from the transaction's commit. */
    public boolean isFinished() {
        return finished;
    }

    public void setFinished(boolean finished) {
        this.finished = finished;
    }
}
