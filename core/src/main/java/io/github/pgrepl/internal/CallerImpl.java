package io.github.pgrepl.internal;

import io.github.pgrepl.Caller;

import java.util.concurrent.CompletableFuture;

/** A {@link Caller} backed by the future {@code call} returned. */
final class CallerImpl implements Caller {

    private final CompletableFuture<Object> future;

    CallerImpl(CompletableFuture<Object> future) {
        this.future = future;
    }

    @Override
    public void reply(Object value) {
        future.complete(value);
    }

    void fail(Throwable error) {
        future.completeExceptionally(error);
    }

    boolean isDone() {
        return future.isDone();
    }

    @Override
    public String toString() {
        return "Caller[" + (future.isDone() ? "replied" : "waiting") + "]";
    }
}
