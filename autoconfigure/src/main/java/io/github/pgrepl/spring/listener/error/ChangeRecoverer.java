package io.github.pgrepl.spring.listener.error;

/**
 * What a {@link DefaultReplicationErrorHandler} does with a change once its retries are used up.
 */
@FunctionalInterface
public interface ChangeRecoverer {

    /**
     * @return {@link ErrorDecision#skip()}, {@link ErrorDecision#recovered()} or {@link ErrorDecision#stop()}; a retry
     *     retries at the longest wait. Throwing retries at the longest wait too: a recoverer that cannot take the change
     *     (its database is down) loses nothing.
     */
    ErrorDecision recover(FailedChange failed) throws Exception;

    /** Stops the connection until it is restarted. */
    static ChangeRecoverer stop() {
        return failed -> ErrorDecision.stop();
    }

    /** Goes on without the change (logged and counted). */
    static ChangeRecoverer skip() {
        return failed -> ErrorDecision.skip();
    }
}
