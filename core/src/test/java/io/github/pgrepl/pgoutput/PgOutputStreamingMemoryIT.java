package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs with -Xmx256m: a transaction larger than the heap arrives as stream events and is never
 * held whole; the handler's queue stays within its byte bound.
 */
class PgOutputStreamingMemoryIT {

    private static final long TRANSACTION_BYTES = 300L * 1024 * 1024;
    private static final long QUEUE_BYTES = 4L * 1024 * 1024;

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("logical_decoding_work_mem", "1MB")
            .setting("max_wal_size", "4GB").build();

    @Test
    void aTransactionLargerThanTheHeapStreamsThroughABoundedQueue() {
        String table = unique("big");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, payload text)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        AtomicLong inserts = new AtomicLong();
        AtomicLong maxQueuedBytes = new AtomicLong();
        PgOutputHandler[] handler = new PgOutputHandler[1];
        ChangeListener counting = event -> {
            maxQueuedBytes.accumulateAndGet(handler[0].queuedBytes(), Math::max);
            if (event instanceof ChangeEvent.Insert && inserts.incrementAndGet() % 2_000 == 0) {
                Thread.sleep(100); // a listener that falls behind now and then, so the queue reaches its bound
            }
        };
        handler[0] = PgOutputHandler.builder(counting).slot(unique("slot")).publications(publication).createSlot(true)
                .queueCapacity(100_000, QUEUE_BYTES).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler[0])) {
            Lsn start = Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_lsn()"));
            int rows = 140_000; // ~2.2 KB each, in ONE transaction
            pg.server().execute("INSERT INTO " + table + " SELECT g, (SELECT string_agg(md5(random()::text || i || g), '')"
                    + " FROM generate_series(1, 64) AS s(i)) FROM generate_series(1, " + rows + ") g");
            long walBytes = Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_lsn()")).minus(start);

            await().atMost(Duration.ofMinutes(3)).until(() -> inserts.get() == rows);
            System.out.printf("one transaction of %d MB of WAL, %d rows; largest queue %d MB; heap max %d MB%n",
                    walBytes >> 20, rows, maxQueuedBytes.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);

            assertThat(walBytes).isGreaterThanOrEqualTo(TRANSACTION_BYTES);
            assertThat(maxQueuedBytes.get()).isGreaterThan(QUEUE_BYTES / 2).isLessThanOrEqualTo(QUEUE_BYTES + 64 * 1024);
            await().atMost(Duration.ofSeconds(30)).until(() -> handler[0].processedLsn().isAfter(start));
        }
    }
}
