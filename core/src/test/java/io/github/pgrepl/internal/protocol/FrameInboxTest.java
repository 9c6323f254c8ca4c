package io.github.pgrepl.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class FrameInboxTest {

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final FrameInbox inbox = new FrameInbox(1024);

    @Test
    void takesMessagesApartAcrossAndWithinReads() throws TooLongFrameException {
        ByteBuf stream = alloc.directBuffer()
                .writeByte('Z').writeInt(5).writeByte('I')
                .writeByte('d').writeInt(4 + 17).writeByte('w').writeLong(0x16B3748L).writeLong(-1L);

        inbox.append(alloc, stream.readRetainedSlice(3));
        assertThat(inbox.hasMessage()).isFalse();
        inbox.append(alloc, stream.readRetainedSlice(10));
        assertThat(inbox.hasMessage()).isTrue();
        assertThat(inbox.next()).isEqualTo((byte) 'Z');
        assertThat(inbox.body().readByte()).isEqualTo((byte) 'I');
        assertThat(inbox.hasMessage()).isFalse();
        assertThat(inbox.isEmpty()).isFalse();

        inbox.append(alloc, stream.readRetainedSlice(stream.readableBytes()));
        stream.release();
        assertThat(inbox.next()).isEqualTo((byte) 'd');
        ByteBuffer view = inbox.bodyView();
        assertThat(view.position()).isZero();
        assertThat(view.remaining()).isEqualTo(17);
        assertThat(view.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(view.get(0)).isEqualTo((byte) 'w');
        assertThat(view.getLong(1)).isEqualTo(0x16B3748L);
        assertThat(inbox.bodyLong(9)).isEqualTo(-1L);

        inbox.compact();
        assertThat(inbox.isEmpty()).isTrue();
    }

    @Test
    void viewsOfSeveralMessagesOfOneReadAreTheirOwn() throws TooLongFrameException {
        ByteBuf read = alloc.directBuffer();
        for (int i = 0; i < 3; i++) {
            read.writeByte('d').writeInt(4 + 2).writeByte('k').writeByte(i);
        }
        inbox.append(alloc, read);

        for (int i = 0; i < 3; i++) {
            assertThat(inbox.next()).isEqualTo((byte) 'd');
            ByteBuffer view = inbox.bodyView();
            assertThat(view.remaining()).isEqualTo(2);
            view.position(1); // a handler moving its view does not move the next message's
            assertThat(view.get()).isEqualTo((byte) i);
        }
        assertThat(inbox.hasMessage()).isFalse();
        inbox.release();
    }

    @Test
    void keepsAPartialMessageAcrossACompactionAndFinishesIt() throws TooLongFrameException {
        ByteBuf first = alloc.directBuffer().writeByte('d').writeInt(4 + 3).writeBytes(new byte[] {1, 2, 3}).writeByte('d');
        inbox.append(alloc, first);
        inbox.next();
        inbox.compact();
        assertThat(inbox.hasMessage()).isFalse();

        inbox.append(alloc, alloc.directBuffer().writeInt(4 + 1).writeByte(9));
        assertThat(inbox.next()).isEqualTo((byte) 'd');
        assertThat(inbox.bodyView().get(0)).isEqualTo((byte) 9);
        inbox.compact();
        assertThat(inbox.isEmpty()).isTrue();
    }

    @Test
    void readsOnAfterTheBytesMoveToABiggerBufferOfAnotherClass() throws TooLongFrameException {
        // A full buffer: the cumulator moves what is left of it, a message taken and one cut in half, to a new buffer.
        ByteBuf first = Unpooled.directBuffer(14, 14).writeByte('d').writeInt(4 + 2).writeByte(7).writeByte(8)
                .writeByte('d').writeInt(4 + 3).writeByte(1);
        inbox.append(alloc, first);
        assertThat(inbox.next()).isEqualTo((byte) 'd');
        assertThat(inbox.bodyView().get(1)).isEqualTo((byte) 8);
        assertThat(inbox.hasMessage()).isFalse();

        inbox.append(alloc, alloc.heapBuffer().writeByte(2).writeByte(3).writeByte('Z').writeInt(5).writeByte('I'));
        assertThat(inbox.next()).isEqualTo((byte) 'd');
        ByteBuffer view = inbox.bodyView();
        assertThat(new byte[] {view.get(0), view.get(1), view.get(2)}).containsExactly(1, 2, 3);
        assertThat(inbox.bodyByte(2)).isEqualTo((byte) 3);
        assertThat(inbox.next()).isEqualTo((byte) 'Z');
        assertThat(inbox.body().readByte()).isEqualTo((byte) 'I');
        inbox.compact();
        assertThat(inbox.isEmpty()).isTrue();
        assertThat(first.refCnt()).isZero();
    }

    @Test
    void aBufferOfSeveralRegionsStillGivesTheRightBytes() throws TooLongFrameException {
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.buffer().writeByte('d').writeInt(4 + 4).writeByte(1));
        composite.addComponent(true, Unpooled.directBuffer().writeByte(2).writeByte(3).writeByte(4));
        inbox.append(alloc, composite);

        assertThat(inbox.next()).isEqualTo((byte) 'd');
        ByteBuffer view = inbox.bodyView();
        assertThat(new byte[] {view.get(0), view.get(1), view.get(2), view.get(3)}).containsExactly(1, 2, 3, 4);
        inbox.release();
    }

    @Test
    void refusesAMessageOverTheMaximumBeforeBufferingIt() {
        ByteBuf header = alloc.directBuffer().writeByte('d').writeInt(1 << 30);

        assertThatThrownBy(() -> inbox.append(alloc, header))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("length 1073741824")
                .hasMessageContaining("maxMessageSize");
        inbox.release();
        assertThat(header.refCnt()).isZero();
    }

    @Test
    void refusesAnImpossibleLengthBehindAGoodMessage() throws TooLongFrameException {
        inbox.append(alloc, alloc.directBuffer().writeByte('Z').writeInt(5).writeByte('I').writeByte('d').writeInt(2));

        assertThat(inbox.next()).isEqualTo((byte) 'Z');
        assertThat(inbox.hasMessage()).isTrue(); // so that the drain meets the refusal
        assertThatThrownBy(inbox::next).isInstanceOf(TooLongFrameException.class).hasMessageContaining("outside 4..1024");
        inbox.release();
    }

    @Test
    void releaseGivesTheBufferBackOnce() throws TooLongFrameException {
        ByteBuf read = alloc.directBuffer().writeByte('d').writeInt(4 + 1).writeByte(1).writeByte('d');
        inbox.append(alloc, read);

        inbox.release();
        inbox.release();
        assertThat(read.refCnt()).isZero();
        assertThat(inbox.isEmpty()).isTrue();
    }
}
