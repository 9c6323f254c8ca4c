package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental snapshots while the tables change: the stream's changes and the chunks' rows make exactly the tables,
 * and no chunk row is older than a change the stream already delivered for it; also across a kill -9 of the
 * consumer's JVM in the middle of a snapshot, which the next start resumes.
 */
class IncrementalSnapshotIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @TempDir
    Path dir;

    @Test
    void snapshotMidStreamEqualsTheTablesWhileTheyChange() throws Exception {
        SnapshotWorkload workload = SnapshotWorkload.create(pg.server(), "incremental", 100_000, 60_000, 40_000);
        String slot = unique("slot");
        pg.server().execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        Projection projection = new Projection();
        PgOutputHandler handler = PgOutputHandler.builder(projection).slot(slot).publications(workload.publication)
                .snapshot(SnapshotOptions.defaults().chunkSize(2_000)).statusInterval(Duration.ofMillis(200)).build();
        try (SnapshotWorkload.Churn churn = workload.churn().start();
             ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> projection.changes.get() >= 500);
            long started = System.nanoTime();
            SnapshotProgress progress = handler.snapshot(List.of()).get(10, TimeUnit.SECONDS);
            assertThat(progress.kind()).isEqualTo(SnapshotProgress.Kind.INCREMENTAL);
            assertThat(progress.tables()).extracting(SnapshotProgress.TableProgress::table)
                    .containsExactlyElementsOf(workload.tables.stream().map(table -> "public." + table).toList());

            await().atMost(Duration.ofMinutes(1)).until(() -> projection.completed.size() == 3);
            long snapshotted = System.nanoTime();
            churn.stop();
            Map<String, Map<Long, String>> expected = workload.contents();
            await().atMost(Duration.ofSeconds(30)).until(() -> projection.tables.equals(expected));
            System.out.printf("incremental snapshot: %d rows emitted in %d ms; %d changes streamed%n", projection.reads.get(),
                    (snapshotted - started) / 1_000_000, projection.changes.get());
        }
        assertThat(projection.stale).isEmpty();
        assertThat(projection.duplicates).isEmpty();
        assertThat(handler.snapshotProgress()).hasValueSatisfying(progress ->
                assertThat(progress.state()).isEqualTo(SnapshotProgress.State.COMPLETED));
    }

    @Test
    void aSnapshotInterruptedByKill9ResumesAtItsLastChunkAndStillEqualsTheTables() throws Exception {
        SnapshotWorkload workload = SnapshotWorkload.create(pg.server(), "killed", 40_000, 30_000, 20_000);
        String slot = unique("slot");
        pg.server().execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        Path firstLife = dir.resolve("first.txt");
        Path secondLife = dir.resolve("second.txt");
        try (SnapshotWorkload.Churn churn = workload.churn().start()) {
            Process first = startChild(slot, workload.publication, firstLife, "snapshot", "slow");
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Replay.of(firstLife).readsPerLife.get(0) >= 30_000);
            } finally {
                first.destroyForcibly().waitFor(); // SIGKILL: no handleClose, no last status update
            }
            Process second = startChild(slot, workload.publication, secondLife, "stream");
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Replay.of(firstLife, secondLife).completed.size() == 3);
                churn.stop();
                Map<String, Map<Long, String>> expected = workload.contents();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> Replay.of(firstLife, secondLife).tables.equals(expected));
            } finally {
                second.destroyForcibly().waitFor();
            }
        }
        Replay replay = Replay.of(firstLife, secondLife);
        System.out.printf("killed mid-snapshot: %d rows read before the kill, %d after the restart, %d of them twice%n",
                replay.readsPerLife.get(0), replay.readsPerLife.get(1), replay.readTwice());
        assertThat(replay.stale).isEmpty();
        assertThat(replay.duplicates).isEmpty();
        // Resumed, not started over: the second life read again at most the chunks the first had not confirmed (chunks
        // of 1,000 rows; starting over would read the first's 30,000 again).
        assertThat(replay.readsPerLife.get(1)).isPositive();
        assertThat(replay.readTwice()).isLessThanOrEqualTo(5_000);
    }

    private Process startChild(String slot, String publication, Path out, String... more) throws IOException {
        return SnapshotChildConsumer.start(pg.server(), slot, publication, out, more);
    }
}
