package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.testsupport.PgCluster;
import io.github.pgrepl.testsupport.PgServer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A promoted standby takes the stream over: with a failover slot, a host list and synchronized_standby_slots, every
 * transaction of the old primary that reached the standby is delivered, once, and the stream goes on on the new primary.
 */
@Tag("standby")
class TakeoverIT {

    private static final String SLOT = "takeover";

    @Test
    void aPromotedStandbyTakesTheStreamOverWithNothingLost() throws Exception {
        try (PgCluster cluster = PgCluster.builder().tls(false).start()) {
            PgServer oldPrimary = cluster.primary();
            PgServer newPrimary = cluster.standby();
            oldPrimary.execute("CREATE TABLE ledger (n bigint PRIMARY KEY)", "CREATE PUBLICATION ledger_pub FOR TABLE ledger");
            List<Long> delivered = new CopyOnWriteArrayList<>();
            PgOutputHandler handler = handler(delivered);

            try (ReplicationConnection connection = ReplicationConnection.start(config(cluster), handler);
                 Writer writer = new Writer(oldPrimary, 1)) {
                assertThat(connection.status().server()).isEqualTo(endpoint(oldPrimary));
                assertThat(handler.failoverWarnings()).isEmpty(); // the cluster is set up as the README says
                writer.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() >= 300);
                cluster.awaitSlotSynchronized(SLOT);
                await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() >= 600);

                oldPrimary.stopImmediately(); // mid-stream: the writer is committing, the stream is delivering
                long committedOnOld = writer.awaitStopped();
                cluster.promoteStandby();
                long receivedBeforeFailover = delivered.size();

                try (Writer after = new Writer(newPrimary, committedOnOld + 1)) {
                    after.start();
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        ConnectionStatus status = connection.status();
                        assertThat(status.server()).as("server, last error " + status.lastError())
                                .isEqualTo(endpoint(newPrimary));
                        assertThat(status.state()).isEqualTo(ConnectionState.STREAMING);
                    });
                    await().atMost(Duration.ofSeconds(20)).until(() -> after.committed() >= 200);
                    after.stop();
                }
                Set<Long> onNewPrimary = new HashSet<>();
                newPrimary.query("SELECT n FROM ledger").forEach(row -> onNewPrimary.add(Long.parseLong(row.get(0))));
                await().atMost(Duration.ofSeconds(20)).until(() -> new HashSet<>(delivered).containsAll(onNewPrimary));

                long replicated = onNewPrimary.stream().filter(n -> n <= committedOnOld).count();
                System.out.printf("takeover: %d committed on the old primary, %d of them reached the standby (%d lost with"
                        + " the old primary); %d delivered before the failover, %d in all; %d on the new primary; %d"
                        + " delivered twice%n", committedOnOld, replicated, committedOnOld - replicated,
                        receivedBeforeFailover, delivered.size(), onNewPrimary.size(),
                        delivered.size() - new HashSet<>(delivered).size());
                assertThat(new HashSet<>(delivered)).isEqualTo(onNewPrimary); // nothing lost, nothing invented
                assertThat(delivered).doesNotHaveDuplicates();
                assertThat(connection.status().reconnects()).isPositive();
                assertThat(handler.failure()).isNull();
                // The new primary has no standby left: the warnings say so, and are about it alone.
                assertThat(handler.failoverWarnings()).isNotEmpty()
                        .allSatisfy(warning -> assertThat(warning).contains(endpoint(newPrimary).toString()));
            }
        }
    }

    /**
     * Without synchronized_standby_slots the consumer may get ahead of the standby. Those changes are lost with the old
     * primary; resuming after them on the new timeline would skip the new primary's own transactions at the same
     * positions, so the connection stops and says so.
     */
    @Test
    void aStandbyBehindTheConsumerIsNotResumedAfterWhatItNeverHad() {
        try (PgCluster cluster = PgCluster.builder().tls(false).synchronizedStandbySlots(false).start()) {
            PgServer oldPrimary = cluster.primary();
            PgServer standby = cluster.standby();
            oldPrimary.execute("CREATE TABLE ledger (n bigint PRIMARY KEY)", "CREATE PUBLICATION ledger_pub FOR TABLE ledger");
            List<Long> delivered = new CopyOnWriteArrayList<>();
            PgOutputHandler handler = handler(delivered);

            try (ReplicationConnection connection = ReplicationConnection.start(config(cluster), handler)) {
                assertThat(handler.failoverWarnings()).anySatisfy(warning ->
                        assertThat(warning).contains("synchronized_standby_slots is empty", PgCluster.STANDBY_SLOT));
                oldPrimary.execute("INSERT INTO ledger SELECT generate_series(1, 20)");
                await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() == 20);
                cluster.awaitSlotSynchronized(SLOT);
                cluster.awaitStandbyReplayed();

                standby.stop(); // from here on the standby misses what the consumer receives
                oldPrimary.execute("INSERT INTO ledger SELECT generate_series(21, 30)");
                await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() == 30);
                oldPrimary.stopImmediately();
                standby.start();
                cluster.promoteStandby();

                await().atMost(Duration.ofSeconds(30)).until(() -> connection.status().state() == ConnectionState.CLOSED);
                assertThat(handler.failure()).isInstanceOf(ReplicationSlotException.class)
                        .hasMessageContaining("received changes up to")
                        .hasMessageContaining("which branched off at")
                        .hasMessageContaining("Set synchronized_standby_slots");
                assertThat(standby.queryValue("SELECT max(n) FROM ledger")).isEqualTo("20");
            }
        }
    }

    private static PgOutputHandler handler(List<Long> delivered) {
        return PgOutputHandler.builder(event -> {
            if (event instanceof ChangeEvent.Insert insert) {
                delivered.add(insert.newRow().getLong("n"));
            }
        }).slot(SLOT).publications("ledger_pub").createSlot(true).failover(true)
                // Frequent confirmations keep the synchronized copy close behind.
                .statusInterval(Duration.ofMillis(200)).build();
    }

    private static ConnectionConfig config(PgCluster cluster) {
        return ConnectionConfig.builder().name("takeover")
                .endpoints(List.of(endpoint(cluster.primary()), endpoint(cluster.standby())))
                .user(PgServer.SUPERUSER).database(PgServer.DATABASE).sslMode(SslMode.DISABLE)
                .connectTimeout(Duration.ofSeconds(5)).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
    }

    private static Endpoint endpoint(PgServer server) {
        return new Endpoint(server.host(), server.port());
    }

    /** Commits numbered one-row transactions on one server until stopped or the server goes away. */
    private static final class Writer implements AutoCloseable {

        private final PgServer server;
        private final AtomicLong next;
        private final AtomicLong count = new AtomicLong();
        private final Thread thread;
        private volatile boolean stopped;

        Writer(PgServer server, long first) {
            this.server = server;
            this.next = new AtomicLong(first);
            this.thread = new Thread(this::write, "writer-" + server.port());
        }

        void start() {
            thread.start();
        }

        private void write() {
            try (Connection jdbc = server.jdbc(); Statement statement = jdbc.createStatement()) {
                while (!stopped) {
                    statement.execute("INSERT INTO ledger VALUES (" + next.get() + ")");
                    next.incrementAndGet(); // committed (autocommit)
                    count.incrementAndGet();
                }
            } catch (SQLException | IllegalStateException e) {
                // the server went away: the last number taken was not committed, or not known to be
            }
        }

        /** How many this writer committed. */
        long committed() {
            return count.get();
        }

        /** Waits for the writer to end (its server went away); returns the highest number it committed. */
        long awaitStopped() throws InterruptedException {
            thread.join(Duration.ofSeconds(20).toMillis());
            return next.get() - 1;
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join(Duration.ofSeconds(20).toMillis());
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
