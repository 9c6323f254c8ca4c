package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** failover(true) on one server: FAILOVER when creating, ALTER_REPLICATION_SLOT for an existing slot, refused before 17. */
class FailoverSlotIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private String publication;
    private String slot;

    @BeforeEach
    void publication() {
        publication = unique("pub");
        slot = unique("slot");
        pg.server().execute("CREATE PUBLICATION " + publication + " FOR ALL TABLES");
    }

    @Test
    void createsAFailoverSlotAndWarnsWhatTheServerLeavesOpen() {
        assumeThat(server().majorVersion()).isGreaterThanOrEqualTo(17);
        PgOutputHandler handler = handler().createSlot(true).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            assertThat(slotColumn("failover")).isEqualTo("t");
            // A lone server: no standby streams from a physical slot, and synchronized_standby_slots is empty.
            assertThat(handler.failoverWarnings()).hasSize(2);
            assertThat(handler.failoverWarnings().get(0)).contains("primary_slot_name", "hot_standby_feedback = on",
                    "sync_replication_slots = on", "dbname");
            assertThat(handler.failoverWarnings().get(1)).contains("synchronized_standby_slots is empty on localhost:"
                    + server().port(), "SELECT pg_reload_conf()");
        }
    }

    @Test
    void makesAnExistingSlotAFailoverSlotAndNamesTheStandbySlotToSynchronize() {
        assumeThat(server().majorVersion()).isGreaterThanOrEqualTo(17);
        String standbySlot = unique("standby");
        server().execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')",
                "SELECT pg_create_physical_replication_slot('" + standbySlot + "')");
        assertThat(slotColumn("failover")).isEqualTo("f");
        PgOutputHandler handler = handler().build();

        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            assertThat(slotColumn("failover")).isEqualTo("t");
            assertThat(handler.failoverWarnings()).singleElement().asString()
                    .contains("synchronized_standby_slots = '" + standbySlot + "'");
        } finally {
            server().execute("SELECT pg_drop_replication_slot('" + standbySlot + "')");
        }
    }

    /** The slot an initial snapshot makes is a copy of the snapshot's temporary one: it too becomes a failover slot. */
    @Test
    void theSlotOfAnInitialSnapshotIsAFailoverSlotAndStreamsAfterTheRows() {
        assumeThat(server().majorVersion()).isGreaterThanOrEqualTo(17);
        String table = unique("rows");
        server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY)",
                "INSERT INTO " + table + " SELECT generate_series(1, 100)");
        CollectingListener collected = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(collected).slot(slot).publications(publication).failover(true)
                .createSlot(true).snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL)).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> reads(collected, table).size() == 100);
            server().execute("INSERT INTO " + table + " VALUES (101)");
            await().atMost(Duration.ofSeconds(20)).until(() -> collected.insertedIds().contains(101L));

            assertThat(slotColumn("failover")).isEqualTo("t");
            assertThat(slotColumn("temporary")).isEqualTo("f");
            assertThat(collected.insertedIds()).containsExactly(101L);
            assertThat(reads(collected, table)).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
        }
    }

    @Test
    void isRefusedBefore17WithoutReconnecting() {
        assumeThat(server().majorVersion()).isLessThan(17);
        PgOutputHandler handler = handler().createSlot(true).build();

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config(server()).autoReconnect(true).build(),
                handler).close());

        assertThat(failure).hasMessageContaining("failover slots need PostgreSQL 17 or later")
                .hasMessageContaining("runs PostgreSQL " + server().majorVersion())
                .hasMessageContaining("turn failover off");
        assertThat(handler.failure()).isInstanceOf(ReplicationSlotException.class);
        assertThat(slotColumn("plugin")).isNull(); // nothing was created
    }

    @Test
    void aTemporaryFailoverSlotIsRefusedUpFront() {
        assertThatThrownBy(() -> handler().temporarySlot(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a temporary slot cannot be a failover slot");
    }

    private static List<Long> reads(CollectingListener collected, String table) {
        return collected.ofType(ChangeEvent.Read.class).stream().filter(read -> read.relation().name().equals(table))
                .map(read -> read.row().getLong("id")).toList();
    }

    private PgOutputHandler.Builder handler() {
        return PgOutputHandler.builder(event -> { }).slot(slot).publications(publication).failover(true);
    }

    private String slotColumn(String column) {
        return server().queryValue("SELECT " + column + " FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    private static PgServer server() {
        return pg.server();
    }
}
