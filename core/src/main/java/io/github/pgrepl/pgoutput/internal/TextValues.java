package io.github.pgrepl.pgoutput.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Converts values in PostgreSQL's text format (each type's output function) to Java values:
 * the same values {@link BinaryValues} produces from the binary format.
 *
 * <p>A value its type cannot hold fails with an {@link IllegalArgumentException} (or a
 * {@code DateTimeException}) that the caller turns into a {@code DecodeException}.
 */
public final class TextValues {

    private TextValues() {
    }

    public static Object decode(PgType type, String text) {
        if (type.isTextOnly()) {
            return text;
        }
        switch (type) {
            case BOOL:
                return bool(text);
            case INT2:
                return Short.parseShort(text);
            case INT4:
                return Integer.parseInt(text);
            case INT8:
                return Long.parseLong(text);
            case FLOAT4:
                return Float.parseFloat(text);
            case FLOAT8:
                return Double.parseDouble(text);
            case NUMERIC:
                return numeric(text);
            case TEXT:
            case VARCHAR:
            case BPCHAR:
            case NAME:
            case JSON:
            case JSONB:
                return text;
            case BYTEA:
                return bytea(text);
            case UUID:
                return uuid(text);
            case DATE:
                return PgDateTime.parseDate(text);
            case TIME:
                return PgDateTime.parseTime(text);
            case TIMESTAMP:
                return PgDateTime.parseTimestamp(text);
            case TIMESTAMPTZ:
                return PgDateTime.parseTimestamptz(text);
            default:
                if (type.isArray()) {
                    return array(type.element(), TextArrays.parse(text));
                }
                throw new IllegalStateException("no text decoder for " + type);
        }
    }

    private static Boolean bool(String text) {
        switch (text) {
            case "t":
            case "true":
                return Boolean.TRUE;
            case "f":
            case "false":
                return Boolean.FALSE;
            default:
                throw new IllegalArgumentException("'" + Strings.abbreviate(text, 16) + "' is not a bool (t or f)");
        }
    }

    /** NaN and the infinities, which {@code BigDecimal} cannot hold, stay Strings. */
    private static Object numeric(String text) {
        switch (text) {
            case "NaN":
            case "Infinity":
            case "-Infinity":
                return text;
            default:
                return new BigDecimal(text);
        }
    }

    /** The {@code hex} output ({@code \x0a0b}) or the older {@code escape} output. */
    static byte[] bytea(String text) {
        if (text.startsWith("\\x")) {
            int digits = text.length() - 2;
            if (digits % 2 != 0) {
                throw new IllegalArgumentException("bytea hex text has an odd number of digits");
            }
            byte[] bytes = new byte[digits / 2];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (hexDigit(text.charAt(2 + 2 * i)) << 4 | hexDigit(text.charAt(3 + 2 * i)));
            }
            return bytes;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                if (c > 0x7F) {
                    throw new IllegalArgumentException("bytea escape text has the non-ASCII character U+"
                            + Integer.toHexString(c));
                }
                out.write(c);
            } else if (i + 1 < text.length() && text.charAt(i + 1) == '\\') {
                out.write('\\');
                i++;
            } else if (i + 3 < text.length() && isOctal(text.charAt(i + 1)) && isOctal(text.charAt(i + 2))
                    && isOctal(text.charAt(i + 3)) && text.charAt(i + 1) <= '3') {
                out.write((text.charAt(i + 1) - '0') << 6 | (text.charAt(i + 2) - '0') << 3 | text.charAt(i + 3) - '0');
                i += 3;
            } else {
                throw new IllegalArgumentException("bytea escape text has a stray backslash at position " + i);
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }

    private static int hexDigit(char c) {
        int digit = Character.digit(c, 16);
        if (digit < 0 || c > 'f') {
            throw new IllegalArgumentException("'" + c + "' is not a hex digit");
        }
        return digit;
    }

    /** Only the canonical 8-4-4-4-12 form that {@code uuid_out} prints. */
    private static UUID uuid(String text) {
        if (text.length() != 36 || text.charAt(8) != '-' || text.charAt(13) != '-' || text.charAt(18) != '-'
                || text.charAt(23) != '-') {
            throw new IllegalArgumentException("'" + Strings.abbreviate(text, 40) + "' is not a uuid");
        }
        long high = 0;
        long low = 0;
        int digits = 0;
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                continue;
            }
            int digit = hexDigit(text.charAt(i));
            if (digits++ < 16) {
                high = high << 4 | digit;
            } else {
                low = low << 4 | digit;
            }
        }
        return new UUID(high, low);
    }

    private static List<Object> array(PgType element, List<Object> texts) {
        List<Object> values = new ArrayList<>(texts.size());
        for (Object text : texts) {
            if (text == null) {
                values.add(null);
            } else if (text instanceof List<?> nested) {
                @SuppressWarnings("unchecked")
                List<Object> inner = (List<Object>) nested;
                values.add(array(element, inner));
            } else {
                values.add(decode(element, (String) text));
            }
        }
        return Collections.unmodifiableList(values);
    }
}
