package io.github.pgrepl.pgoutput.internal.snapshot;

import io.github.pgrepl.Action;
import io.github.pgrepl.Caller;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.SnapshotException;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.pgoutput.SnapshotProgress;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code PgOutputHandler}'s snapshots: the initial one ({@link #initial()}, which its setup runs when it creates the
 * slot) and incremental ones on demand. The handler calls it from a few places, all on its connection's thread:
 * for each stream event ({@link #admits}, {@link #afterEvent}), for the position it confirms ({@link #confirmable}),
 * with the messages and calls it does not know ({@link #handles}), and when its queue drains, the stream starts, the
 * session is lost or the handler closes. {@link #progress()} is safe from any thread.
 */
public final class Snapshots {

    private static final Logger log = LoggerFactory.getLogger("io.github.pgrepl.pgoutput.PgOutputHandler");
    /** How long a snapshot request may wait for its answer (planning in a session of its own). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** The handler's timer for looking for new tables. */
    private static final Object NEW_TABLES_TICK = new Object() {
        @Override
        public String toString() {
            return "snapshots: look for new tables";
        }
    };

    private final SnapshotHost host;
    private final SnapshotOptions options;
    private final boolean messages;
    private final InitialSnapshot initial;
    private final IncrementalSnapshots incremental;
    private volatile ProgressTracker progress;
    private boolean ticking;
    private boolean malformedLogged;

    /**
     * @param messages whether the listener asked for logical messages: watermarks reach it then, too
     */
    public Snapshots(SnapshotHost host, SnapshotOptions options, String slot, boolean temporarySlot, boolean messages,
                     Clock clock) {
        this.host = host;
        this.options = options;
        this.messages = messages;
        this.initial = new InitialSnapshot(host, options, slot, temporarySlot, clock, this::publish);
        this.incremental = new IncrementalSnapshots(host, options, clock, this::publish);
    }

    private ProgressTracker publish(ProgressTracker tracker) {
        progress = tracker;
        return tracker;
    }

    /** The initial snapshot, for the handler's setup. */
    public InitialSnapshot initial() {
        return initial;
    }

    /** The running snapshot's progress, else the last one's; empty before the first. Any thread. */
    public Optional<SnapshotProgress> progress() {
        ProgressTracker tracker = progress;
        return tracker == null ? Optional.empty() : Optional.of(tracker.progress());
    }

    /** Whether a snapshot runs, or waits to. */
    public boolean running() {
        ProgressTracker tracker = progress;
        return tracker != null && tracker.running();
    }

    // ---------------------------------------------------------------- the stream

    /**
     * Whether the listener gets {@code event}: not a watermark nor another logical message unless it asked for
     * messages (the stream always carries them, for the watermarks).
     */
    public boolean admits(ChangeEvent event) {
        return messages || !(event instanceof ChangeEvent.LogicalMessage);
    }

    /**
     * Follows an event after the listener got it (or not): watermarks, the windows of the chunks. Returns true when
     * the listener's queue is now full (rows of a chunk were offered).
     */
    public boolean afterEvent(ChangeEvent event) {
        Watermark watermark = null;
        if (event instanceof ChangeEvent.LogicalMessage message) {
            if (!Watermark.PREFIX.equals(message.prefix())) {
                return false;
            }
            try {
                watermark = Watermark.decode(message.content());
            } catch (IllegalArgumentException e) {
                if (!malformedLogged) {
                    malformedLogged = true;
                    log.warn("[{}] ignoring a logical message with prefix {} that is not a pgrepl watermark ({}): the prefix"
                            + " is pgrepl's", host.connection().config().name(), Watermark.PREFIX, e.getMessage());
                }
                return false;
            }
        }
        return incremental.observe(event, watermark);
    }

    /** What may be confirmed to the server instead of {@code candidate}. */
    public Lsn confirmable(Lsn candidate) {
        return incremental.confirmable(candidate);
    }

    /** The stream started: incremental snapshots may run, new tables are looked for. */
    public void streaming() {
        incremental.streaming();
        if (!ticking && !options.newTablesInterval().isZero()) {
            ticking = true;
            host.connection().send(NEW_TABLES_TICK); // the first look tells the known tables
        }
    }

    // ---------------------------------------------------------------- mailbox

    /** Whether {@code message} (an info or a call) is the snapshots'. */
    public boolean handles(Object message) {
        return message instanceof SnapshotSignal || message == NEW_TABLES_TICK
                || message instanceof ChunkSession.ChunkRead || message instanceof IncrementalSnapshots.Request;
    }

    public Action handleInfo(Object message) {
        if (message == NEW_TABLES_TICK) {
            host.connection().sendAfter(NEW_TABLES_TICK, options.newTablesInterval());
            incremental.lookForNewTables();
        } else if (message instanceof ChunkSession.Planned planned) {
            incremental.planned(planned);
        } else if (message instanceof ChunkSession.ChunkFailed failed) {
            incremental.chunkFailed(failed);
        } else if (message instanceof ChunkSession.Published published) {
            incremental.published(published);
        } else if (message instanceof SnapshotSignal signal) {
            return initial.onSignal(signal);
        }
        return Action.noReply();
    }

    public Action handleCall(Object request, Caller caller) {
        if (request instanceof ChunkSession.ChunkRead read) {
            caller.reply(incremental.chunkRead(read));
        } else if (request instanceof IncrementalSnapshots.Request wanted) {
            if (initial.running()) {
                caller.reply(new SnapshotException(SnapshotException.Reason.RUNNING, "The initial snapshot is running;"
                        + " one snapshot runs at a time: wait until it completes"));
            } else {
                incremental.request(wanted, caller);
            }
        }
        return Action.noReply();
    }

    /**
     * {@code PgOutputHandler.snapshot(tables)}, from any thread: a call to the handler's connection ({@code null} before
     * it started), answered once the snapshot is planned; a refusal fails the future with its {@link SnapshotException}.
     */
    public static CompletableFuture<SnapshotProgress> request(ReplicationConnection connection, List<String> tables) {
        if (connection == null) {
            return CompletableFuture.failedFuture(new SnapshotException(SnapshotException.Reason.NOT_READY,
                    "The handler is not started: start its connection first"));
        }
        return connection.call(new IncrementalSnapshots.Request(List.copyOf(tables)), REQUEST_TIMEOUT).thenCompose(reply ->
                reply instanceof SnapshotException refused ? CompletableFuture.failedFuture(refused)
                        : CompletableFuture.completedFuture((SnapshotProgress) reply));
    }

    /** The listener's queue drained below half. */
    public void queueDrained() {
        initial.queueDrained();
    }

    // ---------------------------------------------------------------- lifecycle

    /** The stream's session was lost. An initial snapshot in progress starts over (its temporary slot is gone). */
    public void disconnected() {
        if (initial.running()) {
            log.warn("[{}] the session was lost during the initial snapshot: it starts over once reconnected",
                    host.connection().config().name());
            initial.abort("the session was lost; the snapshot starts over");
        }
        // An incremental snapshot goes on: the stream resumes after what was queued, and a watermark's transaction
        // cut before its commit keeps its marker (the server sends the rest of it; its commit places the marker).
    }

    /** The handler closes: snapshot sessions go. An incremental snapshot resumes at the next start. */
    public void close() {
        initial.abort("the connection was closed");
        incremental.close();
    }
}
