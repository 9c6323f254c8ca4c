package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationFixtures;
import io.github.pgrepl.testsupport.PgServer;

/** Names, connection settings and slot positions for the pgoutput integration tests. */
final class PgOutputFixtures {

    private PgOutputFixtures() {
    }

    static String unique(String prefix) {
        return ReplicationFixtures.unique(prefix);
    }

    static ConnectionConfig.Builder config(PgServer pg) {
        return ReplicationFixtures.config(pg);
    }

    /** The slot's confirmed_flush_lsn, or null. */
    static String confirmedFlush(PgServer pg, String slot) {
        return pg.queryValue("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }
}
