package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Endpoint;
import io.github.pgrepl.ReplicationConnection;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link PgOutputHandler} of a failover slot knows about the servers' readiness for a failover: the warnings
 * about the server streamed from (each logged once per server, not on every reconnect) and, with several hosts, the
 * {@link StandbyChecks} of the others. A failover makes another server the primary: its warnings start afresh and
 * its standbys are checked again. Confined to the connection's thread but for {@link #warnings()}.
 */
final class FailoverWatch {

    private static final Logger log = LoggerFactory.getLogger(PgOutputHandler.class);

    private final String name;
    /** For several hosts: whether the standbys hold a copy; {@code null} otherwise. */
    private final StandbyChecks standbyChecks;
    /** What the servers leave open in a failover, as logged; read from any thread. */
    private final Set<String> warnings = Collections.synchronizedSet(new LinkedHashSet<>());
    /** The server the warnings are about. */
    private Endpoint warningsFor;
    /** The primary whose standbys were last checked. */
    private Endpoint standbysCheckedFor;

    /** @param checkStandbys whether to ask the other hosts of the list about their copy of {@code slot} */
    FailoverWatch(String name, String slot, boolean checkStandbys) {
        this.name = name;
        this.standbyChecks = checkStandbys ? new StandbyChecks(slot, this::warn) : null;
    }

    /** A session began on {@code server} ({@code null} when unknown): another server's warnings no longer hold. */
    void connected(Endpoint server) {
        if (server != null && !server.equals(warningsFor)) {
            warnings.clear();
            warningsFor = server;
        }
    }

    /** The stream started on {@code server}: its standbys are checked once per primary. */
    void streaming(ReplicationConnection connection, Endpoint server) {
        if (standbyChecks != null && server != null && !server.equals(standbysCheckedFor)) {
            standbysCheckedFor = server;
            standbyChecks.start(connection, server);
        }
    }

    /** Logs {@code warning} unless it was logged for this server already, and keeps it for {@link #warnings()}. */
    void warn(String warning) {
        if (warnings.add(warning)) {
            log.warn("[{}] {}", name, warning);
        }
    }

    /** Handles a message of the standby checks; ignores any other. */
    void handle(Object message) {
        if (standbyChecks != null) {
            standbyChecks.handle(message);
        }
    }

    void stop() {
        if (standbyChecks != null) {
            standbyChecks.stop();
        }
    }

    /** The warnings about the current server, as logged (any thread). */
    List<String> warnings() {
        synchronized (warnings) {
            return List.copyOf(warnings);
        }
    }
}
