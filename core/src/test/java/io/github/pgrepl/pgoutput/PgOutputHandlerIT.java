package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.confirmedFlush;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every kind of pgoutput message, produced by real SQL and decoded through PgOutputHandler. */
class PgOutputHandlerIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder()
            .setting("logical_decoding_work_mem", "64kB") // small, so a modest transaction is streamed
            .setting("max_prepared_transactions", "10")
            .setting("wal_sender_timeout", "4s") // idle keepalives every 2 s
            .build();

    private final CollectingListener listener = new CollectingListener();
    private String table;
    private String publication;
    private String slot;

    @BeforeEach
    void schema() {
        table = unique("items");
        publication = unique("pub");
        slot = unique("slot");
        server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, name text, big text)",
                "ALTER TABLE " + table + " ALTER COLUMN big SET STORAGE EXTERNAL");
    }

    private static PgServer server() {
        return pg.server();
    }

    private PgOutputHandler.Builder handler() {
        return PgOutputHandler.builder(listener).slot(slot).publications(publication).createSlot(true)
                .createPublication(true).publicationTables(List.of(table)).streaming(false);
    }

    @Test
    void insertUpdateDeleteWithDefaultAndFullReplicaIdentity() {
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler().build())) {
            server().execute("INSERT INTO " + table + " VALUES (1, 'one', 'x')",
                    "UPDATE " + table + " SET name = 'uno' WHERE id = 1",
                    "UPDATE " + table + " SET id = 2 WHERE id = 1",
                    "DELETE FROM " + table + " WHERE id = 2",
                    "ALTER TABLE " + table + " REPLICA IDENTITY FULL",
                    "INSERT INTO " + table + " VALUES (3, 'three', 'y')",
                    "UPDATE " + table + " SET name = 'tres' WHERE id = 3",
                    "DELETE FROM " + table + " WHERE id = 3");

            await().atMost(Duration.ofSeconds(15)).until(() -> listener.ofType(ChangeEvent.Delete.class).size() == 2);
            List<ChangeEvent.Update> updates = listener.ofType(ChangeEvent.Update.class);
            List<ChangeEvent.Delete> deletes = listener.ofType(ChangeEvent.Delete.class);

            assertThat(listener.insertedIds()).containsExactly(1L, 3L);
            assertThat(updates.get(0).oldKey()).isNull();
            assertThat(updates.get(0).oldRow()).isNull();
            assertThat(updates.get(0).newRow().getString("name")).isEqualTo("uno");
            assertThat(updates.get(1).oldKey().getLong("id")).isEqualTo(1L); // the key changed: old key sent
            assertThat(deletes.get(0).oldKey().getLong("id")).isEqualTo(2L);
            assertThat(deletes.get(0).oldKey().isNull("name")).isTrue();
            // REPLICA IDENTITY FULL: the whole old row
            assertThat(updates.get(2).oldRow().getString("name")).isEqualTo("three");
            assertThat(deletes.get(1).oldRow().getString("name")).isEqualTo("tres");
            assertThat(listener.kinds()).contains("Begin", "Relation", "Commit");
        }
    }

    @Test
    void truncateAndLogicalMessages() {
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(),
                handler().messages(true).build())) {
            server().execute("INSERT INTO " + table + " VALUES (1, 'one', 'x')",
                    "TRUNCATE " + table,
                    "SELECT pg_logical_emit_message(true, 'pgrepl', 'in a transaction')",
                    "SELECT pg_logical_emit_message(false, 'pgrepl', 'on its own')");

            await().atMost(Duration.ofSeconds(15)).until(() -> listener.ofType(ChangeEvent.LogicalMessage.class).size() == 2);
            ChangeEvent.Truncate truncate = listener.ofType(ChangeEvent.Truncate.class).get(0);
            assertThat(truncate.relations()).extracting(ChangeEvent.Relation::name).containsExactly(table);
            List<ChangeEvent.LogicalMessage> messages = listener.ofType(ChangeEvent.LogicalMessage.class);
            assertThat(messages).extracting(ChangeEvent.LogicalMessage::transactional).containsExactlyInAnyOrder(true, false);
            assertThat(messages).extracting(message -> new String(message.content(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("in a transaction", "on its own");
            assertThat(messages).allSatisfy(message -> assertThat(message.prefix()).isEqualTo("pgrepl"));
        }
    }

    @Test
    void anUnchangedToastedValueIsReportedAsUnchangedNotNull() {
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler().build())) {
            server().execute("INSERT INTO " + table + " SELECT 1, 'one', string_agg(md5(g::text), '') FROM generate_series(1, 400) g",
                    "UPDATE " + table + " SET name = 'uno' WHERE id = 1");

            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.ofType(ChangeEvent.Update.class).isEmpty());
            ChangeEvent.Update update = listener.ofType(ChangeEvent.Update.class).get(0);
            assertThat(update.newRow().isUnchangedToast("big")).isTrue();
            assertThat(update.newRow().isNull("big")).isFalse();
            assertThat(update.newRow().getString("name")).isEqualTo("uno");
            assertThat(listener.ofType(ChangeEvent.Insert.class).get(0).newRow().getString("big")).hasSize(400 * 32);
        }
    }

    @Test
    void aLargeTransactionArrivesAsStreamEvents() {
        PgOutputHandler handler = handler().streaming(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            server().execute("INSERT INTO " + table + " SELECT g, 'row ' || g, NULL FROM generate_series(1, 5000) g");

            await().atMost(Duration.ofSeconds(20)).until(() -> !listener.ofType(ChangeEvent.StreamCommit.class).isEmpty());
            assertThat(listener.kinds()).contains("StreamStart", "StreamStop").doesNotContain("Begin");
            assertThat(listener.insertedIds()).hasSize(5000).doesNotHaveDuplicates();
            ChangeEvent.StreamCommit commit = listener.ofType(ChangeEvent.StreamCommit.class).get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> !Lsn.parse(confirmedFlush(server(), slot)).isBefore(commit.endLsn()));
        }
    }

    @Test
    void aPreparedTransactionArrivesAtPrepareWithTwoPhase() {
        assumeThat(server().majorVersion()).as("two-phase decoding needs PostgreSQL 15").isGreaterThanOrEqualTo(15);
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(),
                handler().twoPhase(true).build())) {
            server().execute("BEGIN", "INSERT INTO " + table + " VALUES (1, 'prepared', NULL)", "PREPARE TRANSACTION 'pgrepl_gid'",
                    "COMMIT PREPARED 'pgrepl_gid'");

            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.ofType(ChangeEvent.CommitPrepared.class).isEmpty());
            assertThat(listener.kinds()).containsSubsequence("BeginPrepare", "Insert", "Prepare", "CommitPrepared");
            assertThat(listener.ofType(ChangeEvent.Prepare.class).get(0).gid()).isEqualTo("pgrepl_gid");
        }
    }

    @Test
    void confirmsTheCommitTheListenerReturnedFromAndIdleKeepalivesAdvanceTheSlot() {
        PgOutputHandler handler = handler().statusInterval(Duration.ofMillis(200)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            server().execute("INSERT INTO " + table + " VALUES (1, 'one', NULL)");
            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.nonEmptyOfType(ChangeEvent.Commit.class).isEmpty());
            Lsn commitEnd = listener.nonEmptyOfType(ChangeEvent.Commit.class).get(0).endLsn();

            await().atMost(Duration.ofSeconds(10)).until(() -> !Lsn.parse(confirmedFlush(server(), slot)).isBefore(commitEnd));
            assertProcessedIsACommitFrom(handler, commitEnd);
            assertThat(connection.status().lastFlushedLsn()).isGreaterThanOrEqualTo(commitEnd);

            // Changes to a table outside the publication: nothing for the listener, yet the slot moves on.
            server().execute("CREATE TABLE " + table + "_other (id int)", "INSERT INTO " + table + "_other VALUES (1)");
            Lsn after = Lsn.parse(server().queryValue("SELECT pg_current_wal_lsn()"));
            server().execute("SELECT pg_switch_wal()"); // WAL activity makes the walsender send keepalives
            await().atMost(Duration.ofSeconds(20)).until(() -> !Lsn.parse(confirmedFlush(server(), slot)).isBefore(after));
        }
    }

    @Test
    void aListenerThatFinishesLaterHoldsTheSlotBackUntilItHasFinished() {
        AtomicReference<Lsn> limit = new AtomicReference<>(Lsn.ZERO); // finished nothing yet
        ChangeListener finishingLater = new ChangeListener() {
            @Override
            public void onChange(ChangeEvent event) throws Exception {
                listener.onChange(event);
            }

            @Override
            public Lsn confirmLimit() {
                return limit.get();
            }
        };
        PgOutputHandler handler = PgOutputHandler.builder(finishingLater).slot(slot).publications(publication).createSlot(true)
                .createPublication(true).publicationTables(List.of(table)).streaming(false)
                .statusInterval(Duration.ofMillis(200)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            Lsn start = Lsn.parse(confirmedFlush(server(), slot));
            server().execute("INSERT INTO " + table + " VALUES (1, 'one', NULL)");
            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.nonEmptyOfType(ChangeEvent.Commit.class).isEmpty());
            Lsn commitEnd = listener.nonEmptyOfType(ChangeEvent.Commit.class).get(0).endLsn();
            assertProcessedIsACommitFrom(handler, commitEnd);

            // Returned from, not finished: neither status updates nor idle keepalives (WAL activity elsewhere) confirm it.
            server().execute("CREATE TABLE " + table + "_other (id int)", "INSERT INTO " + table + "_other VALUES (1)",
                    "SELECT pg_switch_wal()");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8)).untilAsserted(() -> assertThat(
                    Lsn.parse(confirmedFlush(server(), slot))).as("confirmed flush LSN").isEqualTo(start));

            limit.set(null); // finished
            await().atMost(Duration.ofSeconds(10)).until(() -> !Lsn.parse(confirmedFlush(server(), slot)).isBefore(commitEnd));
        }
    }

    /**
     * The handler's processed LSN is the end of a commit the listener returned from, ours or, on PostgreSQL 14, an empty
     * transaction's after it (an autovacuum ANALYZE may come at any moment).
     */
    private void assertProcessedIsACommitFrom(PgOutputHandler handler, Lsn commitEnd) {
        assertThat(handler.processedLsn()).isGreaterThanOrEqualTo(commitEnd)
                .isIn(listener.ofType(ChangeEvent.Commit.class).stream().map(ChangeEvent.Commit::endLsn).toList());
    }
}
