package io.github.pgrepl.spring.endpoint;

import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotException;
import io.github.pgrepl.pgoutput.SnapshotProgress;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code /actuator/pgrepl}: reads every connection's status; {@code POST /actuator/pgrepl/<name>} with
 * {@code {"paused": true}} pauses a connection, {@code {"paused": false}} resumes it, {@code {"action": "restart"}}
 * restarts one that its listeners' error handler stopped; {@code POST /actuator/pgrepl/<name>/snapshot} with
 * {@code {"tables": "public.orders,public.lines"}} (no tables: the publications') starts an incremental snapshot, answered 202
 * at once while it runs in the background, 409 while one runs already. An operator's pause stops reading the stream (the server
 * holds the WAL) while status updates keep the session alive, and survives reconnects. Writes are off unless
 * {@code management.endpoint.pgrepl.access=unrestricted}.
 */
@Endpoint(id = "pgrepl", defaultAccess = Access.READ_ONLY) // pausing is an operator's act: opt in with access=unrestricted
public class ReplicationEndpoint {

    /** Longer than the connection's own bound on the call: the snapshot's tables are checked before the answer. */
    private static final Duration SNAPSHOT_ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final ReplicationConnectionRegistry registry;

    public ReplicationEndpoint(ReplicationConnectionRegistry registry) {
        this.registry = registry;
    }

    @ReadOperation
    public ConnectionsDescriptor connections() {
        Map<String, ConnectionDescriptor> connections = new LinkedHashMap<>();
        for (ManagedReplicationConnection connection : registry.connections()) {
            connections.put(connection.name(), ConnectionDescriptor.of(connection));
        }
        return new ConnectionsDescriptor(connections);
    }

    /** One connection; {@code null} (404 over HTTP) when there is none of that name. */
    @ReadOperation
    public ConnectionDescriptor connection(@Selector String name) {
        return registry.connections().stream().filter(connection -> connection.name().equals(name)).findFirst()
                .map(ConnectionDescriptor::of).orElse(null);
    }

    /**
     * Acts on connection {@code name}: {@code {"paused": true}} pauses it, {@code {"paused": false}} resumes it, and
     * {@code {"action": "restart"}} starts it (when not started) or has a failing listener try its change again now,
     * restarting the stream if the error handler stopped it. Returns its status afterwards.
     */
    @WriteOperation
    public ConnectionDescriptor write(@Selector String name, @Nullable Boolean paused, @Nullable String action) {
        ManagedReplicationConnection connection;
        try {
            connection = registry.connection(name);
        } catch (NoSuchElementException e) {
            throw new InvalidEndpointRequestException(e.getMessage(), "No replication connection '" + name + "'");
        }
        if ((paused == null) == (action == null)) {
            throw new InvalidEndpointRequestException("Send {\"paused\": true|false} or {\"action\": \"restart\"}",
                    "Send either paused or action");
        }
        if (paused != null) {
            if (paused) {
                connection.pause();
            } else {
                connection.resume();
            }
        } else if ("restart".equals(action)) {
            try {
                connection.restart();
            } catch (IllegalStateException e) {
                throw new InvalidEndpointRequestException(e.getMessage(), "The connection cannot be restarted");
            }
        } else {
            throw new InvalidEndpointRequestException("Unknown action '" + action + "'; the endpoint knows \"restart\"",
                    "Unknown action");
        }
        return ConnectionDescriptor.of(connection);
    }

    /**
     * {@code POST /actuator/pgrepl/<name>/snapshot}: starts an incremental snapshot of {@code tables} ({@code
     * schema.table} or {@code table}, comma-separated: actuator bodies are string values; none: the publications'
     * tables). 202 with its progress once its tables are checked
     * (it then runs in the background; {@code GET /actuator/pgrepl/<name>} shows how far it got), 409 while one runs,
     * 400 for a table that does not exist, is not published or has no key, 503 while the connection is not streaming,
     * 404 for an unknown connection or operation.
     */
    @WriteOperation
    public WebEndpointResponse<Object> snapshot(@Selector String name, @Selector String operation,
                                                @Nullable List<String> tables) {
        ManagedReplicationConnection connection = registry.connections().stream()
                .filter(candidate -> candidate.name().equals(name)).findFirst().orElse(null);
        if (connection == null || !"snapshot".equals(operation)) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        PgOutputHandler handler = connection.pgOutputHandler().orElse(null);
        if (handler == null) {
            return refusal(WebEndpointResponse.STATUS_BAD_REQUEST, "NOT_SUPPORTED", "Connection '" + name + "' has no"
                    + " PgOutputHandler to snapshot with: its listener is a ReplicationHandler of its own, or it has none");
        }
        try {
            SnapshotProgress progress = handler.snapshot(tables == null ? List.of() : tables)
                    .get(SNAPSHOT_ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new WebEndpointResponse<>(SnapshotDescriptor.of(progress), 202);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SnapshotException refused) {
                int status = switch (refused.reason()) {
                    case RUNNING -> 409;
                    case NOT_READY -> WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE;
                    case FAILED -> WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR;
                    default -> WebEndpointResponse.STATUS_BAD_REQUEST;
                };
                return refusal(status, refused.reason().name(), refused.getMessage());
            }
            return refusal(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE, "NOT_READY", String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            return refusal(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE, "NOT_READY", "The connection did not answer"
                    + " within " + SNAPSHOT_ANSWER_TIMEOUT + "; see GET /actuator/pgrepl/" + name + " before asking again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return refusal(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE, "NOT_READY", "Interrupted while waiting");
        }
    }

    private static WebEndpointResponse<Object> refusal(int status, String reason, String message) {
        return new WebEndpointResponse<>(new SnapshotRefusal(reason, message), status);
    }

    /** Why a snapshot did not start, and what to do. */
    public record SnapshotRefusal(String reason, String message) implements OperationResponseBody {
    }

    /** Every connection, by name. */
    public record ConnectionsDescriptor(Map<String, ConnectionDescriptor> connections) implements OperationResponseBody {
    }
}
