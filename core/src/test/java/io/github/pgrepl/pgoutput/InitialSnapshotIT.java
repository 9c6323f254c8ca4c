package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The initial snapshot against a database that never stops changing: the rows of the slot's exported snapshot, then
 * the stream from its consistent point, make exactly the tables.
 */
class InitialSnapshotIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

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
}
