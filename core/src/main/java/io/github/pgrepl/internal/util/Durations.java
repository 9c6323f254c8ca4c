package io.github.pgrepl.internal.util;

import java.time.Duration;

/**
 * Durations in messages, log lines and health details as users write them in properties ({@code 30s}, {@code 500ms},
 * {@code 2m}), not as ISO-8601 ({@code PT30S}): the largest unit of {@code d}, {@code h}, {@code m}, {@code s},
 * {@code ms}, {@code us}, {@code ns} that states the duration exactly, so that {@code 90s} stays {@code 90s}, and
 * what a message suggests can be pasted into a property as it is (Spring Boot reads each of these).
 */
public final class Durations {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long[] SECONDS = {86_400, 3_600, 60, 1};
    private static final String[] SECOND_UNITS = {"d", "h", "m", "s"};
    private static final long[] NANOS = {1_000_000, 1_000, 1};
    private static final String[] NANO_UNITS = {"ms", "us", "ns"};

    private Durations() {
    }

    /** {@code duration} as a number and a unit, e.g. {@code 30s}; {@code "null"} for {@code null}. */
    public static String text(Duration duration) {
        if (duration == null) {
            return "null";
        }
        if (duration.isNegative()) {
            return duration.equals(Duration.ofSeconds(Long.MIN_VALUE)) ? duration.toString() : "-" + text(duration.negated());
        }
        long seconds = duration.getSeconds();
        int nanos = duration.getNano();
        if (nanos == 0) {
            if (seconds == 0) {
                return "0s";
            }
            for (int i = 0; i < SECONDS.length; i++) {
                if (seconds % SECONDS[i] == 0) {
                    return seconds / SECONDS[i] + SECOND_UNITS[i];
                }
            }
        }
        for (int i = 0; i < NANOS.length; i++) {
            if (nanos % NANOS[i] == 0) {
                long perSecond = NANOS_PER_SECOND / NANOS[i];
                if (seconds > (Long.MAX_VALUE - nanos / NANOS[i]) / perSecond) {
                    break; // more than a long of that unit: no property holds it anyway
                }
                return seconds * perSecond + nanos / NANOS[i] + NANO_UNITS[i];
            }
        }
        return duration.toString();
    }
}
