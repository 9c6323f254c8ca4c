package io.github.pgrepl.pgoutput.internal;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * PostgreSQL's date and time representations, in both directions.
 *
 * <p>Binary values count from the PostgreSQL epoch 2000-01-01 (days for {@code date},
 * microseconds for the timestamps). Text values are in the ISO {@code DateStyle} that a walsender
 * uses unless the connection overrides it: {@code 2024-01-31 12:34:56.123456+05:30}, with
 * {@code " BC"} after everything for years before 1, and the words {@code infinity} and
 * {@code -infinity}.
 *
 * <p>Infinities map to the extremes of the Java types: {@link LocalDate#MAX}/{@link LocalDate#MIN},
 * {@link LocalDateTime#MAX}/{@link LocalDateTime#MIN}, {@link OffsetDateTime#MAX}/{@link
 * OffsetDateTime#MIN} (and {@link Instant#MAX}/{@link Instant#MIN}). {@code time '24:00:00'},
 * which {@code LocalTime} cannot hold, maps to {@link LocalTime#MAX}.
 */
public final class PgDateTime {

    /** Seconds from 1970-01-01 to 2000-01-01. */
    public static final long PG_EPOCH_SECONDS = 946_684_800L;
    private static final long PG_EPOCH_DAY = 10_957L;
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private PgDateTime() {
    }

    // ---- binary ----

    /** A server timestamp (commit time etc.) in microseconds since 2000-01-01. */
    public static Instant instant(long pgMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(pgMicros, 1_000_000L) + PG_EPOCH_SECONDS,
                Math.floorMod(pgMicros, 1_000_000L) * 1_000L);
    }

    public static LocalDate date(int pgDays) {
        if (pgDays == Integer.MAX_VALUE) {
            return LocalDate.MAX;
        }
        if (pgDays == Integer.MIN_VALUE) {
            return LocalDate.MIN;
        }
        return LocalDate.ofEpochDay(pgDays + PG_EPOCH_DAY);
    }

    public static LocalTime time(long micros) {
        if (micros == MICROS_PER_DAY) {
            return LocalTime.MAX;
        }
        if (micros < 0 || micros > MICROS_PER_DAY) {
            throw new IllegalArgumentException("time of " + micros + " microseconds is outside 00:00:00..24:00:00");
        }
        return LocalTime.ofNanoOfDay(micros * 1_000L);
    }

    public static LocalDateTime timestamp(long pgMicros) {
        if (pgMicros == Long.MAX_VALUE) {
            return LocalDateTime.MAX;
        }
        if (pgMicros == Long.MIN_VALUE) {
            return LocalDateTime.MIN;
        }
        return LocalDateTime.ofEpochSecond(Math.floorDiv(pgMicros, 1_000_000L) + PG_EPOCH_SECONDS,
                (int) Math.floorMod(pgMicros, 1_000_000L) * 1_000, ZoneOffset.UTC);
    }

    /** A {@code timestamptz}, which holds an instant: the result is always at offset UTC. */
    public static OffsetDateTime timestamptz(long pgMicros) {
        if (pgMicros == Long.MAX_VALUE) {
            return OffsetDateTime.MAX;
        }
        if (pgMicros == Long.MIN_VALUE) {
            return OffsetDateTime.MIN;
        }
        return timestamp(pgMicros).atOffset(ZoneOffset.UTC);
    }

    public static Instant toInstant(OffsetDateTime value) {
        if (value.equals(OffsetDateTime.MAX)) {
            return Instant.MAX;
        }
        if (value.equals(OffsetDateTime.MIN)) {
            return Instant.MIN;
        }
        return value.toInstant();
    }

    // ---- text in ----

    public static LocalDate parseDate(String text) {
        if (text.equals("infinity")) {
            return LocalDate.MAX;
        }
        if (text.equals("-infinity")) {
            return LocalDate.MIN;
        }
        Cursor in = new Cursor(text);
        boolean bc = in.stripSuffix(" BC");
        LocalDate date = in.date(bc);
        in.end();
        return date;
    }

    public static LocalTime parseTime(String text) {
        Cursor in = new Cursor(text);
        LocalTime time = in.time();
        in.end();
        return time;
    }

    public static LocalDateTime parseTimestamp(String text) {
        if (text.equals("infinity")) {
            return LocalDateTime.MAX;
        }
        if (text.equals("-infinity")) {
            return LocalDateTime.MIN;
        }
        Cursor in = new Cursor(text);
        boolean bc = in.stripSuffix(" BC");
        LocalDate date = in.date(bc);
        in.expect(' ');
        LocalTime time = in.time();
        in.end();
        return at(date, time);
    }

    /** Parses the server's text and normalizes it to UTC, as the binary form is. */
    public static OffsetDateTime parseTimestamptz(String text) {
        if (text.equals("infinity")) {
            return OffsetDateTime.MAX;
        }
        if (text.equals("-infinity")) {
            return OffsetDateTime.MIN;
        }
        Cursor in = new Cursor(text);
        boolean bc = in.stripSuffix(" BC");
        LocalDate date = in.date(bc);
        in.expect(' ');
        LocalTime time = in.time();
        ZoneOffset offset = in.offset();
        in.end();
        return at(date, time).atOffset(offset).withOffsetSameInstant(ZoneOffset.UTC);
    }

    /** The server never prints 24:00:00 in a timestamp, but it would mean the next midnight. */
    private static LocalDateTime at(LocalDate date, LocalTime time) {
        return time == LocalTime.MAX ? date.plusDays(1).atStartOfDay() : date.atTime(time);
    }

    // ---- text out ----

    public static String formatDate(LocalDate date) {
        if (date.equals(LocalDate.MAX)) {
            return "infinity";
        }
        if (date.equals(LocalDate.MIN)) {
            return "-infinity";
        }
        StringBuilder out = new StringBuilder(16);
        appendDate(out, date);
        return appendEra(out, date.getYear()).toString();
    }

    public static String formatTime(LocalTime time) {
        if (time.equals(LocalTime.MAX)) {
            return "24:00:00";
        }
        return appendTime(new StringBuilder(16), time).toString();
    }

    public static String formatTimestamp(LocalDateTime value) {
        if (value.equals(LocalDateTime.MAX)) {
            return "infinity";
        }
        if (value.equals(LocalDateTime.MIN)) {
            return "-infinity";
        }
        StringBuilder out = new StringBuilder(32);
        appendDate(out, value.toLocalDate());
        appendTime(out.append(' '), value.toLocalTime());
        return appendEra(out, value.getYear()).toString();
    }

    /** As the server prints a timestamptz with {@code TimeZone = 'UTC'}. */
    public static String formatTimestamptz(OffsetDateTime value) {
        if (value.equals(OffsetDateTime.MAX)) {
            return "infinity";
        }
        if (value.equals(OffsetDateTime.MIN)) {
            return "-infinity";
        }
        LocalDateTime utc = value.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        StringBuilder out = new StringBuilder(32);
        appendDate(out, utc.toLocalDate());
        appendTime(out.append(' '), utc.toLocalTime()).append("+00");
        return appendEra(out, utc.getYear()).toString();
    }

    private static void appendDate(StringBuilder out, LocalDate date) {
        int year = date.getYear();
        pad(out, year > 0 ? year : 1 - year, 4).append('-');
        pad(out, date.getMonthValue(), 2).append('-');
        pad(out, date.getDayOfMonth(), 2);
    }

    private static StringBuilder appendEra(StringBuilder out, int year) {
        return year > 0 ? out : out.append(" BC");
    }

    private static StringBuilder appendTime(StringBuilder out, LocalTime time) {
        pad(out, time.getHour(), 2).append(':');
        pad(out, time.getMinute(), 2).append(':');
        pad(out, time.getSecond(), 2);
        int micros = time.getNano() / 1_000;
        if (micros != 0) {
            // The server prints up to six fraction digits and drops trailing zeros.
            String fraction = Integer.toString(1_000_000 + micros).substring(1);
            int length = fraction.length();
            while (fraction.charAt(length - 1) == '0') {
                length--;
            }
            out.append('.').append(fraction, 0, length);
        }
        return out;
    }

    private static StringBuilder pad(StringBuilder out, long value, int width) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    /** A strict left-to-right reader of the ISO forms; anything unexpected is an error. */
    private static final class Cursor {
        private final String text;
        private int position;
        private int end;

        Cursor(String text) {
            this.text = text;
            this.end = text.length();
        }

        boolean stripSuffix(String suffix) {
            if (text.endsWith(suffix)) {
                end -= suffix.length();
                return true;
            }
            return false;
        }

        LocalDate date(boolean bc) {
            int digitsStart = position;
            long year = number(9);
            if (position - digitsStart < 4) {
                throw invalid("a year of at least 4 digits");
            }
            expect('-');
            int month = fixed(2);
            expect('-');
            int day = fixed(2);
            if (bc) {
                if (year == 0) {
                    throw invalid("a year other than 0 BC");
                }
                year = 1 - year;
            }
            return LocalDate.of((int) year, month, day);
        }

        LocalTime time() {
            int hour = fixed(2);
            expect(':');
            int minute = fixed(2);
            expect(':');
            int second = fixed(2);
            int nanos = 0;
            if (position < end && text.charAt(position) == '.') {
                position++;
                int digitsStart = position;
                long fraction = number(9);
                int digits = position - digitsStart;
                for (int i = digits; i < 9; i++) {
                    fraction *= 10;
                }
                nanos = (int) fraction;
            }
            if (hour == 24 && minute == 0 && second == 0 && nanos == 0) {
                return LocalTime.MAX;
            }
            return LocalTime.of(hour, minute, second, nanos);
        }

        /** {@code +HH}, {@code +HH:MM} or {@code +HH:MM:SS}, as the server prints UTC offsets. */
        ZoneOffset offset() {
            if (position >= end) {
                throw invalid("a UTC offset like +00 or -03:30");
            }
            char sign = text.charAt(position++);
            if (sign != '+' && sign != '-') {
                throw invalid("a UTC offset starting with + or -");
            }
            int seconds = fixed(2) * 3600;
            if (position < end && text.charAt(position) == ':') {
                position++;
                seconds += fixed(2) * 60;
                if (position < end && text.charAt(position) == ':') {
                    position++;
                    seconds += fixed(2);
                }
            }
            return ZoneOffset.ofTotalSeconds(sign == '-' ? -seconds : seconds);
        }

        void expect(char c) {
            if (position >= end || text.charAt(position) != c) {
                throw invalid("'" + c + "'");
            }
            position++;
        }

        void end() {
            if (position != end) {
                throw invalid("the end of the value");
            }
        }

        private int fixed(int digits) {
            int from = position;
            long value = number(digits);
            if (position - from != digits) {
                throw invalid(digits + " digits");
            }
            return (int) value;
        }

        private long number(int maxDigits) {
            long value = 0;
            int from = position;
            while (position < end && position - from < maxDigits) {
                char c = text.charAt(position);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                position++;
            }
            if (position == from) {
                throw invalid("a digit");
            }
            return value;
        }

        private IllegalArgumentException invalid(String expected) {
            return new IllegalArgumentException("expected " + expected + " at position " + position + " of '"
                    + Strings.abbreviate(text, 64) + "'");
        }
    }
}
