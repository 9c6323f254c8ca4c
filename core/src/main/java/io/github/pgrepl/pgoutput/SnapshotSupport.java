package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.internal.snapshot.RowFactory;
import io.github.pgrepl.pgoutput.internal.snapshot.SnapshotHost;

import java.util.List;

/**
 * What a {@link PgOutputHandler} lends its snapshots ({@code internal.snapshot}): its connection, its listener's
 * queue, and rows read as its stream reads them. On the handler's connection thread, but for the row factories,
 * which the snapshot sessions use on theirs (a {@link RowSchema} is immutable).
 */
final class SnapshotSupport implements SnapshotHost, RowFactory.Source {

    private final ReplicationConnection connection;
    private final List<String> publications;
    private final boolean binary;
    // Made after the snapshots, which the setup needs: attached once, in the handler's init.
    private ListenerWorker worker;
    private volatile ServerSetup setup;

    SnapshotSupport(ReplicationConnection connection, List<String> publications, boolean binary) {
        this.connection = connection;
        this.publications = publications;
        this.binary = binary;
    }

    void attach(ListenerWorker worker, ServerSetup setup) {
        this.worker = worker;
        this.setup = setup;
    }

    @Override
    public ReplicationConnection connection() {
        return connection;
    }

    @Override
    public boolean offer(ChangeEvent event, int bytes) {
        return worker.offer(event, bytes, null);
    }

    @Override
    public void flush() {
        worker.flush();
    }

    @Override
    public boolean listenerIdle() {
        return worker.pending() == 0;
    }

    @Override
    public RowFactory.Source rows() {
        return this;
    }

    @Override
    public int serverVersionNum() {
        return setup.serverVersionNum();
    }

    @Override
    public List<String> publications() {
        return publications;
    }

    @Override
    public boolean binary() {
        return binary;
    }

    @Override
    public RowFactory forRelation(ChangeEvent.Relation relation) {
        RowSchema schema = new RowSchema(relation, setup.types());
        return new RowFactory() {
            @Override
            public ChangeEvent.Relation relation() {
                return relation;
            }

            @Override
            public Row row(byte[] tuple, int[] starts) {
                return new Row(schema, tuple, starts, "COPY", 0);
            }
        };
    }

    @Override
    public boolean knowsBinary(int typeOid) {
        return setup.types().resolve(typeOid) != null;
    }
}
