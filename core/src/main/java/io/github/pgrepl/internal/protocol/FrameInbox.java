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
 *
 * <p>Per message it reads through one {@link ByteBuffer} view of the buffer, made once per socket read, and keeps
 * its own read index: the {@link ByteBuf} it owns is of whatever class the allocator, the cumulator or the leak
 * detector (which wraps one allocation in 128) made, and reading each message through it made those call sites
 * polymorphic: every new class seen threw away the compiled read loop, to be compiled again while streaming.
 */
public final class FrameInbox {

    private final int maxMessageSize;
    /** What the inbox owns; its reader index is {@link #readIndex} only after {@link #syncReaderIndex}. */
    private ByteBuf bytes;
    /** A view of {@link #bytes} from index {@link #viewBase} to {@link #end}, made after each change to the buffer. */
    private ByteBuffer view;
    private int viewBase;
    /** The buffer's index of the next byte not taken, and of the end of what was read. */
    private int readIndex;
    private int end;
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
        if (bytes == null) {
            bytes = in;
        } else {
            syncReaderIndex();
            bytes = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, bytes, in);
        }
        if (bytes.nioBufferCount() != 1) {
            // Not one region (a composite): copy it into one, so that one view covers it.
            ByteBuf flat = alloc.directBuffer(bytes.readableBytes());
            try {
                flat.writeBytes(bytes);
            } finally {
                bytes.release();
                bytes = flat;
            }
        }
        remap();
        if (end - readIndex >= BackendMessageDecoder.HEADER_LENGTH) {
            BackendMessageDecoder.checkedLength(bytes, readIndex, maxMessageSize);
        }
    }

    /** Makes the view of what the buffer holds now, from its reader index. */
    private void remap() {
        readIndex = bytes.readerIndex();
        end = bytes.writerIndex();
        viewBase = readIndex;
        view = bytes.nioBuffer(viewBase, end - viewBase);
    }

    private void syncReaderIndex() {
        bytes.readerIndex(readIndex);
    }

    /** True when a whole message waits at the front (or a header {@link #next} will refuse). */
    public boolean hasMessage() {
        int available = end - readIndex;
        if (bytes == null || available < BackendMessageDecoder.HEADER_LENGTH) {
            return false;
        }
        int length = view.getInt(readIndex - viewBase + 1);
        return length < 4 || length > maxMessageSize || available > length;
    }

    /** True when no byte is held, not even part of a message. */
    public boolean isEmpty() {
        return bytes == null || readIndex >= end;
    }

    /**
     * Takes the message at the front (after {@link #hasMessage} said there is one) and returns its type;
     * its body is then {@link #body()} or {@link #bodyView()} until the next call. Throws when the
     * message's length is outside 4..maxMessageSize: the stream is unusable from there.
     */
    public byte next() throws TooLongFrameException {
        int at = readIndex - viewBase;
        byte type = view.get(at);
        int length = view.getInt(at + 1);
        if (length < 4 || length > maxMessageSize) {
            BackendMessageDecoder.checkedLength(bytes, readIndex, maxMessageSize); // throws, naming the message
        }
        bodyIndex = readIndex + BackendMessageDecoder.HEADER_LENGTH;
        bodyLength = length - 4;
        readIndex += 1 + length;
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
        return view.slice(bodyIndex - viewBase, bodyLength);
    }

    /** Reads the body's bytes at {@code offset} (from the body's start) without a view. */
    public byte bodyByte(int offset) {
        return view.get(bodyIndex - viewBase + offset);
    }

    public long bodyLong(int offset) {
        return view.getLong(bodyIndex - viewBase + offset);
    }

    /** After a batch of messages: gives back a fully read buffer, or the space of the read part of a held one. */
    public void compact() {
        if (bytes != null) {
            if (readIndex >= end) {
                release();
            } else {
                syncReaderIndex();
                bytes.discardSomeReadBytes();
                remap();
            }
        }
    }

    public void release() {
        if (bytes != null) {
            ByteBuf b = bytes;
            bytes = null;
            view = null;
            readIndex = 0;
            end = 0;
            b.release();
        }
    }
}
