package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static io.github.pgrepl.ReplicationFixtures.createSlot;
import static io.github.pgrepl.ReplicationFixtures.createTableAndPublication;
import static io.github.pgrepl.ReplicationFixtures.insertRows;
import static io.github.pgrepl.ReplicationFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.FaultProxy;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Network faults between client and server, through a real TCP proxy: the connection notices a dead
 * or silent socket, reconnects, and the handler's stream goes on from its confirmed position.
 */
class FaultsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "1s").build();

    private FaultProxy proxy;
    private String table;
    private RecordingHandler handler;
    private ReplicationConnection connection;

    @BeforeEach
    void start() {
        proxy = FaultProxy.start("localhost", pg.server().port());
        table = unique("orders");
        String publication = unique("pub");
        String slot = unique("slot");
        createTableAndPublication(pg.server(), table, publication);
        createSlot(pg.server(), slot);
        handler = new RecordingHandler(slot, publication).ackEvery(Duration.ofMillis(300));
        connection = ReplicationConnection.start(config(pg.server()).port(proxy.port()).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build(), handler);
    }

    @AfterEach
    void stop() {
        connection.close();
        proxy.close();
    }

    @Test
    void aStalledSocketIsNoticedAsSilenceAndReplacedOnceTheNetworkHeals() {
        insertRows(pg.server(), table, 1, 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() == 5);
        assertThat(connection.status().walSenderTimeout()).isEqualTo(Duration.ofSeconds(1));

        proxy.stall();

        awaitPresumedDead();
        assertThat(connection.status().state()).isNotEqualTo(ConnectionState.STREAMING);
        insertRows(pg.server(), table, 6, 10);
        proxy.heal();

        await().atMost(Duration.ofSeconds(20)).until(() -> handler.insertedValues.containsAll(ids(1, 10)));
        await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().state() == ConnectionState.STREAMING);
    }

    @Test
    void anIdleStreamAckedOnATimerWithoutAskingForRepliesIsNotTakenForAHalfOpenOne() {
        // The seed's pattern: a timer confirms what arrived, never asking for a reply. Caught up, the walsender then
        // has no reason to send anything: before, the stream was silent and dropped every 2 s (twice the timeout).
        connection.close();
        handler = new RecordingHandler(handler.slot, handler.publication) {
            @Override
            Action onKeepalive(PrimaryKeepalive keepalive) {
                committed = Lsn.max(committed, keepalive.walEnd());
                return super.onKeepalive(keepalive);
            }
        }.ackEvery(Duration.ofMillis(300));
        connection = ReplicationConnection.start(config(pg.server()).port(proxy.port()).autoReconnect(true).build(), handler);

        // A false poll restarts during(): reconnects, which only grow, keep a drop and reconnect from passing unseen.
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            ConnectionStatus status = connection.status();
            assertThat(status.lastError()).as("last error").isNull();
            assertThat(status.state()).isEqualTo(ConnectionState.STREAMING);
            assertThat(status.reconnects()).as("reconnects").isZero();
        });

        assertThat(handler.events).doesNotContain("disconnect");
        assertThat(connection.status().reconnects()).isZero();
    }

    @Test
    void serverBytesDroppedOneWayAreNoticedToo() {
        proxy.dropServerToClient();

        awaitPresumedDead();
        proxy.heal();
        insertRows(pg.server(), table, 1, 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> handler.insertedValues.containsAll(ids(1, 3)));
    }

    @Test
    void garbageFromTheNetworkIsADecodeErrorAndAReconnectNeverAHang() {
        insertRows(pg.server(), table, 1, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() == 3);

        proxy.corruptServerToClient();
        insertRows(pg.server(), table, 4, 6);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            ConnectionStatus status = connection.status();
            assertThat(status.lastError()).as("last error").isNotNull();
            assertThat(status.state()).isNotEqualTo(ConnectionState.STREAMING);
        });
        proxy.heal();

        await().atMost(Duration.ofSeconds(20)).until(() -> handler.insertedValues.containsAll(ids(1, 6)));
        assertThat(connection.status().reconnects()).isPositive();
    }

    @Test
    void aCutOrResetConnectionReconnectsAndLosesNothing() {
        insertRows(pg.server(), table, 1, 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() == 5);

        proxy.cutAll();
        insertRows(pg.server(), table, 6, 10);
        await().atMost(Duration.ofSeconds(15)).until(() -> handler.insertedValues.containsAll(ids(1, 10)));
        proxy.resetAll();
        insertRows(pg.server(), table, 11, 15);

        await().atMost(Duration.ofSeconds(15)).until(() -> handler.insertedValues.containsAll(ids(1, 15)));
        assertThat(connection.status().reconnects()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aPausedConnectionIsNotMistakenForADeadOne() {
        connection.pause();
        await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().paused());
        insertRows(pg.server(), table, 1, 3);

        // Paused six times wal_sender_timeout. Both only grow: atMost's margin cannot hide a reconnect or a row.
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(connection.status().reconnects()).as("reconnects").isZero();
            assertThat(handler.insertedValues).as("rows delivered while paused").isEmpty();
        });

        connection.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.containsAll(ids(1, 3)));
        assertThat(connection.status().reconnects()).isZero();
    }

    @Test
    void aSlowNetworkIsNotADeadOne() {
        proxy.delay(Duration.ofMillis(300));
        insertRows(pg.server(), table, 1, 20);

        await().atMost(Duration.ofSeconds(20)).until(() -> handler.insertedValues.containsAll(ids(1, 20)));
        assertThat(connection.status().reconnects()).isZero();
    }

    private void awaitPresumedDead() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(connection.status().lastError())
                .as("last error").isNotNull().hasMessageContaining("presumed dead"));
    }

    private static java.util.List<String> ids(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(String::valueOf).toList();
    }
}
