package io.github.pgrepl.internal.session;

import java.time.Duration;
import java.util.Map;

/**
 * What the startup handshake learned about a session.
 *
 * @param walSenderTimeout the server's {@code wal_sender_timeout} ({@link Duration#ZERO} when off), or {@code null}
 */
public record SessionInfo(int backendPid, Map<String, String> parameters, String authenticationMethod, boolean tls,
                          Duration walSenderTimeout) {
}
