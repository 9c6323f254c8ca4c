package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Incremental snapshots while the tables change: the stream's changes and the chunks' rows make exactly the tables,
 * and no chunk row is older than a change the stream already delivered for it.
 */
class IncrementalSnapshotIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

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
}
