package io.github.pgrepl.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Splits the server's byte stream into messages during startup: a type byte, an int32 length that
 * counts itself, then the body. Each message goes on as one retained slice of the whole frame (type and
 * length included, reader index at the type byte), so no bytes are copied; whoever takes it releases it.
 * Once the session is ready, {@link FrameInbox} takes over (no object per message on the stream).
 */
public final class BackendMessageDecoder extends ByteToMessageDecoder {

    /** Type byte plus length word. */
    public static final int HEADER_LENGTH = 5;

    private final int maxMessageSize;

    public BackendMessageDecoder(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws TooLongFrameException {
        while (in.readableBytes() >= HEADER_LENGTH) {
            int start = in.readerIndex();
            int length;
            try {
                length = checkedLength(in, start, maxMessageSize);
            } catch (TooLongFrameException e) {
                in.skipBytes(in.readableBytes()); // the stream is unusable from here; the connection closes
                throw e;
            }
            int frameLength = length + 1;
            if (in.readableBytes() < frameLength) {
                return;
            }
            out.add(in.retainedSlice(start, frameLength));
            in.skipBytes(frameLength);
        }
    }

    /** The length word of the message at {@code start}, refused when outside 4..{@code maxMessageSize}. */
    static int checkedLength(ByteBuf in, int start, int maxMessageSize) throws TooLongFrameException {
        int length = in.getInt(start + 1);
        if (length < 4 || length > maxMessageSize) {
            char type = (char) in.getByte(start);
            throw new TooLongFrameException("The server sent a message of type '" + type + "' with length " + length
                    + " bytes, outside 4.." + maxMessageSize + (length < 4 ? ": the stream is corrupt"
                    : "; if the data is legitimately this large, raise ConnectionConfig.maxMessageSize"));
        }
        return length;
    }

    /** The type byte of a frame from this decoder. */
    public static byte type(ByteBuf frame) {
        return frame.getByte(frame.readerIndex());
    }

    /** Moves a frame's reader index past the header, to the body. */
    public static ByteBuf body(ByteBuf frame) {
        return frame.skipBytes(HEADER_LENGTH);
    }
}
