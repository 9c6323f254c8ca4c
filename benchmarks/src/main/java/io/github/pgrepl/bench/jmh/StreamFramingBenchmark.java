package io.github.pgrepl.bench.jmh;

import io.github.pgrepl.internal.protocol.BackendMessageDecoder;
import io.github.pgrepl.internal.protocol.FrameInbox;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Taking one socket read's worth of CopyData messages (a direct buffer, as Netty reads) apart and
 * giving each body to a handler as a {@code ByteBuffer}, per message: the startup's frame decoder (a
 * retained slice per message, as the stream also used until {@link FrameInbox}), and the inbox the
 * stream uses now. The decoder runs in a pipeline, as in a session, and hands each frame to the next
 * handler (so its figures include one {@code fireChannelRead} per message).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StreamFramingBenchmark {

    private static final int FRAMES = 512;

    /** CopyData payload size: an XLogData header (25) plus a small pgoutput Insert. */
    @Param({"110"})
    int payload;

    private final FrameConsumer consumer = new FrameConsumer();
    private EmbeddedChannel decoderChannel;
    private FrameInbox inbox;
    private ByteBuf read;

    @Setup
    public void setUp() {
        decoderChannel = new EmbeddedChannel(new BackendMessageDecoder(64 * 1024 * 1024), consumer);
        inbox = new FrameInbox(64 * 1024 * 1024);
        read = Unpooled.directBuffer(FRAMES * (payload + 5));
        byte[] body = new byte[payload];
        body[0] = 'w';
        for (int i = 0; i < FRAMES; i++) {
            read.writeByte('d').writeInt(4 + payload).writeBytes(body);
        }
    }

    @TearDown
    public void tearDown() {
        read.release();
        decoderChannel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decoderSlices(Blackhole blackhole) {
        consumer.blackhole = blackhole;
        decoderChannel.pipeline().fireChannelRead(read.retainedDuplicate());
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void inboxViews(Blackhole blackhole) throws Exception {
        inbox.append(ByteBufAllocator.DEFAULT, read.retainedDuplicate());
        while (inbox.hasMessage()) {
            blackhole.consume(inbox.next());
            blackhole.consume(inbox.bodyView());
        }
        inbox.compact();
    }

    /** What the stream's handler did with each frame of the decoder: its type and body, then release it. */
    private static final class FrameConsumer extends ChannelInboundHandlerAdapter {
        Blackhole blackhole;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            blackhole.consume(BackendMessageDecoder.type(frame));
            blackhole.consume(BackendMessageDecoder.body(frame).nioBuffer());
            frame.release();
        }
    }
}
