package io.github.pgrepl.spring.connection;

import java.time.Instant;

/**
 * A listener that is failing on a change: what health and the endpoint show. Holds no row values beyond the key.
 *
 * @param listener the listener's id
 * @param change the change and its position, e.g. {@code INSERT public.orders key {id=7} (xid 812, commit 0/1A2B3C8)}
 * @param error the last error: its class and message
 * @param attempts how many times the listener failed on it
 * @param since when it first failed on it
 * @param stopped whether the error handler stopped the connection (it waits for a restart)
 */
public record ListenerFailureStatus(String listener, String change, String error, int attempts, Instant since,
                                    boolean stopped) {
}
