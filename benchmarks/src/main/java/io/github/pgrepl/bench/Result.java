package io.github.pgrepl.bench;

import java.util.Comparator;
import java.util.List;

/**
 * One consumer's rounds of one workload in one format, with its median rate against pg_recvlogical's.
 * The figures are those of the median round (by time), so that CPU, allocation and memory belong to
 * one and the same read.
 */
record Result(Workload workload, Format format, Consumer consumer, List<Measurement> rounds, double ratio) {

    Result {
        rounds = List.copyOf(rounds);
    }

    /** The round of median time (the lower middle one of an even count). */
    static Measurement median(List<Measurement> rounds) {
        List<Measurement> sorted = rounds.stream().sorted(Comparator.comparingLong(Measurement::nanos)).toList();
        return sorted.get((sorted.size() - 1) / 2);
    }

    Measurement measurement() {
        return median(rounds);
    }

    double messagesPerSecond() {
        return measurement().messages() / measurement().seconds();
    }

    double megabytesPerSecond() {
        return measurement().bytes() / 1e6 / measurement().seconds();
    }

    double cpuMicrosPerMessage() {
        return measurement().cpuNanos() / 1e3 / measurement().messages();
    }

    /** CPU per message without the JIT compiler threads; -1 when not known. */
    double cpuMicrosPerMessageWithoutJit() {
        long cpu = measurement().cpuNanosWithoutJit();
        return cpu < 0 ? -1 : cpu / 1e3 / measurement().messages();
    }

    /** -1 when not measured. */
    double allocatedBytesPerMessage() {
        Measurement m = measurement();
        return m.allocatedBytes() < 0 ? -1 : (double) m.allocatedBytes() / m.messages();
    }

    /** The fastest and slowest round, in seconds. */
    String spread() {
        double min = rounds.stream().mapToLong(Measurement::nanos).min().orElse(0) / 1e9;
        double max = rounds.stream().mapToLong(Measurement::nanos).max().orElse(0) / 1e9;
        return String.format(java.util.Locale.ROOT, "%.2f–%.2f", min, max);
    }

    String group() {
        return workload.label() + " / " + format.label();
    }
}
