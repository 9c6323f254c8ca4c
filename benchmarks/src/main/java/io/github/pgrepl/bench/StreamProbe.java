package io.github.pgrepl.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Shared by the Java consumers: starts the {@link Meter} at the first byte, counts XLogData messages,
 * and stops at the first one at or past the end LSN (or a keepalive past it), as pg_recvlogical's
 * {@code -E} does. Used from one thread at a time (handing over through a queue is fine).
 */
final class StreamProbe {

    private final long endLsn;
    private final Meter meter = new Meter();
    private final CompletableFuture<Measurement> result = new CompletableFuture<>();
    private boolean started;
    private long messages;
    private long bytes;

    StreamProbe(long endLsn) {
        this.endLsn = endLsn;
    }

    long endLsn() {
        return endLsn;
    }

    void firstByte() {
        if (!started) {
            started = true;
            meter.start();
        }
    }

    /** Counts one XLogData message; true when it is the last one. */
    boolean xlogData(long walStart, int payloadBytes) {
        messages++;
        bytes += payloadBytes;
        return reached(walStart);
    }

    /** Counts one message whose position and size the caller does not see (a decoded event). */
    void countMessage() {
        messages++;
    }

    /** True when a keepalive says the server has sent everything up to the end. */
    boolean keepalive(long walEnd) {
        return reached(walEnd);
    }

    boolean done() {
        return result.isDone();
    }

    private boolean reached(long lsn) {
        if (Long.compareUnsigned(lsn, endLsn) >= 0) {
            finish();
            return true;
        }
        return false;
    }

    void finish() {
        if (!result.isDone()) {
            result.complete(meter.stop(messages, bytes));
            System.err.println(meter.cpuBreakdown());
        }
    }

    Measurement await(Duration timeout) throws Exception {
        return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
