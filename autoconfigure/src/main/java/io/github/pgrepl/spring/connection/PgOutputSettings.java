package io.github.pgrepl.spring.connection;

import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link PgOutputHandler} for a {@code ChangeListener} is built with; checked values, taken from
 * {@code pgrepl.connections.<name>.*}.
 */
public record PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                               boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                               boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                               long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout) {

    public PgOutputSettings {
        publications = List.copyOf(publications);
        publicationTables = List.copyOf(publicationTables);
    }

    PgOutputHandler newHandler(ChangeListener listener) {
        PgOutputHandler.Builder builder = PgOutputHandler.builder(listener)
                .slot(slot)
                .publications(publications)
                .createSlot(createSlot)
                .temporarySlot(temporarySlot)
                .createPublication(createPublication)
                .publicationTables(publicationTables)
                .binary(binary)
                .messages(messages)
                .streaming(streaming)
                .maxMessages(maxMessages)
                .queueCapacity(queueCapacity, queueMaxBytes)
                .retry(maxAttempts, retryBackoff)
                .closeTimeout(closeTimeout);
        if (statusInterval != null) {
            builder.statusInterval(statusInterval);
        }
        return builder.build();
    }
}
