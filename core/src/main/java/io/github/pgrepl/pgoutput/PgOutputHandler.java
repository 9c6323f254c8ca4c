package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Action;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.PrimaryKeepalive;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.ReplicationMessage;
import io.github.pgrepl.ReplicationMessages;
import io.github.pgrepl.pgoutput.internal.TypeResolver;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

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
 * <pre>{@code
 * PgOutputHandler handler = PgOutputHandler.builder(event -> System.out.println(event))
 *         .slot("orders_slot").publications("orders_pub").createSlot(true).build();
 * ReplicationConnection connection = ReplicationConnection.start(config, handler);
 * }</pre>
 */
public final class PgOutputHandler implements ReplicationHandler {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Duration MAX_STATUS_INTERVAL = Duration.ofSeconds(10);
    /** 'w', WAL start, WAL end, server clock: what precedes the plugin's message in a CopyData. */
    private static final int XLOG_DATA_HEADER = 25;

    private static final Object STATUS_TICK = new Object() {
        @Override
        public String toString() {
            return "pgoutput status tick";
        }
    };
    private static final Object FLUSH_EVENTS = new Object() {
        @Override
        public String toString() {
            return "pgoutput flush events";
        }
    };
    private static final Object QUEUE_DRAINED = new Object() {
        @Override
        public String toString() {
            return "pgoutput queue drained";
        }
    };

    private record ListenerFailure(ChangeEvent event, Exception error, int attempts) {
    }

    private enum Step { SERVER, TYPES, PUBLICATIONS, CREATE_PUBLICATION, SLOT, CREATE_SLOT, STREAMING }

    private final ChangeListener listener;
    private final String slot;
    private final List<String> publications;
    private final boolean createSlot;
    private final boolean temporarySlot;
    private final boolean createPublication;
    private final List<String> publicationTables;
    private final int maxProtocolVersion;
    private final boolean binary;
    private final boolean messages;
    private final boolean streaming;
    private final boolean twoPhase;
    private final int queueCapacity;
    private final long queueMaxBytes;
    private final Duration configuredStatusInterval;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final Duration closeTimeout;
    private final int maxMessages;

    // Confined to the connection's thread.
    private ReplicationConnection connection;
    private ListenerWorker worker;
    private PgOutputDecoder decoder;
    /** Domains and enums, read at each connect: their values arrive in their base type's format. */
    private TypeResolver types = TypeResolver.BUILT_IN;
    private Step step;
    private int serverVersionNum;
    private int protocolVersion;
    private final Deque<String> publicationsToCreate = new ArrayDeque<>();
    private Lsn enqueuedCommitEnd = Lsn.ZERO;
    private Lsn idleConfirmed = Lsn.ZERO;
    /** The flush position of the last status update: never sent lower again. */
    private Lsn lastFlushed = Lsn.ZERO;
    private boolean inTransaction;
    private boolean skippingTransaction;
    private boolean timerRunning;
    private boolean flushScheduled;
    private boolean stopping;

    private volatile Duration walSenderTimeout;
    private volatile Duration statusInterval;
    private volatile Throwable failure;

    private PgOutputHandler(Builder b) {
        this.listener = b.listener;
        this.slot = b.slot;
        this.publications = List.copyOf(b.publications);
        this.createSlot = b.createSlot || b.temporarySlot;
        this.temporarySlot = b.temporarySlot;
        this.createPublication = b.createPublication;
        this.publicationTables = List.copyOf(b.publicationTables);
        this.maxProtocolVersion = b.protocolVersion;
        this.binary = b.binary;
        this.messages = b.messages;
        this.streaming = b.streaming;
        this.twoPhase = b.twoPhase;
        this.queueCapacity = b.queueCapacity;
        this.queueMaxBytes = b.queueMaxBytes;
        this.configuredStatusInterval = b.statusInterval;
        this.maxAttempts = b.maxAttempts;
        this.retryBackoff = b.retryBackoff;
        this.closeTimeout = b.closeTimeout;
        this.maxMessages = b.maxMessages;
    }

    public static Builder builder(ChangeListener listener) {
        return new Builder(listener);
    }

    // ---------------------------------------------------------------- observability (any thread)

    public String slot() {
        return slot;
    }

    public List<String> publications() {
        return publications;
    }

    /** Events waiting for the listener. */
    public int queuedEvents() {
        return worker == null ? 0 : worker.queuedEvents();
    }

