package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.Bin.dims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.github.pgrepl.pgoutput.Messages.Col;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every converted type, as text and as binary: both must give the same Java value, and the binary
 * value must print as the server prints the text.
 */
class RowValuesTest {

    static final int BOOL = 16;
    static final int BYTEA = 17;
    static final int NAME = 19;
    static final int INT8 = 20;
    static final int INT2 = 21;
    static final int INT4 = 23;
    static final int TEXT = 25;
    static final int JSON = 114;
    static final int FLOAT4 = 700;
    static final int FLOAT8 = 701;
    static final int BPCHAR = 1042;
    static final int VARCHAR = 1043;
    static final int DATE = 1082;
    static final int TIME = 1083;
    static final int TIMESTAMP = 1114;
    static final int TIMESTAMPTZ = 1184;
    static final int NUMERIC = 1700;
    static final int UUID_OID = 2950;
    static final int JSONB = 3802;

    private static final LocalDate PG_EPOCH = LocalDate.of(2000, 1, 1);

    /** A row with one column {@code v} of the type, holding {@code value} (String text, byte[] binary). */
    static Row row(int typeOid, Object value) {
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        decoder.decode(Messages.relation(1, "public", "t", Col.of("v", typeOid)).buffer());
        return ((ChangeEvent.Insert) decoder.decode(Messages.insert(1, value).buffer())).newRow();
    }

    static byte[] days(LocalDate date) {
        return Bin.int4((int) (date.toEpochDay() - PG_EPOCH.toEpochDay()));
    }

    static byte[] micros(LocalDateTime timestamp) {
        long seconds = timestamp.toEpochSecond(ZoneOffset.UTC) - 946_684_800L;
        return Bin.int8(seconds * 1_000_000L + timestamp.getNano() / 1_000);
    }

    static byte[] micros(LocalTime time) {
        return Bin.int8(time.toNanoOfDay() / 1_000);
    }

