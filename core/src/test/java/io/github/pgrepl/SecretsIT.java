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

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** Passwords appear in no log line, exception, status or toString, whether authentication fails or succeeds. */
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

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
