package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The initial snapshot against a database that never stops changing: the rows of the slot's exported snapshot, then
 * the stream from its consistent point, make exactly the tables.
 */
class InitialSnapshotIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @TempDir
    Path dir;

    @Test
    void anInitialSnapshotCountsAsCompletedOnlyOnceItsSlotIsMade() {
        String table = unique("done");
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY)",
                "INSERT INTO " + table + " SELECT generate_series(1, 1000)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        ChangeListener ignoring = event -> { };
        PgOutputHandler handler = PgOutputHandler.builder(ignoring).slot(slot).publications(publication).createSlot(true)
                .snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> handler.snapshotProgress()
                    .map(progress -> progress.state() == SnapshotProgress.State.COMPLETED).orElse(false));
            // Stopped the moment the snapshot says it completed: it stays completed, its slot stays, permanent.
        }
        assertThat(handler.snapshotProgress()).hasValueSatisfying(progress ->
                assertThat(progress.state()).as("a stop after completion fails nothing").isEqualTo(SnapshotProgress.State.COMPLETED));
        assertThat(pg.server().queryValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot
                + "' AND NOT temporary")).as("the snapshot's permanent slot").isEqualTo("1");
    }

    @Test
    void snapshotThenStreamEqualsTheTablesWhileTheyChange() throws Exception {
        SnapshotWorkload workload = SnapshotWorkload.create(pg.server(), "initial", 100_000, 60_000, 40_000);
        Projection projection = new Projection();
        PgOutputHandler handler = PgOutputHandler.builder(projection).slot(unique("slot")).publications(workload.publication)
                .createSlot(true).snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL))
                .statusInterval(Duration.ofMillis(200)).build();
        long started = System.nanoTime();
        try (SnapshotWorkload.Churn churn = workload.churn().start();
             ReplicationConnection connection = ReplicationConnection.create(config(pg.server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> churn.transactions.get() >= 200); // before the slot exists
            connection.connect();
            await().atMost(Duration.ofMinutes(1)).until(() -> projection.completed.size() == 3);
            long snapshotted = System.nanoTime();
            long changesAtSnapshot = projection.changes.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> projection.changes.get() >= changesAtSnapshot + 1_000);
            churn.stop(); // after the stream started

            Map<String, Map<Long, String>> expected = workload.contents();
            await().atMost(Duration.ofSeconds(30)).until(() -> projection.tables.equals(expected));
            System.out.printf("initial snapshot: %d rows read in %d ms; %d changes streamed, %d transactions written%n",
                    projection.reads.get(), (snapshotted - started) / 1_000_000, projection.changes.get(),
                    churn.transactions.get());
        }
        assertThat(projection.duplicates).isEmpty();
        assertThat(projection.reads.get()).isGreaterThanOrEqualTo(190_000);
        assertThat(handler.snapshotProgress()).hasValueSatisfying(progress -> {
            assertThat(progress.state()).isEqualTo(SnapshotProgress.State.COMPLETED);
            assertThat(progress.tables()).hasSize(3).allSatisfy(table ->
                    assertThat(table.state()).isEqualTo(SnapshotProgress.State.COMPLETED));
            assertThat(progress.rows()).isEqualTo(projection.reads.get());
        });
    }

    @Test
    void aConsumerKilledDuringTheInitialSnapshotTakesItAgainAndNeverStreamsFromHalfOfIt() throws Exception {
        SnapshotWorkload workload = SnapshotWorkload.create(pg.server(), "killedinitial", 40_000, 30_000, 20_000);
        String slot = unique("slot");
        Path firstLife = dir.resolve("first.txt");
        Path secondLife = dir.resolve("second.txt");
        try (SnapshotWorkload.Churn churn = workload.churn().start()) {
            Process first = SnapshotChildConsumer.start(pg.server(), slot, workload.publication, firstLife, "initial", "slow");
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Replay.of(firstLife).readsPerLife.get(0) >= 20_000);
            } finally {
                first.destroyForcibly().waitFor(); // SIGKILL, in the middle of the snapshot
            }
            assertThat(Replay.of(firstLife).completed).as("killed in the middle").hasSizeLessThan(3);
            // The snapshot's slot was temporary: it went with the session, and no slot says the snapshot was read.
            await().atMost(Duration.ofSeconds(10)).until(() -> "0".equals(pg.server().queryValue(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '" + slot + "%'")));

            Process second = SnapshotChildConsumer.start(pg.server(), slot, workload.publication, secondLife, "initial");
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Replay.of(secondLife).completed.size() == 3);
                churn.stop();
                Map<String, Map<Long, String>> expected = workload.contents();
                // The second life alone makes the tables: it took the whole snapshot again, then streamed from its point.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Replay.of(secondLife).tables.equals(expected));
            } finally {
                second.destroyForcibly().waitFor();
            }
        }
        Replay second = Replay.of(secondLife);
        assertThat(second.duplicates).isEmpty();
        assertThat(second.stale).isEmpty();
        assertThat(second.readsPerLife.get(0)).isGreaterThanOrEqualTo(90_000 - 10_000); // the whole tables, less deletes
    }
}
