package io.github.pgrepl;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A {@link ReplicationHandler} that passes every callback to another: extend it to decorate a handler
 * (timing, tracking, tracing) by overriding only the callbacks you care about.
 */
public abstract class ForwardingReplicationHandler implements ReplicationHandler {

    /** The handler callbacks go to. */
    protected abstract ReplicationHandler delegate();

    @Override
    public void init(ReplicationConnection connection) {
        delegate().init(connection);
    }

    @Override
    public Action handleConnect() {
        return delegate().handleConnect();
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        return delegate().handleDisconnect(reason);
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        return delegate().handleData(copyData);
    }

    @Override
    public Action handleCopyDone() {
        return delegate().handleCopyDone();
    }

    @Override
    public Action handleInfo(Object message) {
        return delegate().handleInfo(message);
    }

    @Override
    public Action handleCall(Object request, Caller from) {
        return delegate().handleCall(request, from);
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        return delegate().handleResult(outcome);
    }

    @Override
    public Action handleClose() {
        return delegate().handleClose();
    }

    @Override
    public Duration closeTimeout() {
        return delegate().closeTimeout();
    }

    @Override
    public String toString() {
        return String.valueOf(delegate());
    }
}
