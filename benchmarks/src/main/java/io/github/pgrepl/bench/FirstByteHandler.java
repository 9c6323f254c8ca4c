package io.github.pgrepl.bench;

import io.github.pgrepl.Action;
import io.github.pgrepl.Caller;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;

import java.nio.ByteBuffer;

/** Passes every callback to a handler, and tells the probe when the first CopyData arrives. */
final class FirstByteHandler implements ReplicationHandler {

    private final ReplicationHandler delegate;
    private final StreamProbe probe;
    private boolean seen;

    FirstByteHandler(ReplicationHandler delegate, StreamProbe probe) {
        this.delegate = delegate;
        this.probe = probe;
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        if (!seen) {
            seen = true;
            probe.firstByte();
        }
        return delegate.handleData(copyData);
    }

    @Override
    public void init(ReplicationConnection connection) {
        delegate.init(connection);
    }

    @Override
    public Action handleConnect() {
        return delegate.handleConnect();
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        return delegate.handleDisconnect(reason);
    }

    @Override
    public Action handleCopyDone() {
        return delegate.handleCopyDone();
    }

    @Override
    public Action handleInfo(Object message) {
        return delegate.handleInfo(message);
    }

    @Override
    public Action handleCall(Object request, Caller from) {
        return delegate.handleCall(request, from);
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        return delegate.handleResult(outcome);
    }

    @Override
    public Action handleClose() {
        return delegate.handleClose();
    }
}
