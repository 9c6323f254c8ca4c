package io.github.pgrepl.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The sample as a user runs it: no server configured, so on its embedded PostgreSQL, and looked at over HTTP only.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationIT {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    int port;

    @Test
    void healthShowsTheReplicationConnectionUpAndStreaming() {
        await().atMost(Duration.ofSeconds(30)).until(() -> "STREAMING".equals(health().read("$.components.replication"
                + ".components.orders.details.state")));

        // UP all along, across the writer's orders of the blocked customer (one in five, one a second): a refused
        // order goes to the dead-letter table at once, it is no failing listener holding the stream.
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    DocumentContext health = health();
                    assertThat(health.read("$.status", String.class)).as(health.jsonString()).isEqualTo("UP");
                });
        DocumentContext health = health();
        assertThat(health.read("$.status", String.class)).isEqualTo("UP");
        assertThat(health.read("$.components.replication.status", String.class)).isEqualTo("UP");
        Map<String, Object> details = health.read("$.components.replication.components.orders.details");
        assertThat(details).containsEntry("slot", "pgrepl_orders").containsEntry("paused", false)
                .containsKeys("lastReceivedLsn", "lastFlushedLsn", "lagBytes");
    }

    @Test
    void changesFillUpWithTheWritersInsertsAndUpdates() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> operations = changes().read("$[*].operation");
            assertThat(operations).contains("INSERT", "UPDATE");
        });

        DocumentContext changes = changes();
        List<Map<String, Object>> inserts = changes.read("$[?(@.operation == 'INSERT')]");
        assertThat(inserts.get(0)).containsEntry("status", "NEW")
                .extracting("id", "customer", "amount", "updatedAt").doesNotContainNull();
        List<String> updatedStatuses = changes.read("$[?(@.operation == 'UPDATE')].status");
        assertThat(updatedStatuses).isSubsetOf("PAID", "SHIPPED", "DELIVERED");
        // Confirmed back to the server once the listener returned: the slot moves on.
        await().atMost(Duration.ofSeconds(30)).until(() -> !"0/0".equals(health().read("$.components.replication"
                + ".components.orders.details.lastFlushedLsn")));
    }

    @Test
    void transactionsAndTheRefusedOrdersOfTheBlockedCustomerShowToo() {
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            List<Object> deadLetters = JsonPath.parse(get("/dead-letters")).read("$");
            assertThat(deadLetters).isNotEmpty();
        });

        DocumentContext deadLetters = JsonPath.parse(get("/dead-letters"));
        assertThat(deadLetters.read("$[0].operation", String.class)).isEqualTo("INSERT");
        assertThat(deadLetters.read("$[0].error", String.class)).contains("Customer Mallory is blocked");
        assertThat(deadLetters.read("$[0].change", String.class)).contains("\"customer\": \"Mallory\"");
        assertThat(deadLetters.read("$[0].attempts", Integer.class)).isEqualTo(1); // not retryable: no second try
        List<Integer> transactionSizes = JsonPath.parse(get("/transactions")).read("$[*].changes");
        assertThat(transactionSizes).isNotEmpty().allSatisfy(size -> assertThat(size).isPositive());
        List<String> customers = changes().read("$[?(@.operation == 'INSERT')].customer");
        assertThat(customers).doesNotContain(OrderChanges.BLOCKED_CUSTOMER);
        // A dead letter is processed, as far as the stream is concerned: health stays UP.
        assertThat(health().read("$.components.replication.status", String.class)).isEqualTo("UP");
    }

    private DocumentContext health() {
        return JsonPath.parse(get("/actuator/health"));
    }

    private DocumentContext changes() {
        return JsonPath.parse(get("/changes"));
    }

    /** The body whatever the status: health answers 503 while a component is DOWN. */
    private String get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
