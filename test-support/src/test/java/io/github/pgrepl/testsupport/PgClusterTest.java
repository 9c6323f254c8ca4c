package io.github.pgrepl.testsupport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgClusterTest {

    @Test
    void standbyStreamsSynchronizesFailoverSlotsAndTakesOverAfterACrash() {
        try (PgCluster cluster = PgCluster.builder().tls(false).start()) {
            PgServer primary = cluster.primary();
            PgServer standby = cluster.standby();
            assertThat(standby.port()).isNotEqualTo(primary.port());
            assertThat(standby.queryValue("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(primary.queryValue("SELECT active FROM pg_replication_slots WHERE slot_name = '"
                    + PgCluster.STANDBY_SLOT + "'")).isEqualTo("t");
            assertThat(standby.queryValue("SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");

            primary.execute("CREATE TABLE t (id int PRIMARY KEY)", "CREATE PUBLICATION pub FOR TABLE t", "INSERT INTO t VALUES (1)");
            cluster.awaitStandbyReplayed();
            assertThat(standby.queryValue("SELECT id FROM t")).isEqualTo("1");

            assertThat(cluster.hasFailoverSlots()).isEqualTo(cluster.majorVersion() >= 17);
            if (cluster.hasFailoverSlots()) {
                assertThat(primary.queryValue("SHOW synchronized_standby_slots")).isEqualTo(PgCluster.STANDBY_SLOT);
                assertThat(standby.queryValue("SHOW sync_replication_slots")).isEqualTo("on");
                assertThat(standby.queryValue("SHOW synchronized_standby_slots")).isEmpty();
                primary.execute("SELECT pg_create_logical_replication_slot('failover_slot', 'pgoutput', false, false, true)");
                // What a consumer's confirmations do: the standby's copy is ready only once the primary's slot has moved
                // its catalog xmin past the standby's, which takes a running-transactions record decoded and confirmed.
                // A checkpoint logs one and flushes the WAL, which is as far as a slot can advance.
                for (int round = 0; round < 2; round++) {
                    primary.execute("CHECKPOINT",
                            "SELECT pg_replication_slot_advance('failover_slot', pg_current_wal_flush_lsn())");
                }
                cluster.awaitSlotSynchronized("failover_slot");
            } else {
                assertThatThrownBy(() -> cluster.awaitSlotSynchronized("failover_slot"))
                        .hasMessageContaining("does not synchronize failover slots");
            }

            primary.stopImmediately();
            assertThat(primary.isRunning()).isFalse();
            cluster.promoteStandby();

            assertThat(standby.queryValue("SELECT pg_is_in_recovery()")).isEqualTo("f");
            // Flushed at commit, so that decoding (which reads flushed WAL only) sees it right away.
            standby.execute("SET synchronous_commit = on", "INSERT INTO t VALUES (2)");
            assertThat(standby.queryValue("SELECT count(*) FROM t")).isEqualTo("2");
            if (cluster.hasFailoverSlots()) {
                // A synchronized slot outlives the promotion, usable for decoding on the new primary.
                assertThat(standby.queryValue("SELECT count(*) > 0 FROM pg_logical_slot_get_binary_changes('failover_slot',"
                        + " NULL, NULL, 'proto_version', '1', 'publication_names', 'pub')")).isEqualTo("t");
            }

            primary.start(); // crash recovery of the old primary's data directory
            assertThat(primary.queryValue("SELECT count(*) FROM t")).isEqualTo("1");
        }
    }
}
