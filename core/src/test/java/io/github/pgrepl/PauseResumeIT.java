package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static io.github.pgrepl.ReplicationFixtures.createSlot;
import static io.github.pgrepl.ReplicationFixtures.createTableAndPublication;
import static io.github.pgrepl.ReplicationFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pause/resume extension of Postgrex's ReplicationConnection (../shared/seeds/000_5bd7cbeb73906387.txt):
 * pausing stops handleData but not timers, calls and writes, so status updates keep wal_sender_timeout (2 s here)
 * from firing; resuming delivers everything exactly once, in order.
 */
class PauseResumeIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "2s").build();

    private String table;
    private String publication;
    private String slot;

    @BeforeEach
    void schema() {
        table = unique("orders");
        publication = unique("pub");
        slot = unique("slot");
        createTableAndPublication(pg.server(), table, publication);
        createSlot(pg.server(), slot);
    }

    @Test
    void aLongPauseHoldsDataServesCallsAndInfosAndLosesNothing() throws Exception {
        PausingHandler handler = new PausingHandler(slot, publication);
        handler.pauseOnNextBegin = true;
        handler.ackEvery(Duration.ofMillis(500));
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            insertOnePerTransaction(pg.server(), table, 1, 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().paused());
            int seen = handler.messageTypes.size();
            assertThat(handler.messageTypes).containsExactly('B'); // paused right on the first Begin

            insertOnePerTransaction(pg.server(), table, 6, 10);
            int acksBefore = handler.acksSent.get();
            // Ten seconds, five times wal_sender_timeout: no data, yet calls and infos are served.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < until) {
                assertThat(connection.call("ping").get(5, TimeUnit.SECONDS)).isEqualTo("pong");
                connection.send("tick");
                await().pollDelay(Duration.ofMillis(500)).until(() -> true);
                assertThat(handler.messageTypes).hasSize(seen);
            }
            assertThat(handler.events).doesNotContain("disconnect").contains("info:tick");
            assertThat(handler.acksSent.get() - acksBefore).isGreaterThanOrEqualTo(15);
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
            assertThat(connection.status().pausedSince()).isNotNull();

            connection.send("resume");

            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() >= 10);
            await().during(Duration.ofMillis(500)).until(() -> handler.insertedValues.size() == 10);
            assertThat(handler.insertedValues).containsExactlyElementsOf(range(1, 10));
            // Relation messages carry no LSN (0/0); everything else arrives in WAL order
            assertThat(handler.dataLsns.stream().filter(lsn -> !lsn.isZero()).toList()).isSorted();
            assertThat(connection.status().paused()).isFalse();
            assertThat(handler.events).doesNotContain("disconnect");
        }
    }

    @Test
    void pauseAndResumeFromHandleCallAndHandleInfoAreIdempotent() throws Exception {
        PausingHandler handler = new PausingHandler(slot, publication);
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            assertThat(connection.call("pause").get(5, TimeUnit.SECONDS)).isEqualTo("paused");
            assertThat(connection.call("pause").get(5, TimeUnit.SECONDS)).isEqualTo("paused");
            assertThat(connection.status().paused()).isTrue();

            insertOnePerTransaction(pg.server(), table, 1, 3);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> handler.insertedValues.isEmpty());

            assertThat(connection.call("resume").get(5, TimeUnit.SECONDS)).isEqualTo("resumed");
            assertThat(connection.call("resume").get(5, TimeUnit.SECONDS)).isEqualTo("resumed");
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() == 3);

            connection.send("pause");
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().paused());
            insertOnePerTransaction(pg.server(), table, 4, 6);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> handler.insertedValues.size() == 3);
            connection.send("resume");
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() == 6);
            assertThat(handler.insertedValues).containsExactlyElementsOf(range(1, 6));
        }
    }

    @Test
    void pauseFromHandleDataOnEveryTransactionThenResumeFromATimer() {
        PausingHandler handler = new PausingHandler(slot, publication);
        handler.pauseOnEveryCommitAndResumeAfter = Duration.ofMillis(50);
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            insertOnePerTransaction(pg.server(), table, 1, 20);

            await().atMost(Duration.ofSeconds(20)).until(() -> handler.insertedValues.size() == 20);
            assertThat(handler.insertedValues).containsExactlyElementsOf(range(1, 20));
            assertThat(handler.pauses).isGreaterThanOrEqualTo(20);
        }
    }

    @Test
    void anInfoSentWhileAStreamStartsArrivesWhileItRuns() {
        // The info reaches the mailbox while COPY waits for its CopyOutResponse (the connection is busy): it must come
        // once the stream runs, not once it ends. A handler that pauses until such an info tells it to resume would
        // otherwise wait for ever.
        CopyHandler handler = new CopyHandler();
        ConnectionConfig plain = config(pg.server()).parameter("replication", "false").build();
        try (ReplicationConnection connection = ReplicationConnection.start(plain, handler)) {
            connection.send("copy");
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.events.contains("copy done"));
        }
        assertThat(handler.events).containsExactly("info after 0 rows", "copy done");
    }

    /** Starts a COPY of 100 000 rows on "copy", having sent itself an info just before. */
    private static final class CopyHandler implements ReplicationHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        private ReplicationConnection connection;
        private int rows;

        @Override
        public void init(ReplicationConnection connection) {
            this.connection = connection;
        }

        @Override
        public Action handleInfo(Object message) {
            if ("copy".equals(message)) {
                connection.send("info");
                return Action.stream("COPY (SELECT g FROM generate_series(1, 100000) g) TO STDOUT");
            }
            events.add(message + " after " + rows + " rows");
            return Action.noReply();
        }

        @Override
        public Action handleData(ByteBuffer copyData) {
            rows++;
            return Action.noReply();
        }

        @Override
        public Action handleCopyDone() {
            events.add("copy done");
            return Action.noReply();
        }
    }

    @Test
    void disconnectWhilePausedThenReconnectStartsUnpaused() {
        PausingHandler handler = new PausingHandler(slot, publication);
        handler.ackEvery(Duration.ofMillis(200));
        ConnectionConfig config = config(pg.server()).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            connection.send("pause");
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().paused());
            insertOnePerTransaction(pg.server(), table, 1, 3);

            connection.send("disconnect");

            await().atMost(Duration.ofSeconds(10)).until(() -> handler.events.stream().filter("connect"::equals).count() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() >= 3);
            assertThat(connection.status().paused()).isFalse();
            insertOnePerTransaction(pg.server(), table, 4, 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.containsAll(range(1, 5)));
        }
    }

    private static void insertOnePerTransaction(PgServer server, String table, int from, int to) {
        String[] statements = IntStream.rangeClosed(from, to)
                .mapToObj(i -> "INSERT INTO " + table + " VALUES (" + i + ", 'row " + i + "')").toArray(String[]::new);
        server.execute(statements);
    }

    private static List<String> range(int from, int to) {
        List<String> values = new ArrayList<>();
        IntStream.rangeClosed(from, to).forEach(i -> values.add(String.valueOf(i)));
        return values;
    }

    /** Pauses and resumes on request: from handleData, handleInfo and handleCall. */
    static class PausingHandler extends RecordingHandler {
        volatile boolean pauseOnNextBegin;
        volatile Duration pauseOnEveryCommitAndResumeAfter;
        volatile int pauses;

        PausingHandler(String slot, String publication) {
            super(slot, publication);
        }

        @Override
        Action onXLogData(XLogData data) {
            char type = (char) data.data().get(0);
            if (type == 'B' && pauseOnNextBegin) {
                pauseOnNextBegin = false;
                pauses++;
                return Action.noReplyAndPause();
            }
            if (type == 'C' && pauseOnEveryCommitAndResumeAfter != null) {
                pauses++;
                connection.sendAfter("resume", pauseOnEveryCommitAndResumeAfter);
                return Action.noReplyAndPause(statusUpdate());
            }
            return Action.noReply();
        }

        @Override
        Action onInfo(Object message) {
            events.add("info:" + message);
            return switch ((String) message) {
                case "pause" -> Action.noReplyAndPause();
                case "resume" -> Action.noReplyAndResume(statusUpdate());
                case "disconnect" -> Action.disconnect("disconnect while paused");
                default -> Action.noReply();
            };
        }

        @Override
        public Action handleCall(Object request, Caller from) {
            return switch ((String) request) {
                case "pause" -> {
                    from.reply("paused");
                    yield Action.noReplyAndPause();
                }
                case "resume" -> {
                    from.reply("resumed");
                    yield Action.noReplyAndResume();
                }
                default -> {
                    from.reply("pong");
                    yield Action.noReply();
                }
            };
        }
    }
}
