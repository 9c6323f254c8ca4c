package io.github.pgrepl.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.connection.PgOutputSettings;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/** The endpoint's write operation: pause/resume, or an action; anything else is a bad request that says what to send. */
class ReplicationEndpointTest {

    private final ReplicationConnectionRegistry registry = new ReplicationConnectionRegistry(List.of(new ConnectionSettings(
            "orders", ConnectionConfig.builder().name("orders").user("app").build(),
            new PgOutputSettings("orders_slot", List.of("orders_pub"), false, false, false, List.of(), false, false, null, null,
                    500, 100, 1 << 20, 1, Duration.ZERO, Duration.ofSeconds(1)),
            new ListenerSettings(ListenerSettings.Recoverer.RETRY, Duration.ofSeconds(30), "pgrepl_dead_letter", 1 << 20),
            false)));
    private final ReplicationEndpoint endpoint = new ReplicationEndpoint(registry);

    @AfterEach
    void close() {
        registry.destroy();
    }

    @Test
    void anUnknownActionOrNoneOrBothAreBadRequests() {
        assertThatThrownBy(() -> endpoint.write("orders", null, "reboot")).isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessage("Unknown action 'reboot'; the endpoint knows \"restart\"");
        assertThatThrownBy(() -> endpoint.write("orders", null, null)).isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessageContaining("{\"action\": \"restart\"}");
        assertThatThrownBy(() -> endpoint.write("orders", true, "restart")).isInstanceOf(InvalidEndpointRequestException.class);
        assertThatThrownBy(() -> endpoint.write("billing", null, "restart")).isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessageContaining("No replication connection 'billing'");
    }

    @Test
    void aRestartThatCannotHappenSaysWhy() {
        assertThatThrownBy(() -> endpoint.write("orders", null, "restart")).isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessageContaining("Replication connection 'orders' has no listener");
        assertThat(endpoint.connection("orders").state()).isEqualTo("NOT_STARTED");
    }

    @Test
    void aSnapshotOfAnUnknownConnectionOrOperationIsNotFoundAndOfAConnectionWithoutHandlerIsRefused() {
        assertThat(endpoint.snapshot("billing", "snapshot", null).getStatus()).isEqualTo(404);
        assertThat(endpoint.snapshot("orders", "snapshots", null).getStatus()).isEqualTo(404);
        WebEndpointResponse<Object> refused = endpoint.snapshot("orders", "snapshot", List.of("public.orders"));
        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(refused.getBody()).isInstanceOfSatisfying(ReplicationEndpoint.SnapshotRefusal.class, refusal ->
                assertThat(refusal.message()).contains("'orders'"));
    }
}
