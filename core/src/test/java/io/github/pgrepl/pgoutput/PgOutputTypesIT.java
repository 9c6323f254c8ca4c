package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every listed column type, written by the server in text and in binary, read back as the same Java values. */
class PgOutputTypesIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static final String COLUMNS = "id int PRIMARY KEY, c_bool bool, c_int2 int2, c_int4 int4, c_int8 int8,"
            + " c_float4 float4, c_float8 float8, c_numeric numeric, c_text text, c_varchar varchar(10), c_char char(3),"
            + " c_bytea bytea, c_uuid uuid, c_date date, c_time time, c_timestamp timestamp, c_timestamptz timestamptz,"
            + " c_json json, c_jsonb jsonb, c_int4_array int4[], c_text_array text[], c_numeric_array numeric[],"
            + " c_timestamptz_array timestamptz[], c_null text";

    private static final String VALUES = "1, true, 12, 123456, 1234567890123, 1.5, 2.25, 12345.678, 'hello', 'v', 'abc',"
            + " '\\x0102ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29', '12:34:56.789', '2024-02-29 12:34:56.123456',"
            + " '2024-02-29 12:34:56.123456+02', '{\"a\": 1}', '{\"b\": 2}', '{1,NULL,3}', '{\"a b\",c}', '{1.5,-0.25}',"
            + " '{\"2024-01-01 00:00:00+00\"}', NULL";

    @ParameterizedTest(name = "binary = {0}")
    @ValueSource(booleans = {false, true})
    void everyListedTypeDecodesToTheSameJavaValues(boolean binary) {
        String table = unique("types");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + table + " (" + COLUMNS + ")", "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        CollectingListener listener = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(unique("slot")).publications(publication)
                .createSlot(true).binary(binary).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            pg.server().execute("INSERT INTO " + table + " VALUES (" + VALUES + ")");
            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.ofType(ChangeEvent.Insert.class).isEmpty());
        }
        Row row = listener.ofType(ChangeEvent.Insert.class).get(0).newRow();

        assertThat(row.getObject("c_bool")).isEqualTo(true);
        assertThat(row.getObject("c_int2")).isEqualTo((short) 12);
        assertThat(row.getObject("c_int4")).isEqualTo(123456);
        assertThat(row.getObject("c_int8")).isEqualTo(1234567890123L);
        assertThat(row.getObject("c_float4")).isEqualTo(1.5f);
        assertThat(row.getObject("c_float8")).isEqualTo(2.25d);
        assertThat(row.getBigDecimal("c_numeric")).isEqualByComparingTo(new BigDecimal("12345.678"));
        assertThat(row.getObject("c_text")).isEqualTo("hello");
        assertThat(row.getObject("c_varchar")).isEqualTo("v");
        assertThat(row.getObject("c_char")).isEqualTo("abc");
        assertThat(row.getBytes("c_bytea")).containsExactly(1, 2, 0xff);
        assertThat(row.getObject("c_uuid")).isEqualTo(UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        assertThat(row.getObject("c_date")).isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(row.getObject("c_time")).isEqualTo(LocalTime.of(12, 34, 56, 789_000_000));
        assertThat(row.getObject("c_timestamp")).isEqualTo(LocalDateTime.of(2024, 2, 29, 12, 34, 56, 123_456_000));
        assertThat(row.getInstant("c_timestamptz")).isEqualTo(Instant.parse("2024-02-29T10:34:56.123456Z"));
        assertThat(row.getString("c_json")).isEqualTo("{\"a\": 1}");
        assertThat(row.getString("c_jsonb")).isEqualTo("{\"b\": 2}");
        assertThat(row.getList("c_int4_array")).isEqualTo(Arrays.asList(1, null, 3));
        assertThat(row.getList("c_text_array")).isEqualTo(List.of("a b", "c"));
        assertThat(row.getList("c_numeric_array")).isEqualTo(List.of(new BigDecimal("1.5"), new BigDecimal("-0.25")));
        assertThat(row.getList("c_timestamptz_array")).hasSize(1);
        assertThat(row.isNull("c_null")).isTrue();
        assertThat(row.getObject("c_null")).isNull();
    }
}
