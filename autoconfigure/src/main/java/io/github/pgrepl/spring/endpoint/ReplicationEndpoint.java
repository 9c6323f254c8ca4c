package io.github.pgrepl.spring.endpoint;

import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/pgrepl}: reads every connection's status; {@code POST /actuator/pgrepl/<name>} with
 * {@code {"paused": true}} pauses a connection, {@code {"paused": false}} resumes it, {@code {"action": "restart"}}
 * restarts one that its listeners' error handler stopped. An operator's pause stops reading the stream (the server
 * holds the WAL) while status updates keep the session alive, and survives reconnects. Writes are off unless
 * {@code management.endpoint.pgrepl.access=unrestricted}.
 */
@Endpoint(id = "pgrepl", defaultAccess = Access.READ_ONLY) // pausing is an operator's act: opt in with access=unrestricted
public class ReplicationEndpoint {

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

    /** Every connection, by name. */
    public record ConnectionsDescriptor(Map<String, ConnectionDescriptor> connections) implements OperationResponseBody {
    }
}
