package io.github.pgrepl.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a {@link FakeBackend} does on each connection, after the client's startup message: send messages, wait for
 * one of the client's (and answer it), close. Once the steps run out the connection stays open, and what the client
 * sends is still recorded.
 *
 * <pre>{@code
 * BackendScript script = BackendScript.builder()
 *         .send(BackendMessages.authenticationCleartextPassword())
 *         .expect('p')
 *         .send(BackendMessages.authenticationOk())
 *         .readySession()
 *         .build();
 * }</pre>
 */
public final class BackendScript {

    /** One step of a script. */
    sealed interface Step permits Send, Expect, Close {
    }

    record Send(List<byte[]> messages) implements Step {
    }

    record Expect(char type, Function<FrontendMessage, List<byte[]>> reply) implements Step {
    }

    record Close() implements Step {
    }

    private final List<Step> steps;

    private BackendScript(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    public static Builder builder() {
        return new Builder();
    }

    List<Step> steps() {
        return steps;
    }

    /** Builds a {@link BackendScript}. */
    public static final class Builder {

        private final List<Step> steps = new ArrayList<>();

        private Builder() {
        }

        /** Sends these messages (see {@link BackendMessages}), in order. */
        public Builder send(byte[]... messages) {
            steps.add(new Send(List.of(messages.clone())));
            return this;
        }

        /** Waits for the client's next message, which must be of this type (else the session fails and closes). */
        public Builder expect(char type) {
            return expect(type, message -> List.of());
        }

        /** Waits for the client's next message, of this type, and sends what {@code reply} makes of it. */
        public Builder expect(char type, Function<FrontendMessage, List<byte[]>> reply) {
            steps.add(new Expect(type, Objects.requireNonNull(reply, "reply")));
            return this;
        }

        /** Closes the connection. */
        public Builder close() {
            steps.add(new Close());
            return this;
        }

        /**
         * What a server sends once authentication is done: its parameters (as PostgreSQL 18 reports them to a client
         * that asked for ISO dates), BackendKeyData and ReadyForQuery; then it answers pgrepl's {@code SHOW
         * wal_sender_timeout} with 60s.
         */
        public Builder readySession() {
            return readySession(Map.of());
        }

        /** As {@link #readySession()}, with some reported parameters replaced or added, e.g. a hostile DateStyle. */
        public Builder readySession(Map<String, String> parameterOverrides) {
            Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("server_version", "18.0");
            parameters.put("server_encoding", "UTF8");
            parameters.put("client_encoding", "UTF8");
            parameters.put("DateStyle", "ISO, MDY");
            parameters.put("IntervalStyle", "postgres");
            parameters.put("integer_datetimes", "on");
            parameters.put("TimeZone", "UTC");
            parameters.putAll(parameterOverrides);
            List<byte[]> messages = new ArrayList<>();
            parameters.forEach((name, value) -> messages.add(BackendMessages.parameterStatus(name, value)));
            messages.add(BackendMessages.backendKeyData(4242, 1));
            messages.add(BackendMessages.readyForQuery());
            send(messages.toArray(byte[][]::new));
            return expect('Q', query -> List.of(BackendMessages.rowDescription("wal_sender_timeout"),
                    BackendMessages.dataRow("60s"), BackendMessages.commandComplete("SHOW"), BackendMessages.readyForQuery()));
        }

        public BackendScript build() {
            return new BackendScript(steps);
        }
    }
}
