package io.github.pgrepl.bench;

/** A consumer that runs in a child JVM: reads one slot from the start to the end LSN. */
interface JavaConsumer {

    /** The pgoutput options every consumer sends: protocol 1, logical messages on (the end marker is one). */
    static String pgoutputOptions(Format format) {
        return "proto_version '1', publication_names '" + Workload.PUBLICATION + "', messages 'true'"
                + (format.binary() ? ", binary 'true'" : "");
    }

    Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception;
}
