package io.github.pgrepl.bench;

import io.github.pgrepl.Action;
import io.github.pgrepl.ForwardingReplicationHandler;
import io.github.pgrepl.ReplicationHandler;

import java.nio.ByteBuffer;

/** Passes every callback to a handler, and tells the probe when the first XLogData arrives. */
final class FirstByteHandler extends ForwardingReplicationHandler {

    private final ReplicationHandler delegate;
    private final StreamProbe probe;
    private boolean seen;

    FirstByteHandler(ReplicationHandler delegate, StreamProbe probe) {
        this.delegate = delegate;
        this.probe = probe;
    }

    @Override
    protected ReplicationHandler delegate() {
        return delegate;
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        if (!seen && copyData.get(copyData.position()) == 'w') {
            seen = true;
            probe.firstByte(); // the first XLogData, as for every consumer; keepalives before it do not count
        }
        return delegate.handleData(copyData);
    }
}
