package io.github.pgrepl.bench;

import io.github.pgrepl.spring.listener.Change;

import java.time.Duration;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * pgrepl through Spring Boot ({@link SpringBench}): a {@code @ReplicationListener} method binding every row to a
 * record. The meter starts at the first change the method gets (the listener sees no XLogData) and stops at the end
 * marker; it counts rows, so the harness takes the message count from the other consumers.
 */
final class SpringConsumer implements JavaConsumer {

    @Override
    public Measurement run(Target target, String slot, Format format, StreamProbe probe) throws Exception {
        SpringBench.Sink sink = new SpringBench.Sink() {
            @Override
            public void change(Change<SpringBench.BenchRow> change) {
                probe.firstByte();
                if (change.after() != null) { // the TRUNCATE before the next workload, read after the warm-up's end
                    change.after().id();
                }
            }

            @Override
            public void end() {
                probe.finish();
            }
        };
        try (ConfigurableApplicationContext context = SpringBench.start(target, slot, Workload.PUBLICATION, Workload.TABLE,
                format.binary(), target.config().minReadInterval(), sink)) {
            return probe.await(Duration.ofMinutes(30)).withoutCounts();
        }
    }
}
