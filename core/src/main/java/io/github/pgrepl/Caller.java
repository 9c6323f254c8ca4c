package io.github.pgrepl;

/**
 * The pending {@link ReplicationConnection#call}, handed to {@link ReplicationHandler#handleCall}.
 * Keep it to reply later; only the first reply counts.
 */
@FunctionalInterface
public interface Caller {

    /** Completes the caller's future with {@code value}. Safe from any thread. */
    void reply(Object value);
}
