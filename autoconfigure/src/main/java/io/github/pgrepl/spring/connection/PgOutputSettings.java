package io.github.pgrepl.spring.connection;

import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotOptions;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a {@link PgOutputHandler} for a {@code ChangeListener} is built with; checked values, taken from
 * {@code pgrepl.connections.<name>.*}. {@code streaming} is {@code null} when not set: on for a bean-level
 * {@code ChangeListener}, off for listener methods that take committed changes. {@code snapshot} is
 * {@link SnapshotOptions#defaults()} (no initial snapshot) when {@code null}. {@code customizer} then reaches the
 * options the properties do not (the listener's thread factory, the application's customizers); the listener, its
 * retries and streaming are set after it.
 */
public record PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                               boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                               Boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                               long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout,
                               boolean failover, SnapshotOptions snapshot, Consumer<PgOutputHandler.Builder> customizer) {

    public PgOutputSettings {
        publications = List.copyOf(publications);
        publicationTables = List.copyOf(publicationTables);
        snapshot = snapshot != null ? snapshot : SnapshotOptions.defaults();
        customizer = customizer != null ? customizer : builder -> { };
    }

    /** Settings of a slot that is no failover slot, without snapshots or customizer. */
    public PgOutputSettings(String slot, List<String> publications, boolean createSlot, boolean temporarySlot,
                            boolean createPublication, List<String> publicationTables, boolean binary, boolean messages,
                            Boolean streaming, Duration statusInterval, int maxMessages, int queueCapacity,
                            long queueMaxBytes, int maxAttempts, Duration retryBackoff, Duration closeTimeout) {
        this(slot, publications, createSlot, temporarySlot, createPublication, publicationTables, binary, messages, streaming,
                statusInterval, maxMessages, queueCapacity, queueMaxBytes, maxAttempts, retryBackoff, closeTimeout, false,
                null, null);
    }

    /** For a bean-level {@code ChangeListener}: retried {@code maxAttempts} times, then the connection stops. */
    PgOutputHandler newHandler(ChangeListener listener) {
        return builder(listener, streaming == null || streaming).retry(maxAttempts, retryBackoff).build();
    }

    /**
     * For a listener that handles its failures itself and never throws but to give up (on close).
     *
     * @param expectedTables the tables the listener names: one no publication publishes is warned of at connect
     */
    PgOutputHandler newHandlerWithoutRetries(ChangeListener listener, boolean streaming, List<String> expectedTables) {
        return builder(listener, streaming).expectedTables(expectedTables).retry(1, Duration.ZERO).build();
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
                .maxMessages(maxMessages)
                .queueCapacity(queueCapacity, queueMaxBytes)
                .closeTimeout(closeTimeout);
        if (statusInterval != null) {
            builder.statusInterval(statusInterval);
        }
        customizer.accept(builder);
        return builder.streaming(streaming); // whether the listeners can take in-progress transactions is not an option
    }

    /** The settings that say which stream it is (a lambda customizer says nothing). */
    @Override
    public String toString() {
        return "PgOutputSettings[slot=" + slot + ", publications=" + publications + ", streaming=" + streaming + "]";
    }
}
