package io.github.pgrepl.pgoutput;

import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * Commits transactions with known ids, one row each, in id order, and rolls some back on purpose.
 * It rides out server restarts: a failed statement is retried once the server answers again, and an
 * insert whose commit was lost in the failure counts as committed if its row is there.
 */
final class LedgerWriter implements Runnable {

    final List<Long> committed = new CopyOnWriteArrayList<>();
    final Set<Long> rolledBack = ConcurrentHashMap.newKeySet();
    private final PgServer server;
    private final String table;
    private final int count;
    private final Duration pace;

    LedgerWriter(PgServer server, String table, int count, Duration pace) {
        this.server = server;
        this.table = table;
        this.count = count;
        this.pace = pace;
    }

    @Override
    public void run() {
        for (long id = 1; id <= count; id++) {
            boolean rollback = id % 10 == 7;
            while (!write(id, rollback)) {
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the server is restarting
            }
            LockSupport.parkNanos(pace.toNanos());
        }
    }

    private boolean write(long id, boolean rollback) {
        try {
            if (rollback) {
                server.execute("BEGIN", "INSERT INTO " + table + " VALUES (" + id + ")", "ROLLBACK");
                rolledBack.add(id);
            } else {
                server.execute("INSERT INTO " + table + " VALUES (" + id + ")");
                committed.add(id);
            }
            return true;
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains("23505")) {
                committed.add(id); // committed before the failure hid the answer
                return true;
            }
            try {
                if (!rollback && "1".equals(server.queryValue("SELECT count(*) FROM " + table + " WHERE id = " + id))) {
                    committed.add(id);
                    return true;
                }
            } catch (IllegalStateException stillDown) {
                // retry later
            }
            return false;
        }
    }
}
