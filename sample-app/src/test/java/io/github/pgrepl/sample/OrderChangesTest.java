package io.github.pgrepl.sample;

import static io.github.pgrepl.test.ChangeEvents.delete;
import static io.github.pgrepl.test.ChangeEvents.insert;
import static io.github.pgrepl.test.ChangeEvents.row;
import static io.github.pgrepl.test.ChangeEvents.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.test.ReplicationListeners;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The sample's listeners, unit-tested with pgrepl-test: events built in the test, no server. */
class OrderChangesTest {

    private static final OffsetDateTime NOW = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);

    private final OrderChanges changes = new OrderChanges();

    @Test
    void keepsEachChangeOfAnOrderAndEachTransaction() {
        ReplicationListeners.of(changes).deliver(
                insert("public.orders", row("id", 7L, "customer", "Ada", "amount", new BigDecimal("12.50"), "status", "NEW",
                        "updated_at", NOW)),
                update("public.orders", row("id", 7L, "customer", "Ada", "amount", new BigDecimal("12.50"), "status", "PAID",
                        "updated_at", NOW)),
                delete("public.orders", Map.of("id", 7L)));

        assertThat(changes.recent()).extracting(OrderChange::operation, OrderChange::id, OrderChange::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("INSERT", 7L, "NEW"),
                        org.assertj.core.groups.Tuple.tuple("UPDATE", 7L, "PAID"),
                        org.assertj.core.groups.Tuple.tuple("DELETE", 7L, null));
        assertThat(changes.recent().get(0).amount()).isEqualByComparingTo("12.50");
        assertThat(changes.recent().get(0).updatedAt()).isEqualTo(NOW);
        assertThat(changes.transactions()).singleElement().satisfies(transaction -> assertThat(transaction.changes()).isEqualTo(3));
    }

    @Test
    void refusesTheNewOrdersOfABlockedCustomer() {
        assertThatThrownBy(() -> ReplicationListeners.of(changes).deliver(insert("public.orders", row("id", 8L, "customer",
                OrderChanges.BLOCKED_CUSTOMER, "amount", BigDecimal.ONE, "status", "NEW", "updated_at", NOW))))
                .isInstanceOf(CustomerBlockedException.class).hasMessage("Customer Mallory is blocked: order 8 refused");
        assertThat(changes.recent()).isEmpty();
    }
}
