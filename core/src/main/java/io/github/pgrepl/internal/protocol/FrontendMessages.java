package io.github.pgrepl.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Encoders for the client's messages of protocol 3.0. Each returns a buffer the caller writes (and so releases). */
public final class FrontendMessages {

    private static final int PROTOCOL_3_0 = 196608;
    private static final int SSL_REQUEST_CODE = 80877103;

    private FrontendMessages() {
    }

    public static ByteBuf sslRequest(ByteBufAllocator alloc) {
        return alloc.buffer(8).writeInt(8).writeInt(SSL_REQUEST_CODE);
    }

    public static ByteBuf startup(ByteBufAllocator alloc, Map<String, String> parameters) {
        ByteBuf out = alloc.buffer(256);
        out.writeInt(0).writeInt(PROTOCOL_3_0);
        parameters.forEach((name, value) -> {
            writeCString(out, name);
            writeCString(out, value);
        });
        out.writeByte(0);
        return out.setInt(0, out.readableBytes());
    }

    /** PasswordMessage carrying a cleartext or MD5 password. */
    public static ByteBuf password(ByteBufAllocator alloc, String password) {
        ByteBuf out = begin(alloc, 'p', 64);
        writeCString(out, password);
        return end(out);
    }

    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, byte[] data) {
        ByteBuf out = begin(alloc, 'p', 64 + data.length);
        writeCString(out, mechanism);
        out.writeInt(data.length).writeBytes(data);
        return end(out);
    }

    public static ByteBuf saslResponse(ByteBufAllocator alloc, byte[] data) {
        return end(begin(alloc, 'p', 5 + data.length).writeBytes(data));
    }

    public static ByteBuf query(ByteBufAllocator alloc, String sql) {
        ByteBuf out = begin(alloc, 'Q', 6 + ByteBufUtil.utf8MaxBytes(sql));
        writeCString(out, sql);
        return end(out);
    }

    public static ByteBuf copyData(ByteBufAllocator alloc, byte[] data) {
        return alloc.buffer(5 + data.length).writeByte('d').writeInt(4 + data.length).writeBytes(data);
    }

    public static ByteBuf copyDone(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('c').writeInt(4);
    }

    public static ByteBuf copyFail(ByteBufAllocator alloc, String reason) {
        ByteBuf out = begin(alloc, 'f', 64);
        writeCString(out, reason);
        return end(out);
    }

    public static ByteBuf terminate(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('X').writeInt(4);
    }

    private static ByteBuf begin(ByteBufAllocator alloc, char type, int sizeHint) {
        return alloc.buffer(sizeHint).writeByte(type).writeInt(0);
    }

    private static ByteBuf end(ByteBuf out) {
        return out.setInt(1, out.readableBytes() - 1);
    }

    private static void writeCString(ByteBuf out, String value) {
        out.writeCharSequence(value, StandardCharsets.UTF_8);
        out.writeByte(0);
    }

    /** Reads a NUL-terminated UTF-8 string. */
    public static String readCString(ByteBuf in) {
        int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new IllegalStateException("Protocol error: a string in a server message is not terminated");
        }
        String value = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(end + 1);
        return value;
    }
}
