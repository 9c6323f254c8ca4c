package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;

import java.util.List;

/**
 * A row of {@code pg_replication_slots} as {@link ReplicationCommands#findSlot} reads it: what tells a usable slot
 * from an invalidated one or a synchronized copy on a standby. Columns the server lacks are {@code null}
 * ({@code conflicting} before PostgreSQL 16; {@code failover}, {@code synced}, {@code invalidation_reason} before 17).
 */
record SlotStatus(String plugin, String activePid, Lsn confirmedFlush, String walStatus, boolean temporary,
                  Boolean conflicting, Boolean failover, Boolean synced, String invalidationReason) {

    static SlotStatus of(List<String> row) {
        return new SlotStatus(row.get(0), row.get(1), row.get(2) == null ? Lsn.ZERO : Lsn.parse(row.get(2)), row.get(4),
                "t".equals(row.get(5)), bool(row.get(6)), bool(row.get(7)), bool(row.get(8)), row.get(9));
    }

    /** The server can no longer decode from this slot: its WAL or catalog rows are gone. */
    boolean invalidated() {
        return "lost".equals(walStatus) || invalidationReason != null || Boolean.TRUE.equals(conflicting);
    }

    boolean isFailover() {
        return Boolean.TRUE.equals(failover);
    }

    /** A copy kept up to date from the primary by a standby's slot sync worker (PostgreSQL 17+). */
    boolean isSynced() {
        return Boolean.TRUE.equals(synced);
    }

    /** Why the slot was invalidated and what would have kept it, in words, from the reason the server gives. */
    String invalidationCause() {
        String reason = invalidationReason != null ? invalidationReason
                : Boolean.TRUE.equals(conflicting) ? "conflict with recovery" : "wal_removed";
        return switch (reason) {
            case "wal_removed" -> "wal_removed: the server removed WAL the slot still needed, because it fell further"
                    + " behind than max_slot_wal_keep_size allows";
            case "rows_removed" -> "rows_removed: catalog rows the slot needed were removed (on a standby: turn"
                    + " hot_standby_feedback on and stream from a physical slot)";
            case "wal_level_insufficient" -> "wal_level_insufficient: wal_level was lowered below logical";
            case "idle_timeout" -> "idle_timeout: it was unused for longer than idle_replication_slot_timeout";
            case "conflict with recovery" -> "it conflicted with recovery on this standby (catalog rows it needed were"
                    + " removed, or wal_level was lowered on the primary)";
            default -> reason;
        };
    }

    private static Boolean bool(String value) {
        return value == null ? null : "t".equals(value);
    }
}
