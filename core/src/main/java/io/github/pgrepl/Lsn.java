package io.github.pgrepl;

/**
 * A PostgreSQL log sequence number: an unsigned 64-bit position in the write-ahead log, written
 * {@code XXXXXXXX/XXXXXXXX} (the high and low 32 bits in hex).
 *
 * <p>Ordering is unsigned, as the server's: {@code FFFFFFFF/FFFFFFFF} is the largest position.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** The invalid position {@code 0/0}: "nothing yet". */
    public static final Lsn ZERO = new Lsn(0L);

    /** The largest position, {@code FFFFFFFF/FFFFFFFF}. */
    public static final Lsn MAX = new Lsn(-1L);

    public static Lsn of(long value) {
        return value == 0L ? ZERO : new Lsn(value);
    }

    /**
     * Parses the server's text form, as {@code pg_current_wal_lsn()} prints it.
     *
     * @throws IllegalArgumentException when {@code text} is not two hex numbers of one to eight
     *     digits each, separated by {@code /}
     */
    public static Lsn parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("LSN must not be null; expected the form 16/B374D848");
        }
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw invalid(text);
        }
        long high = parsePart(text, 0, slash);
        long low = parsePart(text, slash + 1, text.length());
        return of(high << 32 | low);
    }

    private static long parsePart(String text, int from, int to) {
        int length = to - from;
        if (length < 1 || length > 8) {
            throw invalid(text);
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                throw invalid(text);
            }
            value = value << 4 | digit;
        }
        return value;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("Invalid LSN '" + text
                + "': expected two hex numbers of 1 to 8 digits separated by '/', like 16/B374D848");
    }

    public boolean isZero() {
        return value == 0L;
    }

    /** This position plus {@code bytes} (the LSN of the byte after a message of that length). */
    public Lsn plus(long bytes) {
        return of(value + bytes);
    }

    /** Bytes from {@code other} up to this position; negative when {@code other} is ahead. */
    public long minus(Lsn other) {
        return value - other.value;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + '/' + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
