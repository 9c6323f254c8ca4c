package io.github.pgrepl.pgoutput.internal;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Prints Java values decoded from the binary format as the server's output functions print them,
 * so that {@code getString} reads the same for a text and a binary column. The exceptions are
 * {@code timestamptz}, printed in UTC ({@code +00}) since the binary form carries no offset, and
 * arrays, printed without lower bounds.
 */
public final class TextFormatter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TextFormatter() {
    }

    public static String format(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof Boolean bool) {
            return bool ? "t" : "f";
        }
        if (value instanceof Float f) {
            return FloatText.format(f, false);
        }
        if (value instanceof Double d) {
            return FloatText.format(d, true);
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Number || value instanceof java.util.UUID) {
            return value.toString();
        }
        if (value instanceof byte[] bytes) {
            return hex(bytes, 0, bytes.length);
        }
        if (value instanceof LocalDate date) {
            return PgDateTime.formatDate(date);
        }
        if (value instanceof LocalTime time) {
            return PgDateTime.formatTime(time);
        }
        if (value instanceof LocalDateTime timestamp) {
            return PgDateTime.formatTimestamp(timestamp);
        }
        if (value instanceof OffsetDateTime timestamptz) {
            return PgDateTime.formatTimestamptz(timestamptz);
        }
        if (value instanceof List<?> list) {
            return TextArrays.format(elementTexts(list));
        }
        throw new IllegalStateException("no text form for " + value.getClass().getName());
    }

    /** {@code bytea}'s hex output, which is also how values of unknown binary types are shown. */
    public static String hex(byte[] bytes, int offset, int length) {
        StringBuilder out = new StringBuilder(2 + 2 * length).append("\\x");
        for (int i = offset; i < offset + length; i++) {
            out.append(HEX[(bytes[i] >> 4) & 0xF]).append(HEX[bytes[i] & 0xF]);
        }
        return out.toString();
    }

    /** Nested lists with every leaf printed as its text ({@code null} stays {@code null}). */
    public static List<Object> elementTexts(List<?> list) {
        List<Object> texts = new ArrayList<>(list.size());
        for (Object element : list) {
            if (element instanceof List<?> nested) {
                texts.add(elementTexts(nested));
            } else {
                texts.add(element == null ? null : format(element));
            }
        }
        return Collections.unmodifiableList(texts);
    }
}
