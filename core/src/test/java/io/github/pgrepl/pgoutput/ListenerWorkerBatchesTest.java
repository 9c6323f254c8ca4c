package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The worker reuses its batches' arrays once the listener is done with them: every event still reaches the listener
 * once, in order, and the position confirmed is the last commit's, whatever the batch sizes. The counters the two threads
 * share change once per batch, yet every pause for a full queue gets its resume.
 */
class ListenerWorkerBatchesTest {

    @Test
    void deliversEveryEventOnceInOrderAcrossReusedBatches() {
        List<Long> seen = Collections.synchronizedList(new ArrayList<>());
        ListenerWorker worker = new ListenerWorker("orders", null, event -> {
            seen.add(((ChangeEvent.Begin) event).xid());
            if (seen.size() % 97 == 0) {
                Thread.onSpinWait(); // a listener of uneven pace: batches pile up, then drain, and are reused
            }
        }, 1_000_000, Long.MAX_VALUE, 1, Duration.ZERO, signal -> { });
        Random random = new Random(11);
        int events = 20_000;
        try {
            worker.start();
            for (int i = 1; i <= events; i++) {
                // Sizes from one event up to past MAX_BATCH, where the worker hands a batch over itself.
                worker.offer(new ChangeEvent.Begin(Lsn.of(i), Instant.EPOCH, i), 10, i % 50 == 0 ? Lsn.of(i) : null);
                if (random.nextInt(300) == 0) {
                    worker.flush();
                }
            }
            worker.flush();
            await().atMost(Duration.ofSeconds(20)).until(() -> worker.pending() == 0);
        } finally {
            worker.stop(Duration.ofSeconds(1));
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= events; i++) {
            expected.add(i);
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(worker.processedLsn()).isEqualTo(Lsn.of(events));
        assertThat(worker.queuedBytes()).isZero();
    }

    @Test
    void everyPauseForAFullQueueGetsItsResume() throws InterruptedException {
        Semaphore drained = new Semaphore(0);
        ListenerWorker worker = new ListenerWorker("orders", null, event -> { }, 16, Long.MAX_VALUE, 1, Duration.ZERO,
                signal -> {
                    if (signal == ListenerWorker.DRAINED) {
                        drained.release();
                    }
                });
        try {
            worker.start();
            long xid = 0;
            for (int pause = 0; pause < 500; pause++) {
                boolean paused = false;
                while (!paused) {
                    xid++;
                    paused = worker.offer(new ChangeEvent.Begin(Lsn.of(xid), Instant.EPOCH, xid), 10, null);
                }
                // Paused, as the connection would be: nothing more is offered until the worker says the queue drained.
                // A fast listener races the pause here: its batch done just before or after the flag is set.
                assertThat(drained.tryAcquire(10, TimeUnit.SECONDS)).as("the resume after pause %d", pause).isTrue();
                assertThat(worker.queuedEvents()).isLessThanOrEqualTo(8);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> worker.pending() == 0);
        } finally {
            worker.stop(Duration.ofSeconds(1));
        }
        assertThat(drained.availablePermits()).isZero(); // one resume per pause, no more
        assertThat(worker.queuedBytes()).isZero();
    }
}
