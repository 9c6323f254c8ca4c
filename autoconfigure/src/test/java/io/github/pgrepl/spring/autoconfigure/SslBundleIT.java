package io.github.pgrepl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ConnectionStatus;
import io.github.pgrepl.spring.TestListeners;
import io.github.pgrepl.spring.autoconfigure.listener.ReplicationListenerAutoConfiguration;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;
import io.github.pgrepl.testsupport.PgExtension;
import io.github.pgrepl.testsupport.PgServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A connection whose trusted certificates come from a Spring Boot SSL bundle, against a server whose certificate a
 * throw-away CA signed: verify-full by host name works, and a bundle that reloads (the CA file rotated) is used from
 * the next connect, without a restart.
 */
class SslBundleIT {

    private static final String ORDERS = "pgrepl.connections.orders.";

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().tls(true).build();

    @TempDir
    Path certificates;

    @Test
    void aReloadedBundleIsUsedFromTheNextConnect() throws Exception {
        Path ca = certificates.resolve("ca.crt");
        try (FakeBackend otherCa = FakeBackend.startWithTls(BackendScript.builder().build())) {
            Files.copy(otherCa.caCertificate(), ca); // not the server's CA: the handshake fails
        }
        runner(ca).run(context -> {
            assertThat(context).hasNotFailed();
            ReplicationConnectionRegistry registry = context.getBean(ReplicationConnectionRegistry.class);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(registry).lastError())
                    .isNotNull().hasMessageContaining("TLS handshake"));

            Path rotated = certificates.resolve("ca.crt.new");
            Files.copy(pg.server().caCertificate(), rotated);
            Files.move(rotated, ca, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                ConnectionStatus status = status(registry);
                assertThat(status.state()).isEqualTo(ConnectionState.CONNECTED);
                assertThat(status.tls()).isTrue();
            });
        });
    }

    private ApplicationContextRunner runner(Path ca) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, PgReplAutoConfiguration.class,
                        ReplicationListenerAutoConfiguration.class))
                .withUserConfiguration(TestListeners.OrdersHandlerConfiguration.class)
                .withPropertyValues("spring.ssl.bundle.pem.db.truststore.certificate=file:" + ca,
                        "spring.ssl.bundle.pem.db.reload-on-update=true",
                        "spring.ssl.bundle.watch.file.quiet-period=100ms",
                        ORDERS + "url=postgresql://localhost:" + pg.server().port() + "/postgres",
                        ORDERS + "username=" + PgServer.TRUST_USER, ORDERS + "ssl.mode=verify-full",
                        ORDERS + "ssl.bundle=db", ORDERS + "reconnect.min-backoff=100ms",
                        ORDERS + "reconnect.max-backoff=300ms");
    }

    private static ConnectionStatus status(ReplicationConnectionRegistry registry) {
        return registry.connection("orders").status();
    }
}
