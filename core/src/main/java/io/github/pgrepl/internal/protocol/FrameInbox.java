package io.github.pgrepl.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.ByteBuffer;

/**
 * The bytes a ready session has read and not yet processed, taken apart into messages where they lie.
 * On the streaming path it stands in for a frame decoder: one contiguous buffer instead of a retained
 * slice (an object and two atomic reference-count updates) per message, and CopyData bodies as
 * {@link ByteBuffer} views of it. Bytes not yet taken stay, in order, while the connection is paused.
 * Confined to the channel's event loop; {@link #release} gives the buffer back.
 */
public final class FrameInbox {

    private final int maxMessageSize;
    private ByteBuf bytes;
    /** A view of {@link #bytes} from index {@link #viewBase}, made on first use after each change to the buffer. */
    private ByteBuffer view;
    private int viewBase;
    private int bodyIndex;
    private int bodyLength;

    public FrameInbox(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /**
     * Adds what the socket read (and takes ownership of it). Throws when the message at the front
     * announces a length outside 4..maxMessageSize, before its body is buffered.
     */
    public void append(ByteBufAllocator alloc, ByteBuf in) throws TooLongFrameException {
        bytes = bytes == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, bytes, in);
        view = null;
        if (bytes.readableBytes() >= BackendMessageDecoder.HEADER_LENGTH) {
            BackendMessageDecoder.checkedLength(bytes, bytes.readerIndex(), maxMessageSize);
        }
    }

    /** True when a whole message waits at the front (or a header {@link #next} will refuse). */
    public boolean hasMessage() {
        ByteBuf b = bytes;
        if (b == null || b.readableBytes() < BackendMessageDecoder.HEADER_LENGTH) {
            return false;
        }
        int length = b.getInt(b.readerIndex() + 1);
        return length < 4 || length > maxMessageSize || b.readableBytes() > length;
    }

    /** True when no byte is held, not even part of a message. */
    public boolean isEmpty() {
        return bytes == null || !bytes.isReadable();
    }

    /**
     * Takes the message at the front (after {@link #hasMessage} said there is one) and returns its type;
     * its body is then {@link #body()} or {@link #bodyView()} until the next call. Throws when the
     * message's length is outside 4..maxMessageSize: the stream is unusable from there.
     */
    public byte next() throws TooLongFrameException {
        ByteBuf b = bytes;
        int start = b.readerIndex();
        byte type = b.getByte(start);
        int length = BackendMessageDecoder.checkedLength(b, start, maxMessageSize);
        bodyIndex = start + BackendMessageDecoder.HEADER_LENGTH;
        bodyLength = length - 4;
        b.readerIndex(start + 1 + length);
        return type;
    }

    public int bodyLength() {
        return bodyLength;
    }

    /** The body of the message {@link #next} took, as a buffer of its own, valid until the inbox changes. */
    public ByteBuf body() {
        return bytes.slice(bodyIndex, bodyLength);
    }

    /** The body as a {@link ByteBuffer} (position 0, big-endian), valid until the inbox changes. */
    public ByteBuffer bodyView() {
        ByteBuf b = bytes;
        if (view == null) {
            if (b.nioBufferCount() != 1) {
                return b.nioBuffer(bodyIndex, bodyLength); // not one region: a copy, still right
            }
            viewBase = bodyIndex;
            view = b.nioBuffer(viewBase, b.writerIndex() - viewBase);
        }
        return view.slice(bodyIndex - viewBase, bodyLength);
    }

    /** Reads the body's bytes at {@code offset} (from the body's start) without a view. */
    public byte bodyByte(int offset) {
        return bytes.getByte(bodyIndex + offset);
    }

    public long bodyLong(int offset) {
        return bytes.getLong(bodyIndex + offset);
    }

    /** After a batch of messages: gives back a fully read buffer, or the space of the read part of a held one. */
    public void compact() {
        if (bytes != null) {
            if (!bytes.isReadable()) {
                release();
            } else {
                bytes.discardSomeReadBytes();
                view = null;
            }
        }
    }

    public void release() {
        if (bytes != null) {
            ByteBuf b = bytes;
            bytes = null;
            view = null;
            b.release();
        }
    }
}
