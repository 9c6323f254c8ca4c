package io.github.pgrepl.pgoutput.internal;

import io.github.pgrepl.pgoutput.DecodeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked, big-endian cursor over one pgoutput message. Every read checks the remaining
 * bytes first and fails with a {@link DecodeException} naming the message and the byte offset, so
 * callers never see a {@code BufferUnderflowException} and never allocate more than the message
 * holds.
 *
 * <p>Offsets in errors count from the message's first byte (its type tag), as in a hex dump of the
 * XLogData payload. The caller's buffer position is not moved: every read is an absolute one.
 *
 * <p>One reader serves a decoder for every message ({@link #start}, then {@link #finish}): a reader and a
 * buffer duplicate per message were half of what decoding a row allocated. Confined to one thread.
 */
public final class WireReader {

    private ByteBuffer buffer;
    private int start;
    private int end;
    private String messageName;
    private int position;

    /** A reader of nothing yet: {@link #start} gives it a message. */
    public WireReader() {
    }

    /** A reader of one message, as {@link #start}. */
    public WireReader(ByteBuffer message, String messageName) {
        start(message, messageName);
    }

    /**
     * Reads {@code message} from now on, from after its type byte.
     *
     * @param message the payload, from its position (the type byte) to its limit
     * @param messageName how errors name the message, e.g. {@code "Insert ('I')"}
     * @return this reader
     */
    public WireReader start(ByteBuffer message, String messageName) {
        // Absolute reads leave the caller's position alone; only another byte order needs a view of our own.
        this.buffer = message.order() == ByteOrder.BIG_ENDIAN ? message : message.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.start = message.position();
        this.end = message.limit();
        this.position = start + 1;
        this.messageName = messageName;
        return this;
    }

    /** Lets go of the message, whose memory the caller may free or reuse once the decoder returns. */
    public void finish() {
        buffer = null;
    }

    /** Offset of the next byte, from the start of the message (the type byte is offset 0). */
    public int offset() {
        return position - start;
    }

    public int remaining() {
        return end - position;
    }

    public byte readByte(String field) {
        require(1, field);
        return buffer.get(position++);
    }

    public short readShort(String field) {
        require(2, field);
        short value = buffer.getShort(position);
        position += 2;
        return value;
    }

    public int readInt(String field) {
        require(4, field);
        int value = buffer.getInt(position);
        position += 4;
        return value;
    }

    public long readLong(String field) {
        require(8, field);
        long value = buffer.getLong(position);
        position += 8;
        return value;
    }

    /** A PostgreSQL {@code String}: UTF-8 bytes up to a NUL terminator, which is consumed. */
    public String readString(String field) {
        int nul = -1;
        for (int i = position; i < end; i++) {
            if (buffer.get(i) == 0) {
                nul = i;
                break;
            }
        }
        if (nul < 0) {
            throw error("missing NUL terminator of " + field + " (" + remaining() + " bytes scanned)");
        }
        String value = utf8(position, nul - position);
        position = nul + 1;
        return value;
    }

    /** Reads {@code length} bytes into a new array; the length was checked against the message. */
    public byte[] readBytes(int length, String field) {
        if (length < 0) {
            throw error("negative length " + length + " for " + field);
        }
        require(length, field);
        byte[] bytes = new byte[length];
        buffer.get(position, bytes, 0, length);
        position += length;
        return bytes;
    }

    /** Skips {@code length} bytes that were checked to be there. */
    public void skip(int length, String field) {
        if (length < 0) {
            throw error("negative length " + length + " for " + field);
        }
        require(length, field);
        position += length;
    }

    /** Copies the bytes between two offsets already read past, in one allocation. */
    public byte[] copy(int fromOffset, int toOffset) {
        int length = toOffset - fromOffset;
        if (fromOffset < 1 || length < 0 || start + toOffset > position) {
            throw new IllegalArgumentException("copy of bytes not yet read: " + fromOffset + ".." + toOffset);
        }
        byte[] bytes = new byte[length];
        buffer.get(start + fromOffset, bytes, 0, length);
        return bytes;
    }

    /** Copies the bytes between two offsets already read past to the start of {@code into}, which has room for them. */
    public void copyTo(int fromOffset, int toOffset, byte[] into) {
        int length = toOffset - fromOffset;
        if (fromOffset < 1 || length < 0 || start + toOffset > position || length > into.length) {
            throw new IllegalArgumentException("copy of bytes not yet read, or too many: " + fromOffset + ".." + toOffset);
        }
        buffer.get(start + fromOffset, into, 0, length);
    }

    /** Fails unless the whole message was read: extra bytes mean a format we did not expect. */
    public void expectEnd() {
        if (position != end) {
            throw error(remaining() + " unexpected trailing bytes; does the decoder's protocol version"
                    + " match the one sent in START_REPLICATION?");
        }
    }

    public DecodeException error(String problem) {
        return new DecodeException("Malformed pgoutput " + messageName + " message at byte " + offset()
                + ": " + problem);
    }

    private void require(int length, String field) {
        if (end - position < length) {
            throw error("truncated: " + field + " needs " + length + " bytes, " + remaining() + " remain");
        }
    }

    private String utf8(int from, int length) {
        if (buffer.hasArray()) {
            return new String(buffer.array(), buffer.arrayOffset() + from, length, StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[length];
        buffer.get(from, bytes, 0, length);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
