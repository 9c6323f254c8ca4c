package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Action;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.pgoutput.internal.TypeResolver;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link PgOutputHandler} does on each connect before it streams, one query at a time: checks the server
 * (wal_level, version, the role's REPLICATION, two-phase support) and reads its {@code wal_sender_timeout},
 * reads the domains and enums of the database (their values arrive in their base type's format), finds the
 * publications and creates the missing ones when asked, finds the slot and creates it when asked.
 * Each step answers the last query's outcome with the next {@link Action}; the last starts the stream, or stands
 * by while another consumer streams the slot. Confined to the connection's thread, but for the two durations.
 */
final class ServerSetup {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);
    private static final Duration MAX_STATUS_INTERVAL = Duration.ofSeconds(10);

    private enum Step { SERVER, TYPES, PUBLICATIONS, CREATE_PUBLICATION, SLOT, CREATE_SLOT, STREAMING }

    private final PgOutputHandler.Builder options;
    private final String name;
    private final Function<Lsn, Action> startStreaming;
    private final Deque<String> publicationsToCreate = new ArrayDeque<>();
    private Step step;
    private int serverVersionNum;
    private int protocolVersion;
    /** Domains and enums, read at each connect. */
    private TypeResolver types = TypeResolver.BUILT_IN;
    private volatile Duration walSenderTimeout;
    private volatile Duration statusInterval;

    /**
     * @param name the connection's, for log lines
     * @param startStreaming the stream's action, from the slot's confirmed position, once everything is in place
     */
    ServerSetup(PgOutputHandler.Builder options, String name, Function<Lsn, Action> startStreaming) {
        this.options = options;
        this.name = name;
        this.startStreaming = startStreaming;
    }

    /** The first query of a new session. */
    Action start() {
        step = Step.SERVER;
        return Action.query(ReplicationCommands.SERVER_CHECK);
    }

    /** The next action, given the outcome of the last query (or of the stream, once started). */
    Action next(QueryOutcome outcome) {
        if (outcome instanceof QueryOutcome.Failure failed) {
            return fail("setting up replication failed at " + step + ": " + failed.error().getMessage());
        }
        QueryResult result = ((QueryOutcome.Success) outcome).result();
        return switch (step) {
            case SERVER -> checkServer(result);
            case TYPES -> {
                types = TypeResolver.fromCatalog(result.rows());
                step = Step.PUBLICATIONS;
                yield Action.query(ReplicationCommands.findPublications(options.publications));
            }
            case PUBLICATIONS -> checkPublications(result);
            case CREATE_PUBLICATION -> nextPublicationOrSlot();
            case SLOT -> checkSlot(result);
            case CREATE_SLOT -> stream(Lsn.ZERO);
            case STREAMING -> Action.noReply();
        };
    }

    /** The pgoutput protocol version to stream with: the highest both the server and the options allow. */
    int protocolVersion() {
        return protocolVersion;
    }

    /** The domains and enums the database had at the last connect. */
    TypeResolver types() {
        return types;
    }

    /** The server's {@code wal_sender_timeout}, once checked; {@code null} before, {@link Duration#ZERO} when off. */
    Duration walSenderTimeout() {
        return walSenderTimeout;
    }

    /** How often status updates go out, once the server was checked. */
    Duration statusInterval() {
        return statusInterval;
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
        if (options.twoPhase && serverVersionNum < 150000) {
            return fail("two-phase decoding needs PostgreSQL 15 or later; turn twoPhase off");
        }
        walSenderTimeout = Duration.ofMillis(timeoutMillis);
        statusInterval = options.statusInterval != null ? options.statusInterval : defaultStatusInterval(timeoutMillis);
        int serverMax = serverVersionNum >= 160000 ? 4 : serverVersionNum >= 150000 ? 3 : 2;
        protocolVersion = options.protocolVersion == 0 ? serverMax : Math.min(options.protocolVersion, serverMax);
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
            return findSlot();
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
            return findSlot();
        }
        List<String> tables = options.publicationTables;
        log.info("[{}] creating publication {} for {}", name, next, tables.isEmpty() ? "all tables" : tables);
        step = Step.CREATE_PUBLICATION;
        return Action.query(ReplicationCommands.createPublication(next, tables));
    }

    private Action findSlot() {
        step = Step.SLOT;
        return Action.query(ReplicationCommands.findSlot(options.slot));
    }

    private Action checkSlot(QueryResult result) {
        String slot = options.slot;
        if (result.rows().isEmpty()) {
            if (!options.createSlot && !options.temporarySlot) {
                return fail("replication slot \"" + slot + "\" does not exist: create it (SELECT"
                        + " pg_create_logical_replication_slot('" + slot + "', 'pgoutput')) or let pgrepl create it (createSlot)");
            }
            log.info("[{}] creating {}replication slot {}", name, options.temporarySlot ? "temporary " : "", slot);
            step = Step.CREATE_SLOT;
            return Action.query(ReplicationCommands.createSlot(slot, options.temporarySlot, options.twoPhase, serverVersionNum));
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
        return stream(row.get(2) == null ? Lsn.ZERO : Lsn.parse(row.get(2)));
    }

    private Action stream(Lsn slotConfirmed) {
        step = Step.STREAMING;
        return startStreaming.apply(slotConfirmed);
    }

    private Action fail(String problem) {
        log.error("[{}] {}", name, problem);
        return Action.disconnect(problem);
    }
}
