package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
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
 * events): waking the worker for every event cost more CPU than decoding it. A batch's arrays go back to the
 * connection's thread for reuse once the worker is done with them (at most {@value #SPARE_BATCHES} kept): a wrapper per
 * event and a growing list per batch cost about 50 bytes per change. Only these internal arrays are reused, never
 * an event: the listener may keep what it was given.
 *
 * <p>With {@linkplain PgOutputHandler.Builder#borrowedRows borrowed rows}, an event's rows end their lifetime here:
 * when the listener returned from the event (for the last time, after retries), the worker expires their leases, so
 * that the rows refuse to read from then on, and keeps the leases in the batch; they go back to the connection's pool
 * with the batch, when the connection's thread takes it to fill again. A lease crosses between the threads only inside
 * a batch, through the two queues: no lock of its own. The rows of an event the listener failed on are never expired
 * (the failure's message prints the event), nor those of events dropped at a stop: the pool makes others.
 *
 * <p>The counters both threads read (events and bytes waiting) change once per batch on either side,
 * not once per event: the connection's thread adds a batch when it hands it over, the worker subtracts what it
 * delivered when the batch is done, or at once after each event while the connection is paused for the queue (so
 * that the resume is not late), instead of three atomic updates per event on each side of counters the other thread
 * also writes. So {@link #queuedEvents} and {@link #queuedBytes} may count a batch's delivered events until it is done.
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

    /**
     * Events handed over together, with their sizes and the positions their return confirms (0: none). Filled by the
     * connection's thread, then read and cleared by the worker's; the queues between them order the two.
     */
    private static final class Batch {

        /** What {@link #stop} puts in the queue to wake the worker: no events, never filled nor reused. */
        static final Batch WAKE_UP = new Batch(0);

        ChangeEvent[] events;
        int[] sizes;
        long[] confirmLsns;
        int count;
        /** Leases of delivered events' borrowed rows, expired, for the connection's pool. */
        RowLease[] expired = NO_LEASES;
        int expiredCount;

        Batch(int capacity) {
            events = new ChangeEvent[capacity];
            sizes = new int[capacity];
            confirmLsns = new long[capacity];
        }

        void add(ChangeEvent event, int size, long confirmLsn) {
            if (count == events.length) {
                int grown = Math.min(MAX_BATCH, Math.max(8, count * 2));
                events = Arrays.copyOf(events, grown);
                sizes = Arrays.copyOf(sizes, grown);
                confirmLsns = Arrays.copyOf(confirmLsns, grown);
            }
            events[count] = event;
            sizes[count] = size;
            confirmLsns[count] = confirmLsn;
            count++;
        }

        /** Ends the lifetime of {@code event}'s borrowed rows, keeping their leases for the pool. */
        void expireRowsOf(ChangeEvent event) {
            if (expired.length - expiredCount < 3) {
                expired = Arrays.copyOf(expired, Math.max(16, expired.length * 2));
            }
            int from = expiredCount;
            expiredCount = RowLeases.leasesOf(event, expired, from);
            for (int i = from; i < expiredCount; i++) {
                expired[i].expire();
            }
        }

        /** Gives the expired leases to the pool (on the connection's thread, the batch taken from the spare ones). */
        void giveBackLeases(RowLeases pool) {
            for (int i = 0; i < expiredCount; i++) {
                pool.giveBack(expired[i]);
                expired[i] = null;
            }
            expiredCount = 0;
        }

        /** Forgets the events, so that a spare batch keeps none of them alive. */
        void clear() {
            Arrays.fill(events, 0, count, null);
            count = 0;
        }
    }

    private static final RowLease[] NO_LEASES = new RowLease[0];

    static final int MAX_BATCH = 256;
    /** Batches kept for reuse: enough for a busy stream's batches in flight, little memory when idle. */
    static final int SPARE_BATCHES = 8;

    private final ChangeListener listener;
    /** The pool of borrowed rows' leases (confined to the connection's thread), or {@code null} without borrowed rows. */
    private final RowLeases leases;
    private final int capacity;
    private final long maxBytes;
    private final int maxAttempts;
    private final Duration retryBackoff;
    /** The connection's mailbox ({@code ReplicationConnection::send}), for {@link #DRAINED} and {@link Failed}. */
    private final Consumer<Object> mailbox;
    private final LinkedBlockingQueue<Batch> queue = new LinkedBlockingQueue<>();
    /** Batches the worker is done with, for the connection's thread to fill again. */
    private final ArrayBlockingQueue<Batch> spare = new ArrayBlockingQueue<>(SPARE_BATCHES);
    private final AtomicLong bytes = new AtomicLong();
    /**
     * Events handed over and not yet delivered (counted when a batch is handed over, and when delivered): with the
     * offered ones not yet handed over, what the capacity bounds.
     */
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
    /** Offered, not yet handed over, or {@code null}; confined to the connection's thread. */
    private Batch unflushed;
    /** The bytes of {@link #unflushed}'s events, not yet in {@link #bytes}; confined to the connection's thread. */
    private long unflushedBytes;
    /** {@link #processedLsn}'s value, kept by the worker's thread, its only writer. */
    private long processed;
    /** The connection's name, for log lines. */
    private final String name;

    /**
     * @param threadFactory makes the listener's thread, or {@code null} for a platform thread
     */
    ListenerWorker(String name, ThreadFactory threadFactory, ChangeListener listener, int capacity, long maxBytes,
                   int maxAttempts, Duration retryBackoff, Consumer<Object> mailbox) {
        this(name, threadFactory, listener, capacity, maxBytes, maxAttempts, retryBackoff, mailbox, null);
    }

    /**
     * @param leases the pool the leases of delivered events' borrowed rows go back to, or {@code null} without
     *     borrowed rows
     */
    ListenerWorker(String name, ThreadFactory threadFactory, ChangeListener listener, int capacity, long maxBytes,
                   int maxAttempts, Duration retryBackoff, Consumer<Object> mailbox, RowLeases leases) {
        this.listener = listener;
        this.leases = leases;
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.maxAttempts = maxAttempts;
        this.retryBackoff = retryBackoff;
        this.mailbox = mailbox;
        this.name = name;
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
        add(event, size, confirmAfter);
        return handOverIfDue();
    }

    /**
     * The first half of {@link #offer}: queues the event, and hands nothing over yet, so that the connection's thread
     * may still read the event's rows (borrowed ones end their lifetime once the listener is done with them). Then
     * {@link #handOverIfDue}.
     */
    void add(ChangeEvent event, int size, Lsn confirmAfter) {
        if (unflushed == null) {
            Batch reused = spare.poll();
            if (reused == null) {
                reused = new Batch(8);
            } else if (leases != null) {
                reused.giveBackLeases(leases);
            }
            unflushed = reused;
        }
        unflushed.add(event, size, confirmAfter == null ? 0L : confirmAfter.value());
        unflushedBytes += size;
    }

    /** The second half of {@link #offer}: hands the events over if the batch is due, returns whether to pause. */
    boolean handOverIfDue() {
        int offered = unflushed == null ? 0 : unflushed.count;
        boolean full = waiting.get() + offered >= capacity || bytes.get() + unflushedBytes >= maxBytes;
        if (full || offered >= MAX_BATCH) {
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
        return unflushed != null && unflushed.count > 0;
    }

    /** Hands the offered events to the worker (from the connection's thread). */
    void flush() {
        if (hasUnflushed()) {
            // Counted before the worker can see the batch, so that its subtractions never run ahead.
            waiting.addAndGet(unflushed.count);
            bytes.addAndGet(unflushedBytes);
            unflushedBytes = 0;
            queue.add(unflushed);
            unflushed = null;
        }
    }

    private boolean belowHalf() {
        return waiting.get() <= capacity / 2 && bytes.get() <= maxBytes / 2;
    }

    /** Events queued or being handled; the offered ones not yet handed over count only on the connection's thread. */
    int pending() {
        Batch offered = unflushed;
        return waiting.get() + (offered == null ? 0 : offered.count);
    }

    /** Batches waiting for the connection's thread to fill them again: a probe for tests. */
    int spareBatches() {
        return spare.size();
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
        queue.add(Batch.WAKE_UP); // wakes a worker waiting for events: there are no more
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Math.max(1, wait.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("[{}] The ChangeListener did not finish within the close timeout ({} ms); interrupting it. What"
                        + " it did not finish is not confirmed and comes again on the next start. Give it longer with"
                        + " PgOutputHandler.Builder.closeTimeout (Spring: pgrepl.connections.{}.listener.close-timeout)",
                        name, wait.toMillis(), name);
            }
        }
        running = false;
        thread.interrupt();
        queue.clear();
        spare.clear();
        unflushed = null;
        unflushedBytes = 0;
    }

    private void run() {
        while (running) {
            Batch batch;
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                continue; // running was cleared, or a spurious interrupt
            }
            if (stopping && (batch.count == 0 || !inTransaction)) {
                return; // the transaction in hand is done, or nothing more of it will come
            }
            if (!deliverAll(batch)) {
                return;
            }
            if (batch != Batch.WAKE_UP) {
                batch.clear();
                spare.offer(batch); // dropped when enough are spare
            }
        }
    }

    /** Hands a batch's events to the listener in order; {@code false} when the worker stops. */
    private boolean deliverAll(Batch batch) {
        int delivered = 0;
        long deliveredBytes = 0;
        try {
            for (int i = 0; i < batch.count; i++) {
                if (!running || stopping && !inTransaction) {
                    return false;
                }
                ChangeEvent event = batch.events[i];
                batch.events[i] = null; // the batch does not keep what the listener is done with
                if (!deliver(event)) {
                    return false;
                }
                if (leases != null) {
                    batch.expireRowsOf(event); // the listener returned: its borrowed rows' lifetime ends here
                }
                inTransaction = opensOrContinues(event, inTransaction);
                long confirmLsn = batch.confirmLsns[i];
                if (confirmLsn != 0L && Long.compareUnsigned(confirmLsn, processed) > 0) {
                    processed = confirmLsn;
                    processedLsn.set(confirmLsn);
                }
                delivered++;
                deliveredBytes += batch.sizes[i];
                if (pausedForQueue.get()) {
                    // Paused for the queue: count each event at once, so that the resume comes as soon as it may.
                    delivered(delivered, deliveredBytes);
                    delivered = 0;
                    deliveredBytes = 0;
                }
            }
            return true;
        } finally {
            delivered(delivered, deliveredBytes);
        }
    }

    /**
     * Takes delivered events off the counters, then asks for a resume when the queue drained below half during a pause.
     * The counters first, then the flag: {@link #offer} sets the flag, then reads the counters, so one of the two threads
     * sees the other's write and a pause is never left without its resume.
     */
    private void delivered(int events, long size) {
        if (events > 0) {
            waiting.addAndGet(-events);
            bytes.addAndGet(-size);
        }
        if (pausedForQueue.get() && belowHalf() && pausedForQueue.compareAndSet(true, false)) {
            mailbox.accept(DRAINED);
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
                log.warn("[{}] ChangeListener failed on {} (attempt {} of {}), retrying in {} ms: {}", name, event, attempt,
                        maxAttempts, delay, e.toString());
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