    /** Bytes of the events waiting for the listener (their pgoutput size). */
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
        return walSenderTimeout;
    }

    /** How often status updates go out, once connected. */
    public Duration statusInterval() {
        return statusInterval;
    }

    /** Why the handler stopped the connection (a listener that kept failing), or {@code null}. */
    public Throwable failure() {
        return failure;
    }

    // ---------------------------------------------------------------- callbacks (connection's thread)

    @Override
    public void init(ReplicationConnection connection) {
        this.connection = connection;
        this.worker = new ListenerWorker(connection.config().name(), listener, queueCapacity, queueMaxBytes, maxAttempts,
                retryBackoff, new ListenerWorker.Signals() {
                    @Override
                    public void resumeWanted() {
                        connection.send(QUEUE_DRAINED);
                    }

                    @Override
                    public void listenerFailed(ChangeEvent event, Exception error, int attempts) {
                        connection.send(new ListenerFailure(event, error, attempts));
                    }
                });
        worker.start();
    }

    @Override
    public Action handleConnect() {
        decoder = null;
        inTransaction = false;
        skippingTransaction = false;
        step = Step.SERVER;
        return Action.query(ReplicationCommands.SERVER_CHECK);
    }

    @Override
    public Action handleResult(QueryOutcome outcome) {
        if (outcome instanceof QueryOutcome.Failure failed) {
            return fail("setting up replication failed at " + step + ": " + failed.error().getMessage());
        }
        QueryResult result = ((QueryOutcome.Success) outcome).result();
        return switch (step) {
            case SERVER -> checkServer(result);
            case TYPES -> {
                types = TypeResolver.fromCatalog(result.rows());
                step = Step.PUBLICATIONS;
                yield Action.query(ReplicationCommands.findPublications(publications));
            }
            case PUBLICATIONS -> checkPublications(result);
            case CREATE_PUBLICATION -> nextPublicationOrSlot();
            case SLOT -> checkSlot(result);
            case CREATE_SLOT -> startStreaming(Lsn.ZERO);
            case STREAMING -> Action.noReply();
        };
    }

    private Action checkServer(QueryResult result) {
        if (result.rows().isEmpty()) {
            return fail("cannot read the current role from pg_roles");
        }
        List<String> row = result.rows().get(0);
        String walLevel = row.get(0);
        serverVersionNum = Integer.parseInt(row.get(1));
        long timeoutMillis = Long.parseLong(row.get(2));
        boolean replication = "t".equals(row.get(3)) || "t".equals(row.get(4));
        if (!"logical".equals(walLevel)) {
            return fail("wal_level is '" + walLevel + "' but must be 'logical': set wal_level = logical in postgresql.conf"
                    + " and restart the server");
        }
        if (serverVersionNum < 140000) {
            return fail("PostgreSQL " + serverVersionNum / 10000 + " is not supported: pgrepl needs PostgreSQL 14 or later");
        }
        if (!replication) {
            return fail("role \"" + row.get(5) + "\" may not replicate: grant it with ALTER ROLE " + row.get(5) + " REPLICATION");
        }
        if (twoPhase && serverVersionNum < 150000) {
            return fail("two-phase decoding needs PostgreSQL 15 or later; turn twoPhase off");
        }
        walSenderTimeout = Duration.ofMillis(timeoutMillis);
        statusInterval = configuredStatusInterval != null ? configuredStatusInterval : defaultStatusInterval(timeoutMillis);
        int serverMax = serverVersionNum >= 160000 ? 4 : serverVersionNum >= 150000 ? 3 : 2;
        protocolVersion = maxProtocolVersion == 0 ? serverMax : Math.min(maxProtocolVersion, serverMax);
        step = Step.TYPES;
        return Action.query(TypeResolver.CATALOG_QUERY);
    }

    private static Duration defaultStatusInterval(long walSenderTimeoutMillis) {
        if (walSenderTimeoutMillis <= 0) {
            return MAX_STATUS_INTERVAL;
        }
        Duration third = Duration.ofMillis(Math.max(walSenderTimeoutMillis / 3, 100));
        return third.compareTo(MAX_STATUS_INTERVAL) < 0 ? third : MAX_STATUS_INTERVAL;
    }

    private Action checkPublications(QueryResult result) {
        Set<String> found = new HashSet<>();
        result.rows().forEach(row -> found.add(row.get(0)));
        List<String> missing = new ArrayList<>();
        for (String publication : publications) {
            if (!found.contains(publication)) {
                missing.add(publication);
            }
        }
        if (missing.isEmpty()) {
            return findSlot();
        }
        if (!createPublication) {
            return fail("publication \"" + missing.get(0) + "\" does not exist: create it (CREATE PUBLICATION "
                    + missing.get(0) + " FOR TABLE ...) or let pgrepl create it (createPublication)");
        }
        publicationsToCreate.clear();
        publicationsToCreate.addAll(missing);
        return nextPublicationOrSlot();
    }

    private Action nextPublicationOrSlot() {
        String next = publicationsToCreate.poll();
        if (next == null) {
            return findSlot();
        }
        log.info("[{}] creating publication {} for {}", name(), next, publicationTables.isEmpty() ? "all tables" : publicationTables);
        step = Step.CREATE_PUBLICATION;
        return Action.query(ReplicationCommands.createPublication(next, publicationTables));
    }

    private Action findSlot() {
        step = Step.SLOT;
        return Action.query(ReplicationCommands.findSlot(slot));
    }

    private Action checkSlot(QueryResult result) {
        if (result.rows().isEmpty()) {
            if (!createSlot) {
                return fail("replication slot \"" + slot + "\" does not exist: create it (SELECT"
                        + " pg_create_logical_replication_slot('" + slot + "', 'pgoutput')) or let pgrepl create it (createSlot)");
            }
            log.info("[{}] creating {}replication slot {}", name(), temporarySlot ? "temporary " : "", slot);
            step = Step.CREATE_SLOT;
            return Action.query(ReplicationCommands.createSlot(slot, temporarySlot, twoPhase, serverVersionNum));
        }
        List<String> row = result.rows().get(0);
        if (!"pgoutput".equals(row.get(0))) {
            return fail("replication slot \"" + slot + "\" uses the output plugin " + row.get(0)
                    + ", not pgoutput: drop it or choose another slot name");
        }
        if (row.get(1) != null) {
            // PostgreSQL's slot ownership decides who streams: wait, and take over when it is free.
            return Action.standby("replication slot \"" + slot + "\" is active for PID " + row.get(1)
                    + ": another consumer is streaming it");
        }
        Lsn confirmed = row.get(2) == null ? Lsn.ZERO : Lsn.parse(row.get(2));
        return startStreaming(confirmed);
    }

    private Action startStreaming(Lsn slotConfirmed) {
        // Start after what this handler already queued, so a reconnect does not hand the listener a
        // transaction twice; the server starts from the slot's own position when that is later.
        Lsn from = Lsn.max(slotConfirmed, enqueuedCommitEnd);
        decoder = new PgOutputDecoder(protocolVersion, types);
        step = Step.STREAMING;
        if (!timerRunning) {
            timerRunning = true;
            connection.sendAfter(STATUS_TICK, statusInterval);
        }
        log.info("[{}] streaming slot {} from {} (pgoutput protocol {}, publications {})", name(), slot, from, protocolVersion,
                publications);
        return Action.stream(ReplicationCommands.startReplication(slot, from, protocolVersion, publications, binary, messages,
                streaming, twoPhase), maxMessages);
    }

    private Action fail(String problem) {
        ReplicationException error = new ReplicationException(problem);
        log.error("[{}] {}", name(), problem);
        return Action.disconnect(error.getMessage());
    }

    @Override
    public Action handleData(ByteBuffer copyData) {
        int at = copyData.position();
        if (copyData.remaining() < XLOG_DATA_HEADER || copyData.get(at) != 'w') {
            return handleKeepalive(ReplicationMessages.parse(copyData));
        }
        // The pgoutput message follows the XLogData header: decode it in place, without parsing the
        // header into objects nobody reads (this runs once per message).
        int payloadBytes = copyData.remaining() - XLOG_DATA_HEADER;
        ChangeEvent event;
        copyData.position(at + XLOG_DATA_HEADER);
        try {
            event = decoder.decode(copyData);
        } finally {
            copyData.position(at);
        }
        return handleEvent(event, payloadBytes);
    }

    private Action handleKeepalive(ReplicationMessage message) {
        if (!(message instanceof PrimaryKeepalive keepalive)) {
            throw new IllegalStateException("Unexpected replication message " + message);
        }
        if (!inTransaction && worker.pending() == 0 && listener.confirmLimit() == null
                && keepalive.walEnd().isAfter(idleConfirmed)) {
            idleConfirmed = keepalive.walEnd(); // nothing in flight: the slot may move on to here
        }
        return keepalive.replyRequested() ? Action.noReply(statusUpdate()) : Action.noReply();
    }

    private Action handleEvent(ChangeEvent event, int payloadBytes) {
        Lsn confirmAfter = null;
        if (event instanceof ChangeEvent.Begin begin) {
            skippingTransaction = begin.finalLsn().isBefore(enqueuedCommitEnd);
            inTransaction = true;
        } else if (event instanceof ChangeEvent.Commit commit) {
            inTransaction = false;
            if (skippingTransaction) {
                skippingTransaction = false;
                return Action.noReply();
            }
            enqueuedCommitEnd = commit.endLsn();
            confirmAfter = commit.endLsn();
        } else {
            confirmAfter = positionToConfirm(event);
        }
        if (skippingTransaction) {
            return Action.noReply();
        }
        if (worker.offer(event, payloadBytes, confirmAfter)) {
            return Action.noReplyAndPause();
        }
        if (worker.hasUnflushed() && !flushScheduled) {
            // Runs after the messages of this socket read: the worker gets them as one batch.
            flushScheduled = true;
            connection.send(FLUSH_EVENTS);
        }
        return Action.noReply();
    }

    /** The end of a streamed or two-phase transaction's last message, else {@code null}. */
    private static Lsn positionToConfirm(ChangeEvent event) {
        if (event instanceof ChangeEvent.StreamCommit commit) {
            return commit.endLsn();
        } else if (event instanceof ChangeEvent.Prepare prepare) {
            return prepare.endLsn();
        } else if (event instanceof ChangeEvent.StreamPrepare prepare) {
            return prepare.endLsn();
        } else if (event instanceof ChangeEvent.CommitPrepared commit) {
            return commit.endLsn();
        } else if (event instanceof ChangeEvent.RollbackPrepared rollback) {
            return rollback.rollbackEndLsn();
        }
        return null;
    }

    @Override
    public Action handleInfo(Object message) {
        if (message == STATUS_TICK) {
            connection.sendAfter(STATUS_TICK, statusInterval);
            // Asking for a reply makes an idle server answer with a keepalive: without it a caught-up stream
            // is silent, and a half-open socket could not be told from a quiet one (status().lastMessageAt()).
            return connection.status().state() == ConnectionState.STREAMING ? Action.noReply(statusUpdate(true)) : Action.noReply();
        }
        if (message == FLUSH_EVENTS) {
            flushScheduled = false;
            worker.flush();
            return Action.noReply();
        }
        if (message == QUEUE_DRAINED) {
            return Action.noReplyAndResume(statusUpdate());
        }
        if (message instanceof ListenerFailure listenerFailure) {
            return stopOnListenerFailure(listenerFailure);
        }
        return Action.noReply();
    }

    private Action stopOnListenerFailure(ListenerFailure listenerFailure) {
        ReplicationException error = new ReplicationException("The ChangeListener failed " + listenerFailure.attempts()
                + " time(s) on " + listenerFailure.event() + ": " + listenerFailure.error()
                + "; stopping. Nothing after " + processedLsn() + " was confirmed, so it is delivered again on restart",
                listenerFailure.error());
        failure = error;
        stopping = true;
        log.error("[{}] {}", name(), error.getMessage(), listenerFailure.error());
        return Action.disconnect(error.getMessage());
    }

    @Override
    public Action handleDisconnect(Throwable reason) {
        worker.flush(); // what was decoded before the disconnect still goes to the listener
        decoder = null;
        inTransaction = false;
        skippingTransaction = false;
        if (stopping) {
            connection.close(); // the listener gave up: no reconnect
        }
        return Action.noReply();
    }

    @Override
    public Action handleClose() {
        if (worker != null) {
            worker.stop(closeTimeout);
        }
        return connection.status().state() == ConnectionState.STREAMING ? Action.noReply(statusUpdate()) : Action.noReply();
    }

    /**
     * Confirms what the listener processed, or the idle position when nothing is in flight; no further than the
     * listener's {@link ChangeListener#confirmLimit() limit}, and never less than before (what was safe stays safe).
     */
    private byte[] statusUpdate() {
        return statusUpdate(false);
    }

    private byte[] statusUpdate(boolean replyRequested) {
        Lsn flushed = Lsn.max(worker.processedLsn(), idleConfirmed);
        Lsn limit = listener.confirmLimit();
        if (limit != null && limit.isBefore(flushed)) {
            flushed = limit;
        }
        flushed = Lsn.max(flushed, lastFlushed);
        lastFlushed = flushed;
        return ReplicationMessages.standbyStatusUpdate(flushed, flushed, flushed, replyRequested);
    }

    private String name() {
        return connection == null ? slot : connection.config().name();
    }

    @Override
    public String toString() {
        return "PgOutputHandler[slot=" + slot + ", publications=" + publications + "]";
    }

    /** Builds a {@link PgOutputHandler}; {@code slot} and {@code publications} are required. */
    public static final class Builder {
        private final ChangeListener listener;
        private String slot;
        private List<String> publications = List.of();
        private boolean createSlot;
        private boolean temporarySlot;
        private boolean createPublication;
        private List<String> publicationTables = List.of();
        private int protocolVersion;
        private boolean binary;
        private boolean messages;
        private boolean streaming = true;
        private boolean twoPhase;
        private int queueCapacity = 10_000;
        private long queueMaxBytes = 64L * 1024 * 1024;
        private Duration statusInterval;
        private int maxAttempts = 3;
        private Duration retryBackoff = Duration.ofSeconds(1);
        private Duration closeTimeout = Duration.ofSeconds(10);
        private int maxMessages = Action.DEFAULT_MAX_MESSAGES;

        private Builder(ChangeListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
        }

        /** The logical slot: lowercase letters, digits and underscores, at most 63. */
        public Builder slot(String slot) {
            if (slot == null || !SLOT_NAME.matcher(slot).matches()) {
                throw new IllegalArgumentException("Invalid replication slot name '" + slot
                        + "': use 1 to 63 lowercase letters, digits and underscores, e.g. orders_slot");
            }
            this.slot = slot;
            return this;
        }

        public Builder publications(String... publications) {
            return publications(List.of(publications));
        }

        public Builder publications(List<String> publications) {
            for (String publication : publications) {
                if (publication == null || publication.isBlank()) {
                    throw new IllegalArgumentException("A publication name must not be empty");
                }
            }
            this.publications = List.copyOf(publications);
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

        /** Create missing publications (default false), for {@link #publicationTables} or all tables. */
        public Builder createPublication(boolean createPublication) {
            this.createPublication = createPublication;
            return this;
        }

        /** Tables of a created publication ({@code schema.table} or {@code table}); empty means all tables. */
        public Builder publicationTables(List<String> tables) {
            for (String table : tables) {
                if (table == null || table.isBlank()) {
                    throw new IllegalArgumentException("A publication table name must not be empty");
                }
            }
            this.publicationTables = List.copyOf(tables);
            return this;
        }

        /** Highest pgoutput protocol version to ask for (1 to 4); by default the highest the server has. */
        public Builder protocolVersion(int protocolVersion) {
            if (protocolVersion < PgOutputDecoder.MIN_PROTOCOL_VERSION || protocolVersion > PgOutputDecoder.MAX_PROTOCOL_VERSION) {
                throw new IllegalArgumentException("pgoutput protocol version must be 1 to 4, was " + protocolVersion);
            }
            this.protocolVersion = protocolVersion;
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
            if (events < 2 || bytes < 1024) {
                throw new IllegalArgumentException("queue capacity must be at least 2 events and 1024 bytes");
            }
            this.queueCapacity = events;
            this.queueMaxBytes = bytes;
            return this;
        }

        /** How often to send status updates; by default min(wal_sender_timeout / 3, 10 s). */
        public Builder statusInterval(Duration statusInterval) {
            if (statusInterval == null || statusInterval.isNegative() || statusInterval.isZero()) {
                throw new IllegalArgumentException("statusInterval must be positive, was " + statusInterval);
            }
            this.statusInterval = statusInterval;
            return this;
        }

        /**
         * Listener failures: try each event up to {@code maxAttempts} times, waiting {@code backoff}, doubling; then
         * stop the connection (default 3 attempts, 1 s).
         */
        public Builder retry(int maxAttempts, Duration backoff) {
            if (maxAttempts < 1 || backoff == null || backoff.isNegative()) {
                throw new IllegalArgumentException("retry needs at least 1 attempt and a non-negative backoff");
            }
            this.maxAttempts = maxAttempts;
            this.retryBackoff = backoff;
            return this;
        }

        /** How long close waits for the listener to finish the event in hand (default 10 s). */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
            return this;
        }

        /**
         * Messages read from the stream per turn before timers and calls get theirs ({@link Action#stream(String, int)};
         * default {@value Action#DEFAULT_MAX_MESSAGES}).
         */
        public Builder maxMessages(int maxMessages) {
            if (maxMessages < 1) {
                throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
            }
            this.maxMessages = maxMessages;
            return this;
        }

        public PgOutputHandler build() {
            if (slot == null) {
                throw new IllegalArgumentException("slot is required");
            }
            if (publications.isEmpty()) {
                throw new IllegalArgumentException("at least one publication is required");
            }
            return new PgOutputHandler(this);
        }
    }
}
