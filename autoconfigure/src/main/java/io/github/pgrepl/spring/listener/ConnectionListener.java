package io.github.pgrepl.spring.listener;

import io.github.pgrepl.pgoutput.ChangeListener;

/**
 * A listener of a whole connection that is a bean of its own rather than an annotated method, found on any bean that
 * implements it; pgrepl-kafka's relay is one. It shares its connection with the connection's
 * {@link ReplicationListener} methods:
 * <ul>
 * <li>it gets every event of the connection's committed transactions ({@code Begin}, the changes, {@code Commit}) in
 * commit order, on the connection's listener thread, in turn with the methods (so the connection does not stream
 * in-progress transactions);</li>
 * <li>when it throws, the connection's {@link io.github.pgrepl.spring.listener.error.ReplicationErrorHandler} decides,
 * as for a method; its id is its bean's name;</li>
 * <li>it may finish a transaction after it returned from its {@code Commit} (a relay waits for a broker off its thread):
 * its {@link #confirmLimit()} holds back the connection's confirmation meanwhile. A transaction is confirmed once every
 * method returned for it and every connection listener finished it.</li>
 * </ul>
 */
public interface ConnectionListener extends ChangeListener {

    /** The connection it listens to, as named under {@code pgrepl.connections}. */
    String connection();

    /**
     * Whether the connection's error handler may give up on a change this listener failed on: skip it, or hand it to a
     * recoverer (a dead-letter table) and go on. A listener that forwards the stream returns {@code false}, as
     * pgrepl-kafka's relay does: a change given up on would be confirmed without having been forwarded, and a
     * {@code Begin} given up on would take its whole transaction with it. Its failures are then retried at the error
     * handler's waits for as long as they last, whatever {@code listener.recoverer} says (see
     * {@link io.github.pgrepl.spring.listener.error.FailedChange#mayBeGivenUp()}). {@code true} by default.
     */
    default boolean changesMayBeGivenUp() {
        return true;
    }

    /**
     * The connection is closing, before its last status update: stop taking events (a call of {@code onChange} from now
     * on may throw) and finish what is in flight, within a bound of the listener's own, so that the last status update
     * confirms it. Called once, from the closing thread. Does nothing by default.
     */
    default void closing() {
    }
}
