package io.github.pgrepl.spring.listener.error;

/**
 * Decides what happens when a {@code @ReplicationListener} method throws: called on the connection's listener thread
 * after every failed attempt, while the connection delivers nothing after the change (its queue fills, it pauses
 * reading, and status updates keep the session alive, so waiting is safe).
 *
 * <p>One per connection: built from {@code pgrepl.connections.<name>.listener.*} (see
 * {@link DefaultReplicationErrorHandler}), or a bean: a bean named {@code <name>ReplicationErrorHandler} handles
 * connection {@code <name>}, and a single other bean of this type handles every other connection.
 */
@FunctionalInterface
public interface ReplicationErrorHandler {

    /**
     * @return what to do: retry after a wait, skip, recovered (by a recoverer), or stop. Throwing is taken as a retry
     *     at the longest wait the handler used, so that nothing is lost.
     */
    ErrorDecision handle(FailedChange failed) throws Exception;
}
