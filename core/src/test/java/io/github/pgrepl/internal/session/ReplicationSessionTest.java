package io.github.pgrepl.internal.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.Endpoint;
import io.github.pgrepl.PgException;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.QueryResult;
import io.github.pgrepl.ReplicationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session without a server, as Netty tests its codecs: backend bytes go into an {@link EmbeddedChannel}
 * (split where a socket might split them), and the test checks what the session tells its listener and what
 * it writes back.
 */
class ReplicationSessionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final ConnectionConfig config = ConnectionConfig.builder().name("orders").host("db").port(5433).user("app")
            .maxMessageSize(1024).minReadInterval(Duration.ZERO).build();
    private final Events events = new Events();
    private final ReceiveStats stats = new ReceiveStats();
    private ReplicationSession session;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        session = new ReplicationSession(config, new SessionInfo(4711, Map.of("server_version", "18.1"), "trust", false,
                Duration.ofSeconds(60), new Endpoint("db", 5433), null, null), events, stats);
        channel = new EmbeddedChannel(session);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void takesTheStreamApartHoweverTheSocketSplitsIt() {
        startStream(500);
        ByteBuf stream = Unpooled.buffer()
                .writeBytes(copyData("w1")).writeBytes(copyData("k2")).writeBytes(copyData("w3"))
                .writeBytes(xLogData(0x16_B374D848L, 0x17_00000000L, "I"));

        while (stream.isReadable()) {
            channel.writeInbound(stream.readRetainedSlice(Math.min(3, stream.readableBytes()))); // one read each
        }
        stream.release();

        assertThat(events.list).containsExactly("streamStarted", "data:w1", "data:k2", "data:w3", "data:xlog I");
        assertThat(stats.messages(true)).isEqualTo(4);
        assertThat(stats.receivedLsn(true)).isEqualTo(0x16_B374D848L);
        assertThat(stats.walEnd(true)).isEqualTo(0x17_00000000L);
        assertThat(stats.messages(false)).as("published after each read").isEqualTo(4);
        assertThat(stats.lastMessageAtMillis()).isPositive();
    }

    @Test
    void aHoldKeepsWhatOneReadBroughtAndStopsReading() {
        startStream(500);
        events.onData = data -> {
            if (data.equals("2")) {
                session.hold(ReadHold.HANDLER); // as the connection does on noReplyAndPause
            }
        };

        channel.writeInbound(copyData("1", "2", "3", "4"));

        assertThat(events.data()).containsExactly("1", "2");
        assertThat(channel.config().isAutoRead()).as("the socket is not read").isFalse();

        channel.writeInbound(copyData("5")); // a read already under way when reading stopped
        assertThat(events.data()).containsExactly("1", "2");
        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void releaseDeliversWhatWasHeldInOrderThenReadsAgain() {
        startStream(500);
        session.hold(ReadHold.HANDLER);
        session.hold(ReadHold.HANDLER); // twice is harmless
        channel.writeInbound(copyData("1", "2", "3"));
        assertThat(events.data()).isEmpty();

        session.release(ReadHold.HANDLER);
        assertThat(channel.config().isAutoRead()).as("held messages first").isFalse();
        channel.runPendingTasks();

        assertThat(events.data()).containsExactly("1", "2", "3");
        assertThat(channel.config().isAutoRead()).isTrue();
        session.release(ReadHold.HANDLER); // releasing what is not held is harmless
        channel.writeInbound(copyData("4"));
        assertThat(events.data()).containsExactly("1", "2", "3", "4");
    }

    @Test
    void anOperatorHoldOutlastsTheHandlersRelease() {
        startStream(500);
        session.hold(ReadHold.OPERATOR);
        session.hold(ReadHold.HANDLER);
        channel.writeInbound(copyData("1"));

        session.release(ReadHold.HANDLER);
        channel.runPendingTasks();
        assertThat(events.data()).isEmpty();
        assertThat(channel.config().isAutoRead()).isFalse();

        session.release(ReadHold.OPERATOR);
        channel.runPendingTasks();
        assertThat(events.data()).containsExactly("1");
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void holdsDoNotStopQueries() {
        session.hold(ReadHold.OPERATOR);
        session.query("SELECT 1", TIMEOUT);
        assertThat(outbound()).containsExactly("Q SELECT 1");

        channel.writeInbound(rowDescription("?column?"), dataRow("1"), commandComplete("SELECT 1"), readyForQuery());

        assertThat(events.list).containsExactly("result:SELECT 1 [[1]]");
        assertThat(session.phase()).isEqualTo(SessionPhase.READY);
    }

    @Test
    void maxMessagesLetsOtherTasksOfTheLoopInBetweenBatches() {
        startStream(2);
        events.onData = data -> {
            if (data.equals("1")) {
                channel.eventLoop().execute(() -> events.list.add("timer")); // a timer or call of the connection
            }
        };

        channel.writeInbound(copyData("1", "2", "3", "4", "5"));

        assertThat(events.data()).containsExactly("1", "2", "timer", "3", "4", "5");
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void refusesAQueryWhileAStreamRunsAndTheStreamGoesOn() {
        startStream(500);

        assertThatThrownBy(() -> session.query("SELECT 1", TIMEOUT)).isInstanceOf(ReplicationException.class)
                .hasMessage("Cannot start query 'SELECT 1': stream in progress. A connection runs one stream at a time;"
                        + " the running stream goes on");
        assertThatThrownBy(() -> session.stream("START_REPLICATION SLOT s LOGICAL 0/0", TIMEOUT, 500))
                .hasMessageContaining("stream in progress");

        assertThat(outbound()).isEmpty();
        channel.writeInbound(copyData("1"));
        assertThat(events.data()).containsExactly("1");
        assertThat(session.phase()).isEqualTo(SessionPhase.STREAMING);
    }

    @Test
    void aQueryWithoutAnAnswerWithinItsTimeoutLosesTheSession() {
        channel.freezeTime();
        session.query("SELECT pg_sleep(3600)", Duration.ofSeconds(5));

        channel.advanceTimeBy(4, java.util.concurrent.TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(events.list).isEmpty();
        channel.advanceTimeBy(2, java.util.concurrent.TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(events.list).containsExactly("lost: ReplicationException: The query 'SELECT pg_sleep(3600)' got no answer"
                + " within 5s; the connection was closed. Raise the query timeout if the query is legitimately slow");
        assertThat(outbound()).containsExactly("Q SELECT pg_sleep(3600)", "X");
        assertThat(channel.isOpen()).isFalse();
        assertThat(session.phase()).isEqualTo(SessionPhase.CLOSED);
    }

    @Test
    void theStreamStartingCancelsTheQueryTimeout() {
        channel.freezeTime();
        startStream(500);

        channel.advanceTimeBy(1, java.util.concurrent.TimeUnit.HOURS);
        channel.runScheduledPendingTasks();

        assertThat(events.list).containsExactly("streamStarted");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void copyDoneIsAnsweredAndReportedOnceTheSessionIsReady() {
        startStream(500);
        session.send(List.of(new byte[] {'r', 1}));
        assertThat(outbound()).containsExactly("d r\u0001");

        channel.writeInbound(copyData("1"), copyDone());
        assertThat(outbound()).as("CopyBoth: the client ends its side too").containsExactly("c");
        assertThat(session.phase()).isEqualTo(SessionPhase.STREAM_ENDING);
        assertThat(session.send(List.of(new byte[] {'r'}))).as("no stream to ack").isFalse();

        channel.writeInbound(commandComplete("START_REPLICATION"), readyForQuery());

        assertThat(events.list).containsExactly("streamStarted", "data:1", "copyDone");
        assertThat(session.phase()).isEqualTo(SessionPhase.READY);
    }

    @Test
    void aCopyOutStreamEndsWithoutAnsweringCopyDone() {
        session.stream("COPY t TO STDOUT", TIMEOUT, 500);
        channel.writeInbound(copyResponse('H'), copyData("row 1"), copyDone(), commandComplete("COPY 1"), readyForQuery());

        assertThat(outbound()).containsExactly("Q COPY t TO STDOUT");
        assertThat(events.list).containsExactly("streamStarted", "data:row 1", "copyDone");
        assertThat(stats.receivedLsn(true)).as("CopyOut rows carry no WAL positions").isZero();
    }

    @Test
    void anErrorMidStreamEndsTheStreamAsAFailedResult() {
        startStream(500);

        channel.writeInbound(copyData("1"), errorResponse("ERROR", "XX000", "requested WAL segment has already been removed"),
                readyForQuery());

        assertThat(events.list).containsExactly("streamStarted", "data:1",
                "result:failure XX000 requested WAL segment has already been removed");
        assertThat(session.phase()).isEqualTo(SessionPhase.READY);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aStreamThatFailsToStartIsAFailedResult() {
        session.stream("START_REPLICATION SLOT missing LOGICAL 0/0", TIMEOUT, 500);

        channel.writeInbound(errorResponse("ERROR", "42704", "replication slot \"missing\" does not exist"), readyForQuery());

        assertThat(events.list).containsExactly("result:failure 42704 replication slot \"missing\" does not exist");
        assertThat(session.phase()).isEqualTo(SessionPhase.READY);
    }

    @Test
    void aFatalErrorIsTheReasonWhenTheServerClosesTheSocket() {
        startStream(500);

        channel.writeInbound(errorResponse("FATAL", "57P01", "terminating connection due to administrator command"));
        channel.close();

        assertThat(events.list).containsExactly("streamStarted",
                "lost: PgException: FATAL 57P01 terminating connection due to administrator command");
    }

    @Test
    void aFrameOverTheMaximumSizeLosesTheSessionBeforeItIsBuffered() {
        startStream(500);

        channel.writeInbound(Unpooled.buffer().writeByte('d').writeInt(1 << 20).writeBytes(new byte[100]));

        assertThat(events.list).hasSize(2).first().isEqualTo("streamStarted");
        assertThat(events.list.get(1)).startsWith("lost: ReplicationException: The server sent a message of type 'd' with"
                + " length 1048576 bytes, outside 4..1024").endsWith("raise ConnectionConfig.maxMessageSize");
        assertThat(outbound()).containsExactly("X");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aServerClosingTheSocketLosesTheSessionOnce() {
        startStream(500);

        channel.close();
        session.terminate(); // what the owner does next: harmless

        assertThat(events.list).containsExactly("streamStarted", "lost: ConnectionLostException: The server at db:5433 closed"
                + " the connection");
    }

    @Test
    void terminateSaysGoodbyeAndTheSessionReportsNothingMore() {
        startStream(500);

        session.terminate();

        assertThat(outbound()).containsExactly("X");
        assertThat(channel.isOpen()).isFalse();
        assertThat(events.list).containsExactly("streamStarted");
        assertThatThrownBy(() -> session.query("SELECT 1", TIMEOUT)).isInstanceOf(ConnectionLostException.class)
                .hasMessageContaining("not connected");
    }

    // ---------------------------------------------------------------- helpers

    private void startStream(int maxMessages) {
        session.stream("START_REPLICATION SLOT orders_slot LOGICAL 0/0", TIMEOUT, maxMessages);
        assertThat(outbound()).containsExactly("Q START_REPLICATION SLOT orders_slot LOGICAL 0/0");
        channel.writeInbound(copyResponse('W'));
        assertThat(session.phase()).isEqualTo(SessionPhase.STREAMING);
    }

    /** What the session wrote, one message each: its type and (text) body. */
    private List<String> outbound() {
        List<String> messages = new ArrayList<>();
        ByteBuf message;
        while ((message = channel.readOutbound()) != null) {
            char type = (char) message.readByte();
            int length = message.readInt();
            String body = message.readCharSequence(length - 4, StandardCharsets.ISO_8859_1).toString();
            messages.add(body.isEmpty() ? String.valueOf(type) : type + " " + body.replace("\0", ""));
            message.release();
        }
        return messages;
    }

    private static ByteBuf message(char type, ByteBuf body) {
        ByteBuf out = Unpooled.buffer().writeByte(type).writeInt(4 + body.readableBytes()).writeBytes(body);
        body.release();
        return out;
    }

    private static ByteBuf cString(ByteBuf out, String text) {
        return out.writeBytes(text.getBytes(StandardCharsets.UTF_8)).writeByte(0);
    }

    /** One read holding a CopyData message per payload. */
    private static ByteBuf copyData(String... payloads) {
        ByteBuf read = Unpooled.buffer();
        for (String payload : payloads) {
            ByteBuf message = message('d', Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
            read.writeBytes(message);
            message.release();
        }
        return read;
    }

    private static ByteBuf xLogData(long walStart, long walEnd, String pluginMessage) {
        return message('d', Unpooled.buffer().writeByte('w').writeLong(walStart).writeLong(walEnd).writeLong(0)
                .writeBytes(pluginMessage.getBytes(StandardCharsets.UTF_8)));
    }

    private static ByteBuf copyResponse(char type) {
        return message(type, Unpooled.buffer().writeByte(0).writeShort(0));
    }

    private static ByteBuf copyDone() {
        return message('c', Unpooled.buffer());
    }

    private static ByteBuf rowDescription(String column) {
        return message('T', cString(Unpooled.buffer().writeShort(1), column).writeInt(0).writeShort(0).writeInt(23)
                .writeShort(4).writeInt(-1).writeShort(0));
    }

    private static ByteBuf dataRow(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return message('D', Unpooled.buffer().writeShort(1).writeInt(bytes.length).writeBytes(bytes));
    }

    private static ByteBuf commandComplete(String tag) {
        return message('C', cString(Unpooled.buffer(), tag));
    }

    private static ByteBuf readyForQuery() {
        return message('Z', Unpooled.buffer().writeByte('I'));
    }

    private static ByteBuf errorResponse(String severity, String sqlState, String text) {
        ByteBuf body = Unpooled.buffer();
        cString(body.writeByte('S'), severity);
        cString(body.writeByte('V'), severity);
        cString(body.writeByte('C'), sqlState);
        cString(body.writeByte('M'), text);
        return message('E', body.writeByte(0));
    }

    /** The listener: what the session reported, in order. */
    private static final class Events implements SessionListener {
        final List<String> list = new ArrayList<>();
        Consumer<String> onData = data -> { };

        List<String> data() {
            return list.stream().filter(e -> e.startsWith("data:") || e.equals("timer"))
                    .map(e -> e.startsWith("data:") ? e.substring(5) : e).toList();
        }

        @Override
        public void onStreamStarted() {
            list.add("streamStarted");
        }

        @Override
        public void onCopyData(ByteBuffer copyData) {
            String text;
            if (copyData.remaining() >= 25 && copyData.get(0) == 'w') {
                text = "xlog " + StandardCharsets.UTF_8.decode(copyData.position(25));
            } else {
                text = StandardCharsets.UTF_8.decode(copyData).toString();
            }
            list.add("data:" + text);
            onData.accept(text);
        }

        @Override
        public void onCopyDone() {
            list.add("copyDone");
        }

        @Override
        public void onResult(QueryOutcome outcome) {
            if (outcome instanceof QueryOutcome.Success success) {
                QueryResult result = success.result();
                list.add("result:" + result.commandTag() + " " + result.rows());
            } else {
                PgException error = ((QueryOutcome.Failure) outcome).error();
                list.add("result:failure " + error.sqlState() + " " + error.serverMessage());
            }
        }

        @Override
        public void onServerError(PgException error) {
            list.add("serverError:" + error.getMessage());
        }

        @Override
        public void onLost(Throwable reason) {
            list.add("lost: " + reason.getClass().getSimpleName() + ": " + reason.getMessage());
        }
    }
}
