package io.github.pgrepl.spring.listener.support;

import static io.github.pgrepl.spring.listener.support.Events.begin;
import static io.github.pgrepl.spring.listener.support.Events.commit;
import static io.github.pgrepl.spring.listener.support.Events.delete;
import static io.github.pgrepl.spring.listener.support.Events.insert;
import static io.github.pgrepl.spring.listener.support.Events.relation;
import static io.github.pgrepl.spring.listener.support.Events.row;
import static io.github.pgrepl.spring.listener.support.Events.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.connection.ListenerFailureStatus;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.ConnectionListener;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.spring.listener.TransactionTooLargeException;
import io.github.pgrepl.spring.listener.error.ErrorDecision;
import io.github.pgrepl.spring.listener.error.FailedChange;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Routing, transactions and failures of listener methods, event by event, without a server. */
class ChangeDispatcherTest {

    private static final Relation ORDERS = relation("public.orders", "*id", 20, "amount", 1700);
    private static final Relation AUDIT = relation("audit.orders", "*id", 20, "amount", 1700);
    private static final Relation LINES = relation("public.lines", "*id", 20, "order_id", 20);

    record Order(long id, BigDecimal amount) {
    }

    record Line(long id, long orderId) {
    }

    /** Records what each method got, in the order of the calls. */
    static class Projection {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "orders", tables = "public.orders")
        void changes(Change<Order> change) {
            calls.add("changes " + change.operation() + " " + id(change));
        }

        @ReplicationListener(connection = "orders", tables = "orders", operations = Operation.INSERT)
        void placed(Order order) {
            calls.add("placed " + order.id());
        }

        @ReplicationListener(connection = "orders", tables = "lines")
        void lines(Change<Line> change) {
            calls.add("lines " + change.operation() + " " + change.after().orderId());
        }

        @ReplicationListener(connection = "orders", tables = "public.orders")
        void raw(ChangeEvent event) {
            calls.add("raw " + event.getClass().getSimpleName());
        }

