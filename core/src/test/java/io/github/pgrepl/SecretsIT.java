package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;
import io.github.pgrepl.testsupport.SecretSamples;
import io.github.pgrepl.testsupport.SecretSamples.SecretUrl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Passwords appear in no log line, exception, status or toString, whether authentication fails or succeeds, and
 * whatever characters they hold.
 */
class SecretsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().tls(true).build();

    @Test
    void noPasswordAnywhere() {
        String wrong = "Wr0ng-" + PgServer.PASSWORD;
        StringBuilder everything = new StringBuilder();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        try {
            for (String user : new String[] {PgServer.MD5_USER, PgServer.SCRAM_USER}) {
                for (SslMode mode : new SslMode[] {SslMode.DISABLE, SslMode.REQUIRE}) {
                    ConnectionConfig failing = config(pg.server()).user(user).password(wrong).sslMode(mode)
                            .autoReconnect(true).build();
                    Throwable failure = catchThrowable(() -> ReplicationConnection.start(failing, new ReplicationHandler() { }));
                    assertThat(failure).hasMessageContaining("28P01");
                    everything.append(stackTrace(failure)).append(failing);

                    ConnectionConfig working = config(pg.server()).user(user).password(PgServer.PASSWORD).sslMode(mode)
                            .syncConnect(false).autoReconnect(true).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
                            .build();
                    try (ReplicationConnection connection = ReplicationConnection.start(working, new ReplicationHandler() { })) {
                        org.awaitility.Awaitility.await().until(() -> connection.status().state() == ConnectionState.CONNECTED);
                        everything.append(connection).append(connection.status()).append(working);
                    }
                }
            }
            String url = "postgresql://" + PgServer.MD5_USER + ":" + wrong + "@localhost:" + pg.server().port() + "/postgres?sslmode=bogus";
            everything.append(stackTrace(catchThrowable(() -> ConnectionConfig.fromUrl(url))));
        } finally {
            root.detachAppender(logs);
            root.setLevel(level);
        }
        for (ILoggingEvent event : logs.list) {
            everything.append(event.getFormattedMessage()).append('\n');
            if (event.getThrowableProxy() != null) {
                everything.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
            }
        }

        System.out.printf("checked %d characters of messages, %d log events%n", everything.length(), logs.list.size());
        assertThat(logs.list).isNotEmpty();
        assertThat(everything.toString()).doesNotContain(PgServer.PASSWORD).doesNotContain(wrong);
    }

    /**
     * Passwords made of every printable ASCII character, carried by URLs in every form (raw and percent-encoded, in
     * the user info and as a parameter, valid and broken): no piece of 3 characters of one appears in an exception,
     * a toString, a status or a log line, whether the connection works, is refused, or never gets a valid URL.
     */
    @Test
    void noPieceOfAPrintableAsciiPasswordAnywhere() {
        List<String> passwords = SecretSamples.printableAsciiPasswords(23, 3);
        Map<String, StringBuilder> texts = new LinkedHashMap<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        root.setLevel(Level.DEBUG);
        try {
            for (int i = 0; i < passwords.size(); i++) {
                String password = passwords.get(i);
                String wrong = passwords.get((i + 1) % passwords.size());
                StringBuilder text = texts.computeIfAbsent(password, p -> new StringBuilder());
                pg.server().execute("ALTER ROLE " + PgServer.SCRAM_USER + " PASSWORD '" + password.replace("'", "''") + "'");
                for (SecretUrl url : SecretSamples.urls(PgServer.SCRAM_USER, password, "localhost", pg.server().port(), "postgres")) {
                    Throwable invalid = catchThrowable(() -> ConnectionConfig.fromUrl(url.url()).build());
                    if (!url.valid()) {
                        text.append(invalid == null ? "" : stackTrace(invalid));
                        continue;
                    }
                    ConnectionConfig working = ConnectionConfig.fromUrl(url.url()).sslMode(SslMode.REQUIRE).build();
                    try (ReplicationConnection connection = ReplicationConnection.start(working, new ReplicationHandler() { })) {
                        text.append(connection).append(connection.status()).append(working);
                    }
                }
                // The same URLs, with a password the server refuses: the refusal says nothing of either.
                for (SecretUrl url : SecretSamples.urls(PgServer.SCRAM_USER, wrong, "localhost", pg.server().port(), "postgres")) {
                    if (url.valid()) {
                        ConnectionConfig refused = ConnectionConfig.fromUrl(url.url()).autoReconnect(true).build();
                        Throwable failure = catchThrowable(() -> ReplicationConnection.start(refused, new ReplicationHandler() { }));
                        assertThat(failure).hasMessageContaining("28P01");
                        texts.computeIfAbsent(wrong, p -> new StringBuilder()).append(stackTrace(failure)).append(refused);
                    }
                }
            }
        } finally {
            pg.server().execute("ALTER ROLE " + PgServer.SCRAM_USER + " PASSWORD '" + PgServer.PASSWORD + "'");
            root.detachAppender(logs);
            root.setLevel(level);
        }
        StringBuilder logged = new StringBuilder();
        for (ILoggingEvent event : logs.list) {
            logged.append(event.getFormattedMessage()).append('\n');
            if (event.getThrowableProxy() != null) {
                logged.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
            }
        }
        assertThat(logs.list).isNotEmpty();
        texts.forEach((password, text) -> {
            assertThat(SecretSamples.leakedPiece(password, text)).as("in messages").isEmpty();
            assertThat(SecretSamples.leakedPiece(password, logged)).as("in log lines").isEmpty();
        });
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
