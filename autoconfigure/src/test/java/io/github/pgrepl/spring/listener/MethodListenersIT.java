package io.github.pgrepl.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.health.ReplicationHealthIndicator;
import io.github.pgrepl.spring.listener.error.ErrorDecision;
import io.github.pgrepl.spring.listener.error.FailedChange;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code @ReplicationListener} methods against a real server (18, and 14 in the legacy run): routing in commit order
 * and confirmation after the slowest method; every type Row converts, bound into records and classes, in text and
 * binary mode; unchanged TOAST values; lazy initialization. One server; each test its own application and slots.
 */
class MethodListenersIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @BeforeAll
    static void schema() {
        pg.server().execute(
                "CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(10, 2), status text)",
                "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint, quantity int)",
                "CREATE PUBLICATION routing_pub FOR TABLE orders, lines",
                "CREATE TYPE mood AS ENUM ('HAPPY', 'SAD')",
                "CREATE TABLE all_types (id bigint PRIMARY KEY, flag boolean, small_number smallint, number integer,"
                        + " big_number bigint, real_number real, double_number double precision, amount numeric(10, 2),"
                        + " title text, code varchar(10), letter char(3), doc json, data jsonb, payload bytea, reference uuid,"
                        + " day date, clock time, local_stamp timestamp, stamp timestamptz, numbers int4[], words text[],"
                        + " extra_column text)",
                // An enum binds from its text into a Java enum; NULL into null.
                "CREATE TABLE moods (id bigint PRIMARY KEY, mood mood)",
                "CREATE PUBLICATION types_pub FOR TABLE all_types, moods",
                "CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text)",
                "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL", // out of line, uncompressed: TOASTed for sure
                "CREATE TABLE full_docs (id bigint PRIMARY KEY, title text, body text)",
                "ALTER TABLE full_docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "ALTER TABLE full_docs REPLICA IDENTITY FULL",
                "CREATE PUBLICATION docs_pub FOR TABLE docs, full_docs",
                "CREATE TABLE lazy (id bigint PRIMARY KEY)",
                "CREATE PUBLICATION lazy_pub FOR TABLE lazy");
    }

    /** An application whose connections stream {@code publications}: name=publication[,publication], each its own slot. */
    private static ConfigurableApplicationContext start(Class<?> configuration, List<String> connections, String... properties) {
        List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off"));
        for (String connection : connections) {
            String prefix = "pgrepl.connections." + connection + ".";
            all.add(prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres");
            all.add(prefix + "username=" + PgServer.SUPERUSER);
            all.add(prefix + "create-slot=true");
            all.add(prefix + "slot=" + connection + "_slot");
            all.add(prefix + "status-interval=100ms");
        }
        all.addAll(List.of(properties));
        return new SpringApplicationBuilder(configuration).web(WebApplicationType.NONE).properties(all.toArray(String[]::new))
                .run();
    }

    private static void awaitStreaming(String slot) {
        await().atMost(Duration.ofSeconds(20)).until(() -> "t".equals(pg.server().queryValue(
                "SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")));
    }

    private static Lsn confirmed(String slot) {
        return Lsn.parse(pg.server().queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '"
                + slot + "'"));
    }

    private static Lsn currentWal() {
        return Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_insert_lsn()"));
    }

    // ---------------------------------------------------------------- routing

    record Order(long id, BigDecimal amount, String status) {
    }

    record Line(long id, long orderId, int quantity) {
    }

    /** Three methods on two tables, one with an operation filter, and a transaction listener. */
    public static class Routing {
        final List<String> orders = new CopyOnWriteArrayList<>();
        final List<Long> placed = new CopyOnWriteArrayList<>();
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<ChangeTransaction> transactions = new CopyOnWriteArrayList<>();
        final CountDownLatch slowLine = new CountDownLatch(1);
        volatile boolean slowLineReached;

        @ReplicationListener(connection = "routing", tables = "public.orders")
        void onOrder(Change<Order> change) {
            orders.add(change.operation() + " " + (change.after() != null ? change.after().id() : change.key().get("id")));
        }

        @ReplicationListener(connection = "routing", tables = "orders", operations = Operation.INSERT)
        void placed(Order order) {
            placed.add(order.id());
        }

        @ReplicationListener(connection = "routing", tables = "lines")
        void onLine(Change<Line> change) throws InterruptedException {
            if (change.after().id() == 11) {
                slowLineReached = true;
                // The slowest method: its transaction must not be confirmed until it returns.
                assertThat(slowLine.await(30, TimeUnit.SECONDS)).isTrue();
            }
            lines.add(change.operation() + " " + change.after().id() + " of " + change.after().orderId());
        }

        @ReplicationListener(connection = "routing")
        void transaction(ChangeTransaction transaction) {
            transactions.add(transaction);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class RoutingApp {
        @Bean
        Routing routing() {
            return new Routing();
        }
    }

    @Test
    void eachMethodGetsExactlyItsEventsInCommitOrderAndATransactionIsConfirmedAfterTheSlowestMethod() {
        try (ConfigurableApplicationContext context = start(RoutingApp.class, List.of("routing"),
                "pgrepl.connections.routing.publications=routing_pub")) {
            Routing routing = context.getBean(Routing.class);
            awaitStreaming("routing_slot");

            pg.server().execute("BEGIN", "INSERT INTO orders VALUES (1, 9.99, 'NEW')", "INSERT INTO lines VALUES (10, 1, 2)",
                    "COMMIT");
            Lsn afterFirst = currentWal();
            pg.server().execute("BEGIN", "UPDATE orders SET status = 'PAID' WHERE id = 1", "INSERT INTO lines VALUES (11, 1, 5)",
                    "COMMIT");
            pg.server().execute("BEGIN", "INSERT INTO orders VALUES (2, 1.00, 'NEW')", "DELETE FROM orders WHERE id = 1",
                    "COMMIT");

            await().atMost(Duration.ofSeconds(10)).until(() -> routing.slowLineReached);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(routing.transactions).as("transactions").isNotEmpty();
                assertThat(confirmed("routing_slot")).as("confirmed flush LSN")
                        .isGreaterThan(routing.transactions.get(0).commitLsn());
            });
            // Held by the slowest method: the first transaction is confirmed, the second is not, for all status updates.
            // (The confirmed position only grows: a wider atMost cannot hide a confirmation.)
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(confirmed("routing_slot")).as("confirmed flush LSN").isLessThanOrEqualTo(afterFirst));
            assertThat(routing.orders).as("the update came before the slow line in its transaction")
                    .containsExactly("INSERT 1", "UPDATE 1");
            assertThat(routing.transactions).hasSize(1);

            routing.slowLine.countDown();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(routing.transactions).as("transactions").hasSize(3);
                assertThat(confirmed("routing_slot")).as("confirmed flush LSN")
                        .isGreaterThan(routing.transactions.get(2).commitLsn());
            });
            assertThat(routing.orders).containsExactly("INSERT 1", "UPDATE 1", "INSERT 2", "DELETE 1");
            assertThat(routing.placed).containsExactly(1L, 2L);
            assertThat(routing.lines).containsExactly("INSERT 10 of 1", "INSERT 11 of 1");
            assertThat(routing.transactions).extracting(transaction -> transaction.changes().size()).containsExactly(2, 2, 2);
            assertThat(routing.transactions).extracting(ChangeTransaction::commitLsn).isSorted();
            assertThat(routing.transactions.get(0).changes("lines", Line.class)).extracting(Change::after)
                    .containsExactly(new Line(10, 1, 2));
        }
    }

    // ---------------------------------------------------------------- binding

    enum Mood { HAPPY, SAD }

    /** Every type Row converts, named in camel case after snake-case columns; extra_column has no component. */
    record AllTypes(long id, Boolean flag, short smallNumber, Integer number, long bigNumber, float realNumber,
                    Double doubleNumber, BigDecimal amount, String title, String code, String letter, String doc, String data,
                    byte[] payload, UUID reference, LocalDate day, LocalTime clock, LocalDateTime localStamp, Instant stamp,
                    List<Integer> numbers, List<String> words) {
    }

    record Moody(long id, Mood mood) {
    }

    /** A JavaBean of the same row, for NULLs. */
    public static class AllTypesBean {
        private Long id;
        private Boolean flag;
        private Integer number;
        private BigDecimal amount;
        private Instant stamp;
        private List<Long> numbers;

        public void setId(Long id) {
            this.id = id;
        }

        public void setFlag(Boolean flag) {
            this.flag = flag;
        }

        public void setNumber(Integer number) {
            this.number = number;
        }

        public void setAmount(BigDecimal amount) {
            this.amount = amount;
        }

        public void setStamp(Instant stamp) {
            this.stamp = stamp;
        }

        public void setNumbers(List<Long> numbers) {
            this.numbers = numbers;
        }
    }

    record Document(long id, String title, ColumnValue<String> body) {
    }

    record Notes(long id, String body) {
    }

    public static class Binding {
        final List<AllTypes> text = new CopyOnWriteArrayList<>();
        final List<AllTypes> binary = new CopyOnWriteArrayList<>();
        final List<AllTypesBean> beans = new CopyOnWriteArrayList<>();
        final List<Moody> moods = new CopyOnWriteArrayList<>();
        final List<Document> documents = new CopyOnWriteArrayList<>();
        final List<Notes> fullNotes = new CopyOnWriteArrayList<>();
        final List<Notes> strictNotes = new CopyOnWriteArrayList<>();
        final List<FailedChange> strictFailures = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "text", tables = "all_types", operations = Operation.INSERT)
        void text(AllTypes row) {
            if (row.id() == 1) {
                text.add(row);
            }
        }

        @ReplicationListener(connection = "text", tables = "all_types")
        void bean(Change<AllTypesBean> change) {
            beans.add(change.after());
        }

        @ReplicationListener(connection = "text", tables = "moods")
        void mood(Moody moody) {
            moods.add(moody);
        }

        @ReplicationListener(connection = "binary", tables = "all_types", operations = Operation.INSERT)
        void binary(AllTypes row) {
            if (row.id() == 1) {
                binary.add(row);
            }
        }

        @ReplicationListener(connection = "text", tables = "docs")
        void document(Document document) {
            documents.add(document);
        }

        @ReplicationListener(connection = "text", tables = "full_docs", operations = Operation.UPDATE)
        void fullNotes(Notes notes) {
            fullNotes.add(notes);
        }

        @ReplicationListener(connection = "strict", tables = "docs", operations = Operation.UPDATE)
        void strictNotes(Notes notes) {
            strictNotes.add(notes);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class BindingApp {
        @Bean
        Binding binding() {
            return new Binding();
        }

        /** Records what the strict connection's listener failed on, and goes on. */
        @Bean
        ReplicationErrorHandler strictReplicationErrorHandler(Binding binding) {
            return failed -> {
                binding.strictFailures.add(failed);
                return ErrorDecision.skip();
            };
        }
    }

    @Test
    void everyTypeBindsInTextAndBinaryNullsStayNullAndUnchangedToastIsNeverASilentNull() {
        try (ConfigurableApplicationContext context = start(BindingApp.class, List.of("text", "binary", "strict"),
                "pgrepl.connections.text.publications=types_pub,docs_pub", "pgrepl.connections.binary.publications=types_pub",
                "pgrepl.connections.binary.binary=true", "pgrepl.connections.strict.publications=docs_pub")) {
            Binding binding = context.getBean(Binding.class);
            awaitStreaming("text_slot");
            awaitStreaming("binary_slot");
            awaitStreaming("strict_slot");

            String body = "x".repeat(20_000);
            pg.server().execute("INSERT INTO all_types VALUES (1, true, 3, 42, 9000000000, 1.5, -2.25, 9.99, 'Ada', 'A1',"
                            + " 'ab', '{\"a\": 1}', '{\"b\": [1, 2]}', '\\x00ff', '5b8c5b3e-0000-4000-8000-000000000001',"
                            + " '2024-02-29', '23:59:01.5', '1999-12-31 23:00:00', '2024-05-01 10:00:00+02', '{1,2,3}',"
                            + " '{a,\"b c\",NULL}', 'not in the record')",
                    "INSERT INTO moods VALUES (1, 'SAD'), (2, NULL)",
                    // NULLs, but for the record's primitives: a NULL into a primitive is an error (RowBinderTest).
                    "INSERT INTO all_types (id, small_number, big_number, real_number) VALUES (2, 0, 0, 0)",
                    "INSERT INTO docs VALUES (1, 'first', '" + body + "')",
                    "UPDATE docs SET title = 'second' WHERE id = 1",
                    "INSERT INTO full_docs VALUES (1, 'first', '" + body + "')",
                    "UPDATE full_docs SET title = 'second' WHERE id = 1");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(binding.text.size()).as("text").isEqualTo(1);
                assertThat(binding.binary.size()).as("binary").isEqualTo(1);
                assertThat(binding.beans.size()).as("beans").isEqualTo(2);
                assertThat(binding.documents.size()).as("documents").isEqualTo(2);
                assertThat(binding.fullNotes.size()).as("fullNotes").isEqualTo(1);
                assertThat(binding.strictFailures.size()).as("strictFailures").isEqualTo(1);
                assertThat(binding.moods.size()).as("moods").isEqualTo(2);
            });

            for (AllTypes row : List.of(binding.text.get(0), binding.binary.get(0))) {
                assertThat(row.id()).isEqualTo(1);
                assertThat(row.flag()).isTrue();
                assertThat(row.smallNumber()).isEqualTo((short) 3);
                assertThat(row.number()).isEqualTo(42);
                assertThat(row.bigNumber()).isEqualTo(9_000_000_000L);
                assertThat(row.realNumber()).isEqualTo(1.5f);
                assertThat(row.doubleNumber()).isEqualTo(-2.25);
                assertThat(row.amount()).isEqualByComparingTo("9.99");
                assertThat(row.title()).isEqualTo("Ada");
                assertThat(row.code()).isEqualTo("A1");
                assertThat(row.letter()).isEqualTo("ab ");
                assertThat(row.doc()).isEqualTo("{\"a\": 1}");
                assertThat(row.data()).isEqualTo("{\"b\": [1, 2]}");
                assertThat(row.payload()).containsExactly(0, 255);
                assertThat(row.reference()).isEqualTo(UUID.fromString("5b8c5b3e-0000-4000-8000-000000000001"));
                assertThat(row.day()).isEqualTo(LocalDate.of(2024, 2, 29));
                assertThat(row.clock()).isEqualTo(LocalTime.of(23, 59, 1, 500_000_000));
                assertThat(row.localStamp()).isEqualTo(LocalDateTime.of(1999, 12, 31, 23, 0));
                assertThat(row.stamp()).isEqualTo(Instant.parse("2024-05-01T08:00:00Z"));
                assertThat(row.numbers()).containsExactly(1, 2, 3);
                assertThat(row.words()).containsExactly("a", "b c", null);
            }
            AllTypesBean full = binding.beans.get(0);
            assertThat(full.id).isEqualTo(1L);
            assertThat(full.numbers).containsExactly(1L, 2L, 3L);
            assertThat(binding.moods).containsExactly(new Moody(1, Mood.SAD), new Moody(2, null));
            AllTypesBean nulls = binding.beans.get(1);
            assertThat(nulls.id).isEqualTo(2L);
            assertThat(nulls.flag).isNull();
            assertThat(nulls.number).isNull();
            assertThat(nulls.amount).isNull();
            assertThat(nulls.stamp).isNull();
            assertThat(nulls.numbers).isNull();

            assertThat(binding.documents.get(0).body().get()).isEqualTo(body);
            assertThat(binding.documents.get(1).title()).isEqualTo("second");
            assertThat(binding.documents.get(1).body().isUnchanged()).as("the update did not send it").isTrue();
            assertThat(binding.fullNotes.get(0).body()).as("REPLICA IDENTITY FULL: from the old row").isEqualTo(body);
            assertThat(binding.strictNotes).isEmpty();
            assertThat(binding.strictFailures.get(0).error()).isInstanceOf(ChangeBindingException.class)
                    .hasMessageContaining("column 'body' of public.docs is an unchanged TOAST value")
                    .hasMessageContaining("declare it as ColumnValue<String>");
        }
    }

    // ---------------------------------------------------------------- lazy initialization

    public static class LazyListener {
        final List<Long> ids = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "lazy")
        void on(Change<java.util.Map<String, Object>> change) {
            ids.add((Long) change.after().get("id"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class LazyApp {
        @Bean
        LazyListener lazyListener() {
            return new LazyListener();
        }
    }

    @Test
    void withLazyInitializationTheApplicationStartsAndStreams() {
        try (ConfigurableApplicationContext context = start(LazyApp.class, List.of("lazy"), "spring.main.lazy-initialization=true",
                "pgrepl.connections.lazy.publications=lazy_pub")) {
            awaitStreaming("lazy_slot");

            pg.server().execute("INSERT INTO lazy VALUES (1)");

            LazyListener listener = context.getBean(LazyListener.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> listener.ids.contains(1L));
        }
    }

    // ---------------------------------------------------------------- tables the publication does not have

    /** Names a published table, one the publication lacks and one that does not exist (a typo). */
    public static class Misnamed {
        @ReplicationListener(connection = "misnamed", tables = "public.lazy")
        void lazy(Change<java.util.Map<String, Object>> change) {
        }

        @ReplicationListener(connection = "misnamed", tables = { "orders", "public.ordres" })
        void orders(Change<java.util.Map<String, Object>> change) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class MisnamedApp {
        @Bean
        Misnamed misnamed() {
            return new Misnamed();
        }
    }

    @Test
    void aListenerOfATableThePublicationDoesNotPublishIsToldSoInHealthWithTheFix() {
        // Before, nothing said so: the server sends nothing of such a table, and the listener waited for ever.
        try (ConfigurableApplicationContext context = start(MisnamedApp.class, List.of("misnamed"),
                "pgrepl.connections.misnamed.publications=lazy_pub")) {
            awaitStreaming("misnamed_slot");
            ManagedReplicationConnection connection = context.getBean(ReplicationConnectionRegistry.class).connection("misnamed");
            Health health = new ReplicationHealthIndicator(connection, Duration.ofMinutes(5), Duration.ofSeconds(60),
                    Clock.systemUTC()).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails().get("tableWarnings")).asInstanceOf(InstanceOfAssertFactories.LIST).containsExactly(
                    "the listener expects changes of table orders, but no publication of [lazy_pub] publishes it: none will"
                            + " arrive. Add it (ALTER PUBLICATION lazy_pub ADD TABLE orders), or correct the name",
                    "the listener expects changes of table public.ordres, but no such table exists: none will arrive."
                            + " Correct the name, or create the table and add it to a publication of [lazy_pub]");
        }
    }
}
