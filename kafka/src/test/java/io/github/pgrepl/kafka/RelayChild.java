package io.github.pgrepl.kafka;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.listener.ReplicationListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An application with a Kafka relay in a JVM of its own, for the kill -9 test. Arguments: PostgreSQL's port, the
 * broker's bootstrap servers, and whether a listener method on the same connection takes a millisecond per change
 * (so that a large transaction is still being relayed when the test kills the JVM). Connection {@code crash}, slot
 * {@code crash_slot}, publication {@code crash_pub}; system properties override these defaults, and set others (say
 * {@code pgrepl.connections.crash.kafka.transactional=true}).
 */
public final class RelayChild {

    private RelayChild() {
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Pace pace() {
            return new Pace();
        }
    }

    /** Sets the pace of the listener thread, which the relay shares. */
    public static class Pace {
        static volatile boolean slow;

        @ReplicationListener("crash")
        void on(ChangeEvent event) throws InterruptedException {
            if (slow && event instanceof ChangeEvent.Insert) {
                TimeUnit.MILLISECONDS.sleep(1); // the point: a slow consumer, so the kill lands mid-transaction
            }
        }
    }

    /**
     * Starts the child, its output to {@code log}.
     *
     * @param properties {@code name=value} pairs, as system properties of the child
     */
    static Process start(int pgPort, String brokers, boolean slow, Path log, String... properties) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        for (String property : properties) {
            command.add("-D" + property);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), RelayChild.class.getName(),
                String.valueOf(pgPort), brokers, String.valueOf(slow)));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    public static void main(String[] args) throws Exception {
        Pace.slow = Boolean.parseBoolean(args[2]);
        String prefix = "pgrepl.connections.crash.";
        new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE).properties(
                "spring.main.banner-mode=off",
                prefix + "url=postgresql://localhost:" + args[0] + "/postgres", prefix + "username=postgres",
                prefix + "publications=crash_pub", prefix + "slot=crash_slot", prefix + "status-interval=100ms",
                prefix + "kafka.enabled=true", "spring.kafka.bootstrap-servers=" + args[1]).run();
        System.out.println("relaying");
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
