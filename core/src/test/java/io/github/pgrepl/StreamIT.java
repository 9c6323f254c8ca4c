package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static io.github.pgrepl.ReplicationFixtures.createTableAndPublication;
import static io.github.pgrepl.ReplicationFixtures.insertRows;
import static io.github.pgrepl.ReplicationFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Replication and COPY streams: CopyBoth, CopyOut, keepalives, and what a stream forbids. */
class StreamIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "2s").build();

    @Test
    void createsASlotThenStreamsAnInsertAsBeginInsertCommit() {
        String table = unique("orders");
        String publication = unique("pub");
        createTableAndPublication(pg.server(), table, publication);
        RecordingHandler handler = new RecordingHandler(unique("slot"), publication).creatingSlot();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            assertThat(handler.events).containsExactly("init", "connect", "result:CREATE_REPLICATION_SLOT");
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);

            insertRows(pg.server(), table, 1, 1);

            await().atMost(Duration.ofSeconds(10)).until(() -> handler.messageTypes.contains('C'));
            assertThat(handler.messageTypes).containsSubsequence('B', 'I', 'C');
            assertThat(handler.insertedValues).containsExactly("1");
            assertThat(connection.status().lastReceivedLsn()).isGreaterThan(Lsn.ZERO);
            assertThat(connection.status().messagesReceived()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void keepalivesArriveAsK() {
        String publication = unique("pub");
        createTableAndPublication(pg.server(), unique("t"), publication);
        String slot = unique("slot");
        ReplicationFixtures.createSlot(pg.server(), slot);
        RecordingHandler handler = new RecordingHandler(slot, publication);
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.keepalives.get() >= 2);
            assertThat(connection.status().serverWalEnd()).isGreaterThan(Lsn.ZERO);
        }
    }

    @Test
    void copyStreamDeliversRowsThenCopyDoneThenQueriesAndReplicationWork() {
        String publication = unique("pub");
        String table = unique("t");
        createTableAndPublication(pg.server(), table, publication);
        String slot = unique("slot");
        ReplicationFixtures.createSlot(pg.server(), slot);
        CopyThenReplicate handler = new CopyThenReplicate(slot, publication);
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.events.contains("result:SELECT 1"));
            assertThat(handler.copied).containsExactly("1\n", "2\n", "3\n");
            assertThat(handler.events).containsSubsequence("connect", "copyDone", "result:SELECT 1");

            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().state() == ConnectionState.STREAMING);
            insertRows(pg.server(), table, 7, 7);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.contains("7"));
        }
    }

    @Test
    void aQueryDuringAStreamFailsTheCallerAndTheStreamGoesOn() {
        String table = unique("orders");
        String publication = unique("pub");
        createTableAndPublication(pg.server(), table, publication);
        String slot = unique("slot");
        ReplicationFixtures.createSlot(pg.server(), slot);
        RecordingHandler handler = new RecordingHandler(slot, publication) {
            @Override
            public Action handleCall(Object request, Caller from) {
                return Action.query("SELECT 1");
            }
        };
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            assertThatThrownBy(() -> connection.call("query please").get(5, TimeUnit.SECONDS))
                    .cause().hasMessageContaining("stream in progress");

            insertRows(pg.server(), table, 1, 3);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() == 3);
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
            assertThat(handler.events).doesNotContain("disconnect");
        }
    }

    @Test
    void aRunningStreamReadsTheSocketAtMostOncePerMinReadInterval() {
        String table = unique("orders");
        String publication = unique("pub");
        createTableAndPublication(pg.server(), table, publication);
        List<Long> insertSeenNanos = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(unique("slot"), publication) {
            @Override
            Action onXLogData(XLogData data) {
                if (data.data().get(0) == 'I') {
                    insertSeenNanos.add(System.nanoTime());
                }
                return Action.noReply();
            }
        }.creatingSlot();
        ConnectionConfig config = config(pg.server()).minReadInterval(Duration.ofMillis(300)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            insertRows(pg.server(), table, 1, 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> insertSeenNanos.size() == 1);
            insertRows(pg.server(), table, 2, 2); // arrives while reading waits out the interval

            await().atMost(Duration.ofSeconds(10)).until(() -> insertSeenNanos.size() == 2);
            assertThat(insertSeenNanos.get(1) - insertSeenNanos.get(0)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(handler.insertedValues).containsExactly("1", "2");
        }
    }

    @Test
    void withoutAReadIntervalABusyStreamArrivesWholeAndInOrder() {
        String table = unique("orders");
        String publication = unique("pub");
        createTableAndPublication(pg.server(), table, publication);
        RecordingHandler handler = new RecordingHandler(unique("slot"), publication).creatingSlot();
        ConnectionConfig config = config(pg.server()).minReadInterval(Duration.ZERO).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            insertRows(pg.server(), table, 1, 3000);

            await().atMost(Duration.ofSeconds(20)).until(() -> handler.insertedValues.size() == 3000);
            assertThat(handler.insertedValues).containsExactlyElementsOf(
                    java.util.stream.IntStream.rangeClosed(1, 3000).mapToObj(Integer::toString).toList());
        }
    }

    @Test
    void maxMessagesLetsCallsInBetweenBatches() throws Exception {
        SlowCopy handler = new SlowCopy();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.rows.get() > 0);

            int rowsBeforeCall = handler.rows.get();
            int rowsAtCall = (Integer) connection.call("rows so far").get(5, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(30)).until(() -> handler.done);
            // The whole COPY arrives in a read or two; without batches the call would wait for all 2000 rows. Counted from
            // the call, not from the start: the await above sees the first rows up to a poll interval (~100 rows) late.
            assertThat(rowsAtCall - rowsBeforeCall).as("rows handled while the call waited").isLessThan(100);
            assertThat(handler.rows.get()).isEqualTo(2000);
        }
    }

    /** A COPY whose rows take a millisecond each, in batches of 5. */
    static final class SlowCopy implements ReplicationHandler {
        final java.util.concurrent.atomic.AtomicInteger rows = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean done;

        @Override
        public Action handleConnect() {
            return Action.stream("COPY (SELECT g FROM generate_series(1, 2000) g) TO STDOUT", 5);
        }

        @Override
        public Action handleData(ByteBuffer copyData) {
            rows.incrementAndGet();
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // the slowness is the point
            return Action.noReply();
        }

        @Override
        public Action handleCall(Object request, Caller from) {
            from.reply(rows.get());
            return Action.noReply();
        }

        @Override
        public Action handleCopyDone() {
            done = true;
            return Action.noReply();
        }
    }

    /** COPY rows out, then SELECT 1, then START_REPLICATION on the same connection. */
    static final class CopyThenReplicate extends RecordingHandler {
        final List<String> copied = new CopyOnWriteArrayList<>();
        private boolean copying = true;

        CopyThenReplicate(String slot, String publication) {
            super(slot, publication);
        }

        @Override
        public Action handleConnect() {
            events.add("connect");
            return Action.stream("COPY (SELECT g FROM generate_series(1, 3) g) TO STDOUT");
        }

        @Override
        public Action handleData(ByteBuffer copyData) {
            if (copying) {
                byte[] line = new byte[copyData.remaining()];
                copyData.get(line);
                copied.add(new String(line, StandardCharsets.UTF_8));
                return Action.noReply();
            }
            return super.handleData(copyData);
        }

        @Override
        public Action handleCopyDone() {
            events.add("copyDone");
            copying = false;
            return Action.query("SELECT 1");
        }

        @Override
        public Action handleResult(QueryOutcome outcome) {
            events.add("result:" + ((QueryOutcome.Success) outcome).result().commandTag());
            return Action.stream(startReplication());
        }
    }
}
