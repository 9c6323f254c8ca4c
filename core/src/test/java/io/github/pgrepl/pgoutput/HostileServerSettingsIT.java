package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Action;
import io.github.pgrepl.QueryOutcome;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server whose defaults print values in every way pgrepl does not read: SQL dates in day-month order,
 * sql_standard intervals, floats rounded to 15 digits, Latin-1 text, a time zone 12:45 from UTC. The values still
 * arrive as they are, in text and in binary, because the session pins its own settings.
 */
class HostileServerSettingsIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("datestyle", "SQL, DMY").setting("intervalstyle", "sql_standard")
            .setting("extra_float_digits", "0").setting("client_encoding", "LATIN1").setting("timezone", "Pacific/Chatham")
            .build();

    @ParameterizedTest(name = "binary = {0}")
    @ValueSource(booleans = {false, true})
    void valuesReadAsTheyAreWhateverTheServersDefaults(boolean binary) {
        String table = unique("hostile");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz,"
                + " iv interval, f8 float8, f4 float4, t text)", "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        CollectingListener listener = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(unique("slot")).publications(publication)
                .createSlot(true).binary(binary).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            pg.server().execute("INSERT INTO " + table + " VALUES (1, '2024-02-29', '2024-02-29 12:34:56.5',"
                    + " '2024-02-29 12:34:56.5+00', '1 day 2 hours 3 minutes 4 seconds', 0.1::float8 + 0.2::float8,"
                    + " 1.2345678::float4, 'café ☕')");
            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.ofType(ChangeEvent.Insert.class).isEmpty());
        }
        Row row = listener.ofType(ChangeEvent.Insert.class).get(0).newRow();

        assertThat(row.getLocalDate("d")).isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(row.getString("d")).isEqualTo("2024-02-29");
        assertThat(row.getLocalDateTime("ts")).isEqualTo(LocalDateTime.of(2024, 2, 29, 12, 34, 56, 500_000_000));
        assertThat(row.getInstant("tstz")).isEqualTo(Instant.parse("2024-02-29T12:34:56.500Z"));
        assertThat(row.getString("iv")).isEqualTo("1 day 02:03:04");
        assertThat(row.getDouble("f8")).isEqualTo(0.1 + 0.2);
        assertThat(row.getString("f8")).isEqualTo("0.30000000000000004");
        assertThat(row.getFloat("f4")).isEqualTo(1.2345678f);
        assertThat(row.getString("f4")).isEqualTo("1.2345678");
        assertThat(row.getString("t")).isEqualTo("café ☕");
    }

    /** A SET of a pinned setting in a query would make every later value misread: the connection refuses it. */
    @Test
    void aSetOfAPinnedSettingEndsTheSession() {
        ReplicationHandler setsDateStyle = new ReplicationHandler() {
            @Override
            public Action handleConnect() {
                return Action.query("SET DateStyle = 'SQL, DMY'");
            }

            @Override
            public Action handleResult(QueryOutcome outcome) {
                return Action.noReply();
            }
        };

        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config(pg.server()).build(), setsDateStyle).close());

        assertThat(failure).hasMessageContaining("The server set DateStyle to 'SQL, DMY'");
    }
}
