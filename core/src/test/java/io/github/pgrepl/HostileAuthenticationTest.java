package io.github.pgrepl;

import static io.github.pgrepl.testsupport.BackendMessages.authenticationCleartextPassword;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationMd5Password;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationOk;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationSasl;
import static io.github.pgrepl.testsupport.BackendMessages.authenticationSaslContinue;
import static io.github.pgrepl.testsupport.BackendMessages.errorResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.internal.auth.ScramSha256Client;
import io.github.pgrepl.testsupport.BackendScript;
import io.github.pgrepl.testsupport.FakeBackend;
import io.github.pgrepl.testsupport.FrontendMessage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Servers that try to get the password, or to be trusted without proving that they know it: each is refused
 * before any secret leaves the client (libpq's rules for channel_binding and require_auth, and stricter where
 * libpq is lenient: an AuthenticationOk in the middle of SCRAM is refused in every mode).
 */
class HostileAuthenticationTest {

    private static final String PASSWORD = "Tr0ub4dor&3-fake";
    private static final String SALT = "c2FsdHNhbHRzYWx0";

    @Test
    void channelBindingRequiredGivesACleartextRequestNoPassword() {
        BackendScript script = BackendScript.builder().send(authenticationCleartextPassword()).expect('p')
                .send(authenticationOk()).readySession().build();
        try (FakeBackend backend = FakeBackend.startWithTls(script)) {
            Throwable failure = connect(config(backend).sslMode(SslMode.REQUIRE).channelBinding(ChannelBinding.REQUIRE));

            assertThat(failure).hasMessageContaining("channel binding is required")
                    .hasMessageContaining("cleartext password");
            assertNoSecretSent(backend);
        }
    }

    @Test
    void channelBindingRequiredGivesAnMd5RequestNoPassword() {
        BackendScript script = BackendScript.builder().send(authenticationMd5Password(new byte[] {1, 2, 3, 4})).expect('p')
                .send(authenticationOk()).readySession().build();
        try (FakeBackend backend = FakeBackend.startWithTls(script)) {
            Throwable failure = connect(config(backend).sslMode(SslMode.REQUIRE).channelBinding(ChannelBinding.REQUIRE));

            assertThat(failure).hasMessageContaining("channel binding is required").hasMessageContaining("md5");
            assertNoSecretSent(backend);
        }
    }

