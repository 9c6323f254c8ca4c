package io.github.pgrepl.sample;

import java.time.Instant;

/**
 * A committed transaction of table {@code orders}, as {@code GET /transactions} shows it.
 *
 * @param commitLsn where it committed: confirmed to the server once every listener returned for it
 * @param changes how many of its changes were to {@code orders}
 */
public record OrderTransaction(long xid, String commitLsn, Instant commitTime, int changes) {
}
