package io.github.pgrepl.test;

import static io.github.pgrepl.test.ChangeEvents.delete;
import static io.github.pgrepl.test.ChangeEvents.insert;
import static io.github.pgrepl.test.ChangeEvents.row;
import static io.github.pgrepl.test.ChangeEvents.transaction;
import static io.github.pgrepl.test.ChangeEvents.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.ColumnValue;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.spring.listener.error.ErrorDecision;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

/** Fixtures through listener methods, as an application's test uses them. */
class ReplicationListenersTest {

    record Order(long id, BigDecimal amount, String status, Instant placedAt, List<Integer> quantities, UUID reference) {
    }

    record Document(long id, ColumnValue<String> body) {
    }

    static class Projection {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<ChangeTransaction> transactions = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "orders", tables = "public.orders")
        void on(Change<Order> change) {
            seen.add(change.operation() + " " + (change.after() != null ? change.after() : change.key()));
        }

        @ReplicationListener(connection = "orders", tables = "orders", operations = Operation.INSERT)
        void placed(Order order) {
            if (order.amount().signum() < 0) {
                throw new IllegalArgumentException("negative amount in order " + order.id());
            }
            seen.add("placed " + order.id());
        }

        @ReplicationListener(connection = "orders")
        void tx(ChangeTransaction transaction) {
            transactions.add(transaction);
        }

        @ReplicationListener(connection = "documents")
        void document(Document document) {
            seen.add("document " + document.id() + (document.body().isUnchanged() ? " body unchanged" : " " + document.body()));
        }
    }

    @Test
    void eventsReachTheMethodsOfTheirTablesOneTransactionAtATime() {
        Projection projection = new Projection();
        Instant placedAt = Instant.parse("2026-03-01T12:00:00Z");
        UUID reference = UUID.randomUUID();

        ReplicationListeners.of(projection).connection("orders").deliver(
                insert("public.orders", row("id", 1L, "amount", new BigDecimal("9.99"), "status", "NEW", "placed_at", placedAt,
                        "quantities", List.of(1, 2), "reference", reference)),
                update("orders", row("id", 1L, "amount", new BigDecimal("5.00"), "status", "PAID", "placed_at", placedAt,
                        "quantities", List.of(), "reference", null)),
                delete("orders", Map.of("id", 1L)));

        assertThat(projection.seen).containsExactly(
                "INSERT " + new Order(1, new BigDecimal("9.99"), "NEW", placedAt, List.of(1, 2), reference), "placed 1",
                "UPDATE " + new Order(1, new BigDecimal("5.00"), "PAID", placedAt, List.of(), null),
                "DELETE {id=1}");
        assertThat(projection.transactions).singleElement().satisfies(transaction -> {
            assertThat(transaction.changes()).extracting(Change::operation)
                    .containsExactly(Operation.INSERT, Operation.UPDATE, Operation.DELETE);
            assertThat(transaction.xid()).isPositive();
        });
    }

    @Test
    void aTransactionOfItsOwnStaysOneAndTransactionsComeInOrder() {
        Projection projection = new Projection();
        List<ChangeEvent> first = transaction(insert("orders", row("id", 1L, "amount", BigDecimal.ONE, "status", "NEW",
                "placed_at", null, "quantities", null, "reference", null)));
        List<ChangeEvent> second = transaction(insert("orders", row("id", 2L, "amount", BigDecimal.ONE, "status", "NEW",
                "placed_at", null, "quantities", null, "reference", null)));

        ReplicationListeners listeners = ReplicationListeners.of(projection).connection("orders");
        listeners.deliver(first);
        listeners.deliver(second);

        assertThat(projection.transactions).extracting(ChangeTransaction::xid).isSorted().hasSize(2);
        assertThat(projection.transactions.get(0).commitLsn()).isLessThan(projection.transactions.get(1).commitLsn());
    }

    @Test
    void aFailingListenerFailsTheDeliveryWithItsOwnException() {
        Projection projection = new Projection();

        assertThatThrownBy(() -> ReplicationListeners.of(projection).connection("orders").deliver(insert("orders",
                row("id", 3L, "amount", new BigDecimal("-1"), "status", "NEW", "placed_at", null, "quantities", null,
                        "reference", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("negative amount in order 3");
    }

    @Test
    void anErrorHandlerDecidesInsteadWhenGiven() {
        Projection projection = new Projection();

        ReplicationListeners.of(projection).connection("orders").errorHandler(failed -> ErrorDecision.skip())
                .deliver(insert("orders", row("id", 3L, "amount", new BigDecimal("-1"), "status", "NEW", "placed_at", null,
                        "quantities", null, "reference", null)));

        assertThat(projection.seen).hasSize(1).first().asString().startsWith("INSERT");
    }

    @Test
    void anUnchangedToastValueIsOneAColumnValueReports() {
        Projection projection = new Projection();

        ReplicationListeners.of(projection).connection("documents").deliver(
                update("docs", row("id", 1L, "body", ChangeEvents.UNCHANGED_TOAST)),
                update("docs", row("id", 1L, "body", "new text")));

        assertThat(projection.seen).containsExactly("document 1 body unchanged", "document 1 new text");
    }

    @Test
    void beansWithoutListenerMethodsAreRefused() {
        assertThatThrownBy(() -> ReplicationListeners.of(new Object())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has a @ReplicationListener method");
    }

    @Test
    void aValueWithoutPostgresqlTypeIsRefusedWithTheFix() {
        assertThatThrownBy(() -> insert("orders", Map.of("id", new Object())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Column 'id': pgrepl-test has no PostgreSQL type for a java.lang.Object");
    }
}
