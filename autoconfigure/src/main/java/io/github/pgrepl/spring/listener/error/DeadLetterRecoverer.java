package io.github.pgrepl.spring.listener.error;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;

import tools.jackson.databind.ObjectMapper;

/**
 * Writes a change that a listener kept failing on to a table, {@value #DEFAULT_TABLE} by default, with its error and
 * position, then lets the connection go on: the change is confirmed to the server only after the row is written, so
 * nothing is lost. The table is created on first use:
 *
 * <pre>
 * id bigserial, connection text, listener text, table_name text, operation text, lsn pg_lsn, xid bigint,
 * change jsonb  -- {"table", "operation", "key", "before", "after", "lsn", "xid"}
 * error text, stack_trace text, attempts integer, first_failed_at timestamptz, recorded_at timestamptz
 * </pre>
 *
 * <p>A failure on a change of the dead-letter table itself (a listener subscribed to it, in the same database) is
 * skipped rather than written back, which would loop: that row is in the table already.
 */
public class DeadLetterRecoverer implements ChangeRecoverer {

    public static final String DEFAULT_TABLE = "pgrepl_dead_letter";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRecoverer.class);
    private static final Pattern TABLE_NAME = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");

    private final JdbcClient jdbc;
    private final ObjectMapper json;
    private final String table;
    private final String insert;
    private volatile boolean tableReady;

    public DeadLetterRecoverer(JdbcClient jdbc, ObjectMapper json) {
        this(jdbc, json, DEFAULT_TABLE);
    }

    /**
     * @param table {@code table} or {@code schema.table}: lowercase letters, digits and underscores
     */
    public DeadLetterRecoverer(JdbcClient jdbc, ObjectMapper json, String table) {
        this.jdbc = Objects.requireNonNull(jdbc, "jdbc");
        this.json = Objects.requireNonNull(json, "json");
        if (table == null || !TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("Invalid dead-letter table name '" + table + "': use table or schema.table,"
                    + " lowercase letters, digits and underscores, e.g. " + DEFAULT_TABLE);
        }
        this.table = table;
        this.insert = "INSERT INTO " + table + " (connection, listener, table_name, operation, lsn, xid, change, error,"
                + " stack_trace, attempts, first_failed_at) VALUES (?, ?, ?, ?, ?::pg_lsn, ?, ?::jsonb, ?, ?, ?, ?)";
    }

    public String table() {
        return table;
    }

    @Override
    public ErrorDecision recover(FailedChange failed) {
        if (failed.change() != null && failed.change().source().isTable(table)) {
            log.warn("[{}] Listener '{}' failed on {}, a change of the dead-letter table {} itself: skipped, not written back"
                    + " (that would loop; the row is in the table already): {}", failed.connection(), failed.listener(),
                    failed.describe(), table, failed.error().toString());
            return ErrorDecision.skip();
        }
        createTableOnce();
        String lsn = failed.change() != null && failed.change().source().lsn() != null
                ? failed.change().source().lsn().toString()
                : failed.transaction() != null ? failed.transaction().commitLsn().toString() : null;
        Long xid = failed.change() != null ? Long.valueOf(failed.change().source().xid())
                : failed.transaction() != null ? Long.valueOf(failed.transaction().xid()) : null;
        jdbc.sql(insert)
                .params(failed.connection(), failed.listener(),
                        failed.change() == null ? null : failed.change().source().qualifiedTable(),
                        failed.change() == null ? null : failed.change().operation().name(), lsn, xid,
                        json.writeValueAsString(ChangeJson.of(failed)), failed.error().toString(), stackTrace(failed.error()),
                        failed.attempts(), OffsetDateTime.ofInstant(failed.firstFailedAt(), ZoneOffset.UTC))
                .update();
        log.warn("[{}] Listener '{}' failed {} time(s) on {}: written to {}, going on: {}", failed.connection(),
                failed.listener(), failed.attempts(), failed.describe(), table, failed.error().toString());
        return ErrorDecision.recovered();
    }

    private void createTableOnce() {
        if (tableReady) {
            return;
        }
        try {
            jdbc.sql("CREATE TABLE IF NOT EXISTS " + table + " (id bigserial PRIMARY KEY, connection text NOT NULL,"
                    + " listener text NOT NULL, table_name text, operation text, lsn pg_lsn, xid bigint, change jsonb NOT NULL,"
                    + " error text NOT NULL, stack_trace text, attempts integer NOT NULL, first_failed_at timestamptz NOT NULL,"
                    + " recorded_at timestamptz NOT NULL DEFAULT now())").update();
        } catch (DataAccessException e) {
            // Another instance may have created it at the same moment; only then is this fine.
            Boolean exists = jdbc.sql("SELECT to_regclass(?) IS NOT NULL").param(table).query(Boolean.class).single();
            if (!Boolean.TRUE.equals(exists)) {
                throw e;
            }
        }
        tableReady = true;
    }

    private static String stackTrace(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Override
    public String toString() {
        return "DeadLetterRecoverer[" + table + "]";
    }
}