    @Test
    void channelBindingRequiredRefusesAnOkBeforeTheScramPlusExchangeEnds() {
        BackendScript script = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM_PLUS))
                .expect('p', clientFirst -> List.of(authenticationOk())).readySession().build();
        try (FakeBackend backend = FakeBackend.startWithTls(script)) {
            Throwable failure = connect(config(backend).sslMode(SslMode.REQUIRE).channelBinding(ChannelBinding.REQUIRE));

            assertThat(failure).hasMessageContaining("before the SCRAM exchange").hasMessageContaining("proved");
            FakeBackend.Session session = backend.session();
            assertThat(session.received('p')).singleElement()
                    .extracting(FrontendMessage::saslMechanism).isEqualTo(ScramSha256Client.MECHANISM_PLUS);
            assertThat(session.received('Q')).isEmpty();
        }
    }

    /** The client-first-message carries no secret, so libpq sends it; the OK right after it must still fail. */
    @ParameterizedTest
    @EnumSource(value = ChannelBinding.class, names = {"DISABLE", "PREFER"})
    void anOkRightAfterTheClientFirstMessageIsRefusedInEveryMode(ChannelBinding binding) {
        BackendScript script = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM))
                .expect('p', clientFirst -> List.of(authenticationOk())).readySession().build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            Throwable failure = connect(config(backend).channelBinding(binding));

            assertThat(failure).hasMessageContaining("before the SCRAM exchange");
            assertThat(backend.session().received('Q')).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ChannelBinding.class, names = {"DISABLE", "PREFER"})
    void anOkInsteadOfTheServerSignatureIsRefusedInEveryMode(ChannelBinding binding) {
        BackendScript script = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM))
                .expect('p', clientFirst -> List.of(serverFirst(clientFirst, 4096)))
                .expect('p', clientFinal -> List.of(authenticationOk())).readySession().build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            Throwable failure = connect(config(backend).channelBinding(binding));

            assertThat(failure).hasMessageContaining("before the SCRAM exchange");
            assertThat(backend.session().received('p')).hasSize(2);
            assertThat(backend.session().received('Q')).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {ScramSha256Client.MAX_ITERATIONS + 1, Integer.MAX_VALUE})
    void anIterationCountAboveTheBoundIsRefusedAtOnce(int iterations) {
        BackendScript script = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM))
                .expect('p', clientFirst -> List.of(serverFirst(clientFirst, iterations))).expect('p').build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            Throwable failure = connect(config(backend));

            assertThat(failure).hasMessageContaining("iteration count " + iterations)
                    .hasMessageContaining(String.valueOf(ScramSha256Client.MAX_ITERATIONS));
            assertThat(backend.session().received('p')).hasSize(1);
        }
    }

    /**
     * At the bound, deriving the key takes longer (about half a second of one core) than this connectTimeout: the
     * attempt still ends on time, the client-final-message is never sent, and the derivation stops instead of
     * running on.
     */
    @Test
    void aSlowKeyDerivationCannotStretchTheConnectTimeout() {
        warmUpScram(); // class loading and the first SecureRandom must not eat the connectTimeout below
        BackendScript script = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM))
                .expect('p', clientFirst -> List.of(serverFirst(clientFirst, ScramSha256Client.MAX_ITERATIONS)))
                .expect('p').build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            Throwable failure = connect(config(backend).connectTimeout(Duration.ofMillis(300)));

            assertThat(failure).hasMessageContaining("connectTimeout");
            await().atMost(Duration.ofSeconds(20)).until(HostileAuthenticationTest::noKeyDerivationRuns);
            assertThat(backend.session().received('p')).as("only the client-first-message").hasSize(1);
        }
    }

    private static void warmUpScram() {
        BackendScript script = BackendScript.builder().send(authenticationSasl(ScramSha256Client.MECHANISM))
                .expect('p', clientFirst -> List.of(serverFirst(clientFirst, 4096)))
                .expect('p', clientFinal -> List.of(errorResponse("FATAL", "28P01", "password authentication failed"))).build();
        try (FakeBackend backend = FakeBackend.start(script)) {
            assertThat(connect(config(backend))).hasMessageContaining("28P01");
        }
    }

    private static boolean noKeyDerivationRuns() {
        return Arrays.stream(ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
                .filter(thread -> thread.getThreadName().startsWith("pgrepl-scram"))
                .noneMatch(thread -> thread.getThreadState() == Thread.State.RUNNABLE && derives(thread));
    }

    private static boolean derives(ThreadInfo thread) {
        return Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getClassName().equals(ScramSha256Client.class.getName()));
    }

    static ConnectionConfig.Builder config(FakeBackend backend) {
        return ConnectionConfig.builder().host(backend.host()).port(backend.port()).user("app").password(PASSWORD)
                .database("db").sslMode(SslMode.PREFER).connectTimeout(Duration.ofSeconds(5));
    }

    /** Starts a connection and closes it again; the failure, or {@code null} when it connected. */
    static Throwable connect(ConnectionConfig.Builder config) {
        Throwable[] failure = new Throwable[1];
        failure[0] = catchThrowable(() -> ReplicationConnection.start(config.build(), new ReplicationHandler() { }).close());
        return failure[0];
    }

    static void assertNoSecretSent(FakeBackend backend) {
        FakeBackend.Session session = backend.session();
        assertThat(session.received('p')).as("password messages").isEmpty();
        assertThat(session.receivedText()).doesNotContain(PASSWORD);
    }

    /** A SCRAM server-first-message extending the client's nonce. */
    static byte[] serverFirst(FrontendMessage clientFirst, int iterations) {
        return authenticationSaslContinue("r=" + clientFirst.scramClientNonce() + "fakeServerNonce,s=" + SALT + ",i=" + iterations);
    }
}
