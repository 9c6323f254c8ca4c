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
                               long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout,
                               boolean failover) {

    public PgOutputSettings {
        publications = List.copyOf(publications);
        publicationTables = List.copyOf(publicationTables);
    }

    /** Settings of a slot that is no failover slot. */
    public PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                            boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                            boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                            long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout) {
        this(slot, publications, createSlot, temporarySlot, createPublication, publicationTables, binary, messages, streaming,
                statusInterval, maxMessages, queueCapacity, queueMaxBytes, maxAttempts, retryBackoff, closeTimeout, false);
    }

    PgOutputHandler newHandler(ChangeListener listener) {
        PgOutputHandler.Builder builder = PgOutputHandler.builder(listener)
                .slot(slot)
                .publications(publications)
                .createSlot(createSlot)
                .temporarySlot(temporarySlot)
                .failover(failover)
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
