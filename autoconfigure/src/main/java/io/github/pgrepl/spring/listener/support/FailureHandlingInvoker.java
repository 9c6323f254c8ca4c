package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.internal.util.Durations;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.connection.ListenerActivity;
import io.github.pgrepl.spring.connection.ListenerControl;
import io.github.pgrepl.spring.connection.ListenerFailureStatus;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.error.ErrorDecision;
import io.github.pgrepl.spring.listener.error.FailedChange;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;
import io.github.pgrepl.spring.observation.DefaultListenerObservationConvention;
import io.github.pgrepl.spring.observation.ListenerObservationContext;
import io.github.pgrepl.spring.observation.ReplicationObservation;
import io.micrometer.observation.Observation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls listener methods for a {@link ChangeDispatcher}, on its thread, and sees a failing one through: asks the
 * {@link ReplicationErrorHandler} after each failed attempt, waits before a retry, holds a stopped connection until it
 * is restarted, and keeps the failure in progress and the counts for health and metrics (the {@link ListenerControl}
 * side, safe from any thread).
 */
final class FailureHandlingInvoker implements ListenerControl {

    private static final Logger log = LoggerFactory.getLogger(ChangeDispatcher.class);
    private static final Duration WAIT_WHEN_THE_HANDLER_FAILS = Duration.ofSeconds(1);

    private final String connection;
    private final ReplicationErrorHandler errorHandler;
    private final Clock clock;
    private volatile ChangeDispatcher.StreamControl streamControl = ChangeDispatcher.StreamControl.NONE;
    private volatile ListenerActivity activity = ListenerActivity.NONE;

    private final Object monitor = new Object();
    /** Incremented by each {@link #restart()}; guarded by {@link #monitor}. */
    private long restarts;
    private volatile boolean closing;
    private volatile ListenerFailureStatus failure;
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder recovered = new LongAdder();

    FailureHandlingInvoker(String connection, ReplicationErrorHandler errorHandler, Clock clock) {
        this.connection = connection;
        this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
        this.clock = clock;
    }

    void setStreamControl(ChangeDispatcher.StreamControl streamControl) {
        this.streamControl = Objects.requireNonNull(streamControl, "streamControl");
    }

    void setActivity(ListenerActivity activity) {
        this.activity = Objects.requireNonNull(activity, "activity");
    }

    ReplicationErrorHandler errorHandler() {
        return errorHandler;
    }

    /** What a listener is called with; computed again for each attempt (binding may be what fails). */
    @FunctionalInterface
    interface Argument {
        Object get() throws Exception;
    }

    /**
     * Calls the listener until it processed the change, or the error handler skipped or recovered it; waits out retries
     * and a stop (until {@link #restart()}).
     *
     * @throws InterruptedException when the connection closes meanwhile: the change stays unconfirmed
     */
    void deliver(ListenerMethod listener, ChangeEvent event, Change<Row> change, ChangeTransaction whole,
                         Argument argument) throws InterruptedException {
        int attempts = 0;
        int failedAttemptsHere = 0;
        Instant since = null;
        boolean mayBeGivenUp = listener.connectionListener() == null || listener.connectionListener().changesMayBeGivenUp();
        Duration longestRetry = WAIT_WHEN_THE_HANDLER_FAILS;
        while (true) {
            Throwable error;
            try {
                observation(listener, event, change, whole).observeChecked(() -> listener.invoke(argument.get()));
                if (failedAttemptsHere > 0) {
                    log.info("[{}] Listener '{}' processed {} after {} failed attempt(s)", connection, listener.id(),
                            describe(event, change, whole), failedAttemptsHere);
                    failure = null;
                }
                return;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                error = e;
            }
            if (closing) {
                throw closed();
            }
            attempts++;
            failedAttemptsHere++;
            since = since == null ? clock.instant() : since;
            failedAttempts.increment();
            FailedChange failed = new FailedChange(connection, listener.id(), event, change, whole, error, attempts, since,
                    mayBeGivenUp);
            ErrorDecision decision = decide(failed);
            if (!mayBeGivenUp && (decision == ErrorDecision.skip() || decision == ErrorDecision.recovered())) {
                // Going on would confirm a change this listener never forwarded (with a Begin, its whole transaction).
                String decided = decision == ErrorDecision.skip() ? "skip" : "recovered";
                log.warn("[{}] The error handler {} decided {} for {}, but listener '{}' may not give up a change;"
                        + " retrying in {}", connection, errorHandler, decided, failed.describe(), listener.id(),
                        Durations.text(longestRetry));
                decision = ErrorDecision.retryAfter(longestRetry);
            }
            if (decision instanceof ErrorDecision.Retry retry) {
                longestRetry = retry.delay().compareTo(longestRetry) > 0 ? retry.delay() : longestRetry;
                // Failing (and health DOWN) from here: a change the recoverer took at once never held the stream.
                failure = status(failed, false);
                if (attempts == 1) {
                    log.warn("[{}] Listener '{}' failed on {}; retrying in {} ms", connection, listener.id(),
                            failed.describe(), retry.delay().toMillis(), error);
                } else {
                    log.warn("[{}] Listener '{}' failed {} times on {} since {}; retrying in {} ms: {}", connection,
                            listener.id(), attempts, failed.describe(), since, retry.delay().toMillis(), error.toString());
                }
                awaitRetry(retry.delay());
            } else if (decision == ErrorDecision.skip()) {
                skipped.increment();
                failure = null;
                log.warn("[{}] Listener '{}' failed {} time(s) on {}: SKIPPED, it did not process this change: {}",
                        connection, listener.id(), attempts, failed.describe(), error.toString());
                return;
            } else if (decision == ErrorDecision.recovered()) {
                recovered.increment();
                failure = null;
                return;
            } else {
                failure = status(failed, true);
                long restartsBefore = restartCount();
                streamControl.stop("listener '" + listener.id() + "' failed " + attempts + " time(s) on " + failed.describe()
                        + ": " + error);
                awaitRestart(restartsBefore);
                streamControl.resume();
                failure = status(failed, false);
                attempts = 0; // a fresh start: the error handler's back-off begins again
                since = null;
            }
        }
    }

