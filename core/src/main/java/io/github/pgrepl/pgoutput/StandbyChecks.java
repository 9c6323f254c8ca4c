package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Action;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.TargetSessionAttrs;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the other hosts of the list, the standbys that may take over, whether they hold a copy of the failover slot
 * ready for a failover: each through a short connection of its own, so the stream is never held up. A standby
 * that is misconfigured is warned about at once; one whose copy is missing or not ready yet (a new slot's copy
 * becomes ready once the primary's slot has moved on) is asked again a few times, and warned about only if it
 * stays so. Unreachable hosts are left alone: they may be down for good reasons. Confined to the connection's
 * thread; the probes report to it through {@link ReplicationConnection#send}.
 */
final class StandbyChecks {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);
    private static final Duration RECHECK_INTERVAL = Duration.ofSeconds(20);
    private static final int CHECKS = 4;

    /** A standby's answer, or why there is none ({@code outcome == null}: unreachable). */
    record Report(Endpoint standby, int check, QueryOutcome outcome) {
    }

    /** The next check of a standby whose copy was not ready. */
    record Recheck(Endpoint standby, int check) {
    }

    /** A probe that has not reported by now never will (its connection attempt failed): close it. */
    record Expire(Endpoint standby, int check) {
    }

    private final String slot;
    private final Consumer<String> warn;
    private final Map<Endpoint, ReplicationConnection> probes = new HashMap<>();
    /** Which check each running probe makes. */
    private final Map<Endpoint, Integer> checks = new HashMap<>();
    private ReplicationConnection connection;

    /** @param warn where a warning goes: logged once, and kept for health */
    StandbyChecks(String slot, Consumer<String> warn) {
        this.slot = slot;
        this.warn = warn;
    }

    /** Checks every host of the list but {@code primary}, the one the stream runs on. */
    void start(ReplicationConnection connection, Endpoint primary) {
        this.connection = connection;
        for (Endpoint host : connection.config().endpoints()) {
            if (!host.equals(primary)) {
                probe(host, 1);
            }
        }
    }

    /** Handles a message of these checks (a report, a recheck, an expiry); ignores any other. */
    void handle(Object message) {
        if (message instanceof Report report) {
            closeProbe(report.standby());
            if (report.outcome() instanceof QueryOutcome.Success success) {
                judge(report.standby(), report.check(), success.result());
            } else if (report.outcome() instanceof QueryOutcome.Failure failure) {
                log.debug("[{}] could not check standby {}: {}", connection.config().name(), report.standby(),
                        failure.error().getMessage());
            }
        } else if (message instanceof Recheck recheck) {
            probe(recheck.standby(), recheck.check());
        } else if (message instanceof Expire expire && Integer.valueOf(expire.check()).equals(checks.get(expire.standby()))) {
            closeProbe(expire.standby());
        }
    }

    /** Closes the probes still running. */
    void stop() {
        probes.values().forEach(ReplicationConnection::close);
        probes.clear();
        checks.clear();
    }

    private void probe(Endpoint standby, int check) {
        ConnectionConfig config = connection.config().toBuilder().name(connection.config().name() + "-standby-check")
                .endpoints(List.of(standby)).targetSessionAttrs(TargetSessionAttrs.ANY)
                .syncConnect(false).autoReconnect(false).build();
        probes.put(standby, ReplicationConnection.start(config, new Probe(connection, standby, check)));
        checks.put(standby, check);
        connection.sendAfter(new Expire(standby, check), config.connectTimeout().plus(config.queryTimeout()));
    }

    private void closeProbe(Endpoint standby) {
        checks.remove(standby);
        ReplicationConnection probe = probes.remove(standby);
        if (probe != null) {
            probe.close();
        }
    }

    private void judge(Endpoint standby, int check, QueryResult result) {
        List<String> row = result.rows().get(0);
        boolean inRecovery = "t".equals(row.get(0));
        if (!inRecovery) {
            return; // a primary too, or the old one back: not a standby to take over
        }
        String setup = FailoverSlots.standbySetup(slot, standby, row.get(1), row.get(2), row.get(3));
        if (setup != null) {
            warn.accept(setup);
            return;
        }
        Boolean synced = row.get(4) == null ? null : "t".equals(row.get(4));
        boolean ready = Boolean.TRUE.equals(synced) && "f".equals(row.get(5));
        if (ready) {
            log.info("[{}] standby {} holds a synchronized copy of slot {}, ready for a failover", connection.config().name(),
                    standby, slot);
        } else if (check < CHECKS) {
            connection.sendAfter(new Recheck(standby, check + 1), RECHECK_INTERVAL);
        } else {
            warn.accept(FailoverSlots.copyNotReady(slot, standby, synced, RECHECK_INTERVAL.multipliedBy(CHECKS - 1)));
        }
    }

    /** Asks one standby, once, and reports to the stream's connection. */
    private final class Probe implements ReplicationHandler {

        private final ReplicationConnection main;
        private final Endpoint standby;
        private final int check;
        private boolean reported;

        Probe(ReplicationConnection main, Endpoint standby, int check) {
            this.main = main;
            this.standby = standby;
            this.check = check;
        }

        @Override
        public Action handleConnect() {
            return Action.query(ReplicationCommands.standbyCheck(slot));
        }

        @Override
        public Action handleResult(QueryOutcome outcome) {
            report(outcome);
            return Action.noReply();
        }

        @Override
        public Action handleDisconnect(Throwable reason) {
            report(null);
            return Action.noReply();
        }

        private void report(QueryOutcome outcome) {
            if (!reported) {
                reported = true;
                main.send(new Report(standby, check, outcome));
            }
        }
    }
}
