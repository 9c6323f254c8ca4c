package io.github.pgrepl.bench;

import io.github.pgrepl.Action;
import io.github.pgrepl.ForwardingReplicationHandler;
import io.github.pgrepl.ReplicationHandler;

import java.nio.ByteBuffer;

/** Passes every callback to a handler, and tells the probe when the first CopyData arrives. */
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
        if (!seen) {
            seen = true;
            probe.firstByte();
        }
        return delegate.handleData(copyData);
    }
}
