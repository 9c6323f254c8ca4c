package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Calls, infos, timers and queries through the mailbox, against a real server. */
class CallsAndQueriesIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private final CallHandler handler = new CallHandler();
    private ReplicationConnection connection;

    @BeforeEach
    void start() {
        connection = ReplicationConnection.start(config(pg.server()).build(), handler);
    }

    @AfterEach
    void close() {
        connection.close();
    }

    @Test
    void handleCallRepliesNowOrLaterThroughAKeptCaller() throws Exception {
        assertThat(connection.call("now").get(5, TimeUnit.SECONDS)).isEqualTo("pong");
        assertThat(connection.call("later").get(5, TimeUnit.SECONDS)).isEqualTo("late reply");
    }

    @Test
    void sendAndSendAfterReachHandleInfoAndTimersCanBeCancelled() {
        connection.send("hello");
        connection.sendAfter("delayed", Duration.ofMillis(100));
        Cancellable cancelled = connection.sendAfter("cancelled", Duration.ofMillis(300));
        assertThat(cancelled.cancel()).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> handler.infos.contains("delayed"));
        assertThat(handler.infos).containsExactly("hello", "delayed");
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !handler.infos.contains("cancelled"));
    }

    @Test
    void everyCallbackRunsOnTheConnectionsOwnThread() throws Exception {
        connection.send("hello");
        connection.call("now").get(5, TimeUnit.SECONDS);
        connection.call("select").get(5, TimeUnit.SECONDS);

        assertThat(handler.threads).hasSize(1);
        assertThat(handler.threads.iterator().next()).startsWith("pgrepl-test-");
    }

    @Test
    void selectOneSucceedsWithTheRow() throws Exception {
        QueryOutcome outcome = (QueryOutcome) connection.call("select").get(5, TimeUnit.SECONDS);

        assertThat(outcome).isInstanceOf(QueryOutcome.Success.class);
        QueryResult result = ((QueryOutcome.Success) outcome).result();
        assertThat(result.commandTag()).isEqualTo("SELECT 1");
        assertThat(result.columns()).containsExactly("one");
        assertThat(result.rows()).containsExactly(List.of("1"));
    }

    @Test
    void aSyntaxErrorFailsWithItsSqlStateAndTheConnectionGoesOn() throws Exception {
        QueryOutcome outcome = (QueryOutcome) connection.call("typo").get(5, TimeUnit.SECONDS);

        assertThat(outcome).isInstanceOf(QueryOutcome.Failure.class);
        PgException error = ((QueryOutcome.Failure) outcome).error();
        assertThat(error.sqlState()).isEqualTo("42601");
        assertThat(error.severity()).isEqualTo("ERROR");
        assertThat(error.getMessage()).contains("42601").contains("syntax error");
        assertThat(connection.call("select").get(5, TimeUnit.SECONDS)).isInstanceOf(QueryOutcome.Success.class);
    }

    @Test
    void identifySystemWorksInReplicationMode() throws Exception {
        QueryResult result = ((QueryOutcome.Success) connection.call("identify").get(5, TimeUnit.SECONDS)).result();

        assertThat(result.columns()).containsExactly("systemid", "timeline", "xlogpos", "dbname");
        assertThat(Lsn.parse(result.value(0, "xlogpos"))).isGreaterThan(Lsn.ZERO);
        assertThat(result.value(0, "dbname")).isEqualTo("postgres");
    }

    @Test
    void aQueryTimeoutDisconnectsAndFailsThePendingCall() {
        CompletableFuture<Object> slow = connection.call("slow", Duration.ofSeconds(10));

        assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ConnectionLostException.class).hasMessageContaining("got no answer within 300ms;");
        await().atMost(Duration.ofSeconds(5)).until(() -> handler.disconnects.size() == 1);
        assertThat(handler.disconnects.get(0)).hasMessageContaining("pg_sleep");
        assertThat(connection.status().state()).isEqualTo(ConnectionState.DISCONNECTED);
    }

    @Test
    void aCallWithoutReplyTimesOut() {
        assertThatThrownBy(() -> connection.call("ignore", Duration.ofMillis(200)).get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(TimeoutException.class).hasMessageContaining("got no reply within");
    }

    @Test
    void aThrowingCallbackDisconnectsWithItsError() {
        assertThatThrownBy(() -> connection.call("throw").get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(ConnectionLostException.class).hasMessageContaining("handleCall threw");
        await().atMost(Duration.ofSeconds(5)).until(() -> handler.disconnects.size() == 1);
        assertThat(connection.status().lastError()).hasMessageContaining("boom");
    }

    @Test
    void closeFailsPendingCallsAndLaterOnes() {
        CompletableFuture<Object> pending = connection.call("ignore", Duration.ofSeconds(30));

        connection.close();
        connection.close();

        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause().hasMessageContaining("is closed");
        assertThatThrownBy(() -> connection.call("now").get(5, TimeUnit.SECONDS)).cause().hasMessageContaining("is closed");
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CLOSED);
    }

    static final class CallHandler implements ReplicationHandler {
        final List<Object> infos = new CopyOnWriteArrayList<>();
        final List<Throwable> disconnects = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        ReplicationConnection connection;
        Caller kept;

        @Override
        public void init(ReplicationConnection connection) {
            this.connection = connection;
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public Action handleConnect() {
            threads.add(Thread.currentThread().getName());
            return Action.noReply();
        }

        @Override
        public Action handleCall(Object request, Caller from) {
            threads.add(Thread.currentThread().getName());
            kept = from;
            return switch ((String) request) {
                case "now" -> {
                    from.reply("pong");
                    yield Action.noReply();
                }
                case "later" -> {
                    connection.sendAfter("reply-later", Duration.ofMillis(100));
                    yield Action.noReply();
                }
                case "select" -> Action.query("SELECT 1 AS one");
                case "typo" -> Action.query("SELCT 1");
                case "identify" -> Action.query("IDENTIFY_SYSTEM");
                case "slow" -> Action.query("SELECT pg_sleep(5)", Duration.ofMillis(300));
                case "throw" -> throw new IllegalStateException("boom");
                default -> Action.noReply();
            };
        }

        @Override
        public Action handleInfo(Object message) {
            threads.add(Thread.currentThread().getName());
            if ("reply-later".equals(message)) {
                kept.reply("late reply");
            } else {
                infos.add(message);
            }
            return Action.noReply();
        }

        @Override
        public Action handleResult(QueryOutcome outcome) {
            threads.add(Thread.currentThread().getName());
            kept.reply(outcome);
            return Action.noReply();
        }

        @Override
        public Action handleDisconnect(Throwable reason) {
            disconnects.add(reason);
            return Action.noReply();
        }
    }
}
