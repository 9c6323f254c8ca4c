package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.FaultProxy;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Within one run a transaction reaches the listener once, whatever its kind: a reconnect while a streamed or a
 * two-phase transaction was handed over, unconfirmed, must not make the server send it again, and a transaction cut in
 * the middle goes on where the listener was. The listener holds the
 * transaction's last message ({@code StreamCommit}, {@code Prepare}) until the test lets go: the proxy cuts the
 * connection while it is in hand, so nothing of it is confirmed.
 */
class NoDuplicatesAfterReconnectIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder()
            .setting("logical_decoding_work_mem", "64kB") // small, so a modest transaction is streamed
            .setting("max_prepared_transactions", "10")
            .build();

    private final CountDownLatch release = new CountDownLatch(1);
    private final CollectingListener collected = new CollectingListener();
    private FaultProxy proxy;
    private String table;
    private String publication;
    private ReplicationConnection connection;

    @BeforeEach
    void schema() {
        proxy = FaultProxy.start("localhost", server().port());
        table = unique("items");
        publication = unique("pub");
        server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, note text)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (connection != null) {
            connection.close();
        }
        proxy.close();
    }

    private static PgServer server() {
        return pg.server();
    }

    /** A slow listener: it takes each event, and waits for the test before it returns from one of type {@code holdAt}. */
    private void start(boolean twoPhase, Class<? extends ChangeEvent> holdAt) {
        start(PgOutputHandler.builder(slowAt(holdAt::isInstance)).twoPhase(twoPhase));
    }

    private ChangeListener slowAt(Predicate<ChangeEvent> holdAt) {
        return event -> {
            collected.onChange(event);
            if (holdAt.test(event)) {
                release.await();
            }
        };
    }

    private void start(PgOutputHandler.Builder builder) {
        PgOutputHandler built = builder.slot(unique("slot")).publications(publication)
                .createSlot(true).statusInterval(Duration.ofMillis(200)).build();
        connection = ReplicationConnection.start(config(server()).port(proxy.port()).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build(), built);
    }

    @Test
    void aStreamedTransactionHandedOverBeforeACutArrivesOnce() {
        start(false, ChangeEvent.StreamCommit.class);
        server().execute("INSERT INTO " + table + " SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g");

        cutOnceHeld(ChangeEvent.StreamCommit.class);
        writeMarker();
        release.countDown();

        await().atMost(Duration.ofSeconds(20)).until(() -> collected.insertedIds().contains(0L));
        assertThat(collected.kinds()).containsSubsequence("StreamStart", "StreamCommit", "Begin", "Commit");
        assertThat(collected.nonEmptyOfType(ChangeEvent.Begin.class)).as("the marker's only").hasSize(1);
        assertThat(collected.ofType(ChangeEvent.StreamCommit.class)).hasSize(1);
        assertThat(collected.ofType(ChangeEvent.StreamStart.class).stream().filter(ChangeEvent.StreamStart::firstSegment))
                .hasSize(1);
        assertThat(collected.insertedIds()).containsExactlyElementsOf(
                LongStream.concat(LongStream.rangeClosed(1, 2000), LongStream.of(0)).boxed().toList());
    }

    @Test
    void aPreparedTransactionHandedOverBeforeACutArrivesOnceAndItsCommitPreparedAfter() {
        assumeThat(server().majorVersion()).as("two-phase decoding needs PostgreSQL 15").isGreaterThanOrEqualTo(15);
        start(true, ChangeEvent.Prepare.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.STREAMING);
        String gid = unique("gid");
        server().execute("BEGIN", "INSERT INTO " + table + " VALUES (1, 'prepared')", "PREPARE TRANSACTION '" + gid + "'");

        cutOnceHeld(ChangeEvent.Prepare.class);
        server().execute("COMMIT PREPARED '" + gid + "'");
        writeMarker();
        release.countDown();

        await().atMost(Duration.ofSeconds(20)).until(() -> collected.insertedIds().contains(0L));
        assertThat(collected.kinds()).containsSubsequence("BeginPrepare", "Insert", "Prepare", "CommitPrepared", "Begin",
                "Insert", "Commit");
        assertThat(collected.ofType(ChangeEvent.BeginPrepare.class)).hasSize(1);
        assertThat(collected.ofType(ChangeEvent.Prepare.class)).singleElement().extracting(ChangeEvent.Prepare::gid)
                .isEqualTo(gid);
        assertThat(collected.ofType(ChangeEvent.CommitPrepared.class)).hasSize(1);
        assertThat(collected.insertedIds()).containsExactly(1L, 0L);
    }

    /**
     * A session that ends in the middle of a transaction (the listener busy, the queue full, the socket paused, the
     * walsender blocked on it before the {@code Commit}): the server sends the transaction again whole, and the listener
     * gets what it had not had yet, as one transaction.
     */
    @Test
    void aTransactionCutInTheMiddleArrivesOnceAsOneTransaction() {
        int rows = 50_000;
        start(PgOutputHandler.builder(slowAt(event -> event instanceof ChangeEvent.Insert insert
                && insert.newRow().getLong("id") == 1_000)).streaming(false).queueCapacity(100, 1024 * 1024));
        await().atMost(Duration.ofSeconds(10)).until(() -> connection.status().state() == ConnectionState.STREAMING);
        server().execute("INSERT INTO " + table + " SELECT g, repeat('x', 200) FROM generate_series(1, " + rows + ") g");

        await().atMost(Duration.ofSeconds(20)).until(() -> collected.insertedIds().contains(1_000L));
        assertThat(collected.nonEmptyOfType(ChangeEvent.Commit.class)).as("the listener is in the middle of it").isEmpty();
        proxy.cutAll();
        awaitReconnected();
        writeMarker();
        release.countDown();

        await().atMost(Duration.ofSeconds(30)).until(() -> collected.insertedIds().contains(0L));
        assertThat(collected.nonEmptyOfType(ChangeEvent.Begin.class)).as("the big one's and the marker's").hasSize(2);
        assertThat(collected.nonEmptyOfType(ChangeEvent.Commit.class)).hasSize(2);
        assertThat(collected.insertedIds()).containsExactlyElementsOf(
                LongStream.concat(LongStream.rangeClosed(1, rows), LongStream.of(0)).boxed().toList());
    }

    /** Waits until the listener holds the transaction's last message, cuts the connection, and waits for the reconnect. */
    private void cutOnceHeld(Class<? extends ChangeEvent> last) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !collected.ofType(last).isEmpty());
        proxy.cutAll();
        awaitReconnected();
    }

    private void awaitReconnected() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            ConnectionStatus status = connection.status();
            assertThat(status.reconnects()).as("reconnects, last error " + status.lastError()).isPositive();
            assertThat(status.state()).isEqualTo(ConnectionState.STREAMING);
        });
    }

    /** Inserts row 0 in a transaction of its own: whatever the server sends again, it sends before it. */
    private void writeMarker() {
        server().execute("INSERT INTO " + table + " VALUES (0, 'marker')");
    }
}
