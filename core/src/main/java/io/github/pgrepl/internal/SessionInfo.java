package io.github.pgrepl.internal;

import java.util.Map;

/** What the startup handshake learned about a session. */
record SessionInfo(int backendPid, Map<String, String> parameters, String authenticationMethod, boolean tls) {
}
