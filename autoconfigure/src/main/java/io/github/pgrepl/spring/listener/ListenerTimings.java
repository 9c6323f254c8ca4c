package io.github.pgrepl.spring.listener;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/** How long a {@code ChangeListener} took per event: a count and a total, cheap to record and to read. */
public final class ListenerTimings {

    private final LongAdder count = new LongAdder();
    private final LongAdder totalNanos = new LongAdder();

    public void record(long nanos) {
        count.increment();
        totalNanos.add(nanos);
    }

    /** Events the listener returned from or threw on. */
    public long count() {
        return count.sum();
    }

    public double totalTime(TimeUnit unit) {
        return (double) totalNanos.sum() / unit.toNanos(1);
    }
}
