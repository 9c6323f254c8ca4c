package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.confirmedFlush;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Delivery guarantees: slow listeners, failing listeners, restarts; what is confirmed and when. */
class PgOutputDeliveryIT {

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
        server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, note text)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
    }

    private static PgServer server() {
        return pg.server();
    }

    private PgOutputHandler.Builder handler(ChangeListener listener) {
        return PgOutputHandler.builder(listener).slot(slot).publications(publication).createSlot(true);
    }

    private void insertEachInItsOwnTransaction(int from, int to) {
        server().execute(IntStream.rangeClosed(from, to)
                .mapToObj(i -> "INSERT INTO " + table + " VALUES (" + i + ", 'n" + i + "')").toArray(String[]::new));
    }

    @Test
    void aSlowListenerPausesTheConnectionWithoutADisconnectAndGetsEveryRow() {
        CollectingListener collected = new CollectingListener();
        ChangeListener slow = event -> {
            collected.onChange(event);
            if (event instanceof ChangeEvent.Insert) {
                Thread.sleep(50); // slowness is the point: 200 rows take 10 s, five wal_sender_timeouts
            }
        };
        PgOutputHandler handler = handler(slow).queueCapacity(8, 1 << 20).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), handler)) {
            insertEachInItsOwnTransaction(1, 200);
            await().atMost(Duration.ofSeconds(5)).until(() -> connection.status().paused());

            await().atMost(Duration.ofSeconds(60)).until(() -> collected.insertedIds().size() == 200);

            assertThat(collected.insertedIds()).containsExactlyElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
            assertThat(connection.status().reconnects()).isZero();
            assertThat(connection.status().state()).isEqualTo(ConnectionState.STREAMING);
            assertThat(handler.statusInterval()).isLessThanOrEqualTo(Duration.ofMillis(667));
        }
    }

    @Test
    void aThrowingListenerLeavesItsTransactionUnconfirmedAndGetsItAgainAfterARestart() {
        insertEachInItsOwnTransaction(1, 1);
        CollectingListener first = new CollectingListener();
        AtomicBoolean failOnTwo = new AtomicBoolean(true);
        ChangeListener failing = event -> {
            if (event instanceof ChangeEvent.Insert insert && insert.newRow().getLong("id") == 2 && failOnTwo.get()) {
                throw new IllegalStateException("listener cannot handle order 2");
            }
            first.onChange(event);
        };
        PgOutputHandler handler = handler(failing).retry(2, Duration.ofMillis(50)).statusInterval(Duration.ofMillis(100)).build();
        ReplicationConnection connection = ReplicationConnection.start(config(server()).autoReconnect(true).build(), handler);
        Lsn confirmedBeforeTwo;
        try {
            // Created after row 1, the slot starts after it; row 2 is the first change it sees.
            insertEachInItsOwnTransaction(2, 2);
            await().atMost(Duration.ofSeconds(15)).until(() -> connection.status().state() == ConnectionState.CLOSED);
            assertThat(handler.failure()).hasMessageContaining("cannot handle order 2").hasMessageContaining("2 time(s)");
            confirmedBeforeTwo = Lsn.parse(confirmedFlush(server(), slot));
            Lsn beginOfTwo = first.nonEmptyOfType(ChangeEvent.Begin.class).get(0).finalLsn();
            assertThat(confirmedBeforeTwo).isLessThan(beginOfTwo);
        } finally {
            connection.close();
        }

        CollectingListener second = new CollectingListener();
        try (ReplicationConnection restarted = ReplicationConnection.start(config(server()).build(), handler(second).build())) {
            await().atMost(Duration.ofSeconds(15)).until(() -> second.insertedIds().contains(2L));
            assertThat(second.insertedIds()).containsExactly(2L);
        }
    }

    @Test
    void restartsMidStreamDeliverEveryCommittedRowWithoutDuplicatesInARunOrOverConfirming() {
        int rows = 300;
        List<Long> delivered = new CopyOnWriteArrayList<>();
        Set<Lsn> returnedFrom = ConcurrentHashMap.newKeySet();
        ChangeListener listener = event -> {
            if (event instanceof ChangeEvent.Insert insert) {
                delivered.add(insert.newRow().getLong("id"));
            } else if (event instanceof ChangeEvent.Commit commit) {
                Thread.sleep(5); // a listener slower than the stream, so restarts catch it mid-queue
                returnedFrom.add(commit.endLsn());
            }
        };
        List<ConfirmedSample> samples = new CopyOnWriteArrayList<>();
        Runnable sample = () -> {
            String confirmed = confirmedFlush(server(), slot); // first the server's position, then what had returned
            if (confirmed != null) {
                samples.add(new ConfirmedSample(Lsn.parse(confirmed), Set.copyOf(returnedFrom)));
            }
        };
        List<List<Long>> runs = new ArrayList<>();
        PgOutputHandler.Builder builder = handler(listener).statusInterval(Duration.ofMillis(100));
        ReplicationConnection connection = ReplicationConnection.start(config(server()).build(), builder.build());
        Thread writer = new Thread(() -> insertEachInItsOwnTransaction(1, rows));
        writer.start();
        try {
            for (int restart = 0; restart < 3; restart++) {
                int seen = delivered.size();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            sample.run();
                            return delivered.size() > seen + 20;
                        });
                connection.close();
                sample.run();
                runs.add(List.copyOf(delivered));
                delivered.clear();
                connection = ReplicationConnection.start(config(server()).build(), builder.build());
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                sample.run();
                assertThat(writer.isAlive()).as("writer still inserting").isFalse();
                assertThat(delivered).as("rows delivered in this run").contains((long) rows);
            });
            runs.add(List.copyOf(delivered));
        } finally {
            connection.close();
        }
        sample.run();

        Set<Long> all = new HashSet<>();
        runs.forEach(all::addAll);
        System.out.printf("delivered %d distinct rows of %d over %d runs (sizes %s), %d confirmed_flush samples%n",
                all.size(), rows, runs.size(), runs.stream().map(List::size).toList(), samples.size());
        assertThat(all).containsAll(LongStream.rangeClosed(1, rows).boxed().toList());
        runs.forEach(run -> assertThat(run).doesNotHaveDuplicates());
        // Every transaction the slot had confirmed at a sample had been returned from by then.
        for (ConfirmedSample taken : samples) {
            for (Lsn commitEnd : returnedFrom) {
                if (!commitEnd.isAfter(taken.confirmed())) {
                    assertThat(taken.returnedFrom()).as("confirmed_flush_lsn %s covers commit %s", taken.confirmed(), commitEnd)
                            .contains(commitEnd);
                }
            }
        }
    }

    private record ConfirmedSample(Lsn confirmed, Set<Lsn> returnedFrom) {
    }
}
