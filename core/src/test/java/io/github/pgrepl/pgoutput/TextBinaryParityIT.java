package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same rows streamed in text and in binary give equal results for every getter of every column, edge values
 * included: floats as the server prints them, domains over converted types as their base type, enums, oid and the
 * other types pgrepl leaves as text (interval, inet, timetz, bit…), and arrays of all of these. The only difference
 * allowed is the documented one: a type pgrepl cannot print from binary reads as hex.
 */
class TextBinaryParityIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private static final String[] COLUMNS = {
        "f4 float4", "f8 float8", "n numeric", "o oid", "x xid", "x8 xid8", "c \"char\"", "iv interval", "tz timetz",
        "ip inet", "net cidr", "mac macaddr", "mac8 macaddr8", "b bit(5)", "vb varbit", "lsn pg_lsn",
        "dint posint", "dnum money_amount", "ddom nested_dom", "mood mood", "moods mood[]", "dints posint[]",
        "f4s float4[]", "f8s float8[]", "oids oid[]", "ivs interval[]", "ips inet[]", "tzs timetz[]", "bs varbit[]",
        "ts timestamp", "tstz timestamptz", "d date", "t text"};

    /** Each row a list of SQL literals, one per column; NULLs and edge values included. */
    private static final List<String> ROWS = List.of(
            "1.5, 2.25, 1.5, 0, '0', '0', 'a', '0', '00:00:00+00', '10.0.0.1', '10.0.0.0/8', '08:00:2b:01:02:03',"
                    + " '08:00:2b:01:02:03:04:05', B'10101', B'', '0/0', 1, 1.5, 7, 'happy', '{happy,sad}', '{1,2}',"
                    + " '{1.5,NaN}', '{0.1,-Infinity}', '{1,4294967295}', '{\"1 day\",\"-2 mons +3 days\"}',"
                    + " '{10.0.0.1,::1}', '{\"12:00:00+05:30\"}', '{1,0101}', '2024-02-29 12:34:56', '2024-02-29 12:34:56+00',"
                    + " '2024-02-29', 'plain'",
            "'1e-45', '5e-324', 'NaN', 4294967295, '4294967295', '18446744073709551615', '\\377',"
                    + " '1 year 2 mons -3 days 04:05:06.789', '23:59:59.999999-14:59:59', '2001:db8::ff00:42:8329/64',"
                    + " '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff', B'00000', B'1', 'FFFFFFFF/FFFFFFFF',"
                    + " 2147483647, 12345678.99, 2147483647, 'sad', '{}', '{{1,2},{3,NULL}}', '{1e-45,3.4028235e38}',"
                    + " '{5e-324,1.7976931348623157e308}', '{}', '{\"-1 days -00:00:01\",\"00:00:00.000001\"}',"
                    + " '{::ffff:1.2.3.4,::1.2.3.4,fe80::1:2:3:4,1:0:0:1:0:0:0:1,::}', '{\"24:00:00+00\"}', '{}',"
                    + " '-infinity', 'infinity', 'infinity', 'a \"quoted\" {text}'",
            "'8.589974e+09', 8.589973e9, '-12.3400', 3000000000, '1', '1', '', '-1 hours', '12:34:56.5+01',"
                    + " '192.168.1.1/24', '192.168.0.0/16', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00', B'11111',"
                    + " B'0000000011', '16/B374D848', 42, -0.01, 1, 'ok', '{ok,NULL}', NULL, '{-0,0}', '{-0.0,1e22}',"
                    + " '{0}', '{\"1 year\"}', '{0.0.0.0/0}', NULL, '{\"\"}', '0001-01-01 00:00:00', '2000-01-01 00:00:00+00',"
                    + " '0001-12-31 BC', ''",
            "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
                    + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL");

    @Test
    void everyGetterGivesTheSameInTextAndInBinary() {
        String table = unique("parity");
        String publication = unique("pub");
        pg.server().execute(
                "DO $$ BEGIN CREATE DOMAIN posint AS int4 CHECK (VALUE > 0); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                "DO $$ BEGIN CREATE DOMAIN money_amount AS numeric(12,2); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                "DO $$ BEGIN CREATE DOMAIN nested_dom AS posint; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                "DO $$ BEGIN CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                "CREATE TABLE " + table + " (id int PRIMARY KEY, " + String.join(", ", COLUMNS) + ")",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        List<Row> text = stream(publication, table, false);
        List<Row> binary = stream(publication, table, true);

        List<String> differences = new ArrayList<>();
        for (int r = 0; r < ROWS.size(); r++) {
            for (int column = 1; column <= COLUMNS.length; column++) {
                for (int getter = 0; getter < Getters.BY_INDEX.size(); getter++) {
                    String textResult = outcome(Getters.BY_INDEX.get(getter), text.get(r), column);
                    String binaryResult = outcome(Getters.BY_INDEX.get(getter), binary.get(r), column);
                    if (!textResult.equals(binaryResult)) {
                        differences.add("row " + r + " " + COLUMNS[column - 1] + " getter " + getter + ": text " + textResult
                                + " / binary " + binaryResult);
                    }
                }
            }
        }
        assertThat(differences).isEmpty();
        assertThat(binary.get(1).getString("f8")).isEqualTo("5e-324");
        assertThat(binary.get(2).getString("f4")).isEqualTo("8.589974e+09");
        assertThat(binary.get(0).getObject("dint")).isEqualTo(1);
        assertThat(binary.get(1).getLong("o")).isEqualTo(4294967295L);
        assertThat(binary.get(0).getList("moods")).isEqualTo(List.of("happy", "sad"));
        assertThat(binary.get(1).getList("dints")).isEqualTo(List.of(List.of(1, 2), Arrays.asList(3, null)));
    }

    /** Under REPLICA IDENTITY FULL an unchanged TOASTed value arrives in the old row only, as Row's Javadoc says. */
    @Test
    void anUnchangedToastedValueArrivesInTheOldRowOnly() {
        String table = unique("toasted");
        String publication = unique("pub");
        pg.server().execute("CREATE TABLE " + table + " (id int PRIMARY KEY, big text, n int)",
                "ALTER TABLE " + table + " REPLICA IDENTITY FULL", "ALTER TABLE " + table + " ALTER COLUMN big SET STORAGE EXTERNAL",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
        CollectingListener listener = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(unique("slot")).publications(publication)
                .createSlot(true).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            pg.server().execute("INSERT INTO " + table + " VALUES (1, repeat('x', 10000), 1)",
                    "UPDATE " + table + " SET n = 2 WHERE id = 1");
            await().atMost(Duration.ofSeconds(15)).until(() -> !listener.ofType(ChangeEvent.Update.class).isEmpty());
        }
        ChangeEvent.Update update = listener.ofType(ChangeEvent.Update.class).get(0);

        assertThat(update.newRow().isUnchangedToast("big")).isTrue();
        assertThat(update.oldRow().isUnchangedToast("big")).isFalse();
        assertThat(update.oldRow().getString("big")).isEqualTo("x".repeat(10000));
        assertThat(update.newRow().getInt("n")).isEqualTo(2);
    }

    private static List<Row> stream(String publication, String table, boolean binary) {
        CollectingListener listener = new CollectingListener();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(unique("slot")).publications(publication)
                .createSlot(true).binary(binary).build();
        try (ReplicationConnection connection = ReplicationConnection.start(config(pg.server()).build(), handler)) {
            for (int r = 0; r < ROWS.size(); r++) {
                pg.server().execute("INSERT INTO " + table + " VALUES (" + (r + 1) + ", " + ROWS.get(r) + ")");
            }
            pg.server().execute("DELETE FROM " + table);
            await().atMost(Duration.ofSeconds(15)).until(() -> listener.ofType(ChangeEvent.Insert.class).size() == ROWS.size());
        }
        return listener.ofType(ChangeEvent.Insert.class).stream().map(ChangeEvent.Insert::newRow).collect(Collectors.toList());
    }

    /** What a getter gives, as comparable text: the value (arrays by content) or the kind of exception. */
    private static String outcome(BiFunction<Row, Integer, Object> getter, Row row, int column) {
        try {
            Object value = getter.apply(row, column);
            if (value instanceof byte[] bytes) {
                return "bytes " + Arrays.toString(bytes);
            }
            String kind = value == null ? "null" : value instanceof List ? "List" : value.getClass().getSimpleName();
            return kind + " " + Objects.toString(value);
        } catch (RuntimeException e) {
            return "throws " + e.getClass().getSimpleName();
        }
    }
}
