package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs with -Xmx256m: the initial snapshot of a table larger than the heap goes through the listener's bounded queue,
 * the COPY readers held back while it is full; no table is ever held whole.
 */
class SnapshotMemoryIT {

    private static final long TABLE_BYTES = 300L * 1024 * 1024;
    private static final long QUEUE_BYTES = 4L * 1024 * 1024;

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @Test
    void aTableLargerThanTheHeapSnapshotsThroughABoundedQueue() {
        String table = unique("big");
        String publication = unique("pub");
        int rows = 140_000; // ~2.2 KB each
        pg.server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, payload text)",
                "ALTER TABLE " + table + " ALTER COLUMN payload SET STORAGE EXTERNAL", // not compressed: as large on disk
                "INSERT INTO " + table + " SELECT g, (SELECT string_agg(md5(random()::text || i || g), '')"
                        + " FROM generate_series(1, 64) AS s(i)) FROM generate_series(1, " + rows + ") g",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        long tableBytes = Long.parseLong(pg.server().queryValue("SELECT pg_total_relation_size('" + table + "')"));
        AtomicLong reads = new AtomicLong();
        AtomicLong maxQueuedBytes = new AtomicLong();
        PgOutputHandler[] handler = new PgOutputHandler[1];
        ChangeListener counting = event -> {
            maxQueuedBytes.accumulateAndGet(handler[0].queuedBytes(), Math::max);
            if (event instanceof ChangeEvent.Read && reads.incrementAndGet() % 5_000 == 0) {
                Thread.sleep(50); // a listener that falls behind now and then, so the queue reaches its bound
            }
        };
        handler[0] = PgOutputHandler.builder(counting).slot(unique("slot")).publications(publication).createSlot(true)
                .snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL)).queueCapacity(100_000, QUEUE_BYTES).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler[0])) {
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                assertThat(reads.get()).as("rows read").isEqualTo(rows);
                assertThat(handler[0].snapshotProgress()).as("snapshot progress")
                        .hasValueSatisfying(progress -> assertThat(progress.running()).as("running").isFalse());
            });
        }
        System.out.printf("initial snapshot of a %d MB table, %d rows; largest queue %d MB; heap max %d MB%n",
                tableBytes >> 20, rows, maxQueuedBytes.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
        assertThat(tableBytes).isGreaterThanOrEqualTo(TABLE_BYTES);
        assertThat(handler[0].snapshotProgress()).hasValueSatisfying(progress ->
                assertThat(progress.state()).isEqualTo(SnapshotProgress.State.COMPLETED));
        // A batch of a reader may pass the bound by its own size before the reader is held back.
        assertThat(maxQueuedBytes.get()).isGreaterThan(QUEUE_BYTES / 2).isLessThanOrEqualTo(2 * QUEUE_BYTES);
    }
}
