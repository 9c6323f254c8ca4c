package io.github.pgrepl.spring.listener.error;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Retries a failing change as a Spring {@link BackOff} says, then hands it to a {@link ChangeRecoverer}; without a
 * recoverer it never gives up and keeps retrying at the longest wait the back-off reached. Each connection's failure
 * has its own back-off, so one instance may serve several connections.
 *
 * <pre>{@code
 * ExponentialBackOff backOff = new ExponentialBackOff(1_000, 2);
 * backOff.setMaxInterval(30_000);
 * backOff.setMaxAttempts(2);                       // retries after the first failure
 * new DefaultReplicationErrorHandler(backOff, new DeadLetterRecoverer(jdbcClient, jsonMapper));
 * }</pre>
 */
public class DefaultReplicationErrorHandler implements ReplicationErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(DefaultReplicationErrorHandler.class);

    private static final Duration MIN_WAIT_AFTER_BACK_OFF = Duration.ofSeconds(1);

    private final BackOff backOff;
    private final ChangeRecoverer recoverer;
    /** The back-off of the failure in progress, by connection. */
    private final Map<String, Attempts> attempts = new ConcurrentHashMap<>();

    /** Retries as {@code backOff} says, then keeps retrying at its longest wait: never loses a change, never gives up. */
    public DefaultReplicationErrorHandler(BackOff backOff) {
        this(backOff, null);
    }

    /**
     * @param recoverer what to do once the back-off is used up; {@code null} to keep retrying at its longest wait
     */
    public DefaultReplicationErrorHandler(BackOff backOff, ChangeRecoverer recoverer) {
        this.backOff = backOff;
        this.recoverer = recoverer;
    }

    @Override
    public ErrorDecision handle(FailedChange failed) {
        Attempts current = attempts.compute(failed.connection(), (connection, previous) ->
                previous == null || failed.attempts() == 1 || !previous.isFor(failed) ? new Attempts(failed, backOff.start()) : previous);
        long wait = current.execution.nextBackOff();
        if (wait != BackOffExecution.STOP) {
            current.longestWait = Math.max(current.longestWait, wait);
            return ErrorDecision.retryAfter(Duration.ofMillis(wait));
        }
        // Never a busy loop, whatever the back-off: at least a second between attempts from here on.
        Duration atTheCap = Duration.ofMillis(Math.max(current.longestWait, MIN_WAIT_AFTER_BACK_OFF.toMillis()));
        if (recoverer == null) {
            return ErrorDecision.retryAfter(atTheCap);
        }
        ErrorDecision decision;
        try {
            decision = recoverer.recover(failed);
        } catch (Exception e) {
            // The change stays unprocessed and unconfirmed: try the listener again, then the recoverer.
            log.warn("[{}] The recoverer could not take {} that listener '{}' failed on; retrying in {}: {}",
                    failed.connection(), failed.describe(), failed.listener(), atTheCap, e.toString());
            return ErrorDecision.retryAfter(atTheCap);
        }
        if (decision instanceof ErrorDecision.Retry) {
            return decision;
        }
        attempts.remove(failed.connection(), current);
        return decision;
    }

    public BackOff getBackOff() {
        return backOff;
    }

    /** The recoverer, or {@code null} when the handler never gives up. */
    public ChangeRecoverer getRecoverer() {
        return recoverer;
    }

    @Override
    public String toString() {
        return "DefaultReplicationErrorHandler[" + backOff + ", " + (recoverer == null ? "retry at the longest wait" : recoverer) + "]";
    }

    private static final class Attempts {
        private final String listener;
        private final Object event;
        private final BackOffExecution execution;
        private long longestWait;

        Attempts(FailedChange failed, BackOffExecution execution) {
            this.listener = failed.listener();
            this.event = failed.event();
            this.execution = execution;
        }

        boolean isFor(FailedChange failed) {
            return listener.equals(failed.listener()) && event == failed.event();
        }
    }
}
