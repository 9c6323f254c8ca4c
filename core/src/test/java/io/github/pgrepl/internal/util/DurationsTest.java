package io.github.pgrepl.internal.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Durations as a property would hold them: one number, the largest unit that states it exactly. */
class DurationsTest {

    @Test
    void theLargestUnitThatStatesTheDurationExactly() {
        assertThat(Durations.text(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Durations.text(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Durations.text(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.text(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Durations.text(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Durations.text(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(Durations.text(Duration.ofDays(2))).isEqualTo("2d");
        assertThat(Durations.text(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.text(Duration.ofNanos(1_500))).isEqualTo("1500ns");
        assertThat(Durations.text(Duration.ofNanos(250_000))).isEqualTo("250us");
        assertThat(Durations.text(Duration.ofSeconds(61, 1))).isEqualTo("61000000001ns");
    }

    @Test
    void zeroNegativeNullAndTheExtremes() {
        assertThat(Durations.text(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.text(Duration.ofSeconds(-5))).isEqualTo("-5s");
        assertThat(Durations.text(Duration.ofMillis(-1))).isEqualTo("-1ms");
        assertThat(Durations.text(null)).isEqualTo("null");
        assertThat(Durations.text(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE + "s");
        assertThat(Durations.text(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))).isEqualTo("PT2562047788015215H30M7.999999999S");
        assertThat(Durations.text(Duration.ofSeconds(Long.MIN_VALUE))).isEqualTo("PT-2562047788015215H-30M-8S");
    }
}
