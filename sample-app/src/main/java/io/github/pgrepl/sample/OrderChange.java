package io.github.pgrepl.sample;

import io.github.pgrepl.spring.listener.Change;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;

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

    static OrderChange of(Change<Order> change, Instant receivedAt) {
        Order order = change.after();
        if (order == null) {
            return new OrderChange(change.operation().name(), change.source().xid(), (Long) change.key().get("id"), null, null,
                    null, null, receivedAt);
        }
        return new OrderChange(change.operation().name(), change.source().xid(), order.id(), order.customer(), order.amount(),
                order.status(), order.updatedAt(), receivedAt);
    }
}
