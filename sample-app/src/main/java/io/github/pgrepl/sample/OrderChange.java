package io.github.pgrepl.sample;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * One change of a row of {@code orders}, as {@code GET /changes} shows it. A delete carries only the key: the table
 * has the default replica identity, so the server sends no other old values.
 *
 * @param operation INSERT, UPDATE or DELETE
 * @param xid the transaction that made the change
 * @param receivedAt when the listener got it
 */
public record OrderChange(String operation, long xid, Long id, String customer, BigDecimal amount, String status,
                          OffsetDateTime updatedAt, Instant receivedAt) {

    static final String TABLE = "orders";

    /**
     * The change an event makes to {@code orders}; empty for other events and tables.
     *
     * @param xid the transaction of the last {@code Begin}: pgoutput puts one in a change only while it streams a
     *     large transaction before its commit
     */
    static Optional<OrderChange> of(ChangeEvent event, long xid, Instant receivedAt) {
        if (event instanceof ChangeEvent.Insert insert && isOrders(insert.relation())) {
            return Optional.of(fromRow("INSERT", xid(insert.xid(), xid), insert.newRow(), receivedAt));
        }
        if (event instanceof ChangeEvent.Update update && isOrders(update.relation())) {
            return Optional.of(fromRow("UPDATE", xid(update.xid(), xid), update.newRow(), receivedAt));
        }
        if (event instanceof ChangeEvent.Delete delete && isOrders(delete.relation())) {
            Row key = delete.oldKey() != null ? delete.oldKey() : delete.oldRow();
            return Optional.of(new OrderChange("DELETE", xid(delete.xid(), xid), key.getLong("id"), null, null, null, null,
                    receivedAt));
        }
        return Optional.empty();
    }

    private static long xid(long ofChange, long ofBegin) {
        return ofChange != 0 ? ofChange : ofBegin;
    }

    private static boolean isOrders(ChangeEvent.Relation relation) {
        return TABLE.equals(relation.name());
    }

    // Row converts values lazily; reading them all here, on the listener thread, makes the record safe to share.
    private static OrderChange fromRow(String operation, long xid, Row row, Instant receivedAt) {
        return new OrderChange(operation, xid, row.getLong("id"), row.getString("customer"), row.getBigDecimal("amount"),
                row.getString("status"), row.getOffsetDateTime("updated_at"), receivedAt);
    }
}
