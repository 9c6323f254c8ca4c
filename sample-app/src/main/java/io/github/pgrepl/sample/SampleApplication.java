package io.github.pgrepl.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Streams the changes of table {@code orders} into the listener methods of {@link OrderChanges}, shown at
 * {@code GET /changes} and {@code GET /transactions}, while {@link OrderWriter} keeps changing the table. Without a configured server it runs on an embedded PostgreSQL (see
 * {@link EmbeddedPostgresEnvironment}).
 */
@SpringBootApplication
@EnableScheduling
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
