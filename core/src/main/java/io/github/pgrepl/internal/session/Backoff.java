package io.github.pgrepl.internal.session;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect delays with jitter: attempt n waits a random time between {@code min} and
 * {@code min * 2^(n-1)} (capped at {@code max}), so many clients cut off at once do not return at once.
 */
final class Backoff {

    private final long minNanos;
    private final long maxNanos;

    Backoff(Duration min, Duration max) {
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
    }

    long maxDelayNanos() {
        return maxNanos;
    }

    long delayNanos(int attempt) {
        int doublings = Math.min(Math.max(attempt - 1, 0), 30);
        long ceiling = minNanos > (maxNanos >> doublings) ? maxNanos : Math.min(maxNanos, minNanos << doublings);
        return ceiling <= minNanos ? minNanos : ThreadLocalRandom.current().nextLong(minNanos, ceiling + 1);
    }
}
