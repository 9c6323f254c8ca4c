package io.github.pgrepl.kafka;

import static io.github.pgrepl.kafka.RelayFixtures.confirmed;
import static io.github.pgrepl.kafka.RelayFixtures.currentWal;
import static io.github.pgrepl.kafka.RelayFixtures.pollRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.kafka.RelayFixtures.Relayed;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.ReplicationListener;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The broker stops in the middle of a stream: the relay waits, the connection pauses with its session kept alive past
 * {@code wal_sender_timeout}, the slot stays where the broker's records end, health says so; the broker comes back and
 * every change arrives; stopped during an initial snapshot, it holds the snapshot (no slot, no stream) until the broker
 * has every row. A broker of its own, since it is stopped.
 */
class KafkaRelayOutageIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "4s").build();

    private static final int SEEDED_ROWS = 2000;

    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void setUp() {
        broker = RelayFixtures.startBroker();
        pg.server().execute("CREATE TABLE events (id bigint PRIMARY KEY, payload text)",
                "CREATE PUBLICATION events_pub FOR TABLE events", "CREATE TABLE unpublished (id bigint)",
                "CREATE TABLE seeded (id bigint PRIMARY KEY, payload text)",
                "INSERT INTO seeded SELECT i, repeat('x', 200) FROM generate_series(1, " + SEEDED_ROWS + ") i",
                "CREATE PUBLICATION seeded_pub FOR TABLE seeded");
    }

    @AfterAll
    static void tearDown() {
        broker.destroy();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Application {
    }

    /** Holds the initial snapshot at a row, on the listener thread the relay shares, until the test lets it go. */
    public static class Gate {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        @ReplicationListener(connection = "snapout", tables = "seeded", operations = Operation.READ)
        void on(Change<Row> read) throws InterruptedException {
            if (read.after().getLong("id") == SEEDED_ROWS / 2) {
                reached.countDown();
                open.await();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class GatedApplication {
        @Bean
        Gate gate() {
            return new Gate();
        }
    }

    @Test
    void aBrokerStoppedDuringTheInitialSnapshotHoldsItUntilTheBrokerHasEveryRow() throws Exception {
        String prefix = "pgrepl.connections.snapout.";
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(GatedApplication.class)
                .web(WebApplicationType.NONE).properties("spring.main.banner-mode=off",
                        prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                        prefix + "username=" + PgServer.SUPERUSER, prefix + "publications=seeded_pub",
                        prefix + "create-slot=true", prefix + "slot=snapout_slot", prefix + "snapshot.mode=initial",
                        prefix + "status-interval=200ms", prefix + "kafka.enabled=true", prefix + "kafka.ack-timeout=1s",
                        "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString())
                .run()) {
            ReplicationConnectionRegistry connections = context.getBean(ReplicationConnectionRegistry.class);
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            Gate gate = context.getBean(Gate.class);
            assertThat(gate.reached.await(20, TimeUnit.SECONDS)).isTrue();

            broker.getCluster().brokers().values().forEach(server -> server.shutdown());
            boolean stopped = true;
            try {
                gate.open.countDown();
                // The rest of the rows wait for a broker: the snapshot is not done, no slot, no stream.
                await().atMost(Duration.ofSeconds(10)).until(() -> !relay.status().isHealthy());
                assertThat(relay.status().problem()).contains("No acknowledgement");
                // A made slot stays: atMost's margin cannot hide one.
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(connections.connection("snapout").status().state()).isNotEqualTo(ConnectionState.STREAMING);
                    assertThat(pg.server().queryValue("SELECT count(*) FROM pg_replication_slots"
                            + " WHERE slot_name = 'snapout_slot'")).as("slots named snapout_slot").isEqualTo("0");
                });

                broker.getCluster().brokers().values().forEach(server -> server.startup());
                stopped = false;
            } finally {
                if (stopped) {
                    broker.getCluster().brokers().values().forEach(server -> server.startup());
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> connections.connection("snapout").status().state()
                    == ConnectionState.STREAMING);
            try (KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "snapout\\..*", false)) {
                List<Relayed> records = pollRows(consumer, SEEDED_ROWS, Duration.ofSeconds(60));
                Set<Long> ids = records.stream().map(Relayed::id).collect(Collectors.toSet());
                System.out.println("broker stopped during the initial snapshot: " + records.size() + " records, "
                        + ids.size() + " distinct rows of " + SEEDED_ROWS);
                assertThat(ids).hasSize(SEEDED_ROWS);
                assertThat(records).extracting(Relayed::op).containsOnly("r");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().isHealthy());
        }
    }

    @Test
    void aStoppedBrokerPausesTheStreamHoldsTheSlotAndLosesNothing() {
        String prefix = "pgrepl.connections.outage.";
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.NONE).properties("spring.main.banner-mode=off",
                        prefix + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                        prefix + "username=" + PgServer.SUPERUSER, prefix + "publications=events_pub",
                        prefix + "create-slot=true", prefix + "slot=outage_slot", prefix + "status-interval=200ms",
                        prefix + "listener.queue-capacity=200", prefix + "kafka.enabled=true",
                        prefix + "kafka.max-in-flight=64KB", prefix + "kafka.ack-timeout=2s",
                        "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString())
                .run()) {
            ReplicationConnectionRegistry connections = context.getBean(ReplicationConnectionRegistry.class);
            KafkaRelay relay = context.getBean(KafkaRelay.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> connections.connection("outage").status().state()
                    == ConnectionState.STREAMING);
            pg.server().execute("INSERT INTO events VALUES (0, 'before the outage')");
            Lsn beforeOutage = currentWal(pg.server());
            await().atMost(Duration.ofSeconds(20)).until(() -> !confirmed(pg.server(), "outage_slot").isBefore(beforeOutage));
            Lsn confirmedBeforeOutage = confirmed(pg.server(), "outage_slot");
            // WAL the stream skips, as a busy server always writes: idle keepalives may confirm past it.
            pg.server().execute("INSERT INTO unpublished VALUES (1)");

            int transactions = 100;
            int rows = 20;
            Lsn end;
            broker.getCluster().brokers().values().forEach(server -> server.shutdown());
            boolean stopped = true;
            try {
                Lsn afterFirstOutageTransaction = null;
                for (int transaction = 0; transaction < transactions; transaction++) {
                    int first = 1 + transaction * rows;
                    pg.server().execute("INSERT INTO events SELECT i, repeat('x', 200) FROM generate_series(" + first
                            + ", " + (first + rows - 1) + ") i");
                    if (afterFirstOutageTransaction == null) {
                        afterFirstOutageTransaction = currentWal(pg.server());
                    }
                }
                Lsn firstOutageCommit = afterFirstOutageTransaction;
                end = currentWal(pg.server());

                // The relay waits with its window full, the queue fills, the connection stops reading.
                await().atMost(Duration.ofSeconds(20)).until(() -> connections.connection("outage").status().paused());
                await().atMost(Duration.ofSeconds(10)).until(() -> !relay.status().isHealthy());
                assertThat(relay.status().problem()).contains("No acknowledgement").contains("the broker is down");
                // Paused past wal_sender_timeout (4 s): status updates keep the session; no transaction of the outage
                // is confirmed. (Idle keepalives before the first one may move the slot up to it: that is allowed.)
                // Reconnects and the slot only grow: atMost's margin cannot hide a lost session or a confirmation.
                await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    ConnectionStatus status = connections.connection("outage").status();
                    assertThat(status.state()).isEqualTo(ConnectionState.STREAMING);
                    assertThat(status.paused()).as("paused").isTrue();
                    assertThat(status.reconnects()).as("reconnects").isZero();
                    assertThat(status.reconnectAttempts()).as("reconnect attempts").isZero();
                    assertThat(confirmed(pg.server(), "outage_slot")).as("confirmed flush LSN")
                            .isBetween(confirmedBeforeOutage, firstOutageCommit).isNotEqualTo(firstOutageCommit);
                });

                broker.getCluster().brokers().values().forEach(server -> server.startup());
                stopped = false;
            } finally {
                if (stopped) {
                    broker.getCluster().brokers().values().forEach(server -> server.startup());
                }
            }
            try (KafkaConsumer<byte[], byte[]> consumer = RelayFixtures.consumer(broker, "outage\\..*", false)) {
                List<Relayed> records = pollRows(consumer, 1 + transactions * rows, Duration.ofSeconds(60));
                Set<Long> ids = records.stream().map(Relayed::id).collect(Collectors.toSet());
                System.out.println("broker outage: " + (transactions * rows) + " rows written while the broker was down, "
                        + records.size() + " records after it came back, " + ids.size() + " distinct rows");
                assertThat(ids).hasSize(1 + transactions * rows);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> !confirmed(pg.server(), "outage_slot").isBefore(end));
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.status().isHealthy());
            assertThat(connections.connection("outage").status().paused()).isFalse();
        }
    }
}