    /**
     * One call of one listener: a child of the transaction's observation. Its context is made only when the registry
     * observes (not per change when observations are off).
     */
    private Observation observation(ListenerMethod listener, ChangeEvent event, Change<Row> change, ChangeTransaction whole) {
        ListenerActivity current = activity;
        Observation transaction = current.transaction();
        return ReplicationObservation.LISTENER.observation(null, DefaultListenerObservationConvention.INSTANCE,
                () -> context(current, listener, event, change, whole), current.observationRegistry())
                .parentObservation(transaction);
    }

    private ListenerObservationContext context(ListenerActivity current, ListenerMethod listener, ChangeEvent event,
                                               Change<Row> change, ChangeTransaction whole) {
        if (change != null) {
            return ListenerObservationContext.of(connection, listener.id(), change);
        }
        if (whole != null) {
            return ListenerObservationContext.of(connection, listener.id(), whole);
        }
        return ListenerObservationContext.of(connection, listener.id(), event, current.transactionXid(),
                current.transactionLsn());
    }

    private ErrorDecision decide(FailedChange failed) {
        try {
            ErrorDecision decision = errorHandler.handle(failed);
            if (decision != null) {
                return decision;
            }
            log.warn("[{}] The error handler {} decided nothing for {}; retrying in {}", connection, errorHandler,
                    failed.describe(), WAIT_WHEN_THE_HANDLER_FAILS);
        } catch (Exception e) {
            log.warn("[{}] The error handler {} failed on {}; retrying in {}", connection, errorHandler, failed.describe(),
                    WAIT_WHEN_THE_HANDLER_FAILS, e);
        }
        return ErrorDecision.retryAfter(WAIT_WHEN_THE_HANDLER_FAILS);
    }

    private static ListenerFailureStatus status(FailedChange failed, boolean stopped) {
        return new ListenerFailureStatus(failed.listener(), failed.describe(), failed.error().getClass().getSimpleName() + ": "
                + failed.error().getMessage(), failed.attempts(), failed.firstFailedAt(), stopped);
    }

    private static String describe(ChangeEvent event, Change<Row> change, ChangeTransaction whole) {
        return change != null ? change.toString() : whole != null ? whole.toString() : event.getClass().getSimpleName();
    }

    private long restartCount() {
        synchronized (monitor) {
            return restarts;
        }
    }

    /** Waits {@code wait}, or less when restarted; throws when the connection closes. */
    private void awaitRetry(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (monitor) {
            long before = restarts;
            long remaining;
            while (!closing && restarts == before && (remaining = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
            }
        }
        if (closing) {
            throw closed();
        }
    }

    private void awaitRestart(long restartsBefore) throws InterruptedException {
        synchronized (monitor) {
            while (!closing && restarts == restartsBefore) {
                monitor.wait();
            }
        }
        if (closing) {
            throw closed();
        }
    }

    private InterruptedException closed() {
        return new InterruptedException("Replication connection '" + connection + "' is closing: the failing change stays"
                + " unconfirmed and is delivered again after a restart");
    }

    @Override
    public Optional<ListenerFailureStatus> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void restart() {
        synchronized (monitor) {
            restarts++;
            monitor.notifyAll();
        }
    }

    @Override
    public void close() {
        closing = true;
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    @Override
    public long failedAttempts() {
        return failedAttempts.sum();
    }

    @Override
    public long skipped() {
        return skipped.sum();
    }

    @Override
    public long recovered() {
        return recovered.sum();
    }
}
