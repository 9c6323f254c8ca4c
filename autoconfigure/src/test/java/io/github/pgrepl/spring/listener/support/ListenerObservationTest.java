package io.github.pgrepl.spring.listener.support;

import static io.github.pgrepl.spring.listener.support.Events.begin;
import static io.github.pgrepl.spring.listener.support.Events.commit;
import static io.github.pgrepl.spring.listener.support.Events.insert;
import static io.github.pgrepl.spring.listener.support.Events.relation;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.connection.ListenerActivity;
import io.github.pgrepl.spring.connection.internal.ObservedChangeListener;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.spring.listener.error.ErrorDecision;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Each call of a listener is a pgrepl.listener observation, the child of its transaction's pgrepl.transaction
 * observation: what metrics (a timer with an outcome tag) and tracing (spans) see. Without a server.
 */
class ListenerObservationTest {

    private static final Relation ORDERS = relation("public.orders", "*id", 20, "amount", 1700);

    record Order(long id, BigDecimal amount) {
    }

    /** Fails on order 2 once, and sees the span it runs in. */
    static class Projection {
        final List<String> spanIds = new CopyOnWriteArrayList<>();
        SimpleTracer tracer;
        boolean failed;

        @ReplicationListener(connection = "orders", tables = "orders")
        void on(Change<Order> change) {
            if (tracer != null) {
                spanIds.add(tracer.currentSpan().getSpanId());
            }
            if (change.after().id() == 2 && !failed) {
                failed = true;
                throw new IllegalStateException("order 2 not yet");
            }
        }

        @ReplicationListener(connection = "orders")
        void whole(ChangeTransaction transaction) {
        }
    }

    @Test
    void eachCallAndEachTransactionIsAnObservationWithItsTags() throws Exception {
        TestObservationRegistry observations = TestObservationRegistry.create();
        ChangeListener connectionSide = connectionSide(new Projection(), observations, failed -> ErrorDecision.retryAfter(Duration.ZERO));

        send(connectionSide, begin(700, 0x100), insert(ORDERS, 1L, BigDecimal.ONE), insert(ORDERS, 2L, BigDecimal.TEN),
                commit(0x100));

        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("pgrepl.transaction", 1)
                .hasNumberOfObservationsWithNameEqualTo("pgrepl.listener", 4) // order 1, order 2 twice, the transaction
                .hasObservationWithNameEqualTo("pgrepl.transaction").that()
                .hasBeenStarted().hasBeenStopped()
                .hasLowCardinalityKeyValue("connection", "orders").hasLowCardinalityKeyValue("outcome", "success")
                .hasHighCardinalityKeyValue("xid", "700").hasHighCardinalityKeyValue("lsn", Lsn.of(0x100).toString());
        TestObservationRegistryAssert.assertThat(observations)
                .forAllObservationsWithNameEqualTo("pgrepl.listener", observation -> observation
                        .hasLowCardinalityKeyValue("connection", "orders")
                        .hasLowCardinalityKeyValueWithKey("listener").hasLowCardinalityKeyValueWithKey("table")
                        .hasLowCardinalityKeyValueWithKey("operation").hasLowCardinalityKeyValueWithKey("outcome")
                        .hasHighCardinalityKeyValue("xid", "700").hasHighCardinalityKeyValue("lsn", Lsn.of(0x100).toString()));
    }

    @Test
    void theListenerTimerHasAnOutcomeTag() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        ChangeListener connectionSide = connectionSide(new Projection(), observations, failed -> ErrorDecision.retryAfter(Duration.ZERO));

        send(connectionSide, begin(700, 0x100), insert(ORDERS, 1L, BigDecimal.ONE), insert(ORDERS, 2L, BigDecimal.TEN),
                commit(0x100));

