package io.github.pgrepl.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.DocumentContext;

import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A slow listener method in a web application with virtual threads on, against a real PostgreSQL, seen over HTTP and
 * through a tracer: the listener's timer with its outcome, the transaction timer, the byte lags, the time lag while the
 * listener is behind (and zero once it caught up), spans of transactions and their listener calls, and the listener's
 * thread (virtual from Java 21, as Spring Boot turns them on).
 */
@SpringBootTest(classes = ObservabilityIT.App.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,metrics",
        "spring.threads.virtual.enabled=true",
        "pgrepl.connections.orders.publications=orders_pub",
        "pgrepl.connections.orders.create-slot=true",
        "pgrepl.connections.orders.status-interval=100ms" })
class ObservabilityIT {

    /** How long the listener takes per change: the point of the test is a listener that falls behind. */
    private static final Duration SLOWNESS = Duration.ofMillis(400);
    private static final int TRANSACTIONS = 6;

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("pgrepl.connections.orders.url", () -> "postgresql://localhost:" + pg.server().port() + "/postgres");
        registry.add("pgrepl.connections.orders.username", () -> PgServer.SUPERUSER);
    }

    @BeforeAll
    static void schema() {
        pg.server().execute("CREATE TABLE orders (id bigint PRIMARY KEY, item text)",
                "CREATE PUBLICATION orders_pub FOR TABLE orders");
    }

    @LocalServerPort
    int port;

    @Autowired
    SlowListener listener;

    @Autowired
    SimpleTracer tracer;

    public static class SlowListener {
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final List<Long> ids = new CopyOnWriteArrayList<>();

        @ReplicationListener(connection = "orders", tables = "orders")
        void on(Change<Map<String, Object>> change) throws InterruptedException {
            threads.add(Thread.currentThread());
            Thread.sleep(SLOWNESS.toMillis()); // a listener slower than the writes: the point of the test
            ids.add(((Number) change.after().get("id")).longValue());
        }
    }

    @Test
    void metersTracesTheTimeLagAndTheListenersThread() throws Exception {
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(20)).until(() -> "t".equals(pg.server().queryValue(
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'pgrepl_orders'")));
        for (int id = 1; id <= TRANSACTIONS; id++) {
            pg.server().execute("INSERT INTO orders VALUES (" + id + ", 'item')"); // one transaction each
        }

        // Behind: the last transaction waits for the slow listener, which is on one committed a while ago.
        await().atMost(Duration.ofSeconds(10)).until(() -> value(http, "pgrepl.lag.time") >= SLOWNESS.toMillis() / 1000.0);
        await().atMost(Duration.ofSeconds(20)).until(() -> listener.ids.size() == TRANSACTIONS);
        await().atMost(Duration.ofSeconds(5)).until(() -> value(http, "pgrepl.lag.time") == 0.0);

        assertThat(count(http, "pgrepl.listener", "outcome:success")).isEqualTo(TRANSACTIONS);
        DocumentContext listenerTimer = http.getJson("/actuator/metrics/pgrepl.listener?tag=connection:orders");
        assertThat(listenerTimer.read("$.availableTags[*].tag", List.class))
                .contains("listener", "table", "operation", "outcome");
        assertThat(count(http, "pgrepl.transaction", "outcome:success")).isGreaterThanOrEqualTo(TRANSACTIONS);
        assertThat(http.getJson("/actuator/metrics/pgrepl.lag?tag=connection:orders&tag=position:flushed")
                .read("$.measurements[0].value", Double.class)).isGreaterThanOrEqualTo(0.0);
        assertThat(http.getJson("/actuator/metrics/pgrepl.lag?tag=connection:orders&tag=position:received")
                .read("$.measurements[0].value", Double.class)).isGreaterThanOrEqualTo(0.0);

        List<SimpleSpan> spans = List.copyOf(tracer.getSpans());
        List<SimpleSpan> calls = spans.stream().filter(span -> "pgrepl.listener slowListener.on".equals(span.getName())).toList();
        assertThat(calls).hasSize(TRANSACTIONS).allSatisfy(call -> {
            SimpleSpan transaction = spans.stream().filter(span -> span.getSpanId().equals(call.getParentId())).findFirst()
                    .orElseThrow();
            assertThat(transaction.getName()).isEqualTo("pgrepl.transaction orders");
            assertThat(call.getTags()).containsKeys("xid", "lsn").containsEntry("table", "public.orders");
        });

        Thread thread = listener.threads.get(0);
        assertThat(thread.getName()).isEqualTo("pgrepl-orders-listener");
        boolean java21 = Runtime.version().feature() >= 21;
        boolean virtual = java21 && (boolean) Thread.class.getMethod("isVirtual").invoke(thread); // Java 21 API, built for 17
        assertThat(virtual).as("spring.threads.virtual.enabled, which Spring Boot honours from Java 21").isEqualTo(java21);
    }

    private static double value(Http http, String meter) {
        return http.getJson("/actuator/metrics/" + meter + "?tag=connection:orders").read("$.measurements[0].value",
                Double.class);
    }

    private static long count(Http http, String meter, String tag) {
        DocumentContext timer = http.getJson("/actuator/metrics/" + meter + "?tag=connection:orders&tag=" + tag);
        List<Map<String, Object>> measurements = timer.read("$.measurements");
        return measurements.stream().filter(each -> "COUNT".equals(each.get("statistic")))
                .mapToLong(each -> ((Number) each.get("value")).longValue()).sum();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        SlowListener slowListener() {
            return new SlowListener();
        }

        @Bean
        SimpleTracer tracer() {
            return new SimpleTracer();
        }

        /** Spring Boot registers observation handlers it finds as beans: the observations become spans. */
        @Bean
        DefaultTracingObservationHandler tracingObservationHandler(SimpleTracer tracer) {
            return new DefaultTracingObservationHandler(tracer);
        }
    }
}
