package io.github.pgrepl.pgoutput.internal;

/**
 * The text of built-in types that pgrepl leaves as text ({@link PgType#isTextOnly()}), printed from their binary
 * form exactly as their output functions print them (with the session settings pgrepl pins, e.g.
 * {@code IntervalStyle=postgres}), so that a binary column reads as the same text as a text one.
 *
 * <p>Lengths are checked before use; a value that does not fit its type fails with an
 * {@link IllegalArgumentException}.
 */
final class BinaryText {

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final long MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;
    private static final long MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE;
    private static final int PGSQL_AF_INET = 2;
    private static final int PGSQL_AF_INET6 = 3;

    private BinaryText() {
    }

    static String format(PgType type, byte[] data, int offset, int length) {
        switch (type) {
            case OID:
            case XID:
            case CID:
                expectLength(type, length, 4);
                return Integer.toUnsignedString(BinaryValues.int32(data, offset));
            case XID8:
                expectLength(type, length, 8);
                return Long.toUnsignedString(BinaryValues.int64(data, offset));
            case CHAR:
                expectLength(type, length, 1);
                return character(data[offset]);
            case PG_LSN:
                expectLength(type, length, 8);
                long lsn = BinaryValues.int64(data, offset);
                return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
            case INTERVAL:
                expectLength(type, length, 16);
                return interval(BinaryValues.int64(data, offset), BinaryValues.int32(data, offset + 8),
                        BinaryValues.int32(data, offset + 12));
            case TIMETZ:
                expectLength(type, length, 12);
                return timetz(BinaryValues.int64(data, offset), BinaryValues.int32(data, offset + 8));
            case MACADDR:
                expectLength(type, length, 6);
                return mac(data, offset, 6);
            case MACADDR8:
                expectLength(type, length, 8);
                return mac(data, offset, 8);
            case BIT:
            case VARBIT:
                return bits(data, offset, length);
            case INET:
                return network(data, offset, length, false);
            case CIDR:
                return network(data, offset, length, true);
            default:
                throw new IllegalStateException("no binary text for " + type);
        }
    }

    /** {@code charout} (PostgreSQL 15+): a byte with the high bit set as a backslash and three octal digits. */
    private static String character(byte value) {
        int unsigned = value & 0xFF;
        if (unsigned >= 0x80) {
            return "\\" + (unsigned >> 6) + ((unsigned >> 3) & 7) + (unsigned & 7);
        }
        return unsigned == 0 ? "" : String.valueOf((char) unsigned);
    }

    /** {@code interval_out} with {@code IntervalStyle=postgres}: {@code 1 year 2 mons -3 days +04:05:06.5}. */
    static String interval(long time, int days, int months) {
        if (months == Integer.MAX_VALUE && days == Integer.MAX_VALUE && time == Long.MAX_VALUE) {
            return "infinity"; // PostgreSQL 17+
        }
        if (months == Integer.MIN_VALUE && days == Integer.MIN_VALUE && time == Long.MIN_VALUE) {
            return "-infinity";
        }
        long hours = time / MICROS_PER_HOUR; // C's division, toward zero, as interval2itm
        long rest = time - hours * MICROS_PER_HOUR;
        long minutes = rest / MICROS_PER_MINUTE;
        rest -= minutes * MICROS_PER_MINUTE;
        long seconds = rest / MICROS_PER_SECOND;
        long micros = rest - seconds * MICROS_PER_SECOND;
        StringBuilder out = new StringBuilder();
        boolean[] zeroAndBefore = {true, false}; // nothing printed yet; the last part printed was negative
        addPart(out, months / 12, "year", zeroAndBefore);
        addPart(out, months % 12, "mon", zeroAndBefore);
        addPart(out, days, "day", zeroAndBefore);
        boolean zero = zeroAndBefore[0];
        if (zero || hours != 0 || minutes != 0 || seconds != 0 || micros != 0) {
            boolean minus = hours < 0 || minutes < 0 || seconds < 0 || micros < 0;
            out.append(zero ? "" : " ").append(minus ? "-" : zeroAndBefore[1] ? "+" : "");
            twoDigits(out, Math.abs(hours)).append(':');
            twoDigits(out, Math.abs(minutes)).append(':');
            seconds(out, Math.abs(seconds), Math.abs(micros));
        }
        return out.toString();
    }

    /** AddPostgresIntPart: a nonzero part, with a '+' after a negative one. */
    private static void addPart(StringBuilder out, long value, String unit, boolean[] zeroAndBefore) {
        if (value == 0) {
            return;
        }
        out.append(zeroAndBefore[0] ? "" : " ").append(zeroAndBefore[1] && value > 0 ? "+" : "").append(value).append(' ')
                .append(unit).append(value != 1 ? "s" : "");
        zeroAndBefore[1] = value < 0;
        zeroAndBefore[0] = false;
    }

