package io.github.pgrepl.bench;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ReplicationListener;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * pgrepl as a Spring Boot application uses it: the starter's auto-configuration, connection {@code bench} from
 * properties, and a {@code @ReplicationListener} method that gets each row bound to a {@link BenchRow} record (every
 * column decoded and converted), plus one for the end marker. Each read is an application context of its own, started
 * on the slot to read and closed after the end marker.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class SpringBench {

    /** The columns of the harness's tables, bound by name. */
    public record BenchRow(long id, int account, BigDecimal amount, String note, Instant created) {
    }

    /** What the listener methods report to: a throughput probe or a latency recorder. */
    interface Sink {
        void change(Change<BenchRow> change);

        void end();
    }

    /** The listener bean: all it does is hand the bound row to the sink. */
    public static class Listener {
        private final Sink sink;

        Listener(Sink sink) {
            this.sink = sink;
        }

        @ReplicationListener(connection = "bench", tables = "${bench.table}")
        public void row(Change<BenchRow> change) {
            sink.change(change);
        }

        @ReplicationListener(connection = "bench")
        public void message(ChangeEvent.LogicalMessage message) {
            if (Workload.END_PREFIX.equals(message.prefix())) {
                sink.end();
            }
        }
    }

    @Bean
    Listener benchListener(Sink sink) {
        return new Listener(sink);
    }

    /** Starts an application that streams {@code slot} of {@code publication} to {@code sink}. */
    static ConfigurableApplicationContext start(Target target, String slot, String publication, String table, boolean binary,
                                                Duration minReadInterval, Sink sink) {
        List<String> properties = new ArrayList<>(List.of(
                "spring.main.banner-mode=off",
                "logging.level.root=WARN",
                "bench.table=" + table,
                "pgrepl.connections.bench.url=" + target.url(),
                "pgrepl.connections.bench.slot=" + slot,
                "pgrepl.connections.bench.publications=" + publication,
                "pgrepl.connections.bench.binary=" + binary,
                "pgrepl.connections.bench.messages=true",
                "pgrepl.connections.bench.streaming=false",
                "pgrepl.connections.bench.min-read-interval=" + minReadInterval.toNanos() + "ns"));
        return new SpringApplicationBuilder(SpringBench.class)
                .web(WebApplicationType.NONE)
                .properties(properties.toArray(String[]::new))
                .initializers(context -> context.getBeanFactory().registerSingleton("benchSink", sink))
                .run();
    }
}
