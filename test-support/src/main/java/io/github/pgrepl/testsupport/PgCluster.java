package io.github.pgrepl.testsupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A primary and a physical streaming standby of it, for failover tests: two {@link PgServer}s on their own ports.
 *
 * <p>zonky's binaries have no pg_basebackup, so the standby starts from a file copy of the primary's data
 * directory taken while the primary is stopped (a clean shutdown leaves a consistent copy, no backup label
 * needed), with {@code standby.signal}, a {@code primary_conninfo} that names a database, the physical slot
 * {@value #STANDBY_SLOT} and {@code hot_standby_feedback}. On PostgreSQL 17 and later the standby also
 * synchronizes failover slots ({@code sync_replication_slots}) and the primary holds logical walsenders back
 * until the standby has the WAL they send ({@code synchronized_standby_slots}): what a consumer of a failover
 * slot received is then never lost when the standby takes over.
 *
 * <pre>{@code
 * try (PgCluster cluster = PgCluster.builder().start()) {
 *     cluster.primary().execute("CREATE TABLE t (id int)");
 *     cluster.awaitStandbyReplayed();
 *     cluster.primary().stopImmediately();
 *     cluster.promoteStandby();
 * }
 * }</pre>
 */
public final class PgCluster implements AutoCloseable {

    /** The physical slot on the primary that the standby streams from. */
    public static final String STANDBY_SLOT = "pgrepl_standby";
    /** The major version from which PostgreSQL synchronizes failover slots to standbys. */
    public static final int FAILOVER_SLOTS_SINCE = 17;

    private static final Logger LOG = LoggerFactory.getLogger(PgCluster.class);
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    /** What pg_basebackup leaves out too: runtime files of the running server and its slots. */
    private static final List<String> NOT_COPIED = List.of("postmaster.pid", "postmaster.opts", "log");

    private final PgServer primary;
    private final PgServer standby;

    private PgCluster(PgServer primary, PgServer standby) {
        this.primary = primary;
        this.standby = standby;
    }

    public static Builder builder() {
        return new Builder();
    }

    public PgServer primary() {
        return primary;
    }

    public PgServer standby() {
        return standby;
    }

    /** The major version of both servers. */
    public int majorVersion() {
        return primary.majorVersion();
    }

    /** Whether this PostgreSQL synchronizes failover slots (17 and later). */
    public boolean hasFailoverSlots() {
        return majorVersion() >= FAILOVER_SLOTS_SINCE;
    }

    /** Waits until the standby has replayed all WAL the primary had inserted when this was called. */
    public void awaitStandbyReplayed() {
        // The insert position, not the written one: zonky's servers commit with synchronous_commit off, so a
        // commit may not be written yet; the WAL writer flushes it within wal_writer_delay.
        String target = primary.queryValue("SELECT pg_current_wal_insert_lsn()");
        await("the standby to replay the primary's WAL up to " + target, DEFAULT_WAIT,
                () -> "t".equals(standby.queryValue("SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn")),
                () -> "standby replayed " + standby.queryValue("SELECT pg_last_wal_replay_lsn()"));
    }

    /**
     * Waits until the standby holds {@code slot} ready for a failover: synchronized and no longer temporary
     * (PostgreSQL 17+), with its position at least the primary's {@code confirmed_flush_lsn} as of this call. Nudges
     * the servers meanwhile: the primary logs a standby snapshot (a synchronized slot becomes ready only at a
     * consistent point) and the standby reloads its configuration, which wakes a slot sync worker that idles up
     * to 30 s between rounds when nothing changes.
     */
    public void awaitSlotSynchronized(String slot) {
        requireFailoverSlots();
        String confirmed = primary.queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = "
                + literal(slot));
        if (confirmed == null) {
            throw new IllegalStateException("The primary has no logical slot \"" + slot + "\" to synchronize");
        }
        String ready = "SELECT synced AND NOT temporary AND confirmed_flush_lsn >= '" + confirmed + "'::pg_lsn"
                + " FROM pg_replication_slots WHERE slot_name = " + literal(slot);
        await("the standby to synchronize slot " + slot + " up to " + confirmed, DEFAULT_WAIT, () -> {
            if ("t".equals(standby.queryValue(ready))) {
                return true;
            }
            primary.queryValue("SELECT pg_log_standby_snapshot()");
            standby.queryValue("SELECT pg_reload_conf()");
            return false;
        }, () -> "standby slot (synced, temporary, confirmed_flush_lsn, invalidation_reason): "
                + standby.query("SELECT synced, temporary, confirmed_flush_lsn, invalidation_reason"
                + " FROM pg_replication_slots WHERE slot_name = " + literal(slot)) + "; the standby logged:\n"
                + logLinesAbout(standby, slot));
    }

    /** Promotes the standby (what {@code pg_ctl promote} does) and returns once it accepts writes. */
    public void promoteStandby() {
        if (!"t".equals(standby.queryValue("SELECT pg_promote(true, 60)"))) {
            throw new IllegalStateException("The standby on port " + standby.port() + " did not finish promotion within 60 s");
        }
        LOG.info("Standby on port {} promoted to primary", standby.port());
    }

    @Override
    public void close() {
        try {
            standby.close();
        } finally {
            primary.close();
        }
    }

    @Override
    public String toString() {
        return "PgCluster[primary=" + primary + ", standby=" + standby + "]";
    }

    private void requireFailoverSlots() {
        if (!hasFailoverSlots()) {
            throw new IllegalStateException("PostgreSQL " + majorVersion() + " does not synchronize failover slots; "
                    + FAILOVER_SLOTS_SINCE + " and later do");
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier done, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + "; " + state.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** The standby's log lines that name the slot: why the sync worker keeps a slot temporary, for one. */
    private static String logLinesAbout(PgServer server, String slot) {
        try (Stream<String> lines = Files.lines(server.serverLog())) {
            List<String> about = lines.filter(line -> line.contains(slot) || line.contains("DETAIL")).toList();
            return String.join("\n", about.subList(Math.max(0, about.size() - 10), about.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + server.serverLog() + ": " + e + ")";
        }
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** A file-level base backup of a stopped server: its data directory less runtime files and slots. */
    private static void copyDataDirectory(Path from, Path to) throws IOException {
        // PostgreSQL refuses a data directory that others may read.
        Files.createDirectories(to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path relative = from.relativize(source);
                if (relative.getNameCount() > 0 && NOT_COPIED.contains(relative.getName(0).toString())) {
                    continue;
                }
                // The standby's own slots are synchronized or created there; the primary's do not belong to it.
                if (relative.getNameCount() > 1 && relative.getName(0).toString().equals("pg_replslot")) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Options of a cluster; {@link #start()} builds and starts one. */
    public static final class Builder {

        private final Map<String, String> settings = new LinkedHashMap<>();
        private boolean tls = true;
        private boolean synchronizedStandbySlots = true;

        private Builder() {
        }

        /** A postgresql.conf setting of both servers. */
        public Builder setting(String name, String value) {
            settings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Whether the servers offer TLS (default true). */
        public Builder tls(boolean enabled) {
            this.tls = enabled;
            return this;
        }

        /**
         * Whether the primary's {@code synchronized_standby_slots} names the standby's slot (PostgreSQL 17+, default
         * true). Without it a consumer may receive changes the standby does not have yet, which a failover then loses.
         */
        public Builder synchronizedStandbySlots(boolean enabled) {
            this.synchronizedStandbySlots = enabled;
            return this;
        }

        /** Starts the primary, copies it into the standby and starts that; throws IllegalStateException if it cannot. */
        public PgCluster start() {
            PgServer primary = server().start();
            PgServer standby = null;
            try {
                primary.execute("SELECT pg_create_physical_replication_slot('" + STANDBY_SLOT + "', true)");
                standby = standbyOf(primary).build();
                primary.stop();
                try {
                    copyDataDirectory(primary.dataDirectory(), standby.dataDirectory());
                    Files.createFile(standby.dataDirectory().resolve("standby.signal"));
                } catch (IOException e) {
                    throw new IllegalStateException("Could not copy " + primary.dataDirectory() + " into "
                            + standby.dataDirectory(), e);
                }
                // The primary first: a slot sync worker that finds no primary retries only after 10 s.
                primary.start();
                standby.start();
                if (synchronizedStandbySlots && primary.majorVersion() >= FAILOVER_SLOTS_SINCE) {
                    // Not in the settings file: the standby's copy would inherit it and, once promoted, wait for a
                    // slot it does not have. ALTER SYSTEM after the copy stays with the primary.
                    primary.execute("ALTER SYSTEM SET synchronized_standby_slots = '" + STANDBY_SLOT + "'",
                            "SELECT pg_reload_conf()");
                }
                PgCluster cluster = new PgCluster(primary, standby);
                cluster.awaitStandbyReplayed();
                LOG.info("PostgreSQL {} primary on port {} with a streaming standby on port {}", primary.majorVersion(),
                        primary.port(), standby.port());
                return cluster;
            } catch (RuntimeException | Error e) {
                closeQuietly(standby, e);
                closeQuietly(primary, e);
                throw e;
            }
        }

        private PgServer.Builder server() {
            PgServer.Builder server = PgServer.builder().tls(tls);
            settings.forEach(server::setting);
            return server;
        }

        private PgServer.Builder standbyOf(PgServer primary) {
            PgServer.Builder standby = server()
                    .setting("primary_conninfo", "host=" + primary.host() + " port=" + primary.port() + " user="
                            + PgServer.SUPERUSER + " dbname=" + PgServer.DATABASE + " application_name=" + STANDBY_SLOT
                            + " sslmode=disable")
                    .setting("primary_slot_name", STANDBY_SLOT)
                    .setting("hot_standby_feedback", "on")
                    // Feedback and positions reach the primary within a second, not ten.
                    .setting("wal_receiver_status_interval", "1s");
            if (primary.majorVersion() >= FAILOVER_SLOTS_SINCE) {
                standby.setting("sync_replication_slots", "on");
            }
            return standby;
        }

        private static void closeQuietly(PgServer server, Throwable failure) {
            if (server == null) {
                return;
            }
            try {
                server.close();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
