package io.github.pgrepl.bench.jmh;

import io.github.pgrepl.ReplicationMessages;
import io.github.pgrepl.XLogData;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.PgOutputDecoder;
import io.github.pgrepl.pgoutput.Row;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The pgoutput decoder, per message: an Insert decoded (values left unread, as PgOutputHandler hands
 * them on), an Insert decoded with every value read, Begin and Commit alone, a one-row transaction
 * (Begin, Insert, Commit), and the two ways of getting from a CopyData to its pgoutput message. Run
 * with {@code -prof gc} for bytes per message (gc.alloc.rate.norm).
 *
 * <p>The {@code Borrowed} variants decode with borrowed rows ({@code PgOutputHandler.Builder.borrowedRows}) and end
 * each event's lifetime as the listener worker does when the listener returns, so that the next message reuses the
 * buffer. The handler is what builds a decoder with borrowed rows, not a public constructor: the benchmark reaches the
 * package-private one and the pool's release by reflection, once, in its setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PgOutputDecoderBenchmark {

    @Param({"text", "binary"})
    String format;

    private static final MethodHandle RELEASE;
    private static final Constructor<?> LEASES;
    private static final Constructor<PgOutputDecoder> BORROWING;

    static {
        try {
            Class<?> leases = Class.forName("io.github.pgrepl.pgoutput.RowLeases");
            Class<?> resolver = Class.forName("io.github.pgrepl.pgoutput.internal.TypeResolver");
            LEASES = leases.getDeclaredConstructor();
            LEASES.setAccessible(true);
            BORROWING = PgOutputDecoder.class.getDeclaredConstructor(int.class, resolver, leases);
            BORROWING.setAccessible(true);
            Method release = leases.getDeclaredMethod("release", ChangeEvent.class);
            release.setAccessible(true);
            RELEASE = MethodHandles.lookup().unreflect(release)
                    .asType(MethodType.methodType(void.class, Object.class, ChangeEvent.class));
            BUILT_IN = resolver.getField("BUILT_IN").get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Object BUILT_IN;

    private PgOutputDecoder decoder;
    private PgOutputDecoder borrowing;
    private Object leases;
    private ByteBuffer insert;
    private ByteBuffer begin;
    private ByteBuffer commit;
    private ByteBuffer insertCopyData;

    @Setup
    public void setUp() {
        decoder = new PgOutputDecoder(1);
        decoder.decode(PgOutputMessages.relation());
        try {
            leases = LEASES.newInstance();
            borrowing = BORROWING.newInstance(1, BUILT_IN, leases);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        borrowing.decode(PgOutputMessages.relation());
        insert = direct(PgOutputMessages.insert("binary".equals(format)));
        begin = direct(PgOutputMessages.begin());
        commit = direct(PgOutputMessages.commit());
        insertCopyData = direct(PgOutputMessages.xlogData(insert));
    }

    /** Netty hands the handler direct memory: measure on the same kind of buffer. */
    private static ByteBuffer direct(ByteBuffer heap) {
        return ByteBuffer.allocateDirect(heap.remaining()).put(heap.duplicate()).flip();
    }

    @Benchmark
    public ChangeEvent insert() {
        return decoder.decode(insert);
    }

    @Benchmark
    public void insertAndReadValues(Blackhole blackhole) {
        Row row = ((ChangeEvent.Insert) decoder.decode(insert)).newRow();
        for (int i = 0; i < row.size(); i++) {
            blackhole.consume(row.getObject(i));
        }
    }

    /** An Insert with a borrowed row, whose lifetime ends at once: what the listener worker does after its call. */
    @Benchmark
    public ChangeEvent insertBorrowed() throws Throwable {
        ChangeEvent event = borrowing.decode(insert);
        RELEASE.invokeExact(leases, event);
        return event;
    }

    @Benchmark
    public void insertAndReadValuesBorrowed(Blackhole blackhole) throws Throwable {
        ChangeEvent event = borrowing.decode(insert);
        Row row = ((ChangeEvent.Insert) event).newRow();
        for (int i = 0; i < row.size(); i++) {
            blackhole.consume(row.getObject(i));
        }
        RELEASE.invokeExact(leases, event);
    }

    @Benchmark
    public void oneRowTransactionBorrowed(Blackhole blackhole) throws Throwable {
        blackhole.consume(borrowing.decode(begin));
        ChangeEvent event = borrowing.decode(insert);
        blackhole.consume(event);
        RELEASE.invokeExact(leases, event);
        blackhole.consume(borrowing.decode(commit));
    }

    @Benchmark
    public ChangeEvent begin() {
        return decoder.decode(begin);
    }

    @Benchmark
    public ChangeEvent commit() {
        return decoder.decode(commit);
    }

    /** A one-row transaction as the small-transactions workload streams it: Begin, Insert, Commit (B/op per change). */
    @Benchmark
    public void oneRowTransaction(Blackhole blackhole) {
        blackhole.consume(decoder.decode(begin));
        blackhole.consume(decoder.decode(insert));
        blackhole.consume(decoder.decode(commit));
    }

    /** What PgOutputHandler.handleData did with each CopyData at first: parse the header into objects, then decode. */
    @Benchmark
    public ChangeEvent parseXLogDataAndDecodeInsert() {
        return decoder.decode(((XLogData) ReplicationMessages.parse(insertCopyData)).data());
    }

    /** What it does now: skip the 25-byte header and decode the message in place. */
    @Benchmark
    public ChangeEvent skipXLogDataHeaderAndDecodeInsert() {
        int at = insertCopyData.position();
        insertCopyData.position(at + 25);
        try {
            return decoder.decode(insertCopyData);
        } finally {
            insertCopyData.position(at);
        }
    }
}
