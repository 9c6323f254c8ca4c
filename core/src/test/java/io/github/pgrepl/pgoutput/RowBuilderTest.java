package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation.Column;
import io.github.pgrepl.pgoutput.Messages.Col;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A built row reads exactly like the row the decoder makes of the same text values. */
class RowBuilderTest {

    private static final Object[][] VALUES = {
            { RowValuesTest.BOOL, true }, { RowValuesTest.INT2, (short) 3 }, { RowValuesTest.INT4, 42 },
            { RowValuesTest.INT8, 1L << 40 }, { RowValuesTest.FLOAT4, 1.5f }, { RowValuesTest.FLOAT8, -2.25d },
            { RowValuesTest.NUMERIC, new BigDecimal("9.990") }, { RowValuesTest.TEXT, "Ada \"L\" ü" },
            { RowValuesTest.BYTEA, new byte[] { 0, 1, (byte) 0xff } },
            { RowValuesTest.UUID_OID, UUID.fromString("5b8c5b3e-0000-4000-8000-000000000001") },
            { RowValuesTest.DATE, LocalDate.of(2024, 2, 29) }, { RowValuesTest.TIME, LocalTime.of(23, 59, 1, 5_000) },
            { RowValuesTest.TIMESTAMP, LocalDateTime.of(1999, 12, 31, 23, 0) },
            { RowValuesTest.TIMESTAMPTZ, OffsetDateTime.of(2024, 5, 1, 10, 0, 0, 0, ZoneOffset.UTC) },
            { 1007, List.of(1, 2, 3) }, { 1009, java.util.Arrays.asList("a", null, "b,c") } };

    @Test
    void valuesReadBackAsTheDecoderReadsTheirText() {
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < VALUES.length; i++) {
            columns.add(new Column(i == 0, "c" + i, (Integer) VALUES[i][0], -1));
        }
        Relation relation = new Relation(0, 16384, "public", "all_types", 'd', columns);
        RowBuilder builder = RowBuilder.of(relation);
        for (int i = 0; i < VALUES.length; i++) {
            builder.value("c" + i, VALUES[i][1]);
        }

        Row built = builder.build();

        for (int i = 0; i < VALUES.length; i++) {
            Row decoded = RowValuesTest.row((Integer) VALUES[i][0], built.getString(i));
            assertThat(built.getObject(i)).as("c%d", i).isEqualTo(decoded.getObject(0)).isEqualTo(VALUES[i][1]);
        }
        assertThat(built.relation()).isSameAs(relation);
    }

    @Test
    void unsetColumnsAreNullAndUnchangedToastIsNeverNull() {
        Relation relation = new Relation(0, 1, "public", "docs", 'd',
                List.of(new Column(true, "id", 23, -1), new Column(false, "body", 25, -1), new Column(false, "note", 25, -1)));

        Row row = RowBuilder.of(relation).text("id", "7").unchangedToast("body").build();

        assertThat(row.getInt("id")).isEqualTo(7);
        assertThat(row.isNull("note")).isTrue();
        assertThat(row.isUnchangedToast("body")).isTrue();
        assertThatThrownBy(() -> row.getString("body")).hasMessageContaining("unchanged TOAST");
        assertThat(row).hasToString("{id=7, body=<unchanged toast>, note=null}");
    }

    @Test
    void anInstantIsATimestamptzAtUtc() {
        Relation relation = new Relation(0, 1, "public", "t", 'd', List.of(new Column(false, "at", 1184, -1)));

        Row row = RowBuilder.of(relation).value("at", Instant.parse("2024-05-01T10:00:00Z")).build();

        assertThat(row.getInstant("at")).isEqualTo(Instant.parse("2024-05-01T10:00:00Z"));
    }

    @Test
    void theDataSizeIsTheTuplesSizeOnTheWire() {
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        Relation relation = (Relation) decoder.decode(Messages.relation(1, "public", "t", Col.key("id", 23),
                Col.of("name", 25)).buffer());
        Row decoded = ((ChangeEvent.Insert) decoder.decode(Messages.insert(1, "7", "Ada").buffer())).newRow();

        Row built = RowBuilder.of(relation).text("id", "7").text("name", "Ada").build();

        assertThat(built.dataSize()).isEqualTo(decoded.dataSize()).isEqualTo(1 + 4 + 1 + 1 + 4 + 3);
    }

    @Test
    void anUnknownColumnOrValueTypeIsAClearError() {
        Relation relation = new Relation(0, 1, "public", "t", 'd', List.of(new Column(false, "id", 23, -1)));

        assertThatThrownBy(() -> RowBuilder.of(relation).value("idd", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Relation public.t has no column 'idd'; its columns are [id]");
        assertThatThrownBy(() -> RowBuilder.of(relation).value("id", new Object()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pass its text with text()");
    }
}
