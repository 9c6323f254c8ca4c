package io.github.pgrepl.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;
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
 * stream uses now. In this package to call the protected decode.
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

    private final List<Object> out = new ArrayList<>(FRAMES);
    private BackendMessageDecoder decoder;
    private FrameInbox inbox;
    private ByteBuf read;

    @Setup
    public void setUp() {
        decoder = new BackendMessageDecoder(64 * 1024 * 1024);
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
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decoderSlices(Blackhole blackhole) throws Exception {
        ByteBuf in = read.retainedDuplicate();
        decoder.decode(null, in, out);
        for (int i = 0; i < out.size(); i++) {
            ByteBuf frame = (ByteBuf) out.get(i);
            blackhole.consume(BackendMessageDecoder.type(frame));
            blackhole.consume(BackendMessageDecoder.body(frame).nioBuffer());
            frame.release();
        }
        out.clear();
        in.release();
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
}
