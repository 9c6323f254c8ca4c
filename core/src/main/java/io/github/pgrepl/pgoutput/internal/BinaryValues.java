package io.github.pgrepl.pgoutput.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Converts values in PostgreSQL's binary format (each type's {@code *send} function, as pgoutput
 * sends with {@code binary 'true'}) to the same Java values as {@link TextValues}.
 *
 * <p>Every length is checked before it is used; a value that does not fit its type fails with an
 * {@link IllegalArgumentException} that the caller turns into a {@code DecodeException}.
 */
public final class BinaryValues {

    private static final int NUMERIC_POS = 0x0000;
    private static final int NUMERIC_NEG = 0x4000;
    private static final int NUMERIC_NAN = 0xC000;
    private static final int NUMERIC_PINF = 0xD000;
    private static final int NUMERIC_NINF = 0xF000;
    private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);

    private BinaryValues() {
    }

    public static Object decode(PgType type, byte[] data, int offset, int length) {
        return decode(type, data, offset, length, TypeResolver.BUILT_IN);
    }

    /** As {@link #decode(PgType, byte[], int, int)}, with array elements of domains and enums resolved. */
    public static Object decode(PgType type, byte[] data, int offset, int length, TypeResolver types) {
        if (type.isTextOnly()) {
            return BinaryText.format(type, data, offset, length);
        }
        switch (type) {
            case BOOL:
                expectLength(type, length, 1);
                return data[offset] != 0;
            case INT2:
                expectLength(type, length, 2);
                return (short) int16(data, offset);
            case INT4:
                expectLength(type, length, 4);
                return int32(data, offset);
            case INT8:
                expectLength(type, length, 8);
                return int64(data, offset);
            case FLOAT4:
                expectLength(type, length, 4);
                return Float.intBitsToFloat(int32(data, offset));
            case FLOAT8:
                expectLength(type, length, 8);
                return Double.longBitsToDouble(int64(data, offset));
            case NUMERIC:
                return numeric(data, offset, length);
            case TEXT:
            case VARCHAR:
            case BPCHAR:
            case NAME:
            case JSON:
                return new String(data, offset, length, StandardCharsets.UTF_8);
            case JSONB:
                // jsonb_send prefixes the text with a format version, 1 in every release so far.
                if (length < 1 || data[offset] != 1) {
                    throw new IllegalArgumentException("jsonb value does not start with format version 1");
                }
                return new String(data, offset + 1, length - 1, StandardCharsets.UTF_8);
            case BYTEA:
                return Arrays.copyOfRange(data, offset, offset + length);
            case UUID:
                expectLength(type, length, 16);
                return new java.util.UUID(int64(data, offset), int64(data, offset + 8));
            case DATE:
                expectLength(type, length, 4);
                return PgDateTime.date(int32(data, offset));
            case TIME:
                expectLength(type, length, 8);
                return PgDateTime.time(int64(data, offset));
            case TIMESTAMP:
                expectLength(type, length, 8);
                return PgDateTime.timestamp(int64(data, offset));
            case TIMESTAMPTZ:
                expectLength(type, length, 8);
                return PgDateTime.timestamptz(int64(data, offset));
            default:
                if (type.isArray()) {
                    return BinaryArrays.decode(type, data, offset, length, types);
                }
                throw new IllegalStateException("no binary decoder for " + type);
        }
    }

    /**
     * {@code numeric_send}: int16 digit count, int16 weight (of the first digit, in powers of
     * 10000), int16 sign, int16 display scale, then base-10000 digits. The special values come
     * back as the Strings {@code NaN}, {@code Infinity} and {@code -Infinity}, as from text.
     */
    private static Object numeric(byte[] data, int offset, int length) {
        if (length < 8) {
            throw new IllegalArgumentException("numeric value of " + length + " bytes is shorter than its 8-byte header");
        }
        int digitCount = int16(data, offset);
        int weight = (short) int16(data, offset + 2);
        int sign = int16(data, offset + 4);
        int displayScale = int16(data, offset + 6);
        if (digitCount < 0 || length != 8 + 2 * digitCount) {
            throw new IllegalArgumentException("numeric value of " + length + " bytes cannot hold " + digitCount + " digits");
        }
        switch (sign) {
            case NUMERIC_NAN:
                return "NaN";
            case NUMERIC_PINF:
                return "Infinity";
            case NUMERIC_NINF:
                return "-Infinity";
            case NUMERIC_POS:
            case NUMERIC_NEG:
                break;
            default:
                throw new IllegalArgumentException("numeric sign 0x" + Integer.toHexString(sign) + " is unknown");
        }
        if (displayScale > 0x3FFF) {
            throw new IllegalArgumentException("numeric display scale " + displayScale + " is out of range");
        }
        BigInteger unscaled = BigInteger.ZERO;
        long chunk = 0;
        int chunkDigits = 0;
        for (int i = 0; i < digitCount; i++) {
            int digit = int16(data, offset + 8 + 2 * i);
            if (digit > 9999) {
                throw new IllegalArgumentException("numeric digit " + digit + " is not base 10000");
            }
            // Four base-10000 digits at a time fit a long, which saves most BigInteger work.
            chunk = chunk * 10_000 + digit;
            if (++chunkDigits == 4) {
                unscaled = unscaled.multiply(TEN_THOUSAND.pow(4)).add(BigInteger.valueOf(chunk));
                chunk = 0;
                chunkDigits = 0;
            }
        }
        if (chunkDigits > 0) {
            unscaled = unscaled.multiply(TEN_THOUSAND.pow(chunkDigits)).add(BigInteger.valueOf(chunk));
        }
        // The last digit stands for 10000^(weight - digitCount + 1).
        int scale = (digitCount - 1 - weight) * 4;
        BigDecimal value = new BigDecimal(sign == NUMERIC_NEG ? unscaled.negate() : unscaled, scale);
        try {
            return value.setScale(displayScale);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("numeric has digits beyond its display scale " + displayScale);
        }
    }

    private static void expectLength(PgType type, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(type.typeName() + " value must be " + expected + " bytes, not " + length);
        }
    }

    static int int16(byte[] data, int offset) {
        return (data[offset] & 0xFF) << 8 | data[offset + 1] & 0xFF;
    }

    static int int32(byte[] data, int offset) {
        return (data[offset] & 0xFF) << 24 | (data[offset + 1] & 0xFF) << 16 | (data[offset + 2] & 0xFF) << 8
                | data[offset + 3] & 0xFF;
    }

    static long int64(byte[] data, int offset) {
        return (long) int32(data, offset) << 32 | int32(data, offset + 4) & 0xFFFFFFFFL;
    }
}
