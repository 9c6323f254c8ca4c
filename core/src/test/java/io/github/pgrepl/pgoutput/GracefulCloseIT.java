package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.confirmedFlush;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code close()} is graceful: the listener finishes the event in hand (it is not interrupted first) and the queued
 * rest of its transaction, the transaction is confirmed to the server, and only then does {@code close()} return.
 */
class GracefulCloseIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static final long SLOW_MILLIS = 3_000;

    @Test
    void closeMidEventLetsTheListenerFinishAndConfirmsItsTransaction() throws Exception {
        PgServer server = pg.server();
        String table = unique("items");
        String publication = unique("pub");
        String slot = unique("slot");
        server.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY)", "CREATE PUBLICATION " + publication
                + " FOR TABLE " + table);
        CollectingListener collected = new CollectingListener();
        CountDownLatch inInsert = new CountDownLatch(1);
        ChangeListener slow = event -> {
            if (event instanceof ChangeEvent.Insert) {
                inInsert.countDown();
                TimeUnit.MILLISECONDS.sleep(SLOW_MILLIS); // the slow work is the point: close() comes in the middle
            }
            collected.onChange(event);
        };
        PgOutputHandler handler = PgOutputHandler.builder(slow).slot(slot).publications(publication).createSlot(true)
                .closeTimeout(Duration.ofSeconds(10)).build();
        ReplicationConnection connection = ReplicationConnection.start(config(server).build(), handler);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.STREAMING);
            server.execute("INSERT INTO " + table + " VALUES (1)");
            assertThat(inInsert.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            connection.close();
        }

        assertThat(collected.insertedIds()).as("the event in hand finished").containsExactly(1L);
        ChangeEvent.Commit commit = collected.nonEmptyOfType(ChangeEvent.Commit.class).stream().findFirst()
                .orElseThrow(() -> new AssertionError("the queued rest of the transaction was not delivered: "
                        + collected.kinds()));
        assertThat(handler.processedLsn()).isEqualTo(commit.endLsn());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(Lsn.parse(confirmedFlush(server, slot))).isGreaterThanOrEqualTo(commit.endLsn()));
    }
}
