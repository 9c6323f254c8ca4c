package io.github.pgrepl.pgoutput;

import io.github.pgrepl.pgoutput.internal.TextFormatter;
import io.github.pgrepl.pgoutput.internal.TypeResolver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Objects;

/**
 * Builds a {@link Row} of a relation without a server, as pgoutput would send it in text mode: for fixtures and
 * tests of code that consumes rows. Values are given as the server prints them ({@link #text}) or as the Java values
 * {@link Row#getObject} returns ({@link #value}); a column left unset is SQL NULL.
 *
 * <pre>{@code
 * Row row = RowBuilder.of(relation).value("id", 7).text("amount", "9.99").unchangedToast("notes").build();
 * }</pre>
 */
public final class RowBuilder {

    private static final byte NULL = 'n';
    private static final byte UNCHANGED_TOAST = 'u';
    private static final byte TEXT = 't';

    private final ChangeEvent.Relation relation;
    private final RowSchema schema;
    private final byte[] kinds;
    private final String[] texts;

    private RowBuilder(ChangeEvent.Relation relation) {
        this.relation = Objects.requireNonNull(relation, "relation");
        this.schema = new RowSchema(relation, TypeResolver.BUILT_IN); // built-in types: fixtures know no catalog
        this.kinds = new byte[schema.size()];
        Arrays.fill(kinds, NULL);
        this.texts = new String[schema.size()];
    }

    /** A row of {@code relation}, every column NULL until set. */
    public static RowBuilder of(ChangeEvent.Relation relation) {
        return new RowBuilder(relation);
    }

    /**
     * The column's value in the server's text form ({@code "9.99"}, {@code "t"}, {@code "{1,2}"}); {@code null} is
     * SQL NULL.
     */
    public RowBuilder text(String column, String text) {
        int index = index(column);
        kinds[index] = text == null ? NULL : TEXT;
        texts[index] = text;
        return this;
    }

    /**
     * The column's value as a Java value of the kind {@link Row#getObject} returns (Boolean, Short, Integer, Long,
     * Float, Double, BigDecimal, String, byte[], UUID, LocalDate, LocalTime, LocalDateTime, OffsetDateTime, a List of
     * these for arrays), or an {@link Instant} for a timestamptz; {@code null} is SQL NULL.
     *
     * @throws IllegalArgumentException for a value of another type
     */
    public RowBuilder value(String column, Object value) {
        if (value instanceof Instant instant) {
            value = OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
        }
        try {
            return text(column, value == null ? null : TextFormatter.format(value));
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("Column '" + column + "' of " + relation.qualifiedName() + ": a "
                    + value.getClass().getName() + " has no text form pgrepl knows; pass its text with text()", e);
        }
    }

    /** The column is SQL NULL (the default). */
    public RowBuilder nullValue(String column) {
        return text(column, null);
    }

    /** The column is a TOASTed value that an Update did not change, so the server did not send it. */
    public RowBuilder unchangedToast(String column) {
        int index = index(column);
        kinds[index] = UNCHANGED_TOAST;
        texts[index] = null;
        return this;
    }

    public Row build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] starts = new int[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            starts[i] = out.size();
            out.write(kinds[i]);
            if (kinds[i] == TEXT) {
                byte[] bytes = texts[i].getBytes(StandardCharsets.UTF_8);
                out.write(bytes.length >>> 24);
                out.write(bytes.length >>> 16);
                out.write(bytes.length >>> 8);
                out.write(bytes.length);
                out.writeBytes(bytes);
            }
        }
        return new Row(schema, out.toByteArray(), starts, "fixture", 0);
    }

    private int index(String column) {
        int index = schema.indexOf(column);
        if (index < 0) {
            throw new IllegalArgumentException("Relation " + relation.qualifiedName() + " has no column '" + column
                    + "'; its columns are " + schema.names());
        }
        return index;
    }
}
