package io.github.pgrepl.spring.listener.internal;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.listener.ListenerTimings;

/** Times each call of the listener it wraps, failures included. */
public final class TimedChangeListener implements ChangeListener {

    private final ChangeListener delegate;
    private final ListenerTimings timings;

    public TimedChangeListener(ChangeListener delegate, ListenerTimings timings) {
        this.delegate = delegate;
        this.timings = timings;
    }

    @Override
    public void onChange(ChangeEvent event) throws Exception {
        long started = System.nanoTime();
        try {
            delegate.onChange(event);
        } finally {
            timings.record(System.nanoTime() - started);
        }
    }

    @Override
    public Lsn confirmLimit() {
        return delegate.confirmLimit();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
