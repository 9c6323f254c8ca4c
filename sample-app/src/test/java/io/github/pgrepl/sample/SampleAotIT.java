package io.github.pgrepl.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.aot.AotDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample started from the bean definitions Spring AOT generated at build time ({@code spring-boot:process-aot},
 * which runs before the integration tests): pgrepl's definitions must work there as they do when Spring reads the
 * configuration at startup.
 */
class SampleAotIT {

    @Test
    void theAotGeneratedApplicationStartsAndStreams() {
        System.setProperty(AotDetector.AOT_ENABLED, "true");
        SpringApplication application = new SpringApplication(SampleApplication.class);
        // The AOT initializer is looked up by the main class, which is otherwise guessed from the stack: the test runner.
        application.setMainApplicationClass(SampleApplication.class);
        try (ConfigurableApplicationContext context = application.run("--server.port=0", "--sample.writer.interval=200ms",
                "--spring.main.banner-mode=off")) {
            assertThat(AotDetector.useGeneratedArtifacts()).isTrue();
            OrderChanges changes = context.getBean(OrderChanges.class);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(changes.recent()).as("recent changes").isNotEmpty();
                assertThat(changes.transactions()).as("transactions").isNotEmpty();
            });
        } finally {
            System.clearProperty(AotDetector.AOT_ENABLED);
        }
    }
}
