package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Names and connection settings for the pgoutput integration tests. */
final class PgOutputFixtures {

    private static final AtomicInteger NAMES = new AtomicInteger();

    private PgOutputFixtures() {
    }

    static String unique(String prefix) {
        return prefix + "_" + NAMES.incrementAndGet();
    }

    static ConnectionConfig.Builder config(PgServer pg) {
        return ConnectionConfig.builder().name(unique("pgoutput")).host("localhost").port(pg.port())
                .user(PgServer.SUPERUSER).database(PgServer.DATABASE).sslMode(SslMode.DISABLE)
                .connectTimeout(Duration.ofSeconds(10));
    }

    /** The slot's confirmed_flush_lsn, or null. */
    static String confirmedFlush(PgServer pg, String slot) {
        return pg.queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }
}
