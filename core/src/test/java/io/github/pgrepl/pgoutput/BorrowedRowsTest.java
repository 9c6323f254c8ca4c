package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.Messages.INT4;
import static io.github.pgrepl.pgoutput.Messages.TEXT;
import static io.github.pgrepl.pgoutput.Messages.relation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.pgoutput.Messages.Col;
import io.github.pgrepl.pgoutput.internal.TypeResolver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Borrowed rows ({@link PgOutputHandler.Builder#borrowedRows}): a row reads its tuple from a pooled buffer while its
 * lifetime lasts, then refuses to read, never showing the tuple the buffer holds next; a copy keeps it; the buffers are
 * reused, through the listener worker's batches too.
 */
class BorrowedRowsTest {

    private static final int USERS = 16_384;

    private final RowLeases leases = new RowLeases();
    private final PgOutputDecoder decoder = new PgOutputDecoder(1, TypeResolver.BUILT_IN, leases);

    BorrowedRowsTest() {
        decoder.decode(relation(USERS, "public", "users", Col.key("id", INT4), Col.of("name", TEXT)).buffer());
    }

    private ChangeEvent.Insert insert(int id, String name) {
        return (ChangeEvent.Insert) decoder.decode(Messages.insert(USERS, String.valueOf(id), name).directBuffer());
    }

    @Test
    void aRowReadsItsTupleDuringItsLifetimeAndRefusesAfterwardsNeverShowingTheNextTuple() {
        ChangeEvent.Insert first = insert(1, "Ada");
        Row kept = first.newRow();
        assertThat(kept.getInt("id")).isEqualTo(1);
        leases.release(first); // its listener call returned

        Row next = insert(2, "Grace").newRow();

        assertThat(next.lease()).as("the same lease, reused").isSameAs(kept.lease());
        assertThat(leases.misses()).isEqualTo(1);
        assertThat(next.getString("name")).isEqualTo("Grace");
        assertThatThrownBy(() -> kept.getString("name")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("users")
                .hasMessageContaining("call has returned")
                .hasMessageContaining("Row.copy()")
                .hasMessageContaining("borrowedRows(true)");
        // Even the values it read before, cached, and what needs no value at all.
        assertThatThrownBy(() -> kept.getInt("id")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> kept.isNull(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> kept.getObject(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(kept::dataSize).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(kept::copy).isInstanceOf(IllegalStateException.class);
        assertThat(kept.toString()).contains("released").doesNotContain("Grace");
        assertThat(kept.relation().name()).isEqualTo("users"); // what the relation says, not the tuple, stays readable
    }

    @Test
    void aCopyTakenDuringTheLifetimeKeepsTheTuple() {
        ChangeEvent.Insert first = insert(1, "Ada");
        first.newRow().getInt("id"); // column starts found before the copy: the copy shares them
        Row copy = first.newRow().copy();
        Row unread = insert(3, "Barbara").newRow().copy();
        leases.release(first);
        insert(2, "Grace");

        assertThat(copy.lease()).isNull();
        assertThat(copy.getInt("id")).isEqualTo(1);
        assertThat(copy.getString("name")).isEqualTo("Ada");
        assertThat(copy.dataSize()).isEqualTo(2 + (1 + 4 + 1) + (1 + 4 + 3) - 2); // kind and length per column, the values
        assertThat(copy.toString()).isEqualTo("{id=1, name=Ada}");
        assertThat(copy.copy()).as("an owned row is its own copy").isSameAs(copy);
        assertThat(unread.getString("name")).isEqualTo("Barbara");
    }

    @Test
    void anUpdatesRowsAreBorrowedAndComeBackTogether() {
        ChangeEvent.Update update = (ChangeEvent.Update) decoder.decode(Wire.message('U').int32(USERS).int8('K')
                .tuple("7", Wire.NULL).int8('N').tuple("8", "Ada").buffer());
        assertThat(update.oldKey().getInt("id")).isEqualTo(7);
        assertThat(update.newRow().getInt("id")).isEqualTo(8);
        leases.release(update);
        assertThat(leases.pooled()).isEqualTo(2);

        ChangeEvent.Delete delete = (ChangeEvent.Delete) decoder.decode(Wire.message('D').int32(USERS).int8('O')
                .tuple("8", "Ada").buffer());

        assertThat(delete.oldRow().getString("name")).isEqualTo("Ada");
        assertThat(leases.misses()).isEqualTo(2);
        assertThatThrownBy(() -> update.oldKey().getInt("id")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> update.newRow().getInt("id")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailedDecodeGivesBackTheLeaseItTook() {
        // The old key is read, then the new tuple is malformed: no event, and the old key's lease is not lost.
        assertThatThrownBy(() -> decoder.decode(Wire.message('U').int32(USERS).int8('K').tuple("7", Wire.NULL)
                .int8('N').int16(2).int8('x').buffer())).isInstanceOf(DecodeException.class);

        assertThat(leases.pooled()).isEqualTo(1);
        insert(1, "Ada");
        assertThat(leases.misses()).isEqualTo(1);
    }

    @Test
    void aLargeTupleGetsABufferThatIsNotKept() {
        String large = "x".repeat(RowLeases.MAX_KEPT_BYTES * 2);
        ChangeEvent.Insert big = insert(1, large);
        assertThat(big.newRow().getString("name")).isEqualTo(large);
        leases.release(big);

        Row small = insert(2, "Ada").newRow();

        assertThat(small.lease()).isSameAs(big.newRow().lease());
        assertThat(small.lease().bytes.length).isLessThanOrEqualTo(RowLeases.MAX_KEPT_BYTES);
        assertThatThrownBy(() -> big.newRow().getString("name")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theWorkerEndsARowsLifetimeWhenTheListenerReturnsAndItsBatchBringsTheLeaseBack() {
        AtomicReference<Row> previous = new AtomicReference<>();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<String> staleReads = Collections.synchronizedList(new ArrayList<>());
        ListenerWorker worker = new ListenerWorker("orders", null, event -> {
            Row row = ((ChangeEvent.Insert) event).newRow();
            seen.add(row.getString("name"));
            Row kept = previous.getAndSet(row);
            if (kept != null) {
                try {
                    staleReads.add("read " + kept.getString("name")); // a listener that kept the row of its last call
                } catch (IllegalStateException expected) {
                    staleReads.add(expected.getMessage());
                }
            }
        }, 1_000_000, Long.MAX_VALUE, 1, Duration.ZERO, signal -> { }, leases);
        int rounds = 20;
        int perRound = 50;
        List<String> expected = new ArrayList<>();
        try {
            worker.start();
            for (int round = 0; round < rounds; round++) {
                // This thread plays the connection's: it decodes, offers, hands over.
                for (int i = 0; i < perRound; i++) {
                    int id = round * perRound + i;
                    expected.add("name" + id);
                    worker.offer(insert(id, "name" + id), 20, null);
                }
                worker.flush();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(worker.pending()).as("pending").isZero();
                    assertThat(worker.spareBatches()).as("spare batches").isPositive();
                });
            }
        } finally {
            worker.stop(Duration.ofSeconds(1));
        }

        assertThat(seen).isEqualTo(expected);
        assertThat(staleReads).hasSize(rounds * perRound - 1)
                .allSatisfy(read -> assertThat(read).contains("call has returned"));
        // The first round's leases served every later round: they came back with its batch, taken to be filled again
        // when the second round's first event was offered, which was decoded before that: one lease more.
        assertThat(leases.misses()).isEqualTo(perRound + 1);
    }
}
