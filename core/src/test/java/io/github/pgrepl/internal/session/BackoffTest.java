package io.github.pgrepl.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2));

    @Test
    void growsExponentiallyWithJitterBetweenMinAndMax() {
        assertThat(backoff.delayNanos(1)).isEqualTo(Duration.ofMillis(100).toNanos());
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.delayNanos(3)).isBetween(Duration.ofMillis(100).toNanos(), Duration.ofMillis(400).toNanos());
            assertThat(backoff.delayNanos(40)).isBetween(Duration.ofMillis(100).toNanos(), Duration.ofSeconds(2).toNanos());
        }
    }

    @Test
    void spreadsDelays() {
        long first = backoff.delayNanos(10);
        boolean differs = false;
        for (int i = 0; i < 50 && !differs; i++) {
            differs = backoff.delayNanos(10) != first;
        }
        assertThat(differs).as("jitter").isTrue();
    }
}
