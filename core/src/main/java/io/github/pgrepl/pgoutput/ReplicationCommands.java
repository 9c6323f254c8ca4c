package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;

import java.util.List;
import java.util.stream.Collectors;

/** The SQL and replication commands a {@link PgOutputHandler} sends, with their quoting in one place. */
final class ReplicationCommands {

    /**
     * One row: wal_level, server_version_num, wal_sender_timeout (ms), rolreplication, rolsuper, current_user,
     * pg_is_in_recovery.
     */
    static final String SERVER_CHECK = "SELECT current_setting('wal_level'), current_setting('server_version_num'),"
            + " (SELECT setting FROM pg_settings WHERE name = 'wal_sender_timeout'), r.rolreplication, r.rolsuper, current_user,"
            + " pg_is_in_recovery()"
            + " FROM pg_roles r WHERE r.rolname = current_user";

    /** One row: systemid, timeline, xlogpos, dbname. */
    static final String IDENTIFY_SYSTEM = "IDENTIFY_SYSTEM";

    /**
     * On a primary (PostgreSQL 17+), one row: {@code synchronized_standby_slots}, and the physical slots (comma-separated,
     * or null), which are the standbys' candidates for it.
     */
    static final String FAILOVER_CHECK = "SELECT current_setting('synchronized_standby_slots'),"
            + " (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE slot_type = 'physical')";

    private ReplicationCommands() {
    }

    static String findPublications(List<String> publications) {
        return "SELECT pubname FROM pg_publication WHERE pubname IN ("
                + publications.stream().map(ReplicationCommands::literal).collect(Collectors.joining(", ")) + ")";
    }

    /**
     * The names of {@code tables} ({@code schema.table}, or {@code table} in any schema) that none of
     * {@code publications} publishes, each with whether a table of that name exists at all: rows (name, exists).
     */
    static String unpublishedTables(List<String> tables, List<String> publications) {
        return "SELECT t.name, EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid ="
                + " c.relnamespace WHERE c.relname = t.rel AND (t.nsp IS NULL OR n.nspname = t.nsp))"
                + " FROM (SELECT name, CASE WHEN strpos(name, '.') > 0 THEN split_part(name, '.', 1) END AS nsp,"
                + " CASE WHEN strpos(name, '.') > 0 THEN substr(name, strpos(name, '.') + 1) ELSE name END AS rel"
                + " FROM unnest(ARRAY[" + tables.stream().map(ReplicationCommands::literal).collect(Collectors.joining(", "))
                + "]::text[]) AS name) t"
                + " WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables p WHERE p.pubname IN ("
                + publications.stream().map(ReplicationCommands::literal).collect(Collectors.joining(", "))
                + ") AND p.tablename = t.rel AND (t.nsp IS NULL OR p.schemaname = t.nsp)) ORDER BY 1";
    }

    /**
     * The tables {@code publications} publish UPDATEs or DELETEs of that have no replica identity (no primary key under
     * REPLICA IDENTITY DEFAULT, or NOTHING), which the server then refuses to update or delete: rows (table, identity,
     * publications).
     */
    static String tablesWithoutIdentity(List<String> publications) {
        return "SELECT p.schemaname || '.' || p.tablename, c.relreplident, string_agg(DISTINCT p.pubname, ', ')"
                + " FROM pg_catalog.pg_publication_tables p"
                + " JOIN pg_catalog.pg_publication pub ON pub.pubname = p.pubname"
                + " JOIN pg_catalog.pg_namespace n ON n.nspname = p.schemaname"
                + " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename"
                + " WHERE p.pubname IN (" + publications.stream().map(ReplicationCommands::literal)
                .collect(Collectors.joining(", ")) + ") AND (pub.pubupdate OR pub.pubdelete)"
                + " AND (c.relreplident = 'n' OR c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i"
                + " WHERE i.indrelid = c.oid AND i.indisprimary)) GROUP BY 1, 2 ORDER BY 1";
    }

