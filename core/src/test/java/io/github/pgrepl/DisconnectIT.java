package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static io.github.pgrepl.ReplicationFixtures.createSlot;
import static io.github.pgrepl.ReplicationFixtures.createTableAndPublication;
import static io.github.pgrepl.ReplicationFixtures.insertRows;
import static io.github.pgrepl.ReplicationFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.pgrepl.testsupport.FaultProxy;
import io.github.pgrepl.testsupport.PgExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** Disconnects by action, by the server and by pg_terminate_backend; reconnects with backoff. */
class DisconnectIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @Test
    void disconnectActionCallsHandleDisconnectAndDoesNotReconnectByDefault() {
        LifecycleHandler handler = new LifecycleHandler();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            connection.send("disconnect");

            await().atMost(Duration.ofSeconds(5)).until(() -> handler.events.contains("disconnect"));
            assertThat(handler.reasons.get(0)).isInstanceOf(ReplicationException.class).hasMessageContaining("asked to go");
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> handler.events.equals(List.of("connect", "disconnect")));
            assertThat(connection.status().state()).isEqualTo(ConnectionState.DISCONNECTED);
        }
    }

    @Test
    void withAutoReconnectItConnectsAgainAndPendingCallsFail() throws Exception {
        LifecycleHandler handler = new LifecycleHandler();
        ConnectionConfig config = config(pg.server()).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            CompletableFuture<Object> pending = connection.call("hold", Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(5)).until(() -> handler.held != null);

            connection.send("disconnect");

            assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ConnectionLostException.class).hasMessageContaining("asked to go");
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.events.size() == 3);
            assertThat(handler.events).containsExactly("connect", "disconnect", "connect");
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().state() == ConnectionState.CONNECTED);
            assertThat(connection.status().reconnects()).isEqualTo(1);
            assertThat(connection.status().reconnectAttempts()).isZero();
        }
    }

    @Test
    void failedAttemptsAreNumberedFromOneAndTheStatusCountsThemBeforeTheFirstConnectAndAfterALostSession()
            throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ConnectionConfig.Builder config = config(pg.server()).host("127.0.0.1").syncConnect(false).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100));
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ReplicationConnection.class);
        logger.addAppender(logs);
        try {
            ReplicationConnection never = ReplicationConnection.start(config.name("never").port(closedPort).build(), new LifecycleHandler());
            await().atMost(Duration.ofSeconds(5)).until(() -> attemptsLogged(logs, "never").size() >= 3);
            never.close();
            assertThat(attemptsLogged(logs, "never").subList(0, 3)).as("the attempts the log names").containsExactly(1, 2, 3);
            assertThat(never.status().reconnectAttempts()).as("failed attempts").isEqualTo(attemptsLogged(logs, "never").size());

            FaultProxy proxy = FaultProxy.start("127.0.0.1", pg.server().port());
            boolean proxyClosed = false;
            try (ReplicationConnection lost = ReplicationConnection.start(config.name("lost").port(proxy.port()).build(),
                    new LifecycleHandler())) {
                await().atMost(Duration.ofSeconds(5)).until(() -> lost.status().state() == ConnectionState.CONNECTED);
                proxy.close(); // the session is lost, and the port refuses every attempt from now on
                proxyClosed = true;
                await().atMost(Duration.ofSeconds(5)).until(() -> attemptsLogged(logs, "lost").size() >= 2);
                lost.close();
                assertThat(attemptsLogged(logs, "lost").subList(0, 2)).containsExactly(1, 2);
                assertThat(lost.status().reconnectAttempts()).as("failed attempts: the lost session is none")
                        .isEqualTo(attemptsLogged(logs, "lost").size());
            } finally {
                if (!proxyClosed) {
                    proxy.close();
                }
            }
        } finally {
            logger.detachAppender(logs);
        }
    }

    /** The numbers of the failed connection attempts that connection {@code name} logged, in order. */
    private static List<Integer> attemptsLogged(ListAppender<ILoggingEvent> logs, String name) {
        Pattern attempt = Pattern.compile("^\\[" + name + "\\] connection attempt (\\d+) to ");
        return List.copyOf(logs.list).stream().map(event -> attempt.matcher(event.getFormattedMessage()))
                .filter(Matcher::find).map(matcher -> Integer.parseInt(matcher.group(1))).toList();
    }

    @Test
    void aTerminatedWalsenderIsReplacedAndRowsKeepArriving() {
        String table = unique("orders");
        String publication = unique("pub");
        String slot = unique("slot");
        createTableAndPublication(pg.server(), table, publication);
        createSlot(pg.server(), slot);
        RecordingHandler handler = new RecordingHandler(slot, publication).ackEvery(Duration.ofMillis(200));
        ConnectionConfig config = config(pg.server()).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config, handler)) {
            insertRows(pg.server(), table, 1, 10);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.size() >= 10);

            // This slot's walsender only: one of an earlier test's closed sessions may still be exiting.
            assertThat(pg.server().queryValue("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                    + " WHERE slot_name = '" + slot + "'")).as("terminated the slot's walsender").isEqualTo("t");

            await().atMost(Duration.ofSeconds(15)).until(() -> handler.events.stream().filter("connect"::equals).count() == 2);
            assertThat(handler.lastDisconnectReason).isInstanceOf(PgException.class)
                    .hasMessageContaining("57P01"); // admin_shutdown: terminating connection due to administrator command
            insertRows(pg.server(), table, 11, 20);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.insertedValues.contains("20"));
            assertThat(handler.insertedValues).containsAll(IntStream.rangeClosed(1, 20).mapToObj(String::valueOf).toList());
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
        }
    }

    static final class LifecycleHandler implements ReplicationHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Throwable> reasons = new CopyOnWriteArrayList<>();
        volatile Caller held;

        @Override
        public Action handleConnect() {
            events.add("connect");
            return Action.noReply();
        }

        @Override
        public Action handleDisconnect(Throwable reason) {
            events.add("disconnect");
            reasons.add(reason);
            return Action.noReply();
        }

        @Override
        public Action handleCall(Object request, Caller from) {
            held = from; // never answered: the disconnect must fail it
            return Action.noReply();
        }

        @Override
        public Action handleInfo(Object message) {
            return "disconnect".equals(message) ? Action.disconnect("the test asked to go") : Action.noReply();
        }
    }
}
