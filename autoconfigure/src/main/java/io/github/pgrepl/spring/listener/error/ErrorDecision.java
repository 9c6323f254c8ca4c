package io.github.pgrepl.spring.listener.error;

import io.github.pgrepl.internal.util.Durations;

import java.time.Duration;
import java.util.Objects;

/** What a {@link ReplicationErrorHandler} decided about a change a listener failed on. */
public sealed interface ErrorDecision {

    /** Call the listener with the change again after {@code wait}; nothing after it is delivered meanwhile. */
    static ErrorDecision retryAfter(Duration wait) {
        return new Retry(wait);
    }

    /** Go on without the listener having processed the change: it is logged with its position, counted, and lost. */
    static ErrorDecision skip() {
        return Skip.INSTANCE;
    }

    /** A recoverer took the change (wrote it somewhere, e.g. a dead-letter table): it is counted and confirmed. */
    static ErrorDecision recovered() {
        return Recovered.INSTANCE;
    }

    /**
     * Stop the connection: it stops streaming, health is DOWN with the change and the error, and the change is tried
     * again once the connection is restarted ({@code POST /actuator/pgrepl/<name>} with {@code {"action":"restart"}}).
     */
    static ErrorDecision stop() {
        return Stop.INSTANCE;
    }

    /** @param delay how long to wait before the next attempt */
    record Retry(Duration delay) implements ErrorDecision {
        public Retry {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("The wait before a retry must not be negative, was " + Durations.text(delay));
            }
        }
    }

    /** See {@link ErrorDecision#skip()}. */
    enum Skip implements ErrorDecision { INSTANCE }

    /** See {@link ErrorDecision#recovered()}. */
    enum Recovered implements ErrorDecision { INSTANCE }

    /** See {@link ErrorDecision#stop()}. */
    enum Stop implements ErrorDecision { INSTANCE }
}
