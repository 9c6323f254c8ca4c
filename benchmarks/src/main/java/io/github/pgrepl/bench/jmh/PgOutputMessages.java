package io.github.pgrepl.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * pgoutput messages as the server sends them for the harness's table {@code bench_rows (id bigint,
 * account int, amount numeric(12,2), note text, created timestamptz)}, in text and in binary.
 */
final class PgOutputMessages {

    static final int RELATION_OID = 16_385;
    private static final int[] TYPES = {20, 23, 1700, 25, 1184};
    private static final String[] NAMES = {"id", "account", "amount", "note", "created"};

    private PgOutputMessages() {
    }

    static ByteBuffer relation() {
        ByteBuffer out = ByteBuffer.allocate(256);
        out.put((byte) 'R').putInt(RELATION_OID);
        cString(out, "public");
        cString(out, "bench_rows");
        out.put((byte) 'd').putShort((short) TYPES.length);
        for (int i = 0; i < TYPES.length; i++) {
            out.put((byte) (i == 0 ? 1 : 0));
            cString(out, NAMES[i]);
            out.putInt(TYPES[i]).putInt(-1);
        }
        return out.flip();
    }

    static ByteBuffer begin() {
        return ByteBuffer.allocate(21).put((byte) 'B').putLong(0x1_6B37_4D48L).putLong(817_000_000_000_000L).putInt(7_123)
                .flip();
    }

    static ByteBuffer commit() {
        return ByteBuffer.allocate(26).put((byte) 'C').put((byte) 0).putLong(0x1_6B37_4D48L).putLong(0x1_6B37_4D80L)
                .putLong(817_000_000_000_000L).flip();
    }

    static ByteBuffer insert(boolean binary) {
        ByteBuffer out = ByteBuffer.allocate(256);
        out.put((byte) 'I').putInt(RELATION_OID).put((byte) 'N').putShort((short) TYPES.length);
        if (binary) {
            value(out, 'b', ByteBuffer.allocate(8).putLong(123_456L).array());
            value(out, 'b', ByteBuffer.allocate(4).putInt(456).array());
            // numeric 1234.56: two base-10000 digits, weight 0, positive, scale 2
            value(out, 'b', ByteBuffer.allocate(12).putShort((short) 2).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 2).putShort((short) 1234).putShort((short) 5600).array());
            value(out, 'b', "order 123456".getBytes(StandardCharsets.UTF_8));
            value(out, 'b', ByteBuffer.allocate(8).putLong(817_000_000_123_456L).array());
        } else {
            for (String text : new String[] {"123456", "456", "1234.56", "order 123456", "2025-11-24 18:00:00.123456+00"}) {
                value(out, 't', text.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.flip();
    }

    /** The CopyData payload that carries a message: the XLogData header, then the message. */
    static ByteBuffer xlogData(ByteBuffer message) {
        ByteBuffer out = ByteBuffer.allocate(25 + message.remaining());
        out.put((byte) 'w').putLong(0x1_6B37_4D48L).putLong(0x1_6B37_4D48L).putLong(817_000_000_000_000L)
                .put(message.duplicate());
        return out.flip();
    }

    private static void value(ByteBuffer out, char kind, byte[] bytes) {
        out.put((byte) kind).putInt(bytes.length).put(bytes);
    }

    private static void cString(ByteBuffer out, String value) {
        out.put(value.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
    }
}
