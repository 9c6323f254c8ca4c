package io.github.pgrepl.internal;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.internal.session.Connector;
import io.github.pgrepl.internal.session.ReceiveStats;
import io.github.pgrepl.internal.session.ReplicationSession;
import io.github.pgrepl.internal.session.SessionListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands that wait on the server for as long as it takes: {@code CREATE_REPLICATION_SLOT ... LOGICAL} (and
 * {@code pg_create_logical_replication_slot}) wait for every transaction that holds an xid to end before the slot
 * has its snapshot, {@code DROP_REPLICATION_SLOT ... WAIT} for the slot's consumer to let it go. A query timeout would
 * only end them to start them again, for ever, so they run without one (they end with the socket), and the status
 * says what they wait for: the command, and the sessions blocking it, which another, short-lived session of the
 * connection's looks up in {@code pg_stat_activity} while the command runs. Confined to the connection's event loop.
 */
final class ServerWait {

    private static final Logger log = LoggerFactory.getLogger(ReplicationSession.LOG_CATEGORY);
    private static final Pattern WAITING_COMMAND = Pattern.compile(
            "(?is)\\s*(CREATE_REPLICATION_SLOT\\b.*\\bLOGICAL\\b.*|DROP_REPLICATION_SLOT\\b.*\\bWAIT\\b.*"
                    + "|.*\\bpg_create_logical_replication_slot\\s*\\(.*)");
    /** A command that ends within this gets no lookup: slot creation on a quiet server takes milliseconds. */
    private static final Duration FIRST_LOOKUP = Duration.ofSeconds(1);
    private static final Duration LOOKUP_INTERVAL = Duration.ofSeconds(5);
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

    private final EventLoop loop;
    private final Connector lookups;
    private final Consumer<String> report;
    private String command;
    private String waiting;
    private int backendPid;
    private ScheduledFuture<?> nextLookup;
    private Future<ReplicationSession> lookupConnecting;
    private ReplicationSession lookup;

    /**
     * @param config the connection's settings: lookups connect as it does, but as an ordinary session
     * @param report where the description of the wait goes ({@code null} once it ended)
     */
    ServerWait(ConnectionConfig config, EventLoop loop, Consumer<String> report) {
        this.loop = loop;
        this.report = report;
        ConnectionConfig lookupConfig = config.toBuilder().name(config.name() + "-lookup").parameter("replication", "false")
                .autoReconnect(false).build();
        this.lookups = new Connector(lookupConfig, loop, new ReceiveStats());
    }

    /** Whether {@code sql} waits on the server for as long as other sessions make it, and so gets no query timeout. */
    static boolean waitsOnServer(String sql) {
        return WAITING_COMMAND.matcher(sql).matches();
    }

    /** {@code sql} started on the session of server process {@code pid}, without a timeout. */
    void started(String sql, int pid) {
        ended();
        command = ReplicationSession.describe(false, sql) + " (running since " + Instant.now() + ", without a query timeout)";
        waiting = sql.stripLeading().regionMatches(true, 0, "DROP", 0, 4)
                ? "waits for the slot's consumer to let it go"
                : "waits for the transactions that hold an xid to end (a logical slot starts from a snapshot without them)";
        backendPid = pid;
        report.accept(command + " " + waiting);
        nextLookup = loop.schedule(this::lookUp, FIRST_LOOKUP.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The command ended (answered, or its session lost): nothing is waited for. */
    void ended() {
        if (command == null) {
            return;
        }
        command = null;
        if (nextLookup != null) {
            nextLookup.cancel(false);
        }
        if (lookupConnecting != null) {
            lookupConnecting.cancel(false);
            lookupConnecting = null;
        }
        endLookup();
        report.accept(null);
    }

    private void lookUp() {
        if (command == null || lookupConnecting != null || lookup != null) {
            return;
        }
        Future<ReplicationSession> connecting = lookups.connect(new LookupListener());
        lookupConnecting = connecting;
        connecting.addListener(done -> {
            if (lookupConnecting != connecting) {
                return; // the wait ended meanwhile
            }
            lookupConnecting = null;
            if (!connecting.isSuccess()) {
                log.debug("Looking up what {} waits for failed: {}", command, connecting.cause().getMessage());
                scheduleNext();
                return;
            }
            lookup = connecting.getNow();
            lookup.query("SELECT a.pid, a.usename, a.application_name, a.state, a.xact_start FROM pg_stat_activity a"
                    + " WHERE a.pid = ANY (pg_blocking_pids(" + backendPid + ")) ORDER BY a.pid", LOOKUP_TIMEOUT);
        });
    }

    private void found(QueryOutcome outcome) {
        endLookup();
        if (command == null) {
            return;
        }
        if (outcome instanceof QueryOutcome.Success success) {
            report.accept(command + " " + waiting + describe(success.result()));
        } else {
            log.debug("Looking up what {} waits for failed: {}", command, ((QueryOutcome.Failure) outcome).error().getMessage());
        }
        scheduleNext();
    }

    private void scheduleNext() {
        if (command != null) {
            nextLookup = loop.schedule(this::lookUp, LOOKUP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void endLookup() {
        if (lookup != null) {
            lookup.terminate();
            lookup = null;
        }
    }

    /** ": blocked by PID 4711 (user app, application 'psql', idle in transaction, in a transaction since ...)". */
    private static String describe(QueryResult blockers) {
        if (blockers.rows().isEmpty()) {
            return "; no session blocks it now (as of " + Instant.now() + ")";
        }
        List<String> each = new ArrayList<>();
        for (List<String> row : blockers.rows()) {
            List<String> about = new ArrayList<>();
            if (row.get(1) != null) {
                about.add("user " + row.get(1));
            }
            if (row.get(2) != null && !row.get(2).isEmpty()) {
                about.add("application '" + row.get(2) + "'");
            }
            if (row.get(3) != null) {
                about.add(row.get(3));
            }
            if (row.get(4) != null) {
                about.add("in a transaction since " + row.get(4));
            }
            each.add("PID " + row.get(0) + (about.isEmpty() ? "" : " (" + String.join(", ", about) + ")"));
        }
        return ": blocked by " + String.join(", ", each) + "; end or commit those transactions, or wait for them";
    }

    /** What a lookup session tells: its one result; a lost lookup is tried again later. */
    private final class LookupListener implements SessionListener {
        @Override
        public void onStreamStarted() {
        }

        @Override
        public void onCopyData(ByteBuffer copyData) {
        }

        @Override
        public void onCopyDone() {
        }

        @Override
        public void onResult(QueryOutcome outcome) {
            found(outcome);
        }

        @Override
        public void onServerError(PgException error) {
        }

        @Override
        public void onLost(Throwable reason) {
            if (lookup != null) {
                lookup = null;
                scheduleNext();
            }
        }
    }
}
