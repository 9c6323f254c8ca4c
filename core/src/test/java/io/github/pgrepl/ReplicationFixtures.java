package io.github.pgrepl;

import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Connection settings and schema helpers shared by the integration tests of every package. */
public final class ReplicationFixtures {

    private static final AtomicInteger NAMES = new AtomicInteger();

    private ReplicationFixtures() {
    }

    public static ConnectionConfig.Builder config(PgServer pg) {
        return ConnectionConfig.builder()
                .name("test-" + NAMES.incrementAndGet())
                .host("localhost")
                .port(pg.port())
                .user(PgServer.SUPERUSER)
                .database(PgServer.DATABASE)
                .sslMode(SslMode.DISABLE)
                .connectTimeout(Duration.ofSeconds(10));
    }

    /** A fresh name for a slot, table or publication. */
    public static String unique(String prefix) {
        return prefix + "_" + NAMES.incrementAndGet();
    }

    /** Creates table {@code name (id bigint primary key, payload text)} and a publication for it. */
    static void createTableAndPublication(PgServer pg, String table, String publication) {
        pg.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, payload text)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
    }

    static void createSlot(PgServer pg, String slot) {
        pg.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
    }

    static void insertRows(PgServer pg, String table, int from, int to) {
        pg.execute("INSERT INTO " + table + " SELECT g, 'row ' || g FROM generate_series(" + from + ", " + to + ") g");
    }
}
