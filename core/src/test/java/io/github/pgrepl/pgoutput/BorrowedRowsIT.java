package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Borrowed rows against a real server, on the listener worker's thread, through pauses for a small queue and a retried
 * call: every value read during its call is right, in text and in binary; a row kept past its call refuses to read,
 * saying why; its copy keeps it.
 */
class BorrowedRowsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static final int ROWS = 3_000;
    /** The row whose first call fails: the retry reads it again. */
    private static final int FAILING_ID = 1_234;

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void everyValueIsRightDuringItsCallAndAKeptRowRefusesAfterwards(boolean binary) {
        String table = unique("borrowed");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text, amount numeric, day date,"
                        + " at timestamptz, tag uuid, data bytea, note text)",
                "ALTER TABLE " + table + " REPLICA IDENTITY FULL",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inserts = new AtomicInteger();
        AtomicInteger updates = new AtomicInteger();
        AtomicInteger deletes = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<Row> kept = new AtomicReference<>();
        AtomicReference<Row> copy = new AtomicReference<>();
        AtomicReference<String> keptInLaterCall = new AtomicReference<>();
        ChangeListener listener = event -> {
            if (event instanceof ChangeEvent.Insert insert) {
                Row row = insert.newRow();
                int id = row.getInt("id");
                check(row, id, "name" + id, wrong);
                if (id == FAILING_ID && attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("first attempt fails; the retry reads the same row again");
                }
                if (id == 7) {
                    kept.set(row);
                    copy.set(row.copy());
                } else if (id == 8) {
                    keptInLaterCall.set(outcome(kept.get())); // the row of a call that returned, read in a later one
                }
                inserts.incrementAndGet();
            } else if (event instanceof ChangeEvent.Update update) {
                int id = update.newRow().getInt("id");
                check(update.oldRow(), id, "name" + id, wrong);
                check(update.newRow(), id, "renamed" + id, wrong);
                updates.incrementAndGet();
            } else if (event instanceof ChangeEvent.Delete delete) {
                int id = delete.oldRow().getInt("id");
                check(delete.oldRow(), id, "renamed" + id, wrong);
                deletes.incrementAndGet();
            }
        };
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(unique("slot")).publications(publication)
                .createSlot(true).binary(binary).borrowedRows(true)
                .queueCapacity(200, 1L << 20) // pauses and resumes while the rows stream
                .retry(2, Duration.ofMillis(10))
                .build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            pg.server().execute("INSERT INTO " + table + " SELECT i, 'name' || i, i * 1.25, DATE '2024-01-01' + i,"
                            + " TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 second',"
                            + " ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid,"
                            + " int4send(i), CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('n', i % 50) END"
                            + " FROM generate_series(1, " + ROWS + ") i",
                    "UPDATE " + table + " SET name = 'renamed' || id WHERE id <= 500",
                    "DELETE FROM " + table + " WHERE id <= 100");
            await().atMost(Duration.ofSeconds(30)).until(() -> deletes.get() == 100);
        }

        assertThat(wrong).isEmpty();
        assertThat(inserts).hasValue(ROWS);
        assertThat(updates).hasValue(500);
        assertThat(attempts).hasValue(2);
        assertThat(keptInLaterCall.get()).startsWith("IllegalStateException").contains("call has returned")
                .contains("Row.copy()");
        assertThat(kept.get().toString()).contains("released");
        assertThatThrownBy(() -> kept.get().getString("name")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("borrowedRows(true)");
        assertThat(copy.get().getString("name")).isEqualTo("name7");
        assertThat(copy.get().getBigDecimal("amount")).isEqualByComparingTo("8.75");
    }

    /** Every column of the row {@code id} as the INSERT wrote it (and {@code name} as given). */
    private static void check(Row row, int id, String name, List<String> wrong) {
        List<Object> expected = new ArrayList<>();
        expected.add(id);
        expected.add(name);
        expected.add(new BigDecimal(id).multiply(new BigDecimal("1.25")));
        expected.add(LocalDate.of(2024, 1, 1).plusDays(id));
        expected.add(OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusSeconds(id));
        expected.add(UUID.fromString(String.format("00000000-0000-0000-0000-%012x", id)));
        expected.add(List.of(id >>> 24 & 0xFF, id >>> 16 & 0xFF, id >>> 8 & 0xFF, id & 0xFF));
        expected.add(id % 3 == 0 ? null : "n".repeat(id % 50));
        List<Object> actual = new ArrayList<>();
        actual.add(row.getInt("id"));
        actual.add(row.getString("name"));
        actual.add(row.getBigDecimal("amount").stripTrailingZeros());
        actual.add(row.getLocalDate("day"));
        actual.add(row.getOffsetDateTime("at"));
        actual.add(row.getUuid("tag"));
        byte[] data = row.getBytes("data");
        actual.add(List.of(data[0] & 0xFF, data[1] & 0xFF, data[2] & 0xFF, data[3] & 0xFF));
        actual.add(row.getString("note"));
        expected.set(2, ((BigDecimal) expected.get(2)).stripTrailingZeros());
        if (!expected.equals(actual)) {
            wrong.add("row " + id + ": expected " + expected + ", got " + actual);
        }
    }

    private static String outcome(Row row) {
        try {
            return "read " + row.getString("name");
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
