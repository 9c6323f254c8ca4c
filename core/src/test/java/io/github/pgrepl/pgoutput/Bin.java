package io.github.pgrepl.pgoutput;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Binary ({@code *send}) encodings of test values, written from the format descriptions. */
final class Bin {

    private Bin() {
    }

    static byte[] bool(boolean value) {
        return new byte[] {(byte) (value ? 1 : 0)};
    }

    static byte[] int2(int value) {
        return ByteBuffer.allocate(2).putShort((short) value).array();
    }

    static byte[] int4(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    static byte[] int8(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    static byte[] float4(float value) {
        return ByteBuffer.allocate(4).putFloat(value).array();
    }

    static byte[] float8(double value) {
        return ByteBuffer.allocate(8).putDouble(value).array();
    }

    static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** numeric: digit count, weight, sign, display scale, base-10000 digits. */
    static byte[] numeric(int weight, int sign, int displayScale, int... digits) {
        ByteBuffer out = ByteBuffer.allocate(8 + 2 * digits.length);
        out.putShort((short) digits.length).putShort((short) weight).putShort((short) sign).putShort((short) displayScale);
        for (int digit : digits) {
            out.putShort((short) digit);
        }
        return out.array();
    }

    /** A binary array: dims as (size, lower bound) pairs, elements as byte[] or null. */
    static byte[] array(int elementOid, int[] dims, byte[]... elements) {
        Wire out = Wire.bytesOf().int32(dims.length / 2);
        boolean hasNull = false;
        for (byte[] element : elements) {
            hasNull |= element == null;
        }
        out.int32(hasNull ? 1 : 0).int32(elementOid);
        for (int dim : dims) {
            out.int32(dim);
        }
        for (byte[] element : elements) {
            if (element == null) {
                out.int32(-1);
            } else {
                out.int32(element.length).bytes(element);
            }
        }
        return out.toArray();
    }

    static int[] dims(int... sizesAndBounds) {
        return sizesAndBounds;
    }
}
