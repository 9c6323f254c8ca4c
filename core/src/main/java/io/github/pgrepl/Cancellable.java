package io.github.pgrepl;

/** A timer from {@link ReplicationConnection#sendAfter}. */
@FunctionalInterface
public interface Cancellable {

    /** Cancels the timer; {@code false} when it already fired or was cancelled. */
    boolean cancel();
}
