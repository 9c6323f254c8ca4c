package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Action;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.pgoutput.internal.TypeResolver;
import io.github.pgrepl.pgoutput.internal.snapshot.InitialSnapshot;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link PgOutputHandler} does on each connect before it streams, one query at a time: checks the server
 * (wal_level, version, the role's REPLICATION, two-phase and failover support, whether it is a standby) and reads its
 * {@code wal_sender_timeout}; checks that the cluster and timeline still hold what this run received (after a
 * failover); reads the domains and enums of the database (their values arrive in their base type's format); finds the
 * publications and creates the missing ones when asked; finds the slot and creates it, makes it a failover slot, or
 * finds it unusable (invalidated, gone); for a failover slot checks the primary's failover settings. Each step answers
 * the last query's outcome with the next {@link Action}; the last starts the stream, or stands by while another
 * consumer streams the slot. A failed START_REPLICATION is still answered here. A slot it creates with an initial
 * snapshot is the {@link InitialSnapshot}'s to create: the stream starts once it is read. Confined to the connection's
 * thread, but for the values read through the accessors.
 */
final class ServerSetup {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);
    private static final Duration MAX_STATUS_INTERVAL = Duration.ofSeconds(10);

    /** Where the setup ends; each returns the connection's next action. */
    interface Outcome {
        /** Stream the slot from {@code slotConfirmed} or later; the server was checked, see the accessors. */
        Action ready(Lsn slotConfirmed);

        /** What the server's settings leave open in a failover: logged once per server, kept for health. */
        void warn(String warning);

        /** A problem reconnecting will not solve: stop the connection. */
        Action stop(ReplicationException error);

        /**
         * How far this run received the stream: the end of the last transaction handed to the listener, or a later
         * idle position confirmed.
         */
        Lsn delivered();
    }

    private enum Step {
        SERVER, IDENTIFY, HISTORY, TYPES, PUBLICATIONS, CREATE_PUBLICATION, IDENTITIES, EXPECTED_TABLES, SLOT, CREATE_SLOT, INITIAL_SNAPSHOT, ALTER_SLOT,
        FAILOVER_CHECK, STREAMING
    }

    private final PgOutputHandler.Builder options;
    private final String name;
    private final Supplier<String> where;
    private final Outcome outcome;
    private final InitialSnapshot initialSnapshot;

    private Step step;
    private int serverVersionNum;
    private boolean inRecovery;
    private int protocolVersion;
    /**
     * Domains and enums, read at each connect: their values arrive in their base type's format. Snapshot sessions read
     * rows with them on their own threads.
     */
    private volatile TypeResolver types = TypeResolver.BUILT_IN;
    private final Deque<String> publicationsToCreate = new ArrayDeque<>();
    private volatile List<String> tableWarnings = List.of();
    /** The published tables without a replica identity, of the current connect. */
    private List<String> identityWarnings = List.of();
    /** The slot was found or created in this run: its disappearance is then a loss, not a first start. */
    private boolean slotKnown;
    private Lsn slotConfirmed = Lsn.ZERO;
    /** The cluster and timeline of the current session (IDENTIFY_SYSTEM). */
    private String systemId;
    private int timeline;
    /** The cluster and timeline this run last streamed from; null and 0 before the first stream. */
    private String streamedSystemId;
    private int streamedTimeline;

    private volatile Duration walSenderTimeout;
    private volatile Duration statusInterval;

    /**
     * @param name the connection's name, for logs
     * @param where the server of the current session, for messages
     * @param initialSnapshot creates a missing slot when an initial snapshot is wanted
     */
    ServerSetup(PgOutputHandler.Builder options, String name, Supplier<String> where, Outcome outcome,
                InitialSnapshot initialSnapshot) {
        this.options = options;
        this.name = name;
        this.where = where;
        this.outcome = outcome;
        this.initialSnapshot = initialSnapshot;
    }

    /** The first query of a new session. */
    Action start() {
        step = Step.SERVER;
        return Action.query(ReplicationCommands.SERVER_CHECK);
    }

    /** The next action, given the outcome of the last query (or of the stream, once started). */
    Action next(QueryOutcome result) {
        if (step == Step.INITIAL_SNAPSHOT) {
            return initialSnapshot.onResult(result); // its own failures too: some mean standing by
        }
        if (result instanceof QueryOutcome.Failure failed) {
            return failed(failed.error());
        }
        QueryResult rows = ((QueryOutcome.Success) result).result();
        return switch (step) {
            case SERVER -> checkServer(rows);
            case IDENTIFY -> checkTimeline(rows);
            case HISTORY -> checkHistory(rows);
            case TYPES -> {
                types = TypeResolver.fromCatalog(rows.rows());
                step = Step.PUBLICATIONS;
                yield Action.query(ReplicationCommands.findPublications(options.publications));
            }
            case PUBLICATIONS -> checkPublications(rows);
            case CREATE_PUBLICATION -> nextPublicationOrSlot();
            case IDENTITIES -> warnWithoutIdentity(rows);
            case EXPECTED_TABLES -> warnUnpublished(rows);
            case SLOT -> checkSlot(rows);
            case CREATE_SLOT -> slotReady();
            case ALTER_SLOT -> slotReady();
            case FAILOVER_CHECK -> checkFailoverSettings(rows);
            case INITIAL_SNAPSHOT, STREAMING -> Action.noReply();
        };
    }

    /** The server's {@code wal_sender_timeout} as of the last check; {@code null} before, {@link Duration#ZERO} when off. */
    Duration walSenderTimeout() {
        return walSenderTimeout;
    }

    /** How often status updates go out, once the server was checked. */
    Duration statusInterval() {
        return statusInterval;
    }

    /** The pgoutput protocol version to stream with: the highest both the server and the options allow. */
    int protocolVersion() {
        return protocolVersion;
    }

    /** {@code server_version_num}, once checked. */
    int serverVersionNum() {
        return serverVersionNum;
    }

    /**
     * As of the last connect, with the fix: published tables without a replica identity (the server refuses their
     * UPDATEs and DELETEs), and tables the listener expects that no publication publishes.
     */
    List<String> tableWarnings() {
        return tableWarnings;
    }

    /** The server's domains and enums, as of the last check. */
    TypeResolver types() {
        return types;
    }

    private Action checkServer(QueryResult result) {
        if (result.rows().isEmpty()) {
            return retry("cannot read the current role from pg_roles");
        }
        List<String> row = result.rows().get(0);
        String walLevel = row.get(0);
        serverVersionNum = Integer.parseInt(row.get(1));
        long timeoutMillis = Long.parseLong(row.get(2));
        boolean replication = "t".equals(row.get(3)) || "t".equals(row.get(4));
        inRecovery = "t".equals(row.get(6));
        if (!"logical".equals(walLevel)) {
            return fail("wal_level is '" + walLevel + "' but must be 'logical': set wal_level = logical in"
                    + " postgresql.conf and restart the server");
        }
        if (serverVersionNum < 140000) {
            return fail("PostgreSQL " + serverVersionNum / 10000 + " is not supported: pgrepl needs PostgreSQL 14 or later");
        }
        if (!replication) {
            return fail("role \"" + row.get(5) + "\" may not replicate: grant it with ALTER ROLE " + row.get(5)
                    + " REPLICATION");
        }
        if (options.twoPhase && serverVersionNum < 150000) {
            return fail("two-phase decoding needs PostgreSQL 15 or later; turn twoPhase off");
        }
        if (options.failover && serverVersionNum < FailoverSlots.SINCE_VERSION_NUM) {
            return outcome.stop(new ReplicationSlotException(options.slot,
                    FailoverSlots.unsupported(options.slot, where.get(), serverVersionNum)));
        }
        walSenderTimeout = Duration.ofMillis(timeoutMillis);
        statusInterval = options.statusInterval != null ? options.statusInterval : defaultStatusInterval(timeoutMillis);
        int serverMax = serverVersionNum >= 160000 ? 4 : serverVersionNum >= 150000 ? 3 : 2;
        protocolVersion = options.protocolVersion == 0 ? serverMax : Math.min(options.protocolVersion, serverMax);
        step = Step.IDENTIFY;
        return Action.query(ReplicationCommands.IDENTIFY_SYSTEM);
    }

    /**
     * After a failover the new primary runs on a new timeline. What this run received must be part of its history,
     * else it had transactions the new primary never got (lost with the old primary), and resuming after them would
     * skip the new primary's own transactions at the same positions.
     */
    private Action checkTimeline(QueryResult result) {
        List<String> row = result.rows().get(0);
        systemId = row.get(0);
        timeline = Integer.parseInt(row.get(1));
        if (streamedSystemId != null && !streamedSystemId.equals(systemId)) {
            return outcome.stop(new ReplicationSlotException(options.slot, FailoverSlots.otherCluster(where.get(),
                    systemId, streamedSystemId)));
        }
        if (streamedTimeline != 0 && timeline != streamedTimeline && !outcome.delivered().isZero()) {
            step = Step.HISTORY;
            return Action.query(ReplicationCommands.timelineHistory(timeline));
        }
        return readTypes();
    }

    private Action checkHistory(QueryResult result) {
        Lsn switchpoint = FailoverSlots.switchpoint(result.rows().get(0).get(1), streamedTimeline);
        Lsn delivered = outcome.delivered();
        if (switchpoint == null || delivered.isAfter(switchpoint)) {
            return outcome.stop(new ReplicationSlotException(options.slot, FailoverSlots.diverged(where.get(),
                    streamedTimeline, timeline, switchpoint, delivered)));
        }
        log.info("[{}] {} runs timeline {}, which left timeline {} at {}, after everything received ({}): resuming",
                name, where.get(), timeline, streamedTimeline, switchpoint, delivered);
        return readTypes();
    }

    private Action readTypes() {
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
        for (String publication : options.publications) {
            if (!found.contains(publication)) {
                missing.add(publication);
            }
        }
        if (missing.isEmpty()) {
            return checkIdentities();
        }
        if (!options.createPublication) {
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
            return checkIdentities();
        }
        List<String> tables = options.publicationTables;
        log.info("[{}] creating publication {} for {}", name, next, tables.isEmpty() ? "all tables" : tables);
        step = Step.CREATE_PUBLICATION;
        return Action.query(ReplicationCommands.createPublication(next, tables));
    }

    /**
     * Published tables without a replica identity: the server refuses every UPDATE and DELETE of them (the
     * application's own writes fail) as long as a publication publishes those. Pointed out, not refused: the
     * publication is the user's, and an application that only inserts is fine.
     */
    private Action checkIdentities() {
        step = Step.IDENTITIES;
        return Action.query(ReplicationCommands.tablesWithoutIdentity(options.publications));
    }

    private Action warnWithoutIdentity(QueryResult result) {
        List<String> warnings = new ArrayList<>();
        for (List<String> row : result.rows()) {
            String table = row.get(0);
            warnings.add("table " + table + " has " + ("n".equals(row.get(1)) ? "REPLICA IDENTITY NOTHING"
                    : "no primary key (REPLICA IDENTITY DEFAULT)") + ", and publication " + row.get(2) + " publishes its"
                    + " UPDATEs and DELETEs: the server refuses every UPDATE and DELETE of it (\"cannot update table ... because"
                    + " it does not have a replica identity and publishes updates\"). Add a primary key, or ALTER TABLE " + table
                    + " REPLICA IDENTITY FULL");
        }
        identityWarnings = List.copyOf(warnings);
        return checkExpectedTables();
    }

    /** Which of the tables the listener expects no publication publishes: the server would send nothing of them. */
    private Action checkExpectedTables() {
        if (options.expectedTables.isEmpty()) {
            return warned(List.of());
        }
        step = Step.EXPECTED_TABLES;
        return Action.query(ReplicationCommands.unpublishedTables(options.expectedTables, options.publications));
    }

    private Action warnUnpublished(QueryResult result) {
        List<String> warnings = new ArrayList<>();
        for (List<String> row : result.rows()) {
            String table = row.get(0);
            warnings.add("t".equals(row.get(1))
                    ? "the listener expects changes of table " + table + ", but no publication of " + options.publications
                            + " publishes it: none will arrive. Add it (ALTER PUBLICATION " + options.publications.get(0)
                            + " ADD TABLE " + table + "), or correct the name"
                    : "the listener expects changes of table " + table + ", but no such table exists: none will arrive."
                            + " Correct the name, or create the table and add it to a publication of " + options.publications);
        }
        return warned(warnings);
    }

    /** Logs each table warning of this connect not logged at the last one (once, not at every reconnect). */
    private Action warned(List<String> unpublished) {
        List<String> warnings = new ArrayList<>(identityWarnings);
        warnings.addAll(unpublished);
        for (String warning : warnings) {
            if (!tableWarnings.contains(warning)) {
                log.warn("[{}] {}", name, warning);
            }
        }
        tableWarnings = List.copyOf(warnings);
        return findSlot();
    }

    private Action findSlot() {
        step = Step.SLOT;
        return Action.query(ReplicationCommands.findSlot(options.slot, serverVersionNum));
    }

    private Action checkSlot(QueryResult result) {
        String slot = options.slot;
        if (result.rows().isEmpty()) {
            return slotMissing();
        }
        SlotStatus found = SlotStatus.of(result.rows().get(0));
        if (!"pgoutput".equals(found.plugin())) {
            return fail("replication slot \"" + slot + "\" uses the output plugin " + found.plugin()
                    + ", not pgoutput: drop it or choose another slot name");
        }
        if (found.invalidated()) {
            return outcome.stop(new ReplicationSlotException(slot, FailoverSlots.invalidated(slot, where.get(), found)));
        }
        if (inRecovery && found.isSynced()) {
            // Not for this consumer to fix: the standby may be promoted any moment, or the host list has the primary.
            return retry(FailoverSlots.syncedOnStandby(slot, where.get()));
        }
        if (found.activePid() != null) {
            // PostgreSQL's slot ownership decides who streams: wait, and take over when it is free.
            return Action.standby("replication slot \"" + slot + "\" is active for PID " + found.activePid()
                    + ": another consumer is streaming it");
        }
        if ("unreserved".equals(found.walStatus())) {
            log.warn("[{}] replication slot {} on {} is about to lose WAL it needs (wal_status unreserved: it is behind by more"
                    + " than max_wal_size); unless it catches up soon it will be invalidated", name, slot, where.get());
        }
        if (initialSnapshot.wanted()) {
            Action stop = initialSnapshot.slotExists();
            if (stop != null) {
                return stop;
            }
        }
        slotConfirmed = found.confirmedFlush();
        if (options.failover && !inRecovery && !found.isFailover()) {
            log.info("[{}] making replication slot {} a failover slot (ALTER_REPLICATION_SLOT ... (FAILOVER true))", name, slot);
            step = Step.ALTER_SLOT;
            return Action.query(ReplicationCommands.enableFailover(slot));
        }
        return slotReady();
    }

    private Action slotMissing() {
        String slot = options.slot;
        if (slotKnown) {
            return outcome.stop(new ReplicationSlotException(slot, FailoverSlots.lost(slot, where.get(), outcome.delivered())));
        }
        if (inRecovery && options.failover) {
            return retry(FailoverSlots.missingOnStandby(slot, where.get()));
        }
        if (!options.createSlot && !options.temporarySlot) {
            return fail("replication slot \"" + slot + "\" does not exist: create it (SELECT"
                    + " pg_create_logical_replication_slot('" + slot + "', 'pgoutput')) or let pgrepl create it (createSlot)");
        }
        if (initialSnapshot.wanted()) {
            step = Step.INITIAL_SNAPSHOT;
            return initialSnapshot.createSlot(serverVersionNum, options.twoPhase, this::initialSnapshotRead);
        }
        log.info("[{}] creating {}{}replication slot {}", name, options.temporarySlot ? "temporary " : "",
                options.failover ? "failover " : "", slot);
        slotConfirmed = Lsn.ZERO;
        step = Step.CREATE_SLOT;
        return Action.query(ReplicationCommands.createSlot(slot, options.temporarySlot, options.twoPhase,
                options.failover, serverVersionNum));
    }

    /**
     * The initial snapshot was read and processed: a temporary slot streams from its consistent point; a permanent one
     * was copied from the snapshot's, and is found again (and made a failover slot, if wanted) like any other.
     */
    private Action initialSnapshotRead(Lsn consistentPoint) {
        if (consistentPoint == null) {
            return findSlot();
        }
        slotConfirmed = consistentPoint;
        return slotReady();
    }

    /** The slot exists and is ours to stream; for a failover slot the primary's settings are checked first. */
    private Action slotReady() {
        slotKnown = !options.temporarySlot; // a temporary slot ends with its session, by design
        if (options.failover && !inRecovery) {
            step = Step.FAILOVER_CHECK;
            return Action.query(ReplicationCommands.FAILOVER_CHECK);
        }
        return stream();
    }

    /** Warns (once per run) about what would lose changes in a failover; the stream works either way until then. */
    private Action checkFailoverSettings(QueryResult result) {
        List<String> row = result.rows().get(0);
        FailoverSlots.primaryWarnings(options.slot, where.get(), row.get(0), row.get(1)).forEach(outcome::warn);
        return stream();
    }

    private Action stream() {
        step = Step.STREAMING;
        streamedSystemId = systemId;
        streamedTimeline = timeline;
        return outcome.ready(slotConfirmed);
    }

    /** A query or START_REPLICATION failed: a slot that cannot be streamed stops the connection, the rest is retried. */
    private Action failed(PgException error) {
        String slot = options.slot;
        if (FailoverSlots.isInvalidatedError(error)) {
            return outcome.stop(new ReplicationSlotException(slot, FailoverSlots.invalidated(slot, where.get(), error)));
        }
        if (slotKnown && FailoverSlots.isMissingSlotError(error)) {
            return slotMissing();
        }
        // Else retrying helps or not as the server's SQLSTATE says (NonTransientReplicationException.isNonTransient).
        String problem = "setting up replication failed at " + step + ": " + error.getMessage();
        if (step == Step.CREATE_PUBLICATION && "42P01".equals(error.sqlState())) {
            problem += ": publicationTables names a table that does not exist; correct the name, or create the table";
        }
        log.error("[{}] {}", name, problem);
        return Action.disconnect(new ReplicationException(problem, error));
    }

    /**
     * A problem only a person can fix (a setting, a grant, an option): with auto-reconnect the connection retries at
     * its longest backoff, and its status says that retrying alone will not end it.
     */
    private Action fail(String problem) {
        log.error("[{}] {}", name, problem);
        return Action.disconnect(new NonTransientReplicationException(problem));
    }

    /** A problem that may pass (a standby promoted, another host of the list answering): retried as usual. */
    private Action retry(String problem) {
        log.error("[{}] {}", name, problem);
        return Action.disconnect(problem);
    }
}
