package io.github.pgrepl.pgoutput;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes pgoutput messages for tests, field by field, big-endian as on the wire. */
final class Wire {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Wire message(char type) {
        return new Wire().int8(type);
    }

    static Wire bytesOf() {
        return new Wire();
    }

    Wire int8(int value) {
        out.write(value);
        return this;
    }

    Wire int16(int value) {
        return int8(value >>> 8).int8(value);
    }

    Wire int32(int value) {
        return int16(value >>> 16).int16(value);
    }

    Wire int64(long value) {
        return int32((int) (value >>> 32)).int32((int) value);
    }

    /** A NUL-terminated UTF-8 string. */
    Wire string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8)).int8(0);
    }

    Wire bytes(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    /** A TupleData whose values are {@link #NULL}, {@link #TOAST}, Strings (text) or byte[] (binary). */
    Wire tuple(Object... values) {
        int16(values.length);
        for (Object value : values) {
            if (value == NULL) {
                int8('n');
            } else if (value == TOAST) {
                int8('u');
            } else if (value instanceof String text) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                int8('t').int32(bytes.length).bytes(bytes);
            } else {
                byte[] bytes = (byte[]) value;
                int8('b').int32(bytes.length).bytes(bytes);
            }
        }
        return this;
    }

    static final Object NULL = new Object();
    static final Object TOAST = new Object();

    byte[] toArray() {
        return out.toByteArray();
    }

    ByteBuffer buffer() {
        return ByteBuffer.wrap(toArray());
    }

    /** A direct buffer, as a pooled Netty buffer's view would be, placed after some other bytes. */
    ByteBuffer directBuffer() {
        byte[] bytes = toArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 7);
        direct.put(new byte[] {9, 9, 9}).put(bytes).put(new byte[] {8, 8, 8, 8});
        direct.position(3).limit(3 + bytes.length);
        return direct.slice().position(0);
    }
}