    static String createPublication(String publication, List<String> tables) {
        String target = tables.isEmpty() ? "ALL TABLES"
                : "TABLE " + tables.stream().map(ReplicationCommands::qualifiedName).collect(Collectors.joining(", "));
        return "CREATE PUBLICATION " + identifier(publication) + " FOR " + target;
    }

    /**
     * One row, or none, read by {@link SlotStatus#of}: plugin, active_pid, confirmed_flush_lsn, database, wal_status,
     * temporary, conflicting (16+), failover, synced, invalidation_reason (17+); null where the server lacks the column.
     */
    static String findSlot(String slot, int serverVersionNum) {
        return "SELECT plugin, active_pid, confirmed_flush_lsn, database, wal_status, temporary, "
                + (serverVersionNum >= 160000 ? "conflicting" : "NULL::boolean") + ", "
                + (serverVersionNum >= 170000 ? "failover, synced, invalidation_reason" : "NULL::boolean, NULL::boolean, NULL::text")
                + " FROM pg_replication_slots WHERE slot_name = " + literal(slot);
    }

    static String createSlot(String slot, boolean temporary, boolean twoPhase, boolean failover, int serverVersionNum) {
        String kind = temporary ? " TEMPORARY" : "";
        if (serverVersionNum < 150000) {
            return "CREATE_REPLICATION_SLOT " + slot + kind + " LOGICAL pgoutput NOEXPORT_SNAPSHOT";
        }
        return "CREATE_REPLICATION_SLOT " + slot + kind + " LOGICAL pgoutput (SNAPSHOT 'nothing'"
                + (twoPhase ? ", TWO_PHASE true" : "") + (failover ? ", FAILOVER true" : "") + ")";
    }

    /**
     * On a standby (PostgreSQL 17+), one row: pg_is_in_recovery, sync_replication_slots, hot_standby_feedback,
     * primary_slot_name, and the slot's synced and temporary (null when the standby has no such slot).
     */
    static String standbyCheck(String slot) {
        return "SELECT pg_is_in_recovery(), current_setting('sync_replication_slots'), current_setting('hot_standby_feedback'),"
                + " current_setting('primary_slot_name'),"
                + " (SELECT synced FROM pg_replication_slots WHERE slot_name = " + literal(slot) + "),"
                + " (SELECT temporary FROM pg_replication_slots WHERE slot_name = " + literal(slot) + ")";
    }

    /** One row: the history file's name and content (lines of parent timeline, switchpoint, reason). */
    static String timelineHistory(int timeline) {
        return "TIMELINE_HISTORY " + timeline;
    }

    /** Makes an existing slot a failover slot (PostgreSQL 17+). */
    static String enableFailover(String slot) {
        return "ALTER_REPLICATION_SLOT " + slot + " (FAILOVER true)";
    }

    static String startReplication(String slot, Lsn from, int protocolVersion, List<String> publications, boolean binary,
                                   boolean messages, boolean streaming, boolean twoPhase) {
        StringBuilder sql = new StringBuilder("START_REPLICATION SLOT ").append(slot).append(" LOGICAL ").append(from)
                .append(" (proto_version '").append(protocolVersion).append("', publication_names ")
                .append(literal(publications.stream().map(ReplicationCommands::identifier).collect(Collectors.joining(","))));
        if (binary) {
            sql.append(", binary 'true'");
        }
        if (messages) {
            sql.append(", messages 'true'");
        }
        if (streaming && protocolVersion >= 2) {
            sql.append(", streaming 'on'");
        }
        if (twoPhase && protocolVersion >= 3) {
            sql.append(", two_phase 'on'");
        }
        return sql.append(')').toString();
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** {@code schema.table} or {@code table}, each part quoted, so names keep their case. */
    static String qualifiedName(String table) {
        int dot = table.indexOf('.');
        return dot < 0 ? identifier(table) : identifier(table.substring(0, dot)) + "." + identifier(table.substring(dot + 1));
    }
}
