package io.github.pgrepl.spring.listener.error;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Retries a failing change as a Spring {@link BackOff} says, then hands it to a {@link ChangeRecoverer}; without a
 * recoverer it never gives up and keeps retrying at the longest wait the back-off reached. Each connection's failure
 * has its own back-off, so one instance may serve several connections.
 *
 * <p>An error that retrying cannot fix (a business refusal, a row the listener cannot take) may be declared
 * {@linkplain #addNotRetryableExceptions not retryable}: with a recoverer, such a change goes to it on its first
 * failure, without waits, so the stream holds no longer than the listener and the recoverer take. Without a
 * recoverer there is nothing to hand it to, and it is retried like any other: never lost.
 *
 * <p>A change that may not be given up on ({@link FailedChange#mayBeGivenUp()} false: the Kafka relay's) never goes
 * to the recoverer either: it is retried as without one, for as long as it fails.
 *
 * <pre>{@code
 * ExponentialBackOff backOff = new ExponentialBackOff(1_000, 2);
 * backOff.setMaxInterval(30_000);
 * backOff.setMaxAttempts(2);                       // retries after the first failure
 * DefaultReplicationErrorHandler handler =
 *         new DefaultReplicationErrorHandler(backOff, new DeadLetterRecoverer(jdbcClient, jsonMapper));
 * handler.addNotRetryableExceptions(CustomerBlockedException.class); // straight to the dead-letter table
 * }</pre>
 */
public class DefaultReplicationErrorHandler implements ReplicationErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(DefaultReplicationErrorHandler.class);

    private static final Duration MIN_WAIT_AFTER_BACK_OFF = Duration.ofSeconds(1);

    private final BackOff backOff;
    private final ChangeRecoverer recoverer;
    /** The back-off of the failure in progress, by connection. */
    private final Map<String, Attempts> attempts = new ConcurrentHashMap<>();
    /** Errors (or causes) that go to the recoverer at once; written at configuration, read on listener threads. */
    private final List<Class<? extends Throwable>> notRetryable = new CopyOnWriteArrayList<>();

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

    /**
     * Declares errors that retrying cannot fix: a change whose listener threw one of them (or an exception caused by
     * one) goes to the recoverer on its first failure. Has no effect without a recoverer: such a change is retried.
     */
    @SafeVarargs
    public final void addNotRetryableExceptions(Class<? extends Throwable>... types) {
        for (Class<? extends Throwable> type : types) {
            notRetryable.add(Objects.requireNonNull(type, "type"));
        }
    }

    /** The errors declared not retryable, in the order they were added. */
    public List<Class<? extends Throwable>> getNotRetryableExceptions() {
        return List.copyOf(notRetryable);
    }

    @Override
    public ErrorDecision handle(FailedChange failed) {
        if (recoverer != null && failed.mayBeGivenUp() && isNotRetryable(failed.error())) {
            attempts.remove(failed.connection());
            return recover(failed, MIN_WAIT_AFTER_BACK_OFF);
        }
        Attempts current = attempts.compute(failed.connection(), (connection, previous) ->
                previous == null || failed.attempts() == 1 || !previous.isFor(failed) ? new Attempts(failed, backOff.start()) : previous);
        long wait = current.execution.nextBackOff();
        if (wait != BackOffExecution.STOP) {
            current.longestWait = Math.max(current.longestWait, wait);
            return ErrorDecision.retryAfter(Duration.ofMillis(wait));
        }
        // Never a busy loop, whatever the back-off: at least a second between attempts from here on.
        Duration atTheCap = Duration.ofMillis(Math.max(current.longestWait, MIN_WAIT_AFTER_BACK_OFF.toMillis()));
        if (recoverer == null || !failed.mayBeGivenUp()) {
            return ErrorDecision.retryAfter(atTheCap);
        }
        ErrorDecision decision = recover(failed, atTheCap);
        if (!(decision instanceof ErrorDecision.Retry)) {
            attempts.remove(failed.connection(), current);
        }
        return decision;
    }

    private ErrorDecision recover(FailedChange failed, Duration atTheCap) {
        ErrorDecision decision;
        try {
            decision = recoverer.recover(failed);
        } catch (Exception e) {
            // The change stays unprocessed and unconfirmed: try the listener again, then the recoverer.
            log.warn("[{}] The recoverer could not take {} that listener '{}' failed on; retrying in {}: {}",
                    failed.connection(), failed.describe(), failed.listener(), atTheCap, e.toString());
            return ErrorDecision.retryAfter(atTheCap);
        }
        return decision;
    }

    private boolean isNotRetryable(Throwable error) {
        int depth = 0; // a cause chain may loop
        for (Throwable cause = error; cause != null && depth++ < 32; cause = cause.getCause()) {
            for (Class<? extends Throwable> type : notRetryable) {
                if (type.isInstance(cause)) {
                    return true;
                }
            }
        }
        return false;
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
        return "DefaultReplicationErrorHandler[" + backOff + ", " + (recoverer == null ? "retry at the longest wait" : recoverer)
                + (notRetryable.isEmpty() ? "" : ", not retried: " + notRetryable.stream().map(Class::getName).toList()) + "]";
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
