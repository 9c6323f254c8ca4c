package io.github.pgrepl.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;

import org.junit.jupiter.api.Test;

class BackendMessageDecoderTest {

    @Test
    void splitsFramesAcrossAndWithinReads() {
        EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder(1024));
        ByteBuf bytes = Unpooled.buffer()
                .writeByte('Z').writeInt(5).writeByte('I')
                .writeByte('d').writeInt(7).writeBytes(new byte[] {1, 2, 3});

        channel.writeInbound(bytes.readRetainedSlice(3));
        assertThat((Object) channel.readInbound()).isNull();
        channel.writeInbound(bytes.readRetainedSlice(bytes.readableBytes()));
        bytes.release();

        ByteBuf ready = channel.readInbound();
        assertThat(BackendMessageDecoder.type(ready)).isEqualTo((byte) 'Z');
        assertThat(BackendMessageDecoder.body(ready).readByte()).isEqualTo((byte) 'I');
        ready.release();
        ByteBuf data = channel.readInbound();
        assertThat(BackendMessageDecoder.type(data)).isEqualTo((byte) 'd');
        assertThat(BackendMessageDecoder.body(data).readableBytes()).isEqualTo(3);
        data.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void refusesAMessageOverTheMaximumBeforeBufferingIt() {
        EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder(1024));

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeByte('d').writeInt(1 << 30)))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("length 1073741824")
                .hasMessageContaining("maxMessageSize");
        channel.finishAndReleaseAll();
    }

    @Test
    void refusesAnImpossibleLength() {
        EmbeddedChannel channel = new EmbeddedChannel(new BackendMessageDecoder(1024));

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeByte('Z').writeInt(2)))
                .isInstanceOf(TooLongFrameException.class).hasMessageContaining("outside 4..1024");
        channel.finishAndReleaseAll();
    }
}