        private static Object id(Change<Order> change) {
            return change.after() != null ? change.after().id() : change.key().get("id");
        }
    }

    static class Transactions {
        final List<ChangeTransaction> transactions = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "orders", tables = "lines")
        void whole(ChangeTransaction transaction) {
            transactions.add(transaction);
        }
    }

    /** Throws on order 2 until told otherwise. */
    static class Failing {
        final List<Long> processed = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean broken = true;

        @ReplicationListener("orders")
        void on(Order order) {
            calls.incrementAndGet();
            if (broken && order.id() == 2) {
                throw new IllegalStateException("no customer for order 2");
            }
            processed.add(order.id());
        }
    }

    private final List<FailedChange> failures = new CopyOnWriteArrayList<>();

    private ChangeDispatcher dispatcher(Object bean, ReplicationErrorHandler errorHandler, long transactionMaxBytes) {
        List<ListenerMethod> methods = new ArrayList<>();
        for (ReplicationListenerEndpoint endpoint : ReplicationListenerEndpoints.of(bean, "bean", null)) {
            methods.add(ListenerMethod.of(endpoint));
        }
        ReplicationErrorHandler recording = failed -> {
            failures.add(failed);
            return errorHandler.handle(failed);
        };
        return new ChangeDispatcher("orders", methods, RowBinder.withDefaultConversions(), recording, transactionMaxBytes,
                Clock.systemUTC());
    }

    private static void send(ChangeDispatcher dispatcher, ChangeEvent... events) throws InterruptedException {
        for (ChangeEvent event : events) {
            dispatcher.onChange(event);
        }
    }

    @Test
    void eachMethodGetsExactlyItsEventsInCommitOrder() throws Exception {
        Projection projection = new Projection();
        ChangeDispatcher dispatcher = dispatcher(projection, failed -> ErrorDecision.stop(), 1 << 20);

        send(dispatcher, begin(700, 100), insert(ORDERS, 1L, new BigDecimal("9.99")), insert(LINES, 10L, 1L),
                insert(AUDIT, 5L, BigDecimal.ONE), commit(100),
                begin(701, 200), update(ORDERS, null, 1L, new BigDecimal("5.00")), delete(ORDERS, 1L, null), commit(200));

        // Methods of one bean by name; "orders" without a schema is audit.orders too.
        assertThat(projection.calls).containsExactly(
                "raw Begin", "changes INSERT 1", "placed 1", "raw Insert", "lines INSERT 1", "placed 5", "raw Commit",
                "raw Begin", "changes UPDATE 1", "raw Update", "changes DELETE 1", "raw Delete", "raw Commit");
        assertThat(dispatcher.onlyRawEvents()).isFalse();
    }

    @Test
    void aChangeTellsItsSourceAndKey() throws Exception {
        List<Change<Row>> seen = new CopyOnWriteArrayList<>();
        Object bean = new Object() {
            @ReplicationListener("orders")
            void on(Change<Row> change) {
                seen.add(change);
            }
        };
        ChangeDispatcher dispatcher = dispatcher(bean, failed -> ErrorDecision.stop(), 1 << 20);

        send(dispatcher, begin(812, 0x1A2B3C8), insert(ORDERS, 7L, BigDecimal.TEN), delete(ORDERS, 7L, null),
                commit(0x1A2B3C8));

        Change<Row> insert = seen.get(0);
        assertThat(insert.operation()).isEqualTo(Operation.INSERT);
        assertThat(insert.before()).isNull();
        assertThat(insert.after().getLong("id")).isEqualTo(7L);
        assertThat(insert.key()).isEqualTo(Map.of("id", 7L));
        assertThat(insert.source()).isEqualTo(new Change.Source(Lsn.of(0x1A2B3C8), 812, begin(0, 0).commitTime(), "public",
                "orders"));
        assertThat(insert).hasToString("INSERT public.orders key {id=7} (xid 812, commit 0/1A2B3C8)");
        Change<Row> delete = seen.get(1);
        assertThat(delete.before()).as("only the key: the default replica identity").isNull();
        assertThat(delete.after()).isNull();
        assertThat(delete.key()).isEqualTo(Map.of("id", 7L));
    }

    @Test
    void aSnapshotsRowsAreReadChangesWithoutACommitAndNoneOfTheirWatermarksTransaction() throws Exception {
        List<Change<Row>> reads = new CopyOnWriteArrayList<>();
        List<Order> payloads = new CopyOnWriteArrayList<>();
        List<String> inserts = new CopyOnWriteArrayList<>();
        List<ChangeTransaction> transactions = new CopyOnWriteArrayList<>();
        Object bean = new Object() {
            @ReplicationListener(connection = "orders", tables = "public.orders", operations = Operation.READ)
            void read(Change<Row> change) {
                reads.add(change);
            }

            @ReplicationListener(connection = "orders", tables = "public.orders")
            void payload(Order order) {
                payloads.add(order);
            }

            @ReplicationListener(connection = "orders", tables = "public.orders", operations = Operation.INSERT)
            void insert(Change<Row> change) {
                inserts.add(change.operation() + " " + change.after().getLong("id"));
            }

            @ReplicationListener(connection = "orders", tables = "public.orders")
            void whole(ChangeTransaction transaction) {
                transactions.add(transaction);
            }
        };
        ChangeDispatcher dispatcher = dispatcher(bean, failed -> ErrorDecision.stop(), 1 << 20);

        // An initial snapshot's row (no transaction), then an incremental one's, inside its watermark's transaction.
        send(dispatcher, new ChangeEvent.SnapshotStarted(ORDERS), new ChangeEvent.Read(ORDERS, row(ORDERS, 1L, BigDecimal.ONE)),
                begin(900, 300), new ChangeEvent.Read(ORDERS, row(ORDERS, 2L, BigDecimal.TEN)),
                new ChangeEvent.SnapshotCompleted(ORDERS, 2), commit(300));

        assertThat(reads).extracting(Change::operation).containsExactly(Operation.READ, Operation.READ);
        assertThat(reads).extracting(Change::key).containsExactly(Map.of("id", 1L), Map.of("id", 2L));
        assertThat(reads).allSatisfy(read -> {
            assertThat(read.source().lsn()).isNull();
            assertThat(read.source().xid()).isZero();
            assertThat(read.source().table()).isEqualTo("orders");
        });
        assertThat(payloads).containsExactly(new Order(1L, BigDecimal.ONE), new Order(2L, BigDecimal.TEN));
        assertThat(inserts).as("READ is filtered like the other operations").isEmpty();
        assertThat(transactions).as("a watermark's transaction has no change of its own").isEmpty();
    }

    @Test
    void aTransactionListenerGetsItsChangesOfEachTransactionWholeAtTheCommit() throws Exception {
        Transactions transactions = new Transactions();
        ChangeDispatcher dispatcher = dispatcher(transactions, failed -> ErrorDecision.stop(), 1 << 20);

        send(dispatcher, begin(700, 100), insert(LINES, 10L, 1L), insert(ORDERS, 1L, BigDecimal.ONE), insert(LINES, 11L, 1L));
        assertThat(transactions.transactions).as("nothing before the commit").isEmpty();
        send(dispatcher, commit(100), begin(701, 200), insert(ORDERS, 2L, BigDecimal.ONE), commit(200));

        assertThat(transactions.transactions).as("not the one without lines").hasSize(1);
        ChangeTransaction transaction = transactions.transactions.get(0);
        assertThat(transaction.xid()).isEqualTo(700);
        assertThat(transaction.commitLsn()).isEqualTo(Lsn.of(100));
        assertThat(transaction.changes(Line.class)).extracting(change -> change.after().id()).containsExactly(10L, 11L);
        assertThat(transaction.changes("orders", Line.class)).isEmpty();
    }

    @Test
    void aTransactionAgainFromItsBeginIsCollectedOnce() throws Exception {
        Transactions transactions = new Transactions();
        ChangeDispatcher dispatcher = dispatcher(transactions, failed -> ErrorDecision.stop(), 1 << 20);

        // The connection dropped inside the transaction: its events so far are followed by its Begin again.
        send(dispatcher, begin(700, 100), insert(LINES, 10L, 1L), begin(700, 100), insert(LINES, 10L, 1L),
                insert(LINES, 11L, 1L), commit(100));

        assertThat(transactions.transactions.get(0).changes()).hasSize(2);
    }

    @Test
    void aTransactionLargerThanTheBoundFailsItsListenerWithoutBeingHeld() throws Exception {
        Transactions transactions = new Transactions();
        ChangeDispatcher dispatcher = dispatcher(transactions, failed -> ErrorDecision.skip(), 1024);

        send(dispatcher, begin(700, 100));
        for (long i = 0; i < 20; i++) {
            send(dispatcher, insert(LINES, i, 1L));
        }
        send(dispatcher, commit(100));

        assertThat(transactions.transactions).isEmpty();
        assertThat(failures).singleElement().satisfies(failed -> {
            assertThat(failed.error()).isInstanceOf(TransactionTooLargeException.class)
                    .hasMessageContaining("Transaction 700 (commit 0/64) holds more than 1024B of changes")
                    .hasMessageContaining("Take the changes one at a time (Change<T>)")
                    .hasMessageContaining("pgrepl.connections.orders.listener.transaction-max-bytes");
            assertThat(failed.listener()).isEqualTo("bean.whole");
        });
        assertThat(dispatcher.skipped()).isEqualTo(1);
    }

    @Test
    void aFailingListenerIsRetriedUntilItSucceedsAndNothingAfterItIsDeliveredMeanwhile() throws Exception {
        Failing failing = new Failing();
        ChangeDispatcher dispatcher = dispatcher(failing, failed -> {
            if (failed.attempts() == 3) {
                failing.broken = false; // fixed while it retries
            }
            return ErrorDecision.retryAfter(Duration.ofMillis(1));
        }, 1 << 20);

        send(dispatcher, begin(700, 100), insert(ORDERS, 1L, BigDecimal.ONE), insert(ORDERS, 2L, BigDecimal.ONE),
                insert(ORDERS, 3L, BigDecimal.ONE), commit(100));

        assertThat(failing.processed).containsExactly(1L, 2L, 3L);
        assertThat(failures).extracting(FailedChange::attempts).containsExactly(1, 2, 3);
        assertThat(failures.get(0).change().toString()).isEqualTo("INSERT public.orders key {id=2} (xid 700, commit 0/64)");
        assertThat(failures.get(0).error()).hasMessage("no customer for order 2");
        assertThat(dispatcher.failedAttempts()).isEqualTo(3);
        assertThat(dispatcher.failure()).as("recovered").isEmpty();
    }

    @Test
    void aSkippedChangeIsCountedAndTheRestDelivered() throws Exception {
        Failing failing = new Failing();
        ChangeDispatcher dispatcher = dispatcher(failing, failed -> ErrorDecision.skip(), 1 << 20);

        send(dispatcher, begin(700, 100), insert(ORDERS, 1L, BigDecimal.ONE), insert(ORDERS, 2L, BigDecimal.ONE),
                insert(ORDERS, 3L, BigDecimal.ONE), commit(100));

        assertThat(failing.processed).containsExactly(1L, 3L);
        assertThat(dispatcher.skipped()).isEqualTo(1);
        assertThat(dispatcher.recovered()).isZero();
    }

    @Test
    void aStoppedConnectionWaitsForARestartAndThenTriesTheChangeAgain() throws Exception {
        Failing failing = new Failing();
        ChangeDispatcher dispatcher = dispatcher(failing, failed -> ErrorDecision.stop(), 1 << 20);
        List<String> stream = new CopyOnWriteArrayList<>();
        dispatcher.setStreamControl(new ChangeDispatcher.StreamControl() {
            @Override
            public void stop(String reason) {
                stream.add("stop: " + reason);
            }

            @Override
            public void resume() {
                stream.add("resume");
            }
        });

        CompletableFuture<Void> delivery = CompletableFuture.runAsync(() -> {
            try {
                send(dispatcher, begin(700, 100), insert(ORDERS, 1L, BigDecimal.ONE), insert(ORDERS, 2L, BigDecimal.ONE),
                        insert(ORDERS, 3L, BigDecimal.ONE), commit(100));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The failure is published as stopped just before the stream is told to stop: await both.
        await().atMost(Duration.ofSeconds(5)).until(() -> dispatcher.failure().map(ListenerFailureStatus::stopped).orElse(false)
                && !stream.isEmpty());
        assertThat(stream).singleElement().asString().startsWith("stop: listener 'bean.on' failed 1 time(s) on INSERT"
                + " public.orders key {id=2}").contains("no customer for order 2");
        assertThat(dispatcher.failure().orElseThrow()).extracting(ListenerFailureStatus::listener, ListenerFailureStatus::attempts)
                .containsExactly("bean.on", 1);
        assertThat(failing.processed).containsExactly(1L);

        failing.broken = false;
        dispatcher.restart();
        delivery.get();

        assertThat(failing.processed).containsExactly(1L, 2L, 3L);
        assertThat(stream).hasSize(2).last().isEqualTo("resume");
        assertThat(dispatcher.failure()).isEmpty();
    }

    @Test
    void closingGivesUpTheFailingChangeUnconfirmed() throws Exception {
        Failing failing = new Failing();
        ChangeDispatcher dispatcher = dispatcher(failing, failed -> ErrorDecision.retryAfter(Duration.ofMinutes(5)), 1 << 20);
        CompletableFuture<Void> delivery = CompletableFuture.runAsync(() -> {
            try {
                send(dispatcher, begin(700, 100), insert(ORDERS, 2L, BigDecimal.ONE), commit(100));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> dispatcher.failure().isPresent());

        dispatcher.close();

        assertThatThrownBy(delivery::join).hasRootCauseInstanceOf(InterruptedException.class)
                .hasRootCauseMessage("Replication connection 'orders' is closing: the failing change stays unconfirmed and"
                        + " is delivered again after a restart");
    }

    @Test
    void aRestartCutsTheWaitBeforeTheNextTryShort() throws Exception {
        Failing failing = new Failing();
        ChangeDispatcher dispatcher = dispatcher(failing, failed -> ErrorDecision.retryAfter(Duration.ofMinutes(5)), 1 << 20);
        CompletableFuture<Void> delivery = CompletableFuture.runAsync(() -> {
            try {
                send(dispatcher, begin(700, 100), insert(ORDERS, 2L, BigDecimal.ONE), commit(100));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> dispatcher.failure().isPresent());

        failing.broken = false;
        dispatcher.restart();

        delivery.get();
        assertThat(failing.processed).containsExactly(2L);
    }

    @Test
    void anErrorHandlerThatThrowsMeansAnotherTryRatherThanALostChange() throws Exception {
        Failing failing = new Failing();
        ChangeDispatcher dispatcher = dispatcher(failing, failed -> {
            failing.broken = false;
            throw new IllegalStateException("handler bug");
        }, 1 << 20);

        send(dispatcher, begin(700, 100), insert(ORDERS, 2L, BigDecimal.ONE), commit(100));

        assertThat(failing.processed).containsExactly(2L);
    }

    @Test
    void aBindingFailureIsAListenerFailure() throws Exception {
        record Strict(long id, long amount) {
        }
        List<Strict> seen = new CopyOnWriteArrayList<>();
        Object bean = new Object() {
            @ReplicationListener("orders")
            void on(Strict strict) {
                seen.add(strict);
            }
        };
        ChangeDispatcher dispatcher = dispatcher(bean, failed -> ErrorDecision.skip(), 1 << 20);

        send(dispatcher, begin(700, 100), insert(ORDERS, 1L, null), insert(ORDERS, 2L, BigDecimal.TEN), commit(100));

        assertThat(seen).extracting(Strict::id).containsExactly(2L);
        assertThat(failures).singleElement().satisfies(failed -> assertThat(failed.error())
                .hasMessageContaining("column 'amount' of public.orders is NULL"));
    }

    /** A relay-like listener: records the events it gets, finishes transactions when told. */
    static class Relay implements ConnectionListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile Lsn finishedThrough;
        volatile boolean closing;
        volatile boolean failNextInsert;
        volatile boolean mayBeGivenUp = true;

        @Override
        public String connection() {
            return "orders";
        }

        @Override
        public boolean changesMayBeGivenUp() {
            return mayBeGivenUp;
        }

        @Override
        public void onChange(ChangeEvent event) {
            if (failNextInsert && event instanceof ChangeEvent.Insert) {
                failNextInsert = false;
                throw new IllegalStateException("broker says no");
            }
            events.add("relay " + event.getClass().getSimpleName());
        }

        @Override
        public Lsn confirmLimit() {
            return finishedThrough;
        }

        @Override
        public void closing() {
            closing = true;
        }
    }

    private ChangeDispatcher dispatcherOf(ReplicationErrorHandler errorHandler, Object... beans) {
        List<ListenerMethod> methods = new ArrayList<>();
        for (Object bean : beans) {
            for (ReplicationListenerEndpoint endpoint : ReplicationListenerEndpoints.of(bean, bean.getClass().getSimpleName(), null)) {
                methods.add(ListenerMethod.of(endpoint));
            }
        }
        ReplicationErrorHandler recording = failed -> {
            failures.add(failed);
            return errorHandler.handle(failed);
        };
        return new ChangeDispatcher("orders", methods, RowBinder.withDefaultConversions(), recording, 1 << 20, Clock.systemUTC());
    }

    @Test
    void aConnectionListenerTakesEveryEventInTurnWithTheMethodsAndHoldsConfirmationBackUntilItFinished() throws Exception {
        Relay relay = new Relay();
        Relay second = new Relay();
        Projection projection = new Projection();
        ChangeDispatcher dispatcher = dispatcherOf(failed -> ErrorDecision.retryAfter(Duration.ofMillis(1)), relay, projection);

        assertThat(ReplicationListenerEndpoints.of(relay, "relay", null)).singleElement()
                .satisfies(endpoint -> assertThat(endpoint.isConnectionListener()).isTrue())
                .satisfies(endpoint -> assertThat(endpoint.isBeanLevel()).isFalse())
                .satisfies(endpoint -> assertThat(endpoint.connection()).isEqualTo("orders"));
        assertThat(ReplicationListenerEndpoints.hasListeners(Relay.class)).isTrue();

        send(dispatcher, begin(700, 100), insert(LINES, 10L, 1L), commit(100));
        assertThat(relay.events).containsExactly("relay Begin", "relay Insert", "relay Commit");
        assertThat(projection.calls).containsExactly("raw Begin", "lines INSERT 1", "raw Commit");

        assertThat(dispatcher.confirmLimit()).as("finished everything").isNull();
        relay.finishedThrough = Lsn.of(50);
        assertThat(dispatcher.confirmLimit()).isEqualTo(Lsn.of(50));

        ChangeDispatcher two = dispatcherOf(failed -> ErrorDecision.stop(), relay, second);
        second.finishedThrough = Lsn.of(40);
        assertThat(two.confirmLimit()).as("the lowest").isEqualTo(Lsn.of(40));

        // Committed transactions only: a connection listener keeps the connection from streaming in-progress ones.
        assertThat(dispatcherOf(failed -> ErrorDecision.stop(), relay).onlyRawEvents()).isFalse();

        dispatcher.close();
        assertThat(relay.closing).isTrue();
    }

    @Test
    void aFailingConnectionListenerGoesThroughTheErrorHandler() throws Exception {
        Relay relay = new Relay();
        relay.failNextInsert = true;
        ChangeDispatcher dispatcher = dispatcherOf(failed -> ErrorDecision.retryAfter(Duration.ofMillis(1)), relay);

        send(dispatcher, begin(700, 100), insert(ORDERS, 1L, BigDecimal.ONE), commit(100));

        assertThat(relay.events).containsExactly("relay Begin", "relay Insert", "relay Commit");
        assertThat(failures).singleElement().satisfies(failed -> {
            assertThat(failed.listener()).isEqualTo("Relay");
            assertThat(failed.error()).hasMessage("broker says no");
        });
    }

    @Test
    void aConnectionListenerThatMayNotGiveUpAChangeIsRetriedWhateverTheHandlerDecides() throws Exception {
        Relay relay = new Relay();
        relay.mayBeGivenUp = false;
        relay.failNextInsert = true;
        Projection projection = new Projection();
        ChangeDispatcher dispatcher = dispatcherOf(failed -> ErrorDecision.skip(), relay, projection);

        send(dispatcher, begin(700, 100), insert(LINES, 10L, 1L), commit(100));

        assertThat(relay.events).as("the failed insert, delivered again").containsExactly("relay Begin", "relay Insert",
                "relay Commit");
        assertThat(projection.calls).containsExactly("raw Begin", "lines INSERT 1", "raw Commit");
        assertThat(failures).singleElement().satisfies(failed -> {
            assertThat(failed.listener()).isEqualTo("Relay");
            assertThat(failed.mayBeGivenUp()).isFalse();
        });
        assertThat(dispatcher.skipped()).isZero();
        assertThat(dispatcher.failedAttempts()).isEqualTo(1);
        assertThat(dispatcher.failure()).isEmpty();
    }
}