        Map<String, Long> calls = meters.find("pgrepl.listener").tag("listener", "bean.on").timers().stream()
                .collect(Collectors.groupingBy(timer -> timer.getId().getTag("outcome"),
                        Collectors.summingLong(timer -> timer.count())));
        assertThat(calls).containsEntry("success", 2L).containsEntry("failure", 1L);
        assertThat(meters.get("pgrepl.listener").tags("listener", "bean.on", "outcome", "success", "table", "public.orders",
                "operation", "insert").timer().count()).isEqualTo(2);
        assertThat(meters.get("pgrepl.listener").tags("listener", "bean.whole", "operation", "transaction", "table", "none")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("pgrepl.transaction").tags("connection", "orders", "outcome", "success").timer().count())
                .isEqualTo(1);
    }

    @Test
    void tracingSeesTheTransactionAsTheParentOfItsListenerCalls() throws Exception {
        SimpleTracer tracer = new SimpleTracer();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
        Projection projection = new Projection();
        projection.tracer = tracer;
        ChangeListener connectionSide = connectionSide(projection, observations, failed -> ErrorDecision.retryAfter(Duration.ZERO));

        send(connectionSide, begin(700, 0x100), insert(ORDERS, 1L, BigDecimal.ONE), commit(0x100));

        List<SimpleSpan> spans = new ArrayList<>(tracer.getSpans());
        SimpleSpan transaction = spans.stream().filter(span -> span.getName().equals("pgrepl.transaction orders")).findFirst()
                .orElseThrow();
        List<SimpleSpan> calls = spans.stream().filter(span -> span.getName().startsWith("pgrepl.listener ")).toList();
        assertThat(calls).extracting(SimpleSpan::getName)
                .containsExactlyInAnyOrder("pgrepl.listener bean.on", "pgrepl.listener bean.whole");
        assertThat(calls).allSatisfy(call -> {
            assertThat(call.getTraceId()).isEqualTo(transaction.getTraceId());
            assertThat(call.getParentId()).isEqualTo(transaction.getSpanId());
        });
        SimpleSpan on = calls.stream().filter(call -> call.getName().equals("pgrepl.listener bean.on")).findFirst().orElseThrow();
        assertThat(projection.spanIds).as("the listener runs in its call's span").containsExactly(on.getSpanId());
        assertThat(transaction.getTags()).containsEntry("xid", "700");
    }

    @Test
    void aBeanLevelListenerIsObservedEventByEventAndATransactionLeftUnfinishedIsAbandoned() throws Exception {
        TestObservationRegistry observations = TestObservationRegistry.create();
        MeterRegistry meters = new SimpleMeterRegistry();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        ListenerActivity activity = new ListenerActivity("orders", observations);
        List<ChangeEvent> seen = new ArrayList<>();
        ChangeListener connectionSide = new ObservedChangeListener(seen::add, activity, "ordersListener");

        send(connectionSide, begin(700, 0x100), insert(ORDERS, 1L, BigDecimal.ONE), commit(0x100), begin(701, 0x200),
                insert(ORDERS, 2L, BigDecimal.ONE));
        activity.abandon(); // the connection closes

        assertThat(seen).hasSize(5);
        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("pgrepl.listener", 5)
                .hasNumberOfObservationsWithNameEqualTo("pgrepl.transaction", 2)
                .hasObservationWithNameEqualTo("pgrepl.listener").that()
                .hasLowCardinalityKeyValue("listener", "ordersListener");
        assertThat(meters.get("pgrepl.transaction").tag("outcome", "success").timer().count()).isEqualTo(1);
        assertThat(meters.get("pgrepl.transaction").tag("outcome", "abandoned").timer().count()).isEqualTo(1);
        assertThat(activity.transaction()).isNull();
    }

    @Test
    void theTimeLagIsTheAgeOfTheTransactionInHandAndZeroBetweenTransactions() {
        ListenerActivity activity = new ListenerActivity("orders", ObservationRegistry.NOOP);
        Instant committed = Instant.parse("2026-01-01T10:00:00Z");

        assertThat(activity.lag(committed.plusSeconds(60))).isZero();
        activity.began(new ChangeEvent.Begin(Lsn.of(0x100), committed, 700));
        assertThat(activity.lag(committed.plusSeconds(42))).isEqualTo(Duration.ofSeconds(42));
        activity.committed(new ChangeEvent.Commit(0, Lsn.of(0x100), Lsn.of(0x108), committed));
        assertThat(activity.lag(committed.plusSeconds(3600))).as("idle is not behind").isZero();
        assertThat(activity.lastProcessedCommitTime()).isEqualTo(committed);
    }

    private static ChangeListener connectionSide(Object bean, ObservationRegistry observations,
                                                 ReplicationErrorHandler errorHandler) {
        List<ListenerMethod> methods = new ArrayList<>();
        for (ReplicationListenerEndpoint endpoint : ReplicationListenerEndpoints.of(bean, "bean", null)) {
            methods.add(ListenerMethod.of(endpoint));
        }
        ChangeDispatcher dispatcher = new ChangeDispatcher("orders", methods, RowBinder.withDefaultConversions(), errorHandler,
                1 << 20, Clock.systemUTC());
        ListenerActivity activity = new ListenerActivity("orders", observations);
        dispatcher.setActivity(activity);
        return new ObservedChangeListener(dispatcher, activity, null); // as the connection wraps it
    }

    private static void send(ChangeListener listener, ChangeEvent... events) throws Exception {
        for (ChangeEvent event : events) {
            listener.onChange(event);
        }
    }
}