    /** {@code timetz_out}: {@code 12:34:56.789+05:30}; the zone is in seconds west of UTC. */
    private static String timetz(long micros, int zoneSecondsWest) {
        StringBuilder out = new StringBuilder(24);
        long hours = micros / MICROS_PER_HOUR;
        long rest = micros - hours * MICROS_PER_HOUR;
        long minutes = rest / MICROS_PER_MINUTE;
        rest -= minutes * MICROS_PER_MINUTE;
        twoDigits(out, hours).append(':');
        twoDigits(out, minutes).append(':');
        seconds(out, rest / MICROS_PER_SECOND, rest % MICROS_PER_SECOND);
        int west = Math.abs(zoneSecondsWest);
        int zoneMinutes = west / 60;
        int zoneSeconds = west - zoneMinutes * 60;
        int zoneHours = zoneMinutes / 60;
        zoneMinutes -= zoneHours * 60;
        out.append(zoneSecondsWest <= 0 ? '+' : '-');
        twoDigits(out, zoneHours);
        if (zoneSeconds != 0 || zoneMinutes != 0) {
            twoDigits(out.append(':'), zoneMinutes);
        }
        if (zoneSeconds != 0) {
            twoDigits(out.append(':'), zoneSeconds);
        }
        return out.toString();
    }

    private static StringBuilder twoDigits(StringBuilder out, long value) {
        return out.append(value < 10 ? "0" : "").append(value);
    }

    /** AppendSeconds: two digits, then the microseconds without trailing zeros. */
    private static void seconds(StringBuilder out, long seconds, long micros) {
        twoDigits(out, seconds);
        if (micros != 0) {
            String fraction = Long.toString(1_000_000 + micros).substring(1);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(fraction, 0, end);
        }
    }

    private static String mac(byte[] data, int offset, int length) {
        StringBuilder out = new StringBuilder(3 * length);
        for (int i = 0; i < length; i++) {
            int value = data[offset + i] & 0xFF;
            out.append(i == 0 ? "" : ":").append(Character.forDigit(value >> 4, 16)).append(Character.forDigit(value & 0xF, 16));
        }
        return out.toString();
    }

    /** {@code bit_send}: an int32 bit count, then the bits, most significant first. */
    private static String bits(byte[] data, int offset, int length) {
        if (length < 4) {
            throw new IllegalArgumentException("bit value of " + length + " bytes is shorter than its 4-byte length");
        }
        int count = BinaryValues.int32(data, offset);
        if (count < 0 || (count + 7L) / 8 != length - 4) {
            throw new IllegalArgumentException("bit value of " + count + " bits does not fit " + (length - 4) + " bytes");
        }
        StringBuilder out = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            out.append((data[offset + 4 + i / 8] >> (7 - i % 8) & 1) == 0 ? '0' : '1');
        }
        return out.toString();
    }

    /** {@code network_send}: family, bits, is_cidr, address length, address; printed as {@code inet_net_ntop}. */
    private static String network(byte[] data, int offset, int length, boolean cidr) {
        if (length < 4) {
            throw new IllegalArgumentException("inet value of " + length + " bytes is shorter than its 4-byte header");
        }
        int family = data[offset];
        int bits = data[offset + 1] & 0xFF;
        int size = data[offset + 3] & 0xFF;
        boolean v4 = family == PGSQL_AF_INET;
        if (!v4 && family != PGSQL_AF_INET6 || size != (v4 ? 4 : 16) || length != 4 + size || bits > size * 8) {
            throw new IllegalArgumentException("inet value of family " + family + ", " + bits + " bits, " + size
                    + " address bytes in " + length + " bytes is malformed");
        }
        String text = v4 ? ipv4(data, offset + 4) : ipv6(data, offset + 4);
        int maximum = size * 8;
        return bits != maximum || cidr ? text + "/" + bits : text;
    }

    private static String ipv4(byte[] data, int offset) {
        return (data[offset] & 0xFF) + "." + (data[offset + 1] & 0xFF) + "." + (data[offset + 2] & 0xFF) + "."
                + (data[offset + 3] & 0xFF);
    }

    /** inet_net_ntop_ipv6: the longest run (two or more) of zero words as "::", an embedded IPv4 address dotted. */
    private static String ipv6(byte[] data, int offset) {
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (data[offset + 2 * i] & 0xFF) << 8 | data[offset + 2 * i + 1] & 0xFF;
        }
        int bestBase = -1;
        int bestLength = 0;
        int base = -1;
        for (int i = 0; i <= 8; i++) {
            if (i < 8 && words[i] == 0) {
                if (base == -1) {
                    base = i;
                }
            } else if (base != -1) {
                if (bestBase == -1 || i - base > bestLength) {
                    bestBase = base;
                    bestLength = i - base;
                }
                base = -1;
            }
        }
        if (bestBase != -1 && bestLength < 2) {
            bestBase = -1;
        }
        StringBuilder out = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (bestBase != -1 && i >= bestBase && i < bestBase + bestLength) {
                if (i == bestBase) {
                    out.append(':');
                }
                continue;
            }
            if (i != 0) {
                out.append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLength == 6 || bestLength == 7 && words[7] != 1
                    || bestLength == 5 && words[5] == 0xFFFF)) {
                out.append(ipv4(data, offset + 12));
                return out.toString();
            }
            out.append(Integer.toHexString(words[i]));
        }
        if (bestBase != -1 && bestBase + bestLength == 8) {
            out.append(':');
        }
        return out.toString();
    }

    private static void expectLength(PgType type, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(type.typeName() + " value must be " + expected + " bytes, not " + length);
        }
    }
}
