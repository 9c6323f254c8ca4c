package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.pgrepl.testsupport.SecretSamples;
import io.github.pgrepl.testsupport.SecretSamples.SecretUrl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A password in a connection URL, valid or not, never reaches a message: no piece of 3 of its characters appears
 * in any exception (message, cause, stack trace) or in the configuration's toString, whatever the password holds.
 * The connection-level half (status, logs) is in SecretsIT; the Spring half in the autoconfigure module.
 */
class UrlSecretsTest {

    private static final List<String> PASSWORDS = SecretSamples.printableAsciiPasswords(11, 200);

    @Test
    void noPieceOfAPasswordInAnyMessageOrToString() {
        int parsed = 0;
        int refused = 0;
        for (String password : PASSWORDS) {
            for (SecretUrl url : SecretSamples.urls("app", password, "db.example", 5432, "shop")) {
                StringBuilder text = new StringBuilder();
                ConnectionConfig[] config = new ConnectionConfig[1];
                Throwable failure = catchThrowable(() -> config[0] = ConnectionConfig.fromUrl(url.url()).build());
                if (failure == null) {
                    parsed++;
                    text.append(config[0]).append(config[0].host()).append(config[0].database()).append(config[0].user())
                            .append(config[0].parameters()).append(config[0].applicationName());
                    if (url.valid()) {
                        assertThat(config[0].password()).as(url.form()).isEqualTo(password);
                    }
                } else {
                    refused++;
                    assertThat(failure).as(url.form()).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageStartingWith("Invalid connection URL");
                    text.append(stackTrace(failure));
                }
                assertThat(SecretSamples.leakedPiece(password, text)).as("%s: %s", url.form(), text).isEmpty();
            }
        }
        assertThat(parsed).as("valid URLs").isGreaterThanOrEqualTo(3 * PASSWORDS.size());
        assertThat(refused).as("invalid URLs").isGreaterThan(10 * PASSWORDS.size());
    }

    /** What libpq makes of user info: up to the first '@' before any '/', the password after its first ':'. */
    @ParameterizedTest
    @CsvSource(delimiter = ' ', value = {
            "postgresql://app:p?ss@db/shop app p?ss db shop",
            "postgresql://app:p:ss@db/shop app p:ss db shop",
            "postgresql://a%40pp:p%2Fss@db/shop a@pp p/ss db shop",
            "postgresql://app:@db/shop app <none> db shop",
            "postgresql://:pw@db/shop <none> pw db shop",
            "postgresql://app:p#ss@db:5433/shop app p#ss db shop",
            "postgresql://app:p+ss%20@db/shop app 'p+ss ' db shop"})
    void parsesUserInfoAsLibpq(String url, String user, String password, String host, String database) {
        ConnectionConfig.Builder builder = ConnectionConfig.fromUrl(url);
        if (user.equals("<none>")) {
            builder.user("fallback");
        }
        ConnectionConfig config = builder.build();

        assertThat(config.user()).isEqualTo(user.equals("<none>") ? "fallback" : user);
        assertThat(config.password()).isEqualTo(password.equals("<none>") ? null : password);
        assertThat(config.host()).isEqualTo(host);
        assertThat(config.database()).isEqualTo(database);
    }

    /** The URLs of the issue, and their kin: each put a piece of the password in its error. */
    @ParameterizedTest
    @CsvSource(delimiter = ' ', quoteCharacter = '"', value = {
            "postgresql://app:se/cret@db:5432/shop 'se' cret",
            "postgresql://app:p?s/s@db/shop 'p' s/s",
            "postgresql://db/shop?password=ab&cdef cdef ab&",
            "postgresql://db/shop?password=ab&cdef=1 cdef ab&",
            "postgresql://app:5432/cr@db/shop cr@ /cr",
            "postgresql://app:pa@ss@db/shop ss@ pa@"})
    void aMalformedUrlSaysHowToFixItWithoutEchoingThePassword(String url, String fragment, String otherFragment) {
        Throwable failure = catchThrowable(() -> ConnectionConfig.fromUrl(url).user("app").build());

        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("percent-encode")
                .hasMessageNotContaining(fragment).hasMessageNotContaining(otherFragment);
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
