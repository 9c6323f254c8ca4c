package io.github.pgrepl.bench;

/** One consumer's measurement of one workload in one format, with its rate against pg_recvlogical's. */
record Result(Workload workload, Format format, Consumer consumer, Measurement measurement, double ratio) {

    double messagesPerSecond() {
        return measurement.messages() / measurement.seconds();
    }

    double megabytesPerSecond() {
        return measurement.bytes() / 1e6 / measurement.seconds();
    }

    double cpuMicrosPerMessage() {
        return measurement.cpuNanos() / 1e3 / measurement.messages();
    }

    /** -1 when not measured. */
    double allocatedBytesPerMessage() {
        return measurement.allocatedBytes() < 0 ? -1 : (double) measurement.allocatedBytes() / measurement.messages();
    }

    String group() {
        return workload.label() + " / " + format.label();
    }
}
