package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Snapshot requests that cannot run are refused with the reason and the fix, and the stream loses nothing; a table
 * without a key still comes whole with an initial snapshot.
 */
class SnapshotRequestsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @Test
    void badRequestsAreRefusedWithTheReasonAndTheStreamGoesOn() throws Exception {
        String keyed = unique("keyed");
        String keyless = unique("keyless");
        String unpublished = unique("unpublished");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + keyed + " (id bigint PRIMARY KEY, v int NOT NULL DEFAULT 0)",
                "INSERT INTO " + keyed + " SELECT g FROM generate_series(1, 20000) g",
                "CREATE TABLE " + keyless + " (id bigint, note text)",
                "ALTER TABLE " + keyless + " REPLICA IDENTITY FULL",
                "INSERT INTO " + keyless + " VALUES (1, 'a'), (2, 'b')",
                "CREATE TABLE " + unpublished + " (id bigint PRIMARY KEY)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + keyed + ", " + keyless);
        CollectingListener listener = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(unique("slot")).publications(publication)
                .createSlot(true).snapshot(SnapshotOptions.defaults().mode(SnapshotMode.INITIAL).chunkSize(200)).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            // The initial snapshot reads the table without a key too: COPY needs none.
            // Its rows processed, the snapshot still makes the slot permanent before the stream starts: until then a
            // request is refused (RUNNING).
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(listener.ofType(ChangeEvent.SnapshotCompleted.class)).as("snapshots completed").hasSize(2);
                assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
            });
            assertThat(listener.ofType(ChangeEvent.SnapshotCompleted.class))
                    .extracting(done -> done.table().name(), ChangeEvent.SnapshotCompleted::rows)
                    .containsExactlyInAnyOrder(tuple(keyed, 20000L),
                            tuple(keyless, 2L));

            assertThat(refusal(handler, "no_such_table")).satisfies(refused -> {
                assertThat(refused.reason()).isEqualTo(SnapshotException.Reason.UNKNOWN_TABLE);
                assertThat(refused.getMessage()).contains("no_such_table");
            });
            assertThat(refusal(handler, unpublished)).satisfies(refused -> {
                assertThat(refused.reason()).isEqualTo(SnapshotException.Reason.NOT_PUBLISHED);
                assertThat(refused.getMessage()).contains(unpublished, publication);
            });
            assertThat(refusal(handler, keyless)).satisfies(refused -> {
                assertThat(refused.reason()).isEqualTo(SnapshotException.Reason.NO_KEY);
                assertThat(refused.getMessage()).contains(keyless, "ADD PRIMARY KEY", "snapshot.mode=initial");
            });

            SnapshotProgress running = handler.snapshot(keyed).get(10, TimeUnit.SECONDS);
            assertThat(running.running()).isTrue();
            assertThat(refusal(handler, keyed)).satisfies(refused -> {
                assertThat(refused.reason()).isEqualTo(SnapshotException.Reason.RUNNING);
                assertThat(refused.getMessage()).contains(running.id(), "one runs at a time");
            });

            pg.server().execute("INSERT INTO " + keyed + " VALUES (30000, 0)", "INSERT INTO " + keyless + " VALUES (3, 'c')");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(listener.insertedIds()).as("inserted ids").contains(30000L, 3L);
                assertThat(listener.ofType(ChangeEvent.SnapshotCompleted.class)).as("snapshots completed").hasSize(3);
            });
        }
        assertThat(handler.snapshotProgress()).hasValueSatisfying(progress -> {
            assertThat(progress.kind()).isEqualTo(SnapshotProgress.Kind.INCREMENTAL);
            assertThat(progress.state()).isEqualTo(SnapshotProgress.State.COMPLETED);
            assertThat(progress.rows()).isGreaterThanOrEqualTo(20000);
        });
        assertThat(listener.ofType(ChangeEvent.Read.class)).hasSizeGreaterThanOrEqualTo(2 + 20000 + 20000);
    }

    @Test
    void aTableAddedToThePublicationIsSnapshottedOnItsOwn() throws Exception {
        String first = unique("first");
        String added = unique("added");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + first + " (id bigint PRIMARY KEY, v int NOT NULL DEFAULT 0, payload text)",
                "CREATE TABLE " + added + " (id bigint PRIMARY KEY, v int NOT NULL DEFAULT 0, payload text)",
                "INSERT INTO " + added + " SELECT g, 0, 'before' FROM generate_series(1, 3000) g",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + first);
        Projection projection = new Projection();
        PgOutputHandler handler = PgOutputHandler.builder(projection).slot(unique("slot")).publications(publication)
                .createSlot(true).snapshot(SnapshotOptions.defaults().chunkSize(500).newTablesInterval(Duration.ofMillis(200)))
                .build();
        // The handler's first look for new tables (on a session of its own) makes the publication's tables of then the
        // known ones: the table must be added after it, or it counts as known and gets no snapshot.
        List<String> debugLogs = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                debugLogs.add(event.getFormattedMessage());
            }
        };
        appender.start();
        Logger logger = (Logger) LoggerFactory.getLogger(PgOutputHandler.class);
        Level level = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        logger.addAppender(appender);
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            pg.server().execute("INSERT INTO " + first + " VALUES (1)");
            await().atMost(Duration.ofSeconds(10)).until(() -> projection.rows("public." + first).containsKey(1L));
            await("the first look for new tables").atMost(Duration.ofSeconds(30)).until(() -> debugLogs.stream()
                    .anyMatch(line -> line.contains("[public." + first + "] are known now")));
            pg.server().execute("ALTER PUBLICATION " + publication + " ADD TABLE " + added,
                    "UPDATE " + added + " SET v = v + 1, payload = 'after' WHERE id <= 10",
                    "INSERT INTO " + added + " VALUES (5000, 0, 'new')");
            await().atMost(Duration.ofSeconds(30)).until(() -> projection.completed.contains("public." + added));
            await().atMost(Duration.ofSeconds(10)).until(() -> projection.rows("public." + added).size() == 3001);
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        assertThat(projection.rows("public." + added)).containsEntry(1L, "1|after").containsEntry(11L, "0|before")
                .containsEntry(5000L, "0|new");
        assertThat(projection.stale).isEmpty();
        assertThat(handler.snapshotProgress()).hasValueSatisfying(progress ->
                assertThat(progress.tables()).extracting(SnapshotProgress.TableProgress::table)
                        .containsExactly("public." + added));
    }

    private static SnapshotException refusal(PgOutputHandler handler, String table) {
        Throwable thrown = catchThrowable(() -> handler.snapshot(table).get(10, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SnapshotException.class);
        return (SnapshotException) thrown.getCause();
    }
}
