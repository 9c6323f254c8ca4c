package io.github.pgrepl.bench.jmh;

import io.github.pgrepl.bench.SpringBench.BenchRow;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.PgOutputDecoder;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.support.RowBinder;

import java.nio.ByteBuffer;
import java.util.Map;
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
 * The Spring path's binding of one change, per row of the harness's table: an Insert decoded into a fresh {@link Row}
 * (values not yet converted, as the listener thread gets it), then bound by {@link RowBinder} to {@code Change<BenchRow>}
 * as a {@code @ReplicationListener} method taking {@code Change<BenchRow>} gets it. {@link #decodeAndReadValues} is the
 * same row with every value read and nothing bound: the difference is what binding costs. Run with {@code -prof gc} for
 * bytes per row (gc.alloc.rate.norm).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RowBindingBenchmark {

    @Param({"text", "binary"})
    String format;

    private PgOutputDecoder decoder;
    private ByteBuffer insert;
    private RowBinder binder;
    private final Change.Source source = new Change.Source(null, 7_123, null, "public", "bench_rows");

    @Setup
    public void setUp() {
        decoder = new PgOutputDecoder(1);
        decoder.decode(PgOutputMessages.relation());
        ByteBuffer heap = PgOutputMessages.insert("binary".equals(format));
        insert = ByteBuffer.allocateDirect(heap.remaining()).put(heap.duplicate()).flip();
        binder = RowBinder.withDefaultConversions();
    }

    private Row decode() {
        return ((ChangeEvent.Insert) decoder.decode(insert.duplicate())).newRow();
    }

    @Benchmark
    public void decodeAndReadValues(Blackhole blackhole) {
        Row row = decode();
        for (int i = 0; i < row.size(); i++) {
            blackhole.consume(row.getObject(i));
        }
    }

    @Benchmark
    public Change<BenchRow> decodeAndBindChange() {
        Change<Row> change = new Change<>(Operation.INSERT, null, decode(), Map.of(), source);
        return binder.map(change, BenchRow.class);
    }
}
