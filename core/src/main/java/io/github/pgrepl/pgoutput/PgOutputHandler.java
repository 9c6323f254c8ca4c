package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Action;
import io.github.pgrepl.Caller;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.PrimaryKeepalive;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.ReplicationMessage;
import io.github.pgrepl.ReplicationMessages;
import io.github.pgrepl.pgoutput.internal.snapshot.Snapshots;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ready-made callback module: checks the server, creates the slot and publication when asked,
 * streams {@code pgoutput}, decodes it into {@link ChangeEvent}s and hands them to a
 * {@link ChangeListener} on a worker thread through a bounded queue (full → pause, drained → resume).
 *
 * <p>It confirms a transaction's end LSN only after the listener returned for its commit, sends
 * status updates on a timer derived from the server's {@code wal_sender_timeout} (paused or not), and
 * advances the slot on idle keepalives only when nothing is in flight. One instance per connection.
 *
 * <p>Snapshots ({@link SnapshotOptions}): an initial one when it creates the slot, and incremental ones on demand
 * ({@link #snapshot(List)}) while it streams; their rows reach the listener as {@link ChangeEvent.Read}s.
 *
 * <pre>{@code
 * PgOutputHandler handler = PgOutputHandler.builder(event -> System.out.println(event))
 *         .slot("orders_slot").publications("orders_pub").createSlot(true).build();
 * ReplicationConnection connection = ReplicationConnection.start(config, handler);
 * }</pre>
 *
 * <p>Past 500 lines for one reason: its public {@link Builder}, one documented method per option, nested as the
 * design's {@code PgOutputHandler.builder()} has it. The work itself lives in its parts: {@link ServerSetup},
 * {@link StreamPositions}, {@link FailoverWatch}, {@link OptionChecks}, {@link ListenerWorker} and the snapshots.
 */
public final class PgOutputHandler implements ReplicationHandler {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);

    /** What the handler sends itself through the connection's mailbox. */
    private enum Signal {
        STATUS_TICK, FLUSH_EVENTS;

        @Override
        public String toString() {
            return "pgoutput " + name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** How much longer than the listener's close timeout a close may take: the final status update, Terminate. */
    private static final Duration CLOSE_MARGIN = Duration.ofSeconds(5);

    /** What it was built with: a copy of its builder, changed by nobody. */
    private final Builder options;

    // Confined to the connection's thread.
    private ReplicationConnection connection;
    private ListenerWorker worker;
    /** The buffers of borrowed rows ({@link Builder#borrowedRows}), or {@code null}. */
    private RowLeases leases;
    private Snapshots snapshots;
    private PgOutputDecoder decoder;
    private final StreamPositions positions = new StreamPositions();
    private boolean timerRunning;
    private boolean flushScheduled;
    private boolean stopping;

    /** Set once, in init; read from any thread for the durations it learned from the server. */
    private volatile ServerSetup setup;
    /** Set once, in init; read from any thread for its warnings. */
    private volatile FailoverWatch failover;
    private volatile Throwable failure;

    private PgOutputHandler(Builder options) {
        this.options = options;
    }

    public static Builder builder(ChangeListener listener) {
        return new Builder(listener);
    }

    // ---------------------------------------------------------------- observability (any thread)

    public String slot() {
        return options.slot;
    }

    public List<String> publications() {
        return options.publications;
    }

    /**
     * Events handed to the listener's thread and not yet delivered. Counted once per batch: the events of the batch in
     * hand count until the listener is done with the whole batch (at most a few hundred).
     */
    public int queuedEvents() {
        return worker == null ? 0 : worker.queuedEvents();
    }

    /** Bytes of the events counted by {@link #queuedEvents()} (their pgoutput size). */
    public long queuedBytes() {
        return worker == null ? 0 : worker.queuedBytes();
    }

    /**
     * End LSN of the last transaction the listener returned from: what is confirmed to the server (no further than the
     * listener's {@link ChangeListener#confirmLimit()}).
     */
    public Lsn processedLsn() {
        return worker == null ? Lsn.ZERO : worker.processedLsn();
    }

    /** The server's {@code wal_sender_timeout}, once connected; {@code null} before, {@link Duration#ZERO} when off. */
    public Duration walSenderTimeout() {
        ServerSetup checked = setup;
        return checked == null ? null : checked.walSenderTimeout();
    }

    /** How often status updates go out, once connected. */
    public Duration statusInterval() {
        ServerSetup checked = setup;
        return checked == null ? null : checked.statusInterval();
    }

    /**
     * What the settings of the server streamed from and of its standbys leave open in a failover (for a
     * {@link Builder#failover failover} slot), as logged: the settings to change. Empty when nothing, or before the
     * first start; after a failover, about the new primary.
     */
    public List<String> failoverWarnings() {
        FailoverWatch watch = failover;
        return watch == null ? List.of() : watch.warnings();
    }

    /**
     * What is wrong with the published tables, as of the last connect, as logged, each with the fix: tables without a
     * replica identity whose UPDATEs and DELETEs a publication publishes (the server refuses those, to every session),
     * and tables of {@link Builder#expectedTables} that no publication publishes or that do not exist (the server sends
     * nothing of them). Empty before the first connect.
     */
    public List<String> tableWarnings() {
        ServerSetup current = setup;
        return current == null ? List.of() : current.tableWarnings();
    }

    /**
     * Why the handler stopped the connection, or {@code null}: a listener that kept failing, or a
     * {@link ReplicationSlotException} (an invalidated or lost slot, failover slots on a server without them, a
     * failover that lost what this consumer received).
     */
    public Throwable failure() {
        return failure;
    }

    /**
     * Takes an incremental snapshot of {@code tables} ({@code schema.table} or {@code table}; none: every table of the
     * publications) while streaming: each table read in key order, in chunks between watermarks, the rows reaching the
     * listener as {@link ChangeEvent.Read}s. The future completes once the snapshot starts (its tables checked), with
     * its progress; it fails with a {@link SnapshotException} for a table that does not exist, is not published or has
     * no key, or while a snapshot runs. The snapshot then runs in the background ({@link #snapshotProgress()}), and
     * resumes after a restart.
     */
    public CompletableFuture<SnapshotProgress> snapshot(List<String> tables) {
        return Snapshots.request(connection, tables);
    }

    /** {@link #snapshot(List)} of these tables. */
    public CompletableFuture<SnapshotProgress> snapshot(String... tables) {
        return snapshot(List.of(tables));
    }

    /** The running snapshot's progress, else the last one's; empty before the first. */
    public Optional<SnapshotProgress> snapshotProgress() {
        Snapshots current = snapshots;
        return current == null ? Optional.empty() : current.progress();
    }

    // ---------------------------------------------------------------- callbacks (connection's thread)

    @Override
    public void init(ReplicationConnection connection) {
        this.connection = connection;
        this.failover = new FailoverWatch(connection.config().name(), options.slot,
                options.failover && connection.config().endpoints().size() > 1);
        SnapshotSupport support = new SnapshotSupport(connection, options.publications, options.binary);
        this.snapshots = new Snapshots(support, options.snapshot, options.slot, options.temporarySlot, options.messages,
                Clock.systemUTC());
        this.setup = new ServerSetup(options, connection.config().name(), this::where, new ServerSetup.Outcome() {
            @Override
            public Action ready(Lsn slotConfirmed) {
                return startStreaming(slotConfirmed);
            }

            @Override
            public void warn(String warning) {
                failover.warn(warning);
            }

            @Override
            public Action stop(ReplicationException error) {
                return PgOutputHandler.this.stop(error);
            }

            @Override
            public Lsn delivered() {
                return positions.delivered();
            }
        }, snapshots.initial());
        this.leases = options.borrowedRows ? new RowLeases() : null;
        this.worker = new ListenerWorker(connection.config().name(), options.threadFactory, options.listener,
                options.queueCapacity, options.queueMaxBytes, options.maxAttempts, options.retryBackoff, connection::send,
                leases);
        support.attach(worker, setup);
        worker.start();
    }

    @Override
    public Action handleConnect() {
        decoder = null;
        positions.sessionEnded();
        failover.connected(connection.status().server());
        return setup.start();
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        return setup.next(outcome);
    }

    private Action startStreaming(Lsn slotConfirmed) {
        // Start after what this handler already queued, so a reconnect does not hand the listener a
        // transaction twice; the server starts from the slot's own position when that is later.
        Lsn from = positions.start(slotConfirmed);
        int protocolVersion = setup.protocolVersion();
        decoder = new PgOutputDecoder(protocolVersion, setup.types(), leases);
        if (!timerRunning) {
            timerRunning = true;
            connection.sendAfter(Signal.STATUS_TICK, setup.statusInterval());
        }
        log.info("[{}] streaming slot {} from {} (pgoutput protocol {}, publications {})", name(), options.slot, from,
                protocolVersion, options.publications);
        failover.streaming(connection, connection.status().server());
        snapshots.streaming();
        // Logical messages always: the watermarks of incremental snapshots are; the listener gets them if it asked.
        return Action.stream(ReplicationCommands.startReplication(options.slot, from, protocolVersion, options.publications,
                options.binary, true, options.streaming, options.twoPhase), options.maxMessages);
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        if (!ReplicationMessages.isXLogData(copyData)) {
            return handleKeepalive(ReplicationMessages.parse(copyData));
        }
        // The pgoutput message follows the XLogData header: decode it in place, without parsing the
        // header into objects nobody reads (this runs once per message).
        int at = copyData.position();
        int payloadBytes = copyData.remaining() - ReplicationMessages.XLOG_DATA_HEADER_LENGTH;
        ChangeEvent event;
        copyData.position(at + ReplicationMessages.XLOG_DATA_HEADER_LENGTH);
        try {
            event = decoder.decode(copyData);
        } finally {
            copyData.position(at);
        }
        return handleEvent(event, payloadBytes);
    }

    /** Ends the lifetime of the borrowed rows of an event that no listener gets. */
    private void release(ChangeEvent event) {
        if (leases != null) {
            leases.release(event);
        }
    }

    private Action handleKeepalive(ReplicationMessage message) {
        if (!(message instanceof PrimaryKeepalive keepalive)) {
            throw new IllegalStateException("Unexpected replication message " + message);
        }
        // Nothing in flight: the slot may move on to the server's position, unless the listener limits what is confirmed.
        positions.keepalive(keepalive.walEnd(), worker.pending() == 0 && options.listener.confirmLimit() == null);
        return keepalive.replyRequested() ? Action.noReply(statusUpdate()) : Action.noReply();
    }

    private Action handleEvent(ChangeEvent event, int payloadBytes) {
        if (positions.alreadyQueued(event)) {
            release(event);
            return Action.noReply();
        }
        Lsn confirmAfter = positions.queued(event);
        boolean admitted = snapshots.admits(event);
        if (admitted) {
            worker.add(event, payloadBytes, confirmAfter);
        } else {
            release(event);
        }
        // A snapshot's window reads the keys of the event's rows: before the event is handed over, while a borrowed
        // row is still valid (the listener may be done with it as soon as it has it).
        boolean chunkOffered = snapshots.afterEvent(event); // a high watermark offers its chunk's rows
        boolean full = admitted && worker.handOverIfDue();
        if (chunkOffered | full) {
            return Action.noReplyAndPause();
        }
        if (worker.hasUnflushed() && !flushScheduled) {
            // Runs after the messages of this socket read: the worker gets them as one batch.
            flushScheduled = true;
            connection.send(Signal.FLUSH_EVENTS);
        }
        return Action.noReply();
    }

    @Override
    public Action handleInfo(Object message) {
        if (message == Signal.STATUS_TICK) {
            connection.sendAfter(Signal.STATUS_TICK, setup.statusInterval());
            // Asking for a reply makes an idle server answer with a keepalive: without it a caught-up stream
            // is silent, and a half-open socket could not be told from a quiet one (status().lastMessageAt()).
            return connection.status().state() == ConnectionState.STREAMING ? Action.noReply(statusUpdate(true)) : Action.noReply();
        }
        if (message == Signal.FLUSH_EVENTS) {
            flushScheduled = false;
            worker.flush();
            return Action.noReply();
        }
        if (message == ListenerWorker.DRAINED) {
            snapshots.queueDrained();
            return connection.status().state() == ConnectionState.STREAMING ? Action.noReplyAndResume(statusUpdate())
                    : Action.noReplyAndResume();
        }
        if (message instanceof ListenerWorker.Failed listenerFailure) {
            return stopOnListenerFailure(listenerFailure);
        }
        failover.handle(message);
        return snapshots.handles(message) ? snapshots.handleInfo(message) : Action.noReply();
    }

    @Override
    public Action handleCall(Object request, Caller from) {
        return snapshots.handles(request) ? snapshots.handleCall(request, from) : Action.noReply();
    }

    private Action stopOnListenerFailure(ListenerWorker.Failed listenerFailure) {
        return stop(new ReplicationException("The ChangeListener failed " + listenerFailure.attempts()
                + " time(s) on " + listenerFailure.event() + ": " + listenerFailure.error()
                + "; stopping. Nothing after " + processedLsn() + " was confirmed, so it is delivered again on restart",
                listenerFailure.error()));
    }

    /** Disconnects for good: reconnecting would not help, so the connection closes with {@link #failure()} set. */
    private Action stop(ReplicationException error) {
        failure = error;
        stopping = true;
        log.error("[{}] {}", name(), error.getMessage(), error.getCause());
        return Action.disconnect(error); // the connection's lastError too, non-transient when it is a slot problem
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        worker.flush(); // what was decoded before the disconnect still goes to the listener
        snapshots.disconnected();
        decoder = null;
        positions.sessionEnded();
        if (stopping) {
            connection.close(); // the listener gave up, or the slot cannot be streamed: no reconnect
        }
        return Action.noReply();
    }

    @Override
    public Action handleClose() {
        if (snapshots != null) {
            snapshots.close();
        }
        if (failover != null) {
            failover.stop();
        }
        if (worker != null) {
            worker.stop(options.closeTimeout);
        }
        return connection.status().state() == ConnectionState.STREAMING ? Action.noReply(statusUpdate()) : Action.noReply();
    }

    /** The listener's close timeout, and a margin for the final status update. */
    @Override
    public Duration closeTimeout() {
        return options.closeTimeout.plus(CLOSE_MARGIN);
    }

    /**
     * Confirms what the listener processed, or the idle position when nothing is in flight; no further than the
     * listener's {@link ChangeListener#confirmLimit() limit}, and never less than before (see {@link StreamPositions}).
     */
    private byte[] statusUpdate() {
        return statusUpdate(false);
    }

    private byte[] statusUpdate(boolean replyRequested) {
        // While an incremental snapshot runs, not past its last processed watermark: a restart resumes there.
        Lsn flushed = positions.flushed(worker.processedLsn(), snapshots::confirmable, options.listener.confirmLimit());
        return ReplicationMessages.standbyStatusUpdate(flushed, flushed, flushed, replyRequested);
    }

    private String name() {
        return connection == null ? options.slot : connection.config().name();
    }

    /** The server of the current session, for messages. */
    private String where() {
        Endpoint server = connection.status().server();
        return server != null ? server.toString() : connection.config().host() + ":" + connection.config().port();
    }

    @Override
    public String toString() {
        return "PgOutputHandler[slot=" + options.slot + ", publications=" + options.publications + "]";
    }

    /** Builds a {@link PgOutputHandler}; {@code slot} and {@code publications} are required. */
    public static final class Builder implements Cloneable {
        // Each option is defined here once (its default, its check); the handler reads them from its own copy.
        final ChangeListener listener;
        String slot;
        List<String> publications = List.of();
        boolean createSlot;
        boolean temporarySlot;
        boolean failover;
        boolean createPublication;
        List<String> publicationTables = List.of();
        List<String> expectedTables = List.of();
        int protocolVersion;
        boolean binary;
        boolean messages;
        boolean streaming = true;
        boolean twoPhase;
        int queueCapacity = 10_000;
        long queueMaxBytes = 64L * 1024 * 1024;
        Duration statusInterval;
        int maxAttempts = 3;
        Duration retryBackoff = Duration.ofSeconds(1);
        Duration closeTimeout = Duration.ofSeconds(10);
        int maxMessages = Action.DEFAULT_MAX_MESSAGES;
        boolean borrowedRows;
        ThreadFactory threadFactory;
        SnapshotOptions snapshot = SnapshotOptions.defaults();

        private Builder(ChangeListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
        }

        /** The logical slot: lowercase letters, digits and underscores, at most 63. */
        public Builder slot(String slot) {
            this.slot = OptionChecks.slotName(slot);
            return this;
        }

        public Builder publications(String... publications) {
            return publications(List.of(publications));
        }

        public Builder publications(List<String> publications) {
            this.publications = OptionChecks.names(publications, "publication");
            return this;
        }

        /** Create the slot when it does not exist (default false). */
        public Builder createSlot(boolean createSlot) {
            this.createSlot = createSlot;
            return this;
        }

        /** Use a temporary slot, created on each connect and gone with the session: changes between sessions are lost. */
        public Builder temporarySlot(boolean temporarySlot) {
            this.temporarySlot = temporarySlot;
            return this;
        }

        /**
         * Make the slot a failover slot (PostgreSQL 17+, default false): created with {@code FAILOVER}, or an existing
         * one altered, so that standbys with {@code sync_replication_slots = on} keep a copy and the stream resumes on
         * a promoted standby. At every start the primary's {@code synchronized_standby_slots} is checked, and what
         * would lose changes in a failover is logged as a warning ({@link PgOutputHandler#failoverWarnings()}).
         * Refused on PostgreSQL 14 to 16.
         */
        public Builder failover(boolean failover) {
            this.failover = failover;
            return this;
        }

        /** Create missing publications (default false), for {@link #publicationTables} or all tables. */
        public Builder createPublication(boolean createPublication) {
            this.createPublication = createPublication;
            return this;
        }

        /** Tables of a created publication ({@code schema.table} or {@code table}); empty means all tables. */
        public Builder publicationTables(List<String> tables) {
            this.publicationTables = OptionChecks.names(tables, "publication table");
            return this;
        }

        /**
         * Tables the listener expects changes of ({@code schema.table} or {@code table} in any schema); none by default.
         * At each connect, one that no publication publishes (or that does not exist) is logged as a warning: the server
         * sends nothing of it, and nothing else would say so.
         */
        public Builder expectedTables(List<String> tables) {
            this.expectedTables = OptionChecks.names(tables, "expected table");
            return this;
        }

        /** Highest pgoutput protocol version to ask for (1 to 4); by default the highest the server has. */
        public Builder protocolVersion(int protocolVersion) {
            this.protocolVersion = OptionChecks.protocolVersion(protocolVersion);
            return this;
        }

        /** Values in binary rather than text (decoded to the same Java values). */
        public Builder binary(boolean binary) {
            this.binary = binary;
            return this;
        }

        /** Deliver {@code pg_logical_emit_message} messages. */
        public Builder messages(boolean messages) {
            this.messages = messages;
            return this;
        }

        /** Stream large in-progress transactions (protocol 2+) instead of the server spilling them (default true). */
        public Builder streaming(boolean streaming) {
            this.streaming = streaming;
            return this;
        }

        /** Decode prepared transactions at PREPARE (PostgreSQL 15+; the slot must be created with it). */
        public Builder twoPhase(boolean twoPhase) {
            this.twoPhase = twoPhase;
            return this;
        }

        /** Queue bounds: the connection pauses when either is reached (defaults 10 000 events, 64 MiB). */
        public Builder queueCapacity(int events, long bytes) {
            OptionChecks.queueCapacity(events, bytes);
            this.queueCapacity = events;
            this.queueMaxBytes = bytes;
            return this;
        }

        /** How often to send status updates; by default min(wal_sender_timeout / 3, 10 s). */
        public Builder statusInterval(Duration statusInterval) {
            this.statusInterval = OptionChecks.positive(statusInterval, "statusInterval");
            return this;
        }

        /**
         * Listener failures: try each event up to {@code maxAttempts} times, waiting {@code backoff}, doubling; then
         * stop the connection (default 3 attempts, 1 s).
         */
        public Builder retry(int maxAttempts, Duration backoff) {
            OptionChecks.retry(maxAttempts, backoff);
            this.maxAttempts = maxAttempts;
            this.retryBackoff = backoff;
            return this;
        }

        /**
         * How long close waits for the listener to finish the event in hand and the queued rest of its transaction,
         * which is then confirmed (default 10 s); after it, the listener is interrupted.
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
            return this;
        }

        /**
         * Messages read from the stream per turn before timers and calls get theirs ({@link Action#stream(String, int)};
         * default {@value Action#DEFAULT_MAX_MESSAGES}).
         */
        public Builder maxMessages(int maxMessages) {
            this.maxMessages = OptionChecks.atLeastOne(maxMessages, "maxMessages");
            return this;
        }

        /**
         * Borrowed rows (default false): the tuples of Insert, Update and Delete rows are copied into buffers the handler
         * reuses, instead of an array of their own per row, for a listener that reads each row during its call and
         * keeps nothing of it but values it read or {@link Row#copy() copies}: about half of what a change allocates
         * goes. A {@link Row} is then valid only during the {@link ChangeListener#onChange} call that received it (until
         * it returned for the last time, if retried); afterwards every getter throws an {@link IllegalStateException}
         * saying so, never another tuple's value. Take {@link Row#copy()} inside the call to keep a row.
         *
         * <p>Leave it off for a listener that keeps events or rows past its call (to batch them, to hand them to
         * another thread). The handler keeps at most 4,096 buffers of at most 2 KiB each between calls.
         */
        public Builder borrowedRows(boolean borrowedRows) {
            this.borrowedRows = borrowedRows;
            return this;
        }

        /**
         * Where the listener's thread comes from, e.g. one that makes virtual threads; the handler names the thread
         * {@code pgrepl-<connection name>-listener}. By default a platform thread.
         */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** Snapshots: the initial one, and how incremental ones read (default: no initial snapshot). */
        public Builder snapshot(SnapshotOptions snapshot) {
            this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
            return this;
        }

        public PgOutputHandler build() {
            OptionChecks.complete(this);
            try {
                return new PgOutputHandler((Builder) clone()); // the options as of now: later changes to this builder do not count
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
