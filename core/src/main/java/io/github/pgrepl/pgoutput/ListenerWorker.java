package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to the {@link ChangeListener} on a thread of its own, through a queue bounded in events
 * and in bytes. The connection's thread offers; when the queue is full it pauses the connection and
 * this worker asks for a resume once the queue has drained below half. It records the position of the
 * last commit the listener returned from: the only position the handler confirms.
 *
 * <p>Offered events are handed over in batches ({@link #flush}, at the latest every {@value #MAX_BATCH}
 * events): waking the worker for every event cost more CPU than decoding it.
 *
 * <p>{@link #stop} is graceful: the listener finishes the event in hand, and the rest of its transaction when that
 * is queued already, so that the transaction can be confirmed; it is interrupted only when that takes longer than
 * the close timeout.
 */
final class ListenerWorker {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);

    /** Posted to the connection's mailbox when the queue drained below half after a pause: reading may resume. */
    static final Object DRAINED = new Object() {
        @Override
        public String toString() {
            return "pgoutput queue drained";
        }
    };

    /** Posted to the connection's mailbox when the listener kept failing on {@code event}; the worker has stopped. */
    record Failed(ChangeEvent event, Exception error, int attempts) {
    }

    private record Item(ChangeEvent event, int size, long confirmLsn) {
    }

    static final int MAX_BATCH = 256;

    private final ChangeListener listener;
    private final int capacity;
    private final long maxBytes;
    private final int maxAttempts;
    private final Duration retryBackoff;
    /** The connection's mailbox ({@code ReplicationConnection::send}), for {@link #DRAINED} and {@link Failed}. */
    private final Consumer<Object> mailbox;
    private final LinkedBlockingQueue<List<Item>> queue = new LinkedBlockingQueue<>();
    private final AtomicLong bytes = new AtomicLong();
    /** Events offered and not yet handled. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Events offered and not yet taken by the worker: what the capacity bounds. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean pausedForQueue = new AtomicBoolean();
    private final AtomicLong processedLsn = new AtomicLong();
    private final Thread thread;
    /** False once the worker must stop at once: the listener gave up, or a graceful stop ran out of time. */
    private volatile boolean running = true;
    /** Set by {@link #stop}: finish the transaction in hand, take no other. */
    private volatile boolean stopping;
    /** Whether the last event handed to the listener left a transaction (or a streamed chunk) open; worker's thread. */
    private boolean inTransaction;
    /** Offered, not yet handed over; confined to the connection's thread. */
    private List<Item> unflushed = new ArrayList<>();

    /**
     * @param threadFactory makes the listener's thread, or {@code null} for a platform thread
     */
    ListenerWorker(String name, ThreadFactory threadFactory, ChangeListener listener, int capacity, long maxBytes,
                   int maxAttempts, Duration retryBackoff, Consumer<Object> mailbox) {
        this.listener = listener;
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.maxAttempts = maxAttempts;
        this.retryBackoff = retryBackoff;
        this.mailbox = mailbox;
        String threadName = "pgrepl-" + name + "-listener";
        if (threadFactory == null) {
            this.thread = new Thread(this::run, threadName);
        } else {
            this.thread = threadFactory.newThread(this::run);
            if (thread == null) {
                throw new IllegalStateException("The thread factory " + threadFactory + " made no thread for the listener of"
                        + " connection '" + name + "'");
            }
            thread.setName(threadName);
        }
    }

    void start() {
        thread.start();
    }

    /**
     * Queues an event (from the connection's thread) for the next {@link #flush}. Returns {@code true}
     * when the queue is now full and the connection should pause; the events are then handed over, and
     * the worker will ask for a resume.
     */
    boolean offer(ChangeEvent event, int size, Lsn confirmAfter) {
        pending.incrementAndGet();
        waiting.incrementAndGet();
        bytes.addAndGet(size);
        unflushed.add(new Item(event, size, confirmAfter == null ? 0L : confirmAfter.value()));
        boolean full = waiting.get() >= capacity || bytes.get() >= maxBytes;
        if (full || unflushed.size() >= MAX_BATCH) {
            flush();
        }
        if (!full) {
            return false;
        }
        pausedForQueue.set(true);
        // The worker may have drained everything between our add and the flag: then do not pause.
        return !(belowHalf() && pausedForQueue.compareAndSet(true, false));
    }

    /** True when offered events wait for {@link #flush}. */
    boolean hasUnflushed() {
        return !unflushed.isEmpty();
    }

    /** Hands the offered events to the worker (from the connection's thread). */
    void flush() {
        if (!unflushed.isEmpty()) {
            queue.add(unflushed);
            unflushed = new ArrayList<>();
        }
    }

    private boolean belowHalf() {
        return waiting.get() <= capacity / 2 && bytes.get() <= maxBytes / 2;
    }

    /** Events queued or being handled. */
    int pending() {
        return pending.get();
    }

    int queuedEvents() {
        return waiting.get();
    }

    long queuedBytes() {
        return bytes.get();
    }

    /** End LSN of the last commit the listener returned from, or {@link Lsn#ZERO}. */
    Lsn processedLsn() {
        return Lsn.of(processedLsn.get());
    }

    /**
     * Stops taking events (from the connection's thread): waits up to {@code wait} for the listener to finish the event
     * in hand and the queued rest of its transaction, without interrupting it first; then interrupts it if it still
     * runs. What it did not finish stays unconfirmed, and comes again on the next start.
     */
    void stop(Duration wait) {
        flush(); // the rest of the transaction in hand may wait here
        stopping = true;
        queue.add(List.of()); // wakes a worker waiting for events: there are no more
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Math.max(1, wait.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("The ChangeListener did not finish within the close timeout ({}); interrupting it. What it did"
                        + " not finish is not confirmed and comes again on the next start", wait);
            }
        }
        running = false;
        thread.interrupt();
        queue.clear();
        unflushed = new ArrayList<>();
    }

    private void run() {
        while (running) {
            List<Item> batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                continue; // running was cleared, or a spurious interrupt
            }
            if (stopping && (batch.isEmpty() || !inTransaction)) {
                return; // the transaction in hand is done, or nothing more of it will come
            }
            for (Item item : batch) {
                if (!running || stopping && !inTransaction) {
                    return;
                }
                waiting.decrementAndGet();
                if (!deliver(item.event())) {
                    return;
                }
                inTransaction = opensOrContinues(item.event(), inTransaction);
                if (item.confirmLsn() != 0L) {
                    processedLsn.accumulateAndGet(item.confirmLsn(), (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
                }
                bytes.addAndGet(-item.size());
                pending.decrementAndGet();
                if (pausedForQueue.get() && belowHalf() && pausedForQueue.compareAndSet(true, false)) {
                    mailbox.accept(DRAINED);
                }
            }
        }
    }

    /** Whether a transaction or a streamed chunk is open after {@code event}. */
    private static boolean opensOrContinues(ChangeEvent event, boolean open) {
        if (event instanceof ChangeEvent.Begin || event instanceof ChangeEvent.BeginPrepare
                || event instanceof ChangeEvent.StreamStart) {
            return true;
        }
        if (event instanceof ChangeEvent.Commit || event instanceof ChangeEvent.Prepare
                || event instanceof ChangeEvent.StreamStop) {
            return false;
        }
        return open;
    }

    /** Calls the listener, retrying with backoff; {@code false} when it kept failing and the worker stops. */
    private boolean deliver(ChangeEvent event) {
        for (int attempt = 1; ; attempt++) {
            try {
                listener.onChange(event);
                return true;
            } catch (Exception e) {
                if (attempt >= maxAttempts || !running || stopping) {
                    running = false;
                    mailbox.accept(new Failed(event, e, attempt));
                    return false;
                }
                long delay = Math.min(retryBackoff.toMillis() << Math.min(attempt - 1, 20), 30_000L);
                log.warn("ChangeListener failed on {} (attempt {} of {}), retrying in {} ms: {}", event, attempt, maxAttempts,
                        delay, e.toString());
                try {
                    TimeUnit.MILLISECONDS.sleep(delay);
                } catch (InterruptedException interrupted) {
                    if (!running || stopping) {
                        return false;
                    }
                }
            }
        }
    }
}
