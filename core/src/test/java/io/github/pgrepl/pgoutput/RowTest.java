package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.RowValuesTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.pgoutput.Messages.Col;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class RowTest {

    private static Row users(Object... values) {
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        decoder.decode(Messages.relation(1, "public", "users", Col.key("id", 23), Col.of("name", 25),
                Col.of("bio", 25)).buffer());
        return ((ChangeEvent.Insert) decoder.decode(Messages.insert(1, values).buffer())).newRow();
    }

    @Test
    void readsColumnsByIndexAndName() {
        Row row = users("7", "Ada", Wire.NULL);

        assertThat(row.size()).isEqualTo(3);
        assertThat(row.columnNames()).containsExactly("id", "name", "bio");
        assertThat(row.indexOf("name")).isEqualTo(1);
        assertThat(row.getInt("id")).isEqualTo(7);
        assertThat(row.getString("name")).isEqualTo(row.getString(1)).isEqualTo("Ada");
        assertThat(row.relation().name()).isEqualTo("users");
        assertThat(row).hasToString("{id=7, name=Ada, bio=null}");
    }

    @Test
    void findsEveryColumnOfADecodedTupleWhenFirstReadOnOtherThreadsAtOnce() throws Exception {
        // The decoder keeps no column positions: the row finds them when first read, here by several
        // threads at once, as listeners that hand a row on may do. Each must see the same, right, values.
        for (int round = 0; round < 50; round++) {
            Row row = users("7", Wire.NULL, "a bio of some length");
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<String>> reads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                reads.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return row.getInt("id") + "|" + row.isNull(1) + "|" + row.getString(2) + "|" + row.size();
                }));
            }
            start.countDown();
            for (CompletableFuture<String> read : reads) {
                assertThat(read.get()).isEqualTo("7|true|a bio of some length|3");
            }
        }
    }

    @Test
    void returnsNullFromEveryGetterForSqlNull() {
        Row row = row(23, Wire.NULL);

        assertThat(row.isNull(0)).isTrue();
        assertThat(row.isUnchangedToast(0)).isFalse();
        for (BiFunction<Row, Integer, Object> getter : Getters.BY_INDEX) {
            assertThat(getter.apply(row, 0)).isNull();
        }
        for (BiFunction<Row, String, Object> getter : Getters.BY_NAME) {
            assertThat(getter.apply(row, "v")).isNull();
        }
    }

    @Test
    void neverReportsAnUnchangedToastValueAsNull() {
        Row row = users("7", "Ada", Wire.TOAST);

        assertThat(row.isUnchangedToast("bio")).isTrue();
        assertThat(row.isNull("bio")).isFalse();
        assertThat(row.toString()).contains("bio=<unchanged toast>");
        assertThatThrownBy(() -> row.getString("bio"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Column 'bio' (text (OID 25)) of public.users was not sent because it is an"
                        + " unchanged TOAST value")
                .hasMessageContaining("ALTER TABLE public.users REPLICA IDENTITY FULL");
        Row toast = row(23, Wire.TOAST);
        for (BiFunction<Row, Integer, Object> getter : Getters.BY_INDEX) {
            assertThatThrownBy(() -> getter.apply(toast, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("unchanged TOAST");
        }
        for (BiFunction<Row, String, Object> getter : Getters.BY_NAME) {
            assertThatThrownBy(() -> getter.apply(toast, "v")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("unchanged TOAST");
        }
    }

    @Test
    void widensIntegersAndFloats() {
        assertThat(row(21, "12").getInt(0)).isEqualTo(12);
        assertThat(row(21, Bin.int2(12)).getLong(0)).isEqualTo(12L);
        assertThat(row(23, "12").getLong(0)).isEqualTo(12L);
        assertThat(row(20, "12").getBigDecimal(0)).isEqualTo(new BigDecimal(12));
        assertThat(row(700, "1.5").getDouble(0)).isEqualTo(1.5);
        assertThat(row(701, Bin.float8(2.5)).getDouble(0)).isEqualTo(2.5);
        assertThat(row(21, "3").getShort(0)).isEqualTo((short) 3);
        assertThat(row(700, "3.5").getFloat(0)).isEqualTo(3.5f);
        assertThat(row(16, "t").getBoolean(0)).isTrue();
    }

    @Test
    void refusesAGetterOfAnotherType() {
        assertThatThrownBy(() -> row(25, "12").getInt(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("getInt() cannot read column 'v' (text (OID 25)) of public.t; it reads int2, int4."
                        + " Use getObject() or getString()");
        assertThatThrownBy(() -> row(20, "12").getInt(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> row(1114, "2024-01-01 00:00:00").getInstant(0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("reads timestamptz");
        assertThatThrownBy(() -> row(23, "1").getList(0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("reads array columns");
    }

    @Test
    void refusesNumericSpecialValuesAsBigDecimal() {
        for (Object value : List.of("NaN", Bin.numeric(0, 0xC000, 0), "Infinity")) {
            Row row = row(1700, value);
            assertThat(row.getObject(0)).isIn("NaN", "Infinity");
            assertThatThrownBy(() -> row.getBigDecimal(0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("which BigDecimal cannot represent");
        }
    }

    @Test
    void normalizesTimestamptzTextToUtcWhateverTheServerOffset() {
        OffsetDateTime expected = OffsetDateTime.of(2024, 1, 31, 12, 34, 56, 0, ZoneOffset.UTC);

        assertThat(row(1184, "2024-01-31 18:04:56+05:30").getOffsetDateTime(0)).isEqualTo(expected);
        assertThat(row(1184, "2024-01-31 09:34:56-03").getOffsetDateTime(0)).isEqualTo(expected);
        assertThat(row(1184, "1900-01-01 00:00:00-03:06:28").getInstant(0))
                .isEqualTo(Instant.parse("1900-01-01T03:06:28Z"));
        assertThat(row(1184, "2024-01-31 12:34:56.5+00").getInstant(0))
                .isEqualTo(Instant.parse("2024-01-31T12:34:56.5Z"));
        assertThat(row(1184, "infinity").getInstant(0)).isEqualTo(Instant.MAX);
        assertThat(row(1184, Bin.int8(Long.MIN_VALUE)).getInstant(0)).isEqualTo(Instant.MIN);
        assertThat(row(1114, "infinity").getLocalDateTime(0)).isEqualTo(LocalDateTime.MAX);
    }

    @Test
    void readsTheOlderByteaEscapeFormat() {
        assertThat(row(17, "a\\000\\\\b\\377").getBytes(0)).containsExactly('a', 0, '\\', 'b', 0xFF);
    }

    @Test
    void readsArraysWithLowerBoundsAndSpacing() {
        assertThat(row(1007, "[0:1]={1,2}").getList(0)).isEqualTo(List.of(1, 2));
        assertThat(row(1009, "{ a b , c }").getList(0)).isEqualTo(List.of("a b", "c"));
        assertThat(row(1009, "{N\\ULL,null}").getList(0)).isEqualTo(java.util.Arrays.asList("NULL", null));
    }

    @Test
    void leavesUnknownTypesAsTextAndParsesThemOnRequest() {
        Row text = row(90_001, "42");
        Row binary = row(90_001, new byte[] {1, 2, (byte) 0xAB});

        assertThat(text.getObject(0)).isEqualTo("42");
        assertThat(text.getString(0)).isEqualTo("42");
        assertThat(text.getInt(0)).isEqualTo(42);
        assertThat(row(90_002, "{happy,sad}").getList(0)).isEqualTo(List.of("happy", "sad"));
        assertThat(binary.getString(0)).isEqualTo("\\x0102ab");
        assertThat(binary.getObject(0)).isEqualTo("\\x0102ab");
        assertThatThrownBy(() -> binary.getInt(0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sent in binary");
        assertThatThrownBy(() -> row(90_001, "happy").getInt(0))
                .isInstanceOf(DecodeException.class).hasMessageContaining("For input string: \"happy\"");
    }

    @Test
    void decodesLazilyAndReportsAMalformedValueWithItsColumnAndOffset() {
        Row row = users("x7", "Ada", Wire.NULL);

        assertThat(row.getString("id")).isEqualTo("x7");
        assertThatThrownBy(() -> row.getInt("id"))
                .isInstanceOf(DecodeException.class)
                .hasMessageStartingWith("Malformed text value of column 'id' (int4 (OID 23)) of public.users in"
                        + " pgoutput Insert ('I') message at byte 13: ");
        assertThatThrownBy(() -> row(23, new byte[] {1, 2, 3}).getObject(0))
                .isInstanceOf(DecodeException.class)
                .hasMessageEndingWith("int4 value must be 4 bytes, not 3");
    }

    @Test
    void reportsMalformedBinaryValuesOfEveryType() {
        byte[] bad = {7, 7, 7};
        for (int oid : new int[] {16, 20, 21, 23, 700, 701, 1700, 2950, 1082, 1083, 1114, 1184, 3802, 1007}) {
            assertThatThrownBy(() -> row(oid, bad).getObject(0)).as("OID %d", oid).isInstanceOf(DecodeException.class);
        }
        assertThatThrownBy(() -> row(1083, Bin.int8(86_400_000_001L)).getObject(0))
                .isInstanceOf(DecodeException.class).hasMessageContaining("outside 00:00:00..24:00:00");
        assertThatThrownBy(() -> row(1700, Bin.numeric(0, 0x1234, 0)).getObject(0))
                .isInstanceOf(DecodeException.class).hasMessageContaining("numeric sign 0x1234");
        assertThatThrownBy(() -> row(1700, Bin.numeric(0, 0, 0, 10_000)).getObject(0))
                .isInstanceOf(DecodeException.class).hasMessageContaining("not base 10000");
        assertThatThrownBy(() -> row(1007, Bin.array(25, Bin.dims(1, 1), Bin.text("a"))).getObject(0))
                .isInstanceOf(DecodeException.class).hasMessageContaining("int4[] value has elements of text (OID 25)");
        assertThatThrownBy(() -> row(1007, Bin.array(23, Bin.dims(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                Bin.int4(1))).getObject(0)).isInstanceOf(DecodeException.class).hasMessageContaining("7 dimensions");
        assertThatThrownBy(() -> row(1007, Bin.array(23, Bin.dims(100_000, 1, 100_000, 1))).getObject(0))
                .isInstanceOf(DecodeException.class).hasMessageContaining("array claims");
    }

    @Test
    void reportsMalformedTextValues() {
        for (Object[] bad : new Object[][] {{16, "yes"}, {2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"},
                {17, "\\x0"}, {17, "\\xzz"}, {17, "a\\9"}, {1082, "2024-1-31"}, {1082, "2024-02-30"},
                {1083, "25:00:00"}, {1114, "2024-01-31T12:00:00"}, {1184, "2024-01-31 12:00:00"},
                {1184, "2024-01-31 12:00:00+25"}, {1007, "{1,2"}, {1007, "{1,{2}"}, {1007, "1,2"}, {1007, "{1}x"},
                {1007, "{{{{{{{1}}}}}}}"}, {1009, "{\"abc}"}, {1700, "12x"}}) {
            assertThatThrownBy(() -> row((int) bad[0], bad[1]).getObject(0))
                    .as("%s %s", bad[0], bad[1]).isInstanceOf(DecodeException.class);
        }
    }

    @Test
    void copiesByteArraysOnEveryRead() {
        Row row = row(17, "\\x0102");

        row.getBytes(0)[0] = 9;
        ((byte[]) row.getObject(0))[1] = 9;

        assertThat(row.getBytes(0)).containsExactly(1, 2);
    }

    @Test
    void cachesConvertedValues() {
        Row row = row(1700, "12345.678");

        assertThat(row.getObject(0)).isSameAs(row.getObject(0)).isSameAs(row.getBigDecimal(0));
    }

    @Test
    void rejectsUnknownColumns() {
        Row row = users("1", "a", "b");

        assertThatThrownBy(() -> row.getString("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Relation public.users has no column 'nope'; its columns are [id, name, bio]");
        assertThatThrownBy(() -> row.getString(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> row.isNull(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void keepsToStringShortForLongValuesAndWideRows() {
        Row longValue = users("1", "x".repeat(100_000), "y");
        assertThat(longValue.toString()).hasSizeLessThan(200).contains("name=xxxx", "...");

        PgOutputDecoder decoder = new PgOutputDecoder(1);
        Col[] columns = new Col[500];
        Object[] values = new Object[500];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = Col.of("column_" + i, 17);
            values[i] = Bin.text("z".repeat(5000));
        }
        decoder.decode(Messages.relation(2, "public", "wide", columns).buffer());
        ChangeEvent event = decoder.decode(Messages.insert(2, values).buffer());
        ChangeEvent relation = new PgOutputDecoder(1).decode(Messages.relation(2, "public", "wide", columns).buffer());

        assertThat(event.toString()).hasSizeLessThan(4_000).contains("... 468 more");
        assertThat(relation.toString()).hasSizeLessThan(4_000).contains("... 468 more");
    }

    @Test
    void listsAreUnmodifiable() {
        List<?> list = row(1007, "{1,2}").getList(0);

        assertThatThrownBy(() -> list.remove(0)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(new ArrayList<Object>(list)).containsExactly(1, 2);
    }
}
