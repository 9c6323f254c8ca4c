package io.github.pgrepl.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Records, per transaction, now − its commit time, as the consumer's code gets it (the server runs on the same clock),
 * until the end marker. Used from the one thread a consumer delivers on.
 */
final class LatencyRecorder {

    static final String PREFIX = "LATENCY";
    /** pgoutput's timestamps count microseconds from 2000-01-01. */
    static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private long[] receivedAt = new long[1 << 16];
    private long[] latencies = new long[1 << 16];
    private int count;

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    /** One transaction, committed at {@code commitMicros} (since 1970). */
    void commit(long commitMicros) {
        long now = nowMicros();
        if (count == latencies.length) {
            receivedAt = Arrays.copyOf(receivedAt, count * 2);
            latencies = Arrays.copyOf(latencies, count * 2);
        }
        receivedAt[count] = now;
        latencies[count] = now - commitMicros;
        count++;
    }

    void end() {
        ended.complete(null);
    }

    /** Waits for the end marker; false if it did not come in time. */
    boolean await(Duration timeout) throws InterruptedException {
        try {
            ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** Writes every transaction (seconds since the first, latency in µs) to {@code series}; returns the summary line. */
    String summary(Path series, boolean complete) {
        StringBuilder csv = new StringBuilder("seconds,latency_us\n");
        long first = count == 0 ? 0 : receivedAt[0];
        for (int i = 0; i < count; i++) {
            csv.append(String.format(Locale.ROOT, "%.6f,%d%n", (receivedAt[i] - first) / 1e6, latencies[i]));
        }
        try {
            Files.createDirectories(series.getParent());
            Files.writeString(series, csv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        double mean = count == 0 ? 0 : Arrays.stream(sorted).average().orElse(0);
        return PREFIX + " complete=" + complete + " transactions=" + count + " p50=" + percentile(sorted, 50)
                + " p90=" + percentile(sorted, 90) + " p99=" + percentile(sorted, 99) + " max=" + percentile(sorted, 100)
                + " mean=" + Math.round(mean) + " series=" + series;
    }

    /** Nearest-rank percentile, in µs; -1 for no samples. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
