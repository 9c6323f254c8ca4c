package io.github.pgrepl.spring.listener.support;

import static io.github.pgrepl.spring.listener.support.Events.TOAST;
import static io.github.pgrepl.spring.listener.support.Events.relation;
import static io.github.pgrepl.spring.listener.support.Events.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.ChangeBindingException;
import io.github.pgrepl.spring.listener.ColumnValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.core.ResolvableType;

/** Rows into records, constructor classes, setter classes, maps and rows; what cannot fit fails, never a silent null. */
class RowBinderTest {

    private static final Relation ORDERS = relation("public.orders", "*id", 20, "customer_name", 25, "amount", 1700,
            "created_at", 1184, "status", 25, "tags", 1009, "quantities", 1007, "reference", 2950, "notes", 25);
    private static final OffsetDateTime CREATED = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);
    private static final UUID REFERENCE = UUID.fromString("5b8c5b3e-0000-4000-8000-000000000001");

    private final RowBinder binder = RowBinder.withDefaultConversions();

    enum Status { NEW, PAID }

    record Order(long id, String customerName, BigDecimal amount, Instant createdAt, Status status, List<String> tags,
                 long[] quantities, UUID reference) {
    }

    record Widened(Long id, double amount, OffsetDateTime createdAt, String reference, List<Long> quantities,
                   Optional<String> notes) {
    }

    /** A class with a constructor for some columns and setters for others. */
    static class Mixed {
        final long id;
        private String status;
        private LocalDate createdAt;

        Mixed(long id) {
            this.id = id;
        }

        public void setStatus(String status) {
            this.status = status;
        }

        public void setCreatedAt(LocalDate createdAt) {
            this.createdAt = createdAt;
        }
    }

    /** A JavaBean: a default constructor and setters only. */
    public static class Bean {
        private Long id;
        private String customerName;
        private BigDecimal amount;

        public void setId(Long id) {
            this.id = id;
        }

        public void setCustomerName(String customerName) {
            this.customerName = customerName;
        }

        public void setAmount(BigDecimal amount) {
            this.amount = amount;
        }
    }

    record Document(long id, ColumnValue<String> notes) {
    }

    record Notes(long id, String notes) {
    }

    record Primitive(long id, double amount) {
    }

    record Typo(long id, String customer) {
    }

    record CountOfNotes(long id, ColumnValue<Integer> quantities) {
    }

    private Row order() {
        return row(ORDERS, 7L, "Ada", new BigDecimal("9.99"), CREATED, "PAID", List.of("a", "b"), List.of(1, 2), REFERENCE,
                null);
    }

    @Test
    void aRecordBindsByColumnNameFromSnakeCaseThroughTheConversionService() {
        Order order = (Order) binder.bind(order(), null, ResolvableType.forClass(Order.class));

        assertThat(order.id()).isEqualTo(7L);
        assertThat(order.customerName()).isEqualTo("Ada");
        assertThat(order.amount()).isEqualByComparingTo("9.99");
        assertThat(order.createdAt()).isEqualTo(CREATED.toInstant());
        assertThat(order.status()).isEqualTo(Status.PAID);
        assertThat(order.tags()).containsExactly("a", "b");
        assertThat(order.quantities()).containsExactly(1L, 2L);
        assertThat(order.reference()).isEqualTo(REFERENCE);
    }

    @Test
    void valuesWidenAndConvertAndAMissingOptionalIsEmpty() {
        Widened widened = (Widened) binder.bind(order(), null, ResolvableType.forClass(Widened.class));

        assertThat(widened.id()).isEqualTo(7L);
        assertThat(widened.amount()).isEqualTo(9.99);
        assertThat(widened.createdAt()).isEqualTo(CREATED);
        assertThat(widened.reference()).isEqualTo(REFERENCE.toString());
        assertThat(widened.quantities()).containsExactly(1L, 2L);
        assertThat(widened.notes()).as("NULL into an Optional").isEmpty();
    }

    @Test
    void aClassTakesItsConstructorThenItsSetters() {
        Mixed mixed = (Mixed) binder.bind(row(relation("public.t", "*id", 20, "status", 25, "created_at", 1082), 3L, "NEW",
                LocalDate.of(2026, 5, 1)), null, ResolvableType.forClass(Mixed.class));

        assertThat(mixed.id).isEqualTo(3L);
        assertThat(mixed.status).isEqualTo("NEW");
        assertThat(mixed.createdAt).isEqualTo(LocalDate.of(2026, 5, 1));
    }

    @Test
    void aJavaBeanTakesItsSettersAndIgnoresColumnsItLacks() {
        Bean bean = (Bean) binder.bind(order(), null, ResolvableType.forClass(Bean.class));

        assertThat(bean.id).isEqualTo(7L);
        assertThat(bean.customerName).isEqualTo("Ada");
        assertThat(bean.amount).isEqualByComparingTo("9.99");
    }

    @Test
    void aMapHasEveryColumnAndARowIsItself() {
        Row row = order();

        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) binder.bind(row, null,
                ResolvableType.forClassWithGenerics(Map.class, String.class, Object.class));

        assertThat(map).containsEntry("id", 7L).containsEntry("customer_name", "Ada").containsEntry("notes", null)
                .containsEntry("created_at", CREATED).containsKeys("amount", "tags", "quantities", "reference");
        assertThat(binder.bind(row, null, ResolvableType.forClass(Row.class))).isSameAs(row);
    }

    @Test
    void anUnchangedToastValueFailsClearlyUnlessTheTargetTakesAColumnValue() {
        Relation docs = relation("public.docs", "*id", 20, "notes", 25);
        Row updated = row(docs, 1L, TOAST);

        assertThatThrownBy(() -> binder.bind(updated, null, ResolvableType.forClass(Notes.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageContaining("column 'notes' of public.docs is an unchanged TOAST value")
                .hasMessageContaining("Notes.notes (String) cannot hold: declare it as ColumnValue<String>")
                .hasMessageContaining("ALTER TABLE public.docs REPLICA IDENTITY FULL");
        assertThatThrownBy(() -> binder.bind(updated, null, ResolvableType.forClassWithGenerics(Map.class, String.class,
                Object.class))).isInstanceOf(ChangeBindingException.class).hasMessageContaining("unchanged TOAST");

        Document document = (Document) binder.bind(updated, null, ResolvableType.forClass(Document.class));
        assertThat(document.notes().isUnchanged()).isTrue();
        Document sent = (Document) binder.bind(row(docs, 1L, "text"), null, ResolvableType.forClass(Document.class));
        assertThat(sent.notes().isUnchanged()).isFalse();
        assertThat(sent.notes().get()).isEqualTo("text");
        Document nulled = (Document) binder.bind(row(docs, 1L, null), null, ResolvableType.forClass(Document.class));
        assertThat(nulled.notes()).isEqualTo(ColumnValue.of(null));
    }

    @Test
    void aColumnValueConvertsItsValueToItsDeclaredType() {
        Relation counts = relation("public.counts", "*id", 20, "quantities", 23);

        CountOfNotes bound = (CountOfNotes) binder.bind(row(counts, 1L, 5), null, ResolvableType.forClass(CountOfNotes.class));

        assertThat(bound.quantities().get()).isEqualTo(5);
    }

    @Test
    void anUnchangedToastValueIsTakenFromAFullOldRow() {
        Relation docs = relation("public.docs", "*id", 20, "notes", 25);

        Notes notes = (Notes) binder.bind(row(docs, 1L, TOAST), row(docs, 1L, "kept"), ResolvableType.forClass(Notes.class));

        assertThat(notes.notes()).isEqualTo("kept");
    }

    @Test
    void aNullIntoAPrimitiveFailsClearly() {
        Relation prices = relation("public.prices", "*id", 20, "amount", 701);

        assertThatThrownBy(() -> binder.bind(row(prices, 1L, null), null, ResolvableType.forClass(Primitive.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageContaining("column 'amount' of public.prices is NULL, which Primitive.amount (double) cannot"
                        + " hold: declare it as Double");
    }

    @Test
    void aConstructorParameterWithoutColumnFailsClearly() {
        assertThatThrownBy(() -> binder.bind(order(), null, ResolvableType.forClass(Typo.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageContaining("Typo.customer has no column in public.orders (columns: [id, customer_name, amount,");
    }

    @Test
    void aValueThatDoesNotConvertNamesThePropertyAndTheCause() {
        record Wrong(long id, Instant customerName) {
        }

        assertThatThrownBy(() -> binder.bind(order(), null, ResolvableType.forClass(Wrong.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageStartingWith("Cannot bind a row of public.orders to")
                .hasMessageContaining("customerName");
    }

    record Person(long id, String firstName, String lastName) {
    }

    /** Throws from its constructor, as a record validating its components does. */
    record Positive(long id, BigDecimal amount) {
        Positive {
            if (amount.signum() <= 0) {
                throw new IllegalArgumentException("amount must be positive, not " + amount);
            }
        }
    }

    @Test
    void aRecordBindsThroughItsCompiledPlanRowAfterRow() {
        ResolvableType type = ResolvableType.forClass(Order.class);

        for (long id = 1; id <= 3; id++) {
            Order order = (Order) binder.bind(row(ORDERS, id, "Ada " + id, new BigDecimal("9.99"), CREATED, "NEW", List.of(),
                    List.of(), REFERENCE, null), null, type);
            assertThat(order.id()).isEqualTo(id);
            assertThat(order.customerName()).isEqualTo("Ada " + id);
            assertThat(order.status()).isEqualTo(Status.NEW);
        }

        assertThat(binder.plans().size(type)).isEqualTo(1);
        assertThat(binder.plans().plan(type, order()).isCompiled()).isTrue();
    }

    @Test
    void aRelationWithOtherColumnsGetsAPlanOfItsOwn() {
        ResolvableType type = ResolvableType.forClass(Person.class);
        Relation before = relation("public.people", "*id", 20, "first_name", 25, "last_name", 25);
        // ALTER TABLE: the two names swap places (dropped and added again), then one is renamed.
        Relation reordered = relation("public.people", "*id", 20, "last_name", 25, "first_name", 25);
        Relation renamed = relation("public.people", "*id", 20, "last_name", 25, "given_name", 25);

        Person first = (Person) binder.bind(row(before, 1L, "Ada", "Lovelace"), null, type);
        Person second = (Person) binder.bind(row(reordered, 2L, "Hopper", "Grace"), null, type);

        assertThat(first).isEqualTo(new Person(1, "Ada", "Lovelace"));
        assertThat(second).as("columns found by name again, not at the old plan's positions")
                .isEqualTo(new Person(2, "Grace", "Hopper"));
        assertThatThrownBy(() -> binder.bind(row(renamed, 3L, "Turing", "Alan"), null, type))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageContaining("Person.firstName has no column in public.people (columns: [id, last_name, given_name])");
        assertThat(binder.plans().size(type)).isEqualTo(3);
    }

    @Test
    void aRelationMessageWithTheSameColumnsReusesThePlanAndAnAlteredTypeConvertsAnew() {
        ResolvableType type = ResolvableType.forClass(Primitive.class);
        Relation prices = relation("public.prices", "*id", 20, "amount", 701);
        Relation again = relation("public.prices", "*id", 20, "amount", 701); // after a reconnect: a new message
        Relation retyped = relation("public.prices", "*id", 20, "amount", 25); // ALTER COLUMN amount TYPE text

        assertThat(((Primitive) binder.bind(row(prices, 1L, 2.5), null, type)).amount()).isEqualTo(2.5);
        assertThat(((Primitive) binder.bind(row(again, 2L, 3.5), null, type)).amount()).isEqualTo(3.5);
        assertThat(binder.plans().size(type)).isEqualTo(1);

        assertThat(((Primitive) binder.bind(row(retyped, 3L, "4.25"), null, type)).amount()).isEqualTo(4.25);
        assertThatThrownBy(() -> binder.bind(row(retyped, 4L, "four"), null, type))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageStartingWith("Cannot bind a row of public.prices to")
                .hasMessageContaining("property 'amount' (column amount text (OID 25)) cannot take the value of type java.lang.String")
                .hasMessageContaining("Declare the property as a type that value converts to (String takes any column), or"
                        + " register a Converter to double");
        assertThat(binder.plans().size(type)).isEqualTo(2);
    }

    @Test
    void settersAreFoundOnceAndBindEveryRow() {
        Relation table = relation("public.t", "*id", 20, "status", 25, "created_at", 1082);

        for (long id = 1; id <= 3; id++) {
            Mixed mixed = (Mixed) binder.bind(row(table, id, "S" + id, LocalDate.of(2026, 5, (int) id)), null,
                    ResolvableType.forClass(Mixed.class));
            assertThat(mixed.id).isEqualTo(id);
            assertThat(mixed.status).isEqualTo("S" + id);
            assertThat(mixed.createdAt).isEqualTo(LocalDate.of(2026, 5, (int) id));
            Bean bean = (Bean) binder.bind(order(), null, ResolvableType.forClass(Bean.class));
            assertThat(bean.customerName).isEqualTo("Ada");
        }
    }

    @Test
    void aConstructorThatThrowsFailsWithItsCause() {
        Relation payments = relation("public.payments", "*id", 20, "amount", 1700);

        assertThat(((Positive) binder.bind(row(payments, 1L, BigDecimal.TEN), null,
                ResolvableType.forClass(Positive.class))).amount()).isEqualByComparingTo("10");
        assertThatThrownBy(() -> binder.bind(row(payments, 2L, BigDecimal.ZERO), null, ResolvableType.forClass(Positive.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageStartingWith("Cannot bind a row of public.payments to " + Positive.class.getName() + ": ")
                .hasMessageContaining("its constructor threw java.lang.IllegalArgumentException: amount must be positive, not 0")
                .hasRootCauseMessage("amount must be positive, not 0");
    }

    /** Counts its constructor's calls and throws from it, as a validating record with side effects would. */
    record Counted(long id, BigDecimal amount) {
        static final AtomicInteger CALLS = new AtomicInteger();

        Counted {
            CALLS.incrementAndGet();
            if (amount.signum() <= 0) {
                throw new IllegalArgumentException("amount must be positive, not " + amount);
            }
        }
    }

    /** Counts its constructor's and its setter's calls; the setter throws on a status it does not know. */
    static class Strict {
        static final AtomicInteger CONSTRUCTED = new AtomicInteger();
        static final AtomicInteger SET = new AtomicInteger();
        final long id;
        private String status;
        private LocalDate createdAt;

        Strict(long id) {
            CONSTRUCTED.incrementAndGet();
            this.id = id;
        }

        public void setStatus(String status) {
            SET.incrementAndGet();
            if (!status.equals("NEW")) {
                throw new IllegalArgumentException("unknown status " + status);
            }
            this.status = status;
        }

        public void setCreatedAt(LocalDate createdAt) {
            this.createdAt = createdAt;
        }

        static void reset() {
            CONSTRUCTED.set(0);
            SET.set(0);
        }
    }

    @Test
    void aConstructorThatThrowsRunsOnceAndTheErrorNamesTheTypeAndTheCause() {
        Relation payments = relation("public.payments", "*id", 20, "amount", 1700);
        Counted.CALLS.set(0);

        assertThatThrownBy(() -> binder.bind(row(payments, 2L, BigDecimal.ZERO), null, ResolvableType.forClass(Counted.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessage("Cannot bind a row of public.payments to " + Counted.class.getName() + ": its constructor threw"
                        + " java.lang.IllegalArgumentException: amount must be positive, not 0")
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(Counted.CALLS).as("the constructor's calls").hasValue(1);
    }

    @Test
    void aSetterThatThrowsRunsOnceAndTheErrorNamesTheTypeTheColumnAndTheCause() {
        Relation table = relation("public.t", "*id", 20, "status", 25, "created_at", 1082);
        ResolvableType type = ResolvableType.forClass(Strict.class);
        Strict.reset();

        Throwable thrown = catchThrowable(() -> binder.bind(row(table, 1L, "PAID", LocalDate.of(2026, 5, 1)), null, type));

        assertThat(Strict.CONSTRUCTED).as("the constructor's calls").hasValue(1);
        assertThat(Strict.SET).as("the setter's calls").hasValue(1);
        assertThat(thrown).isInstanceOf(ChangeBindingException.class)
                .hasMessage("Cannot bind a row of public.t to " + Strict.class.getName() + ": property 'status' (column"
                        + " status text (OID 25)): its setter threw java.lang.IllegalArgumentException: unknown status PAID")
                .hasCauseInstanceOf(IllegalArgumentException.class);

        // The DataBinder's path (two columns for one property: no plan) reads the same, and runs them once too.
        Strict.reset();
        Relation twice = relation("public.t", "*id", 20, "status", 25, "_status", 25);
        assertThatThrownBy(() -> binder.bind(row(twice, 1L, "PAID", "PAID"), null, type))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageContaining("to " + Strict.class.getName() + ": ")
                .hasMessageContaining("property 'status' (column status text (OID 25)): its setter threw"
                        + " java.lang.IllegalArgumentException: unknown status PAID")
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(Strict.CONSTRUCTED).hasValue(1);
    }

    @Test
    void aSetterValueThatDoesNotConvertRunsTheConstructorOnce() {
        Relation table = relation("public.t", "*id", 20, "status", 25, "created_at", 25);
        Strict.reset();

        assertThatThrownBy(() -> binder.bind(row(table, 1L, "NEW", "not a date"), null, ResolvableType.forClass(Strict.class)))
                .isInstanceOf(ChangeBindingException.class)
                .hasMessageContaining("property 'createdAt' (column created_at text (OID 25)) cannot take the value of"
                        + " type java.lang.String");
        assertThat(Strict.CONSTRUCTED).as("the constructor's calls: the DataBinder's only").hasValue(1);
    }

    @Test
    void camelCaseOfColumnNames() {
        assertThat(RowBinder.camelCase("created_at")).isEqualTo("createdAt");
        assertThat(RowBinder.camelCase("_private_id")).isEqualTo("privateId");
        assertThat(RowBinder.camelCase("amount")).isEqualTo("amount");
    }
}
