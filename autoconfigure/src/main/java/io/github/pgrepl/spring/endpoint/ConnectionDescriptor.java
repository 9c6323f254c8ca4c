package io.github.pgrepl.spring.endpoint;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.spring.connection.ListenerFailureStatus;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;

import java.util.List;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * What the {@code pgrepl} endpoint shows of one connection: where it connects (never the password), its state and
 * positions, and a failing listener. Times are ISO-8601 instants, LSNs in the server's {@code 16/B374D848} form.
 * {@code stopped} is true while the listeners' error handler holds the stream stopped, until a restart. {@code host}
 * and {@code port} are the first of the host list {@code hosts}; {@code server} is the one connected to, if any.
 * {@code snapshot} is the running snapshot, else the last one, or {@code null} before the first.
 */
public record ConnectionDescriptor(String name, String listener, String host, int port, String database, String user,
                                   String slot, String state, boolean paused, String pausedSince, String lastReceivedLsn,
                                   String lastFlushedLsn, String serverWalEnd, long lagBytes, String lastMessageAt,
                                   int reconnectAttempts, long reconnects, long messagesReceived, long bytesReceived,
                                   String lastError, int backendPid, String serverVersion, boolean tls, boolean stopped,
                                   ListenerFailureStatus listenerFailure, List<String> hosts, String server,
                                   SnapshotDescriptor snapshot)
        implements OperationResponseBody {

    static ConnectionDescriptor of(ManagedReplicationConnection connection) {
        ConnectionStatus status = connection.status();
        ConnectionConfig config = connection.settings().config();
        Throwable lastError = status.lastError();
        return new ConnectionDescriptor(connection.name(), connection.listenerBeanName().orElse(null), config.host(),
                config.port(), config.database(), config.user(), connection.slot(),
                connection.isStarted() ? status.state().name() : "NOT_STARTED", status.paused(), text(status.pausedSince()),
                text(status.lastReceivedLsn()), text(status.lastFlushedLsn()), text(status.serverWalEnd()), status.lagBytes(),
                text(status.lastMessageAt()), status.reconnectAttempts(), status.reconnects(), status.messagesReceived(),
                status.bytesReceived(), lastError == null ? null : lastError.getClass().getSimpleName() + ": " + lastError.getMessage(),
                status.backendPid(), status.serverVersion(), status.tls(), connection.isStopped(),
                connection.listenerFailure().orElse(null), config.endpoints().stream().map(Endpoint::toString).toList(),
                text(status.server()), connection.pgOutputHandler().flatMap(PgOutputHandler::snapshotProgress)
                        .map(SnapshotDescriptor::of).orElse(null));
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
