package io.github.pgrepl.bench.jmh;

import io.github.pgrepl.ReplicationMessages;
import io.github.pgrepl.XLogData;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.PgOutputDecoder;
import io.github.pgrepl.pgoutput.Row;

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

    private PgOutputDecoder decoder;
    private ByteBuffer insert;
    private ByteBuffer begin;
    private ByteBuffer commit;
    private ByteBuffer insertCopyData;

    @Setup
    public void setUp() {
        decoder = new PgOutputDecoder(1);
        decoder.decode(PgOutputMessages.relation());
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
