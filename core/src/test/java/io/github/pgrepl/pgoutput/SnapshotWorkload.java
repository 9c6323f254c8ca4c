package io.github.pgrepl.pgoutput;

import io.github.pgrepl.testsupport.PgServer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tables for the snapshot tests, {@code (id bigint PRIMARY KEY, v int, payload text)}, loaded with generate_series, in
 * one publication; and a writer that churns them (inserts of new ids, updates of existing rows that raise {@code v},
 * deletes) until stopped. Ids are never reused, so {@code (table, id, v)} names one change.
 */
final class SnapshotWorkload {

    final PgServer pg;
    final List<String> tables = new ArrayList<>();
    final String publication;
    private final String sequence;
    private final Map<String, Integer> loaded = new HashMap<>();

    private SnapshotWorkload(PgServer pg, String prefix) {
        this.pg = pg;
        this.publication = prefix + "_pub";
        this.sequence = prefix + "_ids";
    }

    /** One table per count, each loaded with ids 1..count. */
    static SnapshotWorkload create(PgServer pg, String prefix, int... rows) {
        SnapshotWorkload workload = new SnapshotWorkload(pg, PgOutputFixtures.unique(prefix));
        List<String> sql = new ArrayList<>();
        sql.add("CREATE SEQUENCE " + workload.sequence + " START 100000000");
        for (int i = 0; i < rows.length; i++) {
            String table = workload.publication.replace("_pub", "_t" + i);
            workload.tables.add(table);
            workload.loaded.put(table, rows[i]);
            sql.add("CREATE TABLE " + table + " (id bigint PRIMARY KEY, v int NOT NULL DEFAULT 0, payload text)");
            sql.add("INSERT INTO " + table + " SELECT g, 0, md5(g::text) FROM generate_series(1, " + rows[i] + ") g");
        }
        sql.add("CREATE PUBLICATION " + workload.publication + " FOR TABLE " + String.join(", ", workload.tables));
        pg.execute(sql.toArray(String[]::new));
        return workload;
    }

    /** Every table's rows: id → "v|payload". */
    Map<String, Map<Long, String>> contents() {
        Map<String, Map<Long, String>> contents = new HashMap<>();
        for (String table : tables) {
            Map<Long, String> rows = new HashMap<>();
            for (List<String> row : pg.query("SELECT id, v, payload FROM " + table)) {
                rows.put(Long.valueOf(row.get(0)), row.get(1) + "|" + row.get(2));
            }
            contents.put("public." + table, rows);
        }
        return contents;
    }

    /** A writer of random inserts, updates and deletes, in transactions of one to three, until {@link Churn#stop()}. */
    Churn churn() {
        return new Churn();
    }

    final class Churn implements Runnable, AutoCloseable {

        final AtomicLong transactions = new AtomicLong();
        private final Thread thread = new Thread(this, "snapshot-churn");
        private volatile boolean running = true;
        private volatile Throwable failure;

        Churn start() {
            thread.start();
            return this;
        }

        @Override
        public void run() {
            try (Connection connection = pg.jdbc(); Statement statement = connection.createStatement()) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (running) {
                    int statements = 1 + random.nextInt(3);
                    connection.setAutoCommit(statements == 1);
                    for (int i = 0; i < statements; i++) {
                        statement.execute(randomChange(random));
                    }
                    if (statements > 1) {
                        connection.commit();
                    }
                    transactions.incrementAndGet();
                }
            } catch (SQLException | RuntimeException e) {
                failure = e;
            }
        }

        private String randomChange(ThreadLocalRandom random) {
            String table = tables.get(random.nextInt(tables.size()));
            int dice = random.nextInt(10);
            if (dice < 3) {
                return "INSERT INTO " + table + " VALUES (nextval('" + sequence + "'), 0, md5(random()::text))";
            }
            // Mostly rows that were there before, now and then one the writer inserted.
            String id = random.nextInt(5) == 0
                    ? "(SELECT max(id) - " + random.nextInt(20) + " FROM " + table + ")"
                    : String.valueOf(1 + random.nextInt(loaded.get(table)));
            if (dice < 8) {
                return "UPDATE " + table + " SET v = v + 1, payload = md5(random()::text) WHERE id = " + id;
            }
            return "DELETE FROM " + table + " WHERE id = " + id;
        }

        /** Stops after the transaction in hand; throws what the writer failed with. */
        void stop() throws InterruptedException {
            running = false;
            thread.join();
            if (failure != null) {
                throw new IllegalStateException("The writer failed", failure);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }
}
