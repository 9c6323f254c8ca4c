package io.github.pgrepl.internal.session;

import io.github.pgrepl.Endpoint;

import java.time.Duration;
import java.util.Map;

/**
 * What the startup handshake learned about a session.
 *
 * @param walSenderTimeout the server's {@code wal_sender_timeout} ({@link Duration#ZERO} when off), or {@code null}
 * @param endpoint the server of the host list this session runs on
 * @param inRecovery whether the server is a standby ({@code SHOW in_hot_standby}), or {@code null} when not asked
 *     (a connection that takes any server)
 * @param readOnly whether the session refuses writes by default ({@code SHOW transaction_read_only}), or {@code null}
 *     when not asked
 */
public record SessionInfo(int backendPid, Map<String, String> parameters, String authenticationMethod, boolean tls,
                          Duration walSenderTimeout, Endpoint endpoint, Boolean inRecovery, Boolean readOnly) {
}
