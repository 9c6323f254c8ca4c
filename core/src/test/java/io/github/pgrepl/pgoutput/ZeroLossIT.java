package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.confirmedFlush;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.FaultProxy;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Zero loss under every fault at once: while a writer commits (and rolls back) transactions with
 * known ids, the consumer suffers a cut proxy, a stalled proxy, a terminated walsender, a server
 * restart, listener exceptions and an application restart. Every committed id must arrive, in commit
 * order within each run, no rolled-back id may arrive, and the slot may never confirm a transaction
 * before the listener returned from it.
 */
class ZeroLossIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "2s").build();

    private final List<List<Long>> runs = new CopyOnWriteArrayList<>();
    private final Set<Lsn> returnedFrom = ConcurrentHashMap.newKeySet();
    private final Set<Long> failedOnce = ConcurrentHashMap.newKeySet();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private String slot;

    @Test
    void everyCommittedTransactionArrivesWhateverFails() throws Exception {
        String table = unique("ledger");
        String publication = unique("pub");
        slot = unique("slot");
        pg.server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY)", "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        int count = 1200;
        LedgerWriter writer = new LedgerWriter(pg.server(), table, count, Duration.ofMillis(4));
        try (FaultProxy proxy = FaultProxy.start("localhost", pg.server().port())) {
            ConnectionConfig config = config(pg.server()).port(proxy.port()).autoReconnect(true)
                    .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build();
            PgOutputHandler.Builder handler = PgOutputHandler.builder(this::consume)
                    .slot(slot).publications(publication).createSlot(true)
                    .retry(3, Duration.ofMillis(20)).statusInterval(Duration.ofMillis(200));
            runs.add(new CopyOnWriteArrayList<>());
            ReplicationConnection first = ReplicationConnection.start(config, handler.build());
            ReplicationConnection connection = first;
            Thread writing = new Thread(writer, "ledger-writer");
            writing.start();
            try {
                afterProgress(100, proxy::cutAll);
                afterProgress(100, () -> {
                    proxy.stall();
                    awaitSampling(Duration.ofSeconds(15), () -> first.status().lastError() != null
                            && first.status().lastError().getMessage().contains("presumed dead"));
                    proxy.heal();
                });
                afterProgress(100, () -> assertThat(pg.server().terminateWalSenders()).isPositive());
                afterProgress(100, () -> pg.server().restart());
                afterProgress(100, () -> {
                    first.close(); // the application stops and starts again
                    runs.add(new CopyOnWriteArrayList<>());
                });
                connection = ReplicationConnection.start(config, handler.build());
                writing.join(Duration.ofMinutes(2).toMillis());
                awaitSampling(Duration.ofSeconds(60), () -> delivered().containsAll(writer.committed));
            } finally {
                connection.close();
            }
        }
        sample();

        Set<Long> delivered = delivered();
        System.out.printf("committed %d, rolled back %d, delivered %d distinct in %d runs (%s), listener failures %d,"
                        + " confirmed_flush samples %d%n", writer.committed.size(), writer.rolledBack.size(), delivered.size(),
                runs.size(), runs.stream().map(List::size).toList(), failedOnce.size(), samples.size());
        assertThat(delivered).containsAll(writer.committed);
        assertThat(delivered).doesNotContainAnyElementsOf(writer.rolledBack);
        for (List<Long> run : runs) {
            assertThat(run).as("commit order within a run").isSorted().doesNotHaveDuplicates();
        }
        assertThat(failedOnce).isNotEmpty();
        for (Sample taken : samples) {
            for (Lsn commitEnd : returnedFrom) {
                if (!commitEnd.isAfter(taken.confirmed())) {
                    assertThat(taken.returnedFrom()).as("confirmed_flush_lsn %s covers commit %s", taken.confirmed(), commitEnd)
                            .contains(commitEnd);
                }
            }
        }
    }

    /** The listener: fails once on every 97th id, records ids and the commits it returned from. */
    private void consume(ChangeEvent event) {
        if (event instanceof ChangeEvent.Insert insert) {
            long id = insert.newRow().getLong("id");
            if (id % 97 == 0 && failedOnce.add(id)) {
                throw new IllegalStateException("a transient listener failure on " + id);
            }
            runs.get(runs.size() - 1).add(id);
        } else if (event instanceof ChangeEvent.Commit commit) {
            returnedFrom.add(commit.endLsn());
        }
    }

    private Set<Long> delivered() {
        Set<Long> all = new HashSet<>();
        runs.forEach(all::addAll);
        return all;
    }

    /** Waits until {@code more} more rows arrived, sampling the slot meanwhile, then injects a fault. */
    private void afterProgress(int more, ThrowingRunnable fault) throws Exception {
        int target = delivered().size() + more;
        awaitSampling(Duration.ofSeconds(60), () -> delivered().size() >= target);
        fault.run();
    }

    private void awaitSampling(Duration atMost, BooleanSupplier condition) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
            sample();
            return condition.getAsBoolean();
        });
    }

    /** The slot's confirmed position, then what the listener had returned from: never the other way round. */
    private void sample() {
        try {
            String confirmed = confirmedFlush(pg.server(), slot);
            if (confirmed != null) {
                samples.add(new Sample(Lsn.parse(confirmed), Set.copyOf(returnedFrom)));
            }
        } catch (IllegalStateException serverRestarting) {
            // no sample this time
        }
    }

    private record Sample(Lsn confirmed, Set<Lsn> returnedFrom) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
