package io.github.pgrepl.spring.connection.internal;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.connection.ListenerActivity;
import io.github.pgrepl.spring.observation.DefaultListenerObservationConvention;
import io.github.pgrepl.spring.observation.ListenerObservationContext;
import io.github.pgrepl.spring.observation.ReplicationObservation;
import io.micrometer.observation.Observation;

/**
 * The connection's side of its listener: tells the {@link ListenerActivity} when a transaction is begun and processed
 * (its observation, the time lag) and, for a bean-level {@code ChangeListener}, observes each call as a
 * {@link ReplicationObservation#LISTENER} observation. Listener methods are observed by their dispatcher, one call each.
 */
public final class ObservedChangeListener implements ChangeListener {

    private final ChangeListener delegate;
    private final ListenerActivity activity;
    /** The bean-level listener's name, whose calls are observed here; {@code null} for the dispatcher of methods. */
    private final String beanListener;

    /**
     * @param beanListener the name of a bean-level listener, whose calls this observes; {@code null} when the delegate
     *     observes its own calls
     */
    public ObservedChangeListener(ChangeListener delegate, ListenerActivity activity, String beanListener) {
        this.delegate = delegate;
        this.activity = activity;
        this.beanListener = beanListener;
    }

    @Override
    public void onChange(ChangeEvent event) throws Exception {
        if (event instanceof ChangeEvent.Begin begin) {
            activity.began(begin);
        }
        if (beanListener == null) {
            delegate.onChange(event);
        } else {
            Observation transaction = activity.transaction();
            ListenerObservationContext context = ListenerObservationContext.of(activity.connection(), beanListener, event,
                    activity.transactionXid(), activity.transactionLsn());
            ReplicationObservation.LISTENER.observation(null, DefaultListenerObservationConvention.INSTANCE, () -> context,
                    activity.observationRegistry()).parentObservation(transaction).observeChecked(() -> delegate.onChange(event));
        }
        if (event instanceof ChangeEvent.Commit commit) {
            activity.committed(commit);
        }
    }

    /** The delegate's: what it has not made durable yet must not be confirmed because this wraps it. */
    @Override
    public Lsn confirmLimit() {
        return delegate.confirmLimit();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
