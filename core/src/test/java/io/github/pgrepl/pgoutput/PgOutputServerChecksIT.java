package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The handler checks the server first and says what to fix. */
class PgOutputServerChecksIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @Test
    void aMissingPublicationNamesItAndTheFix() {
        String slot = unique("slot");
        Throwable failure = start(PgOutputHandler.builder(event -> { }).slot(slot).publications("no_such_pub").createSlot(true));

        assertThat(failure).hasMessageContaining("publication \"no_such_pub\" does not exist")
                .hasMessageContaining("CREATE PUBLICATION");
    }

    @Test
    void aMissingPublicationIsNonTransientAndTheConnectionRecoversOnceItIsCreated() {
        String publication = unique("pub");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(unique("slot")).publications(publication)
                .createSlot(true).build();
        ConnectionConfig config = config(pg.server()).syncConnect(false).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().lastErrorNonTransient());
            assertThat(connection.status().lastError()).isInstanceOf(NonTransientReplicationException.class)
                    .hasMessageContaining("publication \"" + publication + "\" does not exist");

            pg.server().execute("CREATE PUBLICATION " + publication + " FOR ALL TABLES");

            awaitStreaming(connection);
            assertThat(connection.status().lastError()).isNull();
            assertThat(connection.status().lastErrorNonTransient()).isFalse();
        }
    }

    @Test
    void aMisspeltTableOfACreatedPublicationIsNonTransientNamesTheOptionAndRecoversOnceTheTableExists() {
        String table = unique("t");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(unique("slot")).publications(unique("pub"))
                .createSlot(true).createPublication(true).publicationTables(java.util.List.of("public." + table)).build();
        ConnectionConfig config = config(pg.server()).syncConnect(false).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().lastErrorNonTransient());
            assertThat(connection.status().lastError()).hasMessageContaining("42P01")
                    .hasMessageContaining("relation \"public." + table + "\" does not exist")
                    .hasMessageContaining("publicationTables names a table that does not exist");

            pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY)");

            awaitStreaming(connection);
        }
    }

    @Test
    void tablesTheListenerExpectsThatNoPublicationPublishesAreNamedWithTheFix() {
        String published = unique("t");
        String unpublished = unique("t");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + published + " (id int PRIMARY KEY)",
                "CREATE TABLE " + unpublished + " (id int PRIMARY KEY)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + published);
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(unique("slot")).publications(publication)
                .createSlot(true).expectedTables(java.util.List.of(published, "public." + published, unpublished,
                        "other." + published, "public.no_such_table")).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            assertThat(handler.tableWarnings()).containsExactlyInAnyOrder(
                    "the listener expects changes of table " + unpublished + ", but no publication of [" + publication
                            + "] publishes it: none will arrive. Add it (ALTER PUBLICATION " + publication + " ADD TABLE "
                            + unpublished + "), or correct the name",
                    "the listener expects changes of table other." + published + ", but no such table exists: none will"
                            + " arrive. Correct the name, or create the table and add it to a publication of [" + publication + "]",
                    "the listener expects changes of table public.no_such_table, but no such table exists: none will"
                            + " arrive. Correct the name, or create the table and add it to a publication of [" + publication + "]");
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
        }
    }

    @Test
    void aPublishedTableWithoutAReplicaIdentityIsNamedWithTheFix() {
        // The server refuses every UPDATE and DELETE of it once published: the application's own writes fail.
        String keyless = unique("t");
        String nothing = unique("t");
        String keyed = unique("t");
        String insertsOnly = unique("t");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + keyless + " (a int)", "CREATE TABLE " + nothing + " (id int PRIMARY KEY)",
                "ALTER TABLE " + nothing + " REPLICA IDENTITY NOTHING", "CREATE TABLE " + keyed + " (id int PRIMARY KEY)",
                "CREATE TABLE " + insertsOnly + " (a int)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + keyless + ", " + nothing + ", " + keyed,
                "CREATE PUBLICATION " + publication + "_ins FOR TABLE " + insertsOnly + " WITH (publish = 'insert')");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(unique("slot"))
                .publications(publication, publication + "_ins").createSlot(true).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            assertThat(handler.tableWarnings()).containsExactlyInAnyOrder(
                    "table public." + keyless + " has no primary key (REPLICA IDENTITY DEFAULT), and publication "
                            + publication + " publishes its UPDATEs and DELETEs: the server refuses every UPDATE and DELETE"
                            + " of it (\"cannot update table ... because it does not have a replica identity and publishes"
                            + " updates\"). Add a primary key, or ALTER TABLE public." + keyless + " REPLICA IDENTITY FULL",
                    "table public." + nothing + " has REPLICA IDENTITY NOTHING, and publication " + publication
                            + " publishes its UPDATEs and DELETEs: the server refuses every UPDATE and DELETE of it (\"cannot"
                            + " update table ... because it does not have a replica identity and publishes updates\"). Add a"
                            + " primary key, or ALTER TABLE public." + nothing + " REPLICA IDENTITY FULL");
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
        }
    }

    @Test
    void aSlotOfAnotherPluginIsNonTransient() {
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE PUBLICATION " + publication + " FOR ALL TABLES",
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(slot).publications(publication).build();
        ConnectionConfig config = config(pg.server()).syncConnect(false).autoReconnect(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().lastErrorNonTransient());
            assertThat(connection.status().lastError()).hasMessageContaining("uses the output plugin test_decoding");
        } finally {
            pg.server().execute("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    @Test
    void aMissingSlotNamesItAndTheFix() {
        String publication = unique("pub");
        pg.server().execute("CREATE PUBLICATION " + publication + " FOR ALL TABLES");

        Throwable failure = start(PgOutputHandler.builder(event -> { }).slot("no_such_slot").publications(publication));

        assertThat(failure).hasMessageContaining("replication slot \"no_such_slot\" does not exist")
                .hasMessageContaining("createSlot");
    }

    @Test
    void aSlotActiveForAnotherConsumerNamesThePid() {
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE PUBLICATION " + publication + " FOR ALL TABLES");
        PgOutputHandler.Builder handler = PgOutputHandler.builder(event -> { }).slot(slot).publications(publication).createSlot(true);
        try (ReplicationConnection first = ReplicationConnection.start(config(pg.server()).build(), handler.build())) {
            Throwable failure = start(handler);

            assertThat(failure).hasMessageContaining("replication slot \"" + slot + "\" is active for PID "
                    + pg.server().queryValue("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
        }
    }

    @Test
    void aRoleWithoutReplicationIsRefusedWithTheGrant() {
        String role = unique("plain");
        pg.server().execute("CREATE ROLE " + role + " LOGIN");

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config(pg.server()).user(role).build(),
                PgOutputHandler.builder(event -> { }).slot(unique("slot")).publications("p").build()));

        assertThat(failure).isInstanceOf(ReplicationException.class).hasMessageContaining("42501")
                .hasMessageContaining("REPLICATION");
    }

    @Test
    void createsThePublicationAndTheSlotWhenAsked() {
        String table = unique("t");
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY)");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(slot).publications(publication)
                .createSlot(true).createPublication(true).publicationTables(java.util.List.of("public." + table)).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            assertThat(pg.server().queryValue("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + publication
                    + "' AND tablename = '" + table + "'")).isEqualTo("1");
            assertThat(pg.server().queryValue("SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
                    .isEqualTo("pgoutput");
            assertThat(handler.walSenderTimeout()).isPositive();
        }
    }

    @Test
    void slotCreationWaitsForAnOpenTransactionPastTheQueryTimeoutAndSaysWhichSessionItWaitsFor() throws SQLException {
        String table = unique("t");
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot(slot).publications(publication).createSlot(true)
                .build();
        ConnectionConfig config = config(pg.server()).queryTimeout(Duration.ofSeconds(2)).syncConnect(false)
                .autoReconnect(true).build();
        try (Connection blocker = pg.server().jdbc(); Statement statement = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            statement.execute("INSERT INTO " + table + " VALUES (1)"); // holds an xid until it commits
            String blockerPid = pg.server().queryValue("SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
                    + " AND application_name = 'pgrepl-test-support'");
            try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(connection.status().waitingFor())
                        .as("waiting for").isNotNull().contains("PID " + blockerPid));
                assertThat(connection.status().waitingFor()).contains("CREATE_REPLICATION_SLOT " + slot)
                        .contains("transactions that hold an xid");

                // Past the query timeout, the command still waits on the same session.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).untilAsserted(() -> {
                    ConnectionStatus status = connection.status();
                    assertThat(status.lastError()).as("last error").isNull();
                    assertThat(status.waitingFor()).as("waiting for").isNotNull();
                });
                blocker.commit();

                await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.STREAMING);
                assertThat(pg.server().queryValue("SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'"))
                        .isEqualTo("pgoutput");
                assertThat(connection.status().reconnectAttempts()).isZero();
                assertThat(connection.status().reconnects()).isZero();
                assertThat(connection.status().waitingFor()).isNull();
            }
        }
    }

    @Test
    void rejectsIllegalSlotNamesUpFront() {
        assertThatThrownBy(() -> PgOutputHandler.builder(event -> { }).slot("Orders-Slot"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lowercase letters, digits and underscores");
        assertThatThrownBy(() -> PgOutputHandler.builder(event -> { }).slot("orders").build())
                .hasMessageContaining("publication");
    }

    /** Recovered: the next attempt (backoff up to 1 s), then a whole setup, with room for a loaded machine. */
    private static void awaitStreaming(ReplicationConnection connection) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            ConnectionStatus status = connection.status();
            assertThat(status.state()).as("state, last error " + status.lastError()).isEqualTo(ConnectionState.STREAMING);
        });
    }

    private static Throwable start(PgOutputHandler.Builder handler) {
        return catchThrowable(() -> ReplicationConnection.start(config(pg.server()).build(), handler.build()).close());
    }

    static PgServer server() {
        return pg.server();
    }
}
