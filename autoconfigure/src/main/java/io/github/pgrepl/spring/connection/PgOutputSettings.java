package io.github.pgrepl.spring.connection;

import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotOptions;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link PgOutputHandler} for a {@code ChangeListener} is built with; checked values, taken from
 * {@code pgrepl.connections.<name>.*}. {@code streaming} is {@code null} when not set: on for a bean-level
 * {@code ChangeListener}, off for listener methods that take committed changes.
 */
public record PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                               boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                               Boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                               long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout,
                               boolean failover, SnapshotOptions snapshot) {

    public PgOutputSettings {
        publications = List.copyOf(publications);
        publicationTables = List.copyOf(publicationTables);
        snapshot = snapshot == null ? SnapshotOptions.defaults() : snapshot;
    }

    /** Settings without snapshots' own. */
    public PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                            boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                            Boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                            long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout,
                            boolean failover) {
        this(slot, publications, createSlot, temporarySlot, createPublication, publicationTables, binary, messages, streaming,
                statusInterval, maxMessages, queueCapacity, queueMaxBytes, maxAttempts, retryBackoff, closeTimeout, failover,
                SnapshotOptions.defaults());
    }

    /** Settings of a slot that is no failover slot. */
    public PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                            boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                            Boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                            long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout) {
        this(slot, publications, createSlot, temporarySlot, createPublication, publicationTables, binary, messages, streaming,
                statusInterval, maxMessages, queueCapacity, queueMaxBytes, maxAttempts, retryBackoff, closeTimeout, false);
    }

    /** For a bean-level {@code ChangeListener}: retried {@code maxAttempts} times, then the connection stops. */
    PgOutputHandler newHandler(ChangeListener listener) {
        return builder(listener, streaming == null || streaming).retry(maxAttempts, retryBackoff).build();
    }

    /** For a listener that handles its failures itself and never throws but to give up (on close). */
    PgOutputHandler newHandlerWithoutRetries(ChangeListener listener, boolean streaming) {
        return builder(listener, streaming).retry(1, Duration.ZERO).build();
    }

    private PgOutputHandler.Builder builder(ChangeListener listener, boolean streaming) {
        PgOutputHandler.Builder builder = PgOutputHandler.builder(listener)
                .slot(slot)
                .publications(publications)
                .createSlot(createSlot)
                .temporarySlot(temporarySlot)
                .failover(failover)
                .snapshot(snapshot)
                .createPublication(createPublication)
                .publicationTables(publicationTables)
                .binary(binary)
                .messages(messages)
                .streaming(streaming)
                .maxMessages(maxMessages)
                .queueCapacity(queueCapacity, queueMaxBytes)
                .closeTimeout(closeTimeout);
        if (statusInterval != null) {
            builder.statusInterval(statusInterval);
        }
        return builder;
    }
}
