package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.testsupport.PgCluster;
import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A host list of a primary and its standby: the connection keeps the first server of the wanted kind. */
@Tag("standby")
class HostListIT {

    private static PgCluster cluster;
    private static Endpoint primary;
    private static Endpoint standby;
    private static Endpoint down;

    @BeforeAll
    static void cluster() throws IOException {
        cluster = PgCluster.builder().tls(false).start();
        primary = endpoint(cluster.primary());
        standby = endpoint(cluster.standby());
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            down = new Endpoint("localhost", socket.getLocalPort()); // nothing listens there once closed
        }
    }

    @AfterAll
    static void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFirstHostThatIsDownIsPassedOver() {
        try (ReplicationConnection connection = ReplicationConnection.start(config(down, primary).build(), idle())) {
            assertThat(connection.status().server()).isEqualTo(primary);
        }
    }

    @Test
    void thePrimaryIsTheDefaultAndAStandbyIsPassedOver() {
        ConnectionConfig config = config(standby, primary).build();
        assertThat(config.targetSessionAttrs()).isEqualTo(TargetSessionAttrs.PRIMARY);

        try (ReplicationConnection connection = ReplicationConnection.start(config, idle())) {
            assertThat(connection.status().server()).isEqualTo(primary);
        }
    }

    @Test
    void standbyAndReadOnlyPassThePrimaryOver() {
        for (TargetSessionAttrs kind : List.of(TargetSessionAttrs.STANDBY, TargetSessionAttrs.READ_ONLY)) {
            try (ReplicationConnection connection = ReplicationConnection.start(
                    config(primary, standby).targetSessionAttrs(kind).build(), idle())) {
                assertThat(connection.status().server()).as(kind.value()).isEqualTo(standby);
            }
        }
    }

    @Test
    void preferStandbyTakesAnyServerWhenThereIsNoStandby() {
        try (ReplicationConnection connection = ReplicationConnection.start(
                config(primary, down).targetSessionAttrs(TargetSessionAttrs.PREFER_STANDBY).build(), idle())) {
            assertThat(connection.status().server()).isEqualTo(primary);
        }
    }

    @Test
    void withoutAServerOfTheWantedKindTheErrorNamesEachHost() {
        Throwable failure = catchThrowable(() -> ReplicationConnection.start(
                config(primary, down).targetSessionAttrs(TargetSessionAttrs.STANDBY).build(), idle()).close());

        assertThat(failure).isInstanceOf(ReplicationException.class)
                .hasMessageContaining("No server of the kind target_session_attrs=standby answered among 2 host(s)")
                .hasMessageContaining(primary + " is a primary")
                .hasMessageContaining("Cannot connect to " + down);
    }

    /** Decoding on a standby (PostgreSQL 16+): its slot is created and streamed there; the primary's activity drives it. */
    @Test
    void decodesOnAStandby() {
        cluster.primary().execute("CREATE TABLE on_standby (id int PRIMARY KEY)",
                "CREATE PUBLICATION on_standby_pub FOR TABLE on_standby");
        cluster.awaitStandbyReplayed();
        List<Integer> inserted = new CopyOnWriteArrayList<>();
        PgOutputHandler handler = PgOutputHandler.builder(event -> {
            if (event instanceof ChangeEvent.Insert insert) {
                inserted.add(insert.newRow().getInt("id"));
            }
        }).slot("on_standby").publications("on_standby_pub").createSlot(true).build();
        ConnectionConfig config = config(primary, standby).targetSessionAttrs(TargetSessionAttrs.STANDBY).syncConnect(false)
                .autoReconnect(true).build();

        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            // A slot on a standby waits for a running-transactions record from the primary to become consistent.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                cluster.primary().queryValue("SELECT pg_log_standby_snapshot()");
                return connection.status().state() == ConnectionState.STREAMING;
            });
            assertThat(connection.status().server()).isEqualTo(standby);
            cluster.primary().execute("INSERT INTO on_standby VALUES (1), (2)");

            await().atMost(Duration.ofSeconds(10)).until(() -> inserted.size() == 2);
            assertThat(inserted).containsExactly(1, 2);
        }
    }

    /** A failover slot's standbys are asked whether they can keep a copy; one that cannot is warned about. */
    @Test
    void aStandbyThatCannotKeepACopyOfAFailoverSlotIsWarnedAbout() {
        cluster.primary().execute("CREATE TABLE warned (id int PRIMARY KEY)", "CREATE PUBLICATION warned_pub FOR TABLE warned");
        cluster.standby().execute("ALTER SYSTEM SET sync_replication_slots = off", "SELECT pg_reload_conf()");
        PgOutputHandler handler = PgOutputHandler.builder(event -> { }).slot("warned").publications("warned_pub")
                .createSlot(true).failover(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(primary, standby).build(), handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.failoverWarnings().stream()
                    .anyMatch(warning -> warning.contains("the standby " + standby + " cannot keep a copy")));
            assertThat(handler.failoverWarnings()).anySatisfy(warning -> assertThat(warning)
                    .contains("Set sync_replication_slots = on there"));
        } finally {
            cluster.standby().execute("ALTER SYSTEM RESET sync_replication_slots", "SELECT pg_reload_conf()");
            cluster.primary().execute("SELECT pg_drop_replication_slot('warned')");
        }
    }

    private static ConnectionConfig.Builder config(Endpoint... hosts) {
        return ConnectionConfig.builder().name(ReplicationFixtures.unique("hosts")).endpoints(List.of(hosts))
                .user(PgServer.SUPERUSER).database(PgServer.DATABASE).sslMode(SslMode.DISABLE)
                .connectTimeout(Duration.ofSeconds(5));
    }

    /** Connects and stays connected, doing nothing. */
    private static ReplicationHandler idle() {
        return new ReplicationHandler() { };
    }

    private static Endpoint endpoint(PgServer server) {
        return new Endpoint(server.host(), server.port());
    }
}
