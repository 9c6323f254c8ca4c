package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static io.github.pgrepl.ReplicationFixtures.createSlot;
import static io.github.pgrepl.ReplicationFixtures.createTableAndPublication;
import static io.github.pgrepl.ReplicationFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs in its own JVM with -Xmx256m: paused over more WAL than the heap holds, the connection's memory
 * stays flat (TCP backpressure holds the walsender), and after resume every row arrives.
 */
class BackpressureMemoryIT {

    private static final long BACKLOG_BYTES = 300L * 1024 * 1024;
    private static final long HEAP_GROWTH_BOUND = 32L * 1024 * 1024;

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "5s").setting("max_wal_size", "4GB").build();

    @Test
    void aPausedConnectionStaysFlatOverA300MbBacklog() {
        String table = unique("big");
        String publication = unique("pub");
        String slot = unique("slot");
        createTableAndPublication(pg.server(), table, publication);
        createSlot(pg.server(), slot);
        CountingHandler handler = new CountingHandler(slot, publication);
        handler.ackEvery(Duration.ofMillis(500));
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            connection.send("pause");
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().paused());
            long heapBefore = usedHeapAfterGc();
            Lsn start = Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_lsn()"));

            int rows = 0;
            while (Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_lsn()")).minus(start) < BACKLOG_BYTES) {
                // ~2 KB of incompressible text per row, 10 000 rows a transaction
                pg.server().execute("INSERT INTO " + table + " SELECT g, (SELECT string_agg(md5(random()::text || i || g), '')"
                        + " FROM generate_series(1, 64) AS s(i)) FROM generate_series(" + (rows + 1) + ", " + (rows + 10_000) + ") g");
                rows += 10_000;
            }
            long backlog = Lsn.parse(pg.server().queryValue("SELECT pg_current_wal_lsn()")).minus(start);
            long heapPaused = usedHeapAfterGc();
            long directPaused = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            System.out.printf("backlog %d MB over %d rows; heap before %d MB, paused %d MB; pooled direct %d MB%n",
                    backlog >> 20, rows, heapBefore >> 20, heapPaused >> 20, directPaused >> 20);

            assertThat(backlog).isGreaterThanOrEqualTo(BACKLOG_BYTES);
            assertThat(heapPaused - heapBefore).isLessThan(HEAP_GROWTH_BOUND);
            assertThat(handler.inserts.get()).isZero();
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);

            connection.send("resume");

            int expected = rows;
            await().atMost(Duration.ofMinutes(3)).until(() -> handler.inserts.get() >= expected);
            assertThat(handler.inserts.get()).isEqualTo(expected);
            assertThat(handler.events).doesNotContain("disconnect");
        }
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Counts inserts without keeping them, so the test itself stays small. */
    static final class CountingHandler extends RecordingHandler {
        final AtomicLong inserts = new AtomicLong();

        CountingHandler(String slot, String publication) {
            super(slot, publication);
        }

        @Override
        public Action handleData(java.nio.ByteBuffer copyData) {
            ReplicationMessage message = ReplicationMessages.parse(copyData);
            if (message instanceof XLogData data) {
                byte type = data.data().get(0);
                if (type == 'I') {
                    inserts.incrementAndGet();
                } else if (type == 'C') {
                    committed = Lsn.of(data.data().getLong(10));
                }
            } else if (((PrimaryKeepalive) message).replyRequested()) {
                return Action.noReply(statusUpdate());
            }
            return Action.noReply();
        }

        @Override
        Action onInfo(Object message) {
            events.add("info:" + message);
            return "pause".equals(message) ? Action.noReplyAndPause()
                    : "resume".equals(message) ? Action.noReplyAndResume() : Action.noReply();
        }
    }
}