    static Stream<Arguments> scalars() {
        LocalDateTime moment = LocalDateTime.of(2024, 1, 31, 12, 34, 56, 123_456_000);
        UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        return Stream.of(
                arguments(BOOL, "t", Bin.bool(true), true),
                arguments(BOOL, "f", Bin.bool(false), false),
                arguments(INT2, "-32768", Bin.int2(-32768), (short) -32768),
                arguments(INT4, "2147483647", Bin.int4(Integer.MAX_VALUE), Integer.MAX_VALUE),
                arguments(INT8, "-9223372036854775808", Bin.int8(Long.MIN_VALUE), Long.MIN_VALUE),
                arguments(FLOAT4, "1.5", Bin.float4(1.5f), 1.5f),
                arguments(FLOAT4, "0.1", Bin.float4(0.1f), 0.1f),
                arguments(FLOAT4, "123456", Bin.float4(123456f), 123456f),
                arguments(FLOAT4, "1.234567e+06", Bin.float4(1234567f), 1234567f),
                arguments(FLOAT4, "1e+20", Bin.float4(1e20f), 1e20f),
                arguments(FLOAT4, "-Infinity", Bin.float4(Float.NEGATIVE_INFINITY), Float.NEGATIVE_INFINITY),
                arguments(FLOAT4, "NaN", Bin.float4(Float.NaN), Float.NaN),
                arguments(FLOAT8, "3.141592653589793", Bin.float8(Math.PI), Math.PI),
                // Shortest round-trip digits, as the server prints them; Java's toString has more.
                arguments(FLOAT8, "5e-324", Bin.float8(Double.MIN_VALUE), Double.MIN_VALUE),
                arguments(FLOAT8, "9.999999999999999e+22", Bin.float8(1e23), 1e23),
                arguments(FLOAT4, "1e-45", Bin.float4(Float.MIN_VALUE), Float.MIN_VALUE),
                arguments(FLOAT4, "8.589974e+09", Bin.float4(8.589974e9f), 8.589974e9f),
                // Left as text, printed from binary as the server prints them.
                arguments(26, "4294967295", Bin.int4(-1), "4294967295"),
                arguments(1186, "1 year 2 mons -3 days +04:05:06.5", Wire.bytesOf().int64(14_706_500_000L).int32(-3).int32(14)
                        .toArray(), "1 year 2 mons -3 days +04:05:06.5"),
                arguments(1186, "-00:00:01", Wire.bytesOf().int64(-1_000_000L).int32(0).int32(0).toArray(), "-00:00:01"),
                arguments(869, "::ffff:1.2.3.4", Wire.bytesOf().int8(3).int8(128).int8(0).int8(16)
                        .bytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 1, 2, 3, 4}).toArray(), "::ffff:1.2.3.4"),
                arguments(650, "10.0.0.0/8", Wire.bytesOf().int8(2).int8(8).int8(1).int8(4).bytes(new byte[] {10, 0, 0, 0})
                        .toArray(), "10.0.0.0/8"),
                arguments(1266, "12:34:56.5+05:30", Wire.bytesOf().int64(45_296_500_000L).int32(-19_800).toArray(),
                        "12:34:56.5+05:30"),
                arguments(1562, "0101", Wire.bytesOf().int32(4).int8(0x50).toArray(), "0101"),
                arguments(3220, "16/B374D848", Bin.int8(0x16B374D848L), "16/B374D848"),
                arguments(FLOAT8, "123456789012345", Bin.float8(123456789012345d), 123456789012345d),
                arguments(FLOAT8, "1e+15", Bin.float8(1e15), 1e15),
                arguments(FLOAT8, "-1.5e+300", Bin.float8(-1.5e300), -1.5e300),
                arguments(FLOAT8, "0.0001", Bin.float8(0.0001), 0.0001),
                arguments(FLOAT8, "1e-05", Bin.float8(0.00001), 0.00001),
                arguments(FLOAT8, "-0", Bin.float8(-0.0), -0.0),
                arguments(FLOAT8, "Infinity", Bin.float8(Double.POSITIVE_INFINITY), Double.POSITIVE_INFINITY),
                arguments(NUMERIC, "12345.678", Bin.numeric(1, 0, 3, 1, 2345, 6780), new BigDecimal("12345.678")),
                arguments(NUMERIC, "-0.5", Bin.numeric(-1, 0x4000, 1, 5000), new BigDecimal("-0.5")),
                arguments(NUMERIC, "0", Bin.numeric(0, 0, 0), BigDecimal.ZERO),
                arguments(NUMERIC, "0.00", Bin.numeric(0, 0, 2), new BigDecimal("0.00")),
                arguments(NUMERIC, "1000000", Bin.numeric(1, 0, 0, 100), new BigDecimal("1000000")),
                arguments(NUMERIC, "0.0001", Bin.numeric(-1, 0, 4, 1), new BigDecimal("0.0001")),
                arguments(NUMERIC, "123456789.987654321", Bin.numeric(2, 0, 9, 1, 2345, 6789, 9876, 5432, 1000),
                        new BigDecimal("123456789.987654321")),
                arguments(NUMERIC, "-98765432109876543210.5", Bin.numeric(4, 0x4000, 1, 9876, 5432, 1098, 7654, 3210,
                        5000), new BigDecimal("-98765432109876543210.5")),
                arguments(NUMERIC, "NaN", Bin.numeric(0, 0xC000, 0), "NaN"),
                arguments(NUMERIC, "Infinity", Bin.numeric(0, 0xD000, 0), "Infinity"),
                arguments(NUMERIC, "-Infinity", Bin.numeric(0, 0xF000, 0), "-Infinity"),
                arguments(TEXT, "héllo, wörld ✓", Bin.text("héllo, wörld ✓"), "héllo, wörld ✓"),
                arguments(TEXT, "", Bin.text(""), ""),
                arguments(VARCHAR, "abc", Bin.text("abc"), "abc"),
                arguments(BPCHAR, "ab  ", Bin.text("ab  "), "ab  "),
                arguments(NAME, "pg_class", Bin.text("pg_class"), "pg_class"),
                arguments(JSON, "{\"a\": [1, 2]}", Bin.text("{\"a\": [1, 2]}"), "{\"a\": [1, 2]}"),
                arguments(JSONB, "{\"a\": [1, 2]}", Wire.bytesOf().int8(1).bytes(Bin.text("{\"a\": [1, 2]}")).toArray(),
                        "{\"a\": [1, 2]}"),
                arguments(BYTEA, "\\x00ff10", new byte[] {0, -1, 16}, new byte[] {0, -1, 16}),
                arguments(BYTEA, "\\x", new byte[0], new byte[0]),
                arguments(UUID_OID, uuid.toString(), Wire.bytesOf().int64(uuid.getMostSignificantBits())
                        .int64(uuid.getLeastSignificantBits()).toArray(), uuid),
                arguments(DATE, "2024-01-31", days(LocalDate.of(2024, 1, 31)), LocalDate.of(2024, 1, 31)),
                arguments(DATE, "1999-12-31", days(LocalDate.of(1999, 12, 31)), LocalDate.of(1999, 12, 31)),
                arguments(DATE, "0044-03-15 BC", days(LocalDate.of(-43, 3, 15)), LocalDate.of(-43, 3, 15)),
                arguments(DATE, "10000-01-01", days(LocalDate.of(10000, 1, 1)), LocalDate.of(10000, 1, 1)),
                arguments(DATE, "infinity", Bin.int4(Integer.MAX_VALUE), LocalDate.MAX),
                arguments(DATE, "-infinity", Bin.int4(Integer.MIN_VALUE), LocalDate.MIN),
                arguments(TIME, "12:34:56.123456", micros(LocalTime.of(12, 34, 56, 123_456_000)),
                        LocalTime.of(12, 34, 56, 123_456_000)),
                arguments(TIME, "00:00:00", micros(LocalTime.MIDNIGHT), LocalTime.MIDNIGHT),
                arguments(TIME, "23:59:59.5", micros(LocalTime.of(23, 59, 59, 500_000_000)),
                        LocalTime.of(23, 59, 59, 500_000_000)),
                arguments(TIME, "24:00:00", Bin.int8(86_400_000_000L), LocalTime.MAX),
                arguments(TIMESTAMP, "2024-01-31 12:34:56.123456", micros(moment), moment),
                arguments(TIMESTAMP, "1970-01-01 00:00:00", micros(LocalDateTime.of(1970, 1, 1, 0, 0)),
                        LocalDateTime.of(1970, 1, 1, 0, 0)),
                arguments(TIMESTAMP, "0044-03-15 12:00:00 BC", micros(LocalDateTime.of(-43, 3, 15, 12, 0)),
                        LocalDateTime.of(-43, 3, 15, 12, 0)),
                arguments(TIMESTAMP, "infinity", Bin.int8(Long.MAX_VALUE), LocalDateTime.MAX),
                arguments(TIMESTAMP, "-infinity", Bin.int8(Long.MIN_VALUE), LocalDateTime.MIN),
                arguments(TIMESTAMPTZ, "2024-01-31 12:34:56.123456+00", micros(moment), moment.atOffset(ZoneOffset.UTC)),
                arguments(TIMESTAMPTZ, "0044-03-15 12:00:00+00 BC", micros(LocalDateTime.of(-43, 3, 15, 12, 0)),
                        LocalDateTime.of(-43, 3, 15, 12, 0).atOffset(ZoneOffset.UTC)),
                arguments(TIMESTAMPTZ, "infinity", Bin.int8(Long.MAX_VALUE), OffsetDateTime.MAX),
                arguments(TIMESTAMPTZ, "-infinity", Bin.int8(Long.MIN_VALUE), OffsetDateTime.MIN));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("scalars")
    void decodesTextAndBinaryToTheSameValue(int typeOid, String text, byte[] binary, Object expected) {
        Row textRow = row(typeOid, text);
        Row binaryRow = row(typeOid, binary);

        assertThat(textRow.getObject(0)).isEqualTo(expected);
        assertThat(binaryRow.getObject(0)).isEqualTo(expected);
        assertThat(textRow.getString(0)).isEqualTo(text);
        assertThat(binaryRow.getString(0)).isEqualTo(text);
    }

    static Stream<Arguments> arrays() {
        LocalDateTime moment = LocalDateTime.of(2024, 1, 31, 12, 34, 56);
        UUID uuid = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        return Stream.of(
                arguments(1000, "{t,f,NULL}", Bin.array(BOOL, dims(3, 1), Bin.bool(true), Bin.bool(false), null),
                        Arrays.asList(true, false, null)),
                arguments(1005, "{1,-2}", Bin.array(INT2, dims(2, 1), Bin.int2(1), Bin.int2(-2)),
                        List.of((short) 1, (short) -2)),
                arguments(1007, "{1,2,NULL}", Bin.array(INT4, dims(3, 1), Bin.int4(1), Bin.int4(2), null),
                        Arrays.asList(1, 2, null)),
                arguments(1007, "{}", Bin.array(INT4, dims()), List.of()),
                arguments(1007, "{{1,2},{3,4}}", Bin.array(INT4, dims(2, 1, 2, 1), Bin.int4(1), Bin.int4(2),
                        Bin.int4(3), Bin.int4(4)), List.of(List.of(1, 2), List.of(3, 4))),
                arguments(1007, "{{{1},{2}}}", Bin.array(INT4, dims(1, 1, 2, 1, 1, 1), Bin.int4(1), Bin.int4(2)),
                        List.of(List.of(List.of(1), List.of(2)))),
                arguments(1016, "{9223372036854775807}", Bin.array(INT8, dims(1, 1), Bin.int8(Long.MAX_VALUE)),
                        List.of(Long.MAX_VALUE)),
                arguments(1021, "{1.5,NaN,-Infinity}", Bin.array(FLOAT4, dims(3, 1), Bin.float4(1.5f),
                        Bin.float4(Float.NaN), Bin.float4(Float.NEGATIVE_INFINITY)),
                        List.of(1.5f, Float.NaN, Float.NEGATIVE_INFINITY)),
                arguments(1022, "{0.1,1e+100}", Bin.array(FLOAT8, dims(2, 1), Bin.float8(0.1), Bin.float8(1e100)),
                        List.of(0.1, 1e100)),
                arguments(1231, "{12345.678,NaN,NULL}", Bin.array(NUMERIC, dims(3, 1),
                        Bin.numeric(1, 0, 3, 1, 2345, 6780), Bin.numeric(0, 0xC000, 0), null),
                        Arrays.asList(new BigDecimal("12345.678"), "NaN", null)),
                arguments(1009, "{a,\"b c\",\"say \\\"hi\\\"\",\"back\\\\slash\",NULL,\"NULL\",\"\",\"x,y\",\"{z}\"}",
                        Bin.array(TEXT, dims(9, 1), Bin.text("a"), Bin.text("b c"), Bin.text("say \"hi\""),
                                Bin.text("back\\slash"), null, Bin.text("NULL"), Bin.text(""), Bin.text("x,y"),
                                Bin.text("{z}")),
                        Arrays.asList("a", "b c", "say \"hi\"", "back\\slash", null, "NULL", "", "x,y", "{z}")),
                arguments(1015, "{ünï,code}", Bin.array(VARCHAR, dims(2, 1), Bin.text("ünï"), Bin.text("code")),
                        List.of("ünï", "code")),
                arguments(1014, "{\"ab  \",cd}", Bin.array(BPCHAR, dims(2, 1), Bin.text("ab  "), Bin.text("cd")),
                        List.of("ab  ", "cd")),
                arguments(2951, "{" + uuid + "}", Bin.array(UUID_OID, dims(1, 1), Wire.bytesOf()
                        .int64(uuid.getMostSignificantBits()).int64(uuid.getLeastSignificantBits()).toArray()),
                        List.of(uuid)),
                arguments(1182, "{2024-01-31,infinity}", Bin.array(DATE, dims(2, 1), days(LocalDate.of(2024, 1, 31)),
                        Bin.int4(Integer.MAX_VALUE)), List.of(LocalDate.of(2024, 1, 31), LocalDate.MAX)),
                arguments(1183, "{12:00:00,00:00:01.5}", Bin.array(TIME, dims(2, 1), micros(LocalTime.NOON),
                        micros(LocalTime.of(0, 0, 1, 500_000_000))), List.of(LocalTime.NOON, LocalTime.of(0, 0, 1, 500_000_000))),
                arguments(1115, "{\"2024-01-31 12:34:56\",NULL}", Bin.array(TIMESTAMP, dims(2, 1), micros(moment), null),
                        Arrays.asList(moment, null)),
                arguments(1185, "{\"2024-01-31 12:34:56+00\"}", Bin.array(TIMESTAMPTZ, dims(1, 1), micros(moment)),
                        List.of(moment.atOffset(ZoneOffset.UTC))),
                arguments(199, "{\"{\\\"a\\\": 1}\",\"null\"}", Bin.array(JSON, dims(2, 1), Bin.text("{\"a\": 1}"),
                        Bin.text("null")), List.of("{\"a\": 1}", "null")),
                arguments(3807, "{\"{\\\"a\\\": 1}\",NULL}", Bin.array(JSONB, dims(2, 1),
                        Wire.bytesOf().int8(1).bytes(Bin.text("{\"a\": 1}")).toArray(), null),
                        Arrays.asList("{\"a\": 1}", null)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("arrays")
    void decodesTextAndBinaryArraysToTheSameList(int typeOid, String text, byte[] binary, List<?> expected) {
        Row textRow = row(typeOid, text);
        Row binaryRow = row(typeOid, binary);

        assertThat(textRow.getList(0)).isEqualTo(expected);
        assertThat(binaryRow.getList(0)).isEqualTo(expected);
        assertThat(textRow.getObject(0)).isEqualTo(expected);
        assertThat(binaryRow.getString(0)).isEqualTo(text);
    }

    @ParameterizedTest
    @MethodSource("byteaArrays")
    void decodesByteaArrays(Object value) {
        List<?> list = row(1001, value).getList(0);

        assertThat(list).hasSize(2);
        assertThat((byte[]) list.get(0)).containsExactly(1, -1);
        assertThat(list.get(1)).isNull();
    }

    static Stream<Object> byteaArrays() {
        return Stream.of("{\"\\\\x01ff\",NULL}", Bin.array(BYTEA, dims(2, 1), new byte[] {1, -1}, null));
    }
}
