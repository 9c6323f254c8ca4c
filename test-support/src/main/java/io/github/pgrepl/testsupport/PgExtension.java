package io.github.pgrepl.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs one {@link PgServer} per test class: started before the first test, closed (data deleted)
 * after the last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PgExtension pg = PgExtension.builder().setting("wal_sender_timeout", "2s").build();
 * }</pre>
 *
 * <p>{@code @Nested} classes inherit the extension and share the outer class's server.
 */
public final class PgExtension implements BeforeAllCallback, AfterAllCallback {

    private final PgServer.Builder builder;
    private PgServer server;
    /** How many (nested) test classes are using the server: JUnit calls beforeAll for each of them. */
    private int users;

    private PgExtension(PgServer.Builder builder) {
        this.builder = builder;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The running server, available from beforeAll until afterAll. */
    public synchronized PgServer server() {
        if (server == null) {
            throw new IllegalStateException("No PostgreSQL server: PgExtension starts it in beforeAll, so register it"
                    + " with @RegisterExtension on a static field and use server() from tests or @BeforeEach");
        }
        return server;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (users++ == 0) {
            server = builder.start();
        }
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (--users == 0 && server != null) {
            try {
                server.close();
            } finally {
                server = null;
            }
        }
    }

    /** The options of {@link PgServer.Builder}. */
    public static final class Builder {

        private final PgServer.Builder server = PgServer.builder();

        private Builder() {
        }

        public Builder setting(String name, String value) {
            server.setting(name, value);
            return this;
        }

        public Builder tls(boolean enabled) {
            server.tls(enabled);
            return this;
        }

        public PgExtension build() {
            return new PgExtension(server);
        }
    }
}
