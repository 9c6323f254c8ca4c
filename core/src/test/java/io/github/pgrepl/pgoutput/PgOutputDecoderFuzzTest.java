package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.Bin.dims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.pgrepl.pgoutput.Messages.Col;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Valid messages, truncated at every offset and mutated at random with a fixed seed, and random
 * bytes: decoding must give a {@link DecodeException} or an event, and reading every value of an
 * event's rows must give a value, a {@link DecodeException} or an {@link IllegalStateException}.
 */
class PgOutputDecoderFuzzTest {

    private static final long SEED = 0x5EED_1234L;
    private static final int MUTATIONS_PER_MESSAGE = 100;
    private static final int RANDOM_MESSAGES = 3_000;
    private static final int ALL = 1;
    private static final byte[] TYPES = "BCORYIUDTMSEcAbPKrp".getBytes();
    private static final int[] HOSTILE_INTS = {-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, 0x7FFF, 0x8000, 1 << 20};

    /** A message and the decoder state it is valid in. */
    private record Seed(int version, boolean inStream, byte[] message) {
    }

    private static final Col[] COLUMNS = {
        Col.key("id", 23), Col.of("b", 16), Col.of("i2", 21), Col.of("i8", 20), Col.of("f4", 700),
        Col.of("f8", 701), Col.of("num", 1700), Col.of("txt", 25), Col.of("bin", 17), Col.of("u", 2950),
        Col.of("d", 1082), Col.of("t", 1083), Col.of("ts", 1114), Col.of("tz", 1184), Col.of("j", 3802),
        Col.of("ints", 1007), Col.of("texts", 1009), Col.of("other", 90_001)};

    private static final Object[] TEXT_VALUES = {"1", "t", "-3", "9000000000", "1.5", "NaN", "12345.678", "héllo",
        "\\x00ff", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2024-01-31", "12:34:56.5", "2024-01-31 12:34:56",
        "2024-01-31 12:34:56+05:30", "{\"a\": 1}", "{{1,NULL},{3,4}}", "{a,\"b \\\"c\",NULL}", "mood"};

    private static final Object[] BINARY_VALUES = {Bin.int4(1), Bin.bool(true), Bin.int2(-3), Bin.int8(9_000_000_000L),
        Bin.float4(1.5f), Bin.float8(Double.NaN), Bin.numeric(1, 0, 3, 1, 2345, 6780), Bin.text("héllo"),
        new byte[] {0, -1}, Bin.int8(-6_850_000_000_000_000_000L), RowValuesTest.days(LocalDate.of(2024, 1, 31)),
        Bin.int8(45_296_500_000L), RowValuesTest.micros(LocalDateTime.of(2024, 1, 31, 12, 34, 56)), Bin.int8(Long.MAX_VALUE),
        Wire.bytesOf().int8(1).bytes(Bin.text("{}")).toArray(),
        Bin.array(23, dims(2, 1, 2, 1), Bin.int4(1), null, Bin.int4(3), Bin.int4(4)),
        Bin.array(25, dims(2, 0), Bin.text("a"), null), new byte[] {1, 2, 3}};

    private static final Object[] MIXED_VALUES = {"1", Wire.NULL, Wire.TOAST, Bin.int8(1), "0.5", Wire.NULL,
        Bin.numeric(0, 0xC000, 0), Wire.TOAST, "\\x", Wire.NULL, "infinity", Bin.int8(86_400_000_000L), "-infinity",
        Bin.int8(Long.MIN_VALUE), "[1,2]", "{}", Bin.array(25, dims()), Wire.NULL};

    private static List<Seed> seeds() {
        List<Seed> seeds = new ArrayList<>();
        for (int version = 1; version <= 4; version++) {
            add(seeds, version, false, Wire.message('B').int64(1L << 40).int64(1_000_000).int32(-2));
            add(seeds, version, false, Wire.message('C').int8(0).int64(1).int64(2).int64(3));
            add(seeds, version, false, Wire.message('O').int64(9).string("origin"));
            add(seeds, version, false, Messages.relation(ALL, "public", "every_type", COLUMNS));
            add(seeds, version, false, Wire.message('Y').int32(90_001).string("public").string("mood"));
            add(seeds, version, false, Messages.insert(ALL, TEXT_VALUES));
            add(seeds, version, false, Messages.insert(ALL, BINARY_VALUES));
            add(seeds, version, false, Wire.message('U').int32(ALL).int8('O').tuple(TEXT_VALUES).int8('N')
                    .tuple(MIXED_VALUES));
            add(seeds, version, false, Wire.message('U').int32(ALL).int8('K').tuple(BINARY_VALUES).int8('N')
                    .tuple(TEXT_VALUES));
            add(seeds, version, false, Wire.message('D').int32(ALL).int8('K').tuple(MIXED_VALUES));
            add(seeds, version, false, Wire.message('T').int32(2).int8(3).int32(ALL).int32(ALL));
            add(seeds, version, false, Wire.message('M').int8(1).int64(5).string("prefix").int32(3).bytes(new byte[3]));
        }
        for (int version = 2; version <= 4; version++) {
            add(seeds, version, false, Wire.message('S').int32(7).int8(1));
            add(seeds, version, true, Wire.message('E'));
            add(seeds, version, true, Messages.relationInStream(7, ALL, "public", "every_type", COLUMNS));
            add(seeds, version, true, Wire.message('I').int32(7).int32(ALL).int8('N').tuple(BINARY_VALUES));
            add(seeds, version, true, Wire.message('T').int32(7).int32(1).int8(0).int32(ALL));
            add(seeds, version, true, Wire.message('M').int32(7).int8(1).int64(5).string("p").int32(0));
            add(seeds, version, false, Wire.message('c').int32(7).int8(0).int64(1).int64(2).int64(3));
            add(seeds, version, false, Wire.message('A').int32(7).int32(8));
        }
        for (int version = 3; version <= 4; version++) {
            add(seeds, version, false, Wire.message('b').int64(1).int64(2).int64(3).int32(4).string("gid"));
            add(seeds, version, false, Wire.message('P').int8(0).int64(1).int64(2).int64(3).int32(4).string("gid"));
            add(seeds, version, false, Wire.message('K').int8(0).int64(1).int64(2).int64(3).int32(4).string("gid"));
            add(seeds, version, false, Wire.message('r').int8(0).int64(1).int64(2).int64(3).int64(4).int32(5)
                    .string("gid"));
            add(seeds, version, false, Wire.message('p').int8(0).int64(1).int64(2).int64(3).int32(4).string("gid"));
        }
        add(seeds, 4, false, Wire.message('A').int32(7).int32(8).int64(9).int64(10));
        return seeds;
    }

    private static void add(List<Seed> seeds, int version, boolean inStream, Wire message) {
        seeds.add(new Seed(version, inStream, message.toArray()));
    }

    private static PgOutputDecoder decoderFor(Seed seed) {
        PgOutputDecoder decoder = new PgOutputDecoder(seed.version());
        decoder.decode(Messages.relation(ALL, "public", "every_type", COLUMNS).buffer());
        if (seed.inStream()) {
            decoder.decode(Wire.message('S').int32(7).int8(1).buffer());
        }
        return decoder;
    }

    @Test
    void decodesEverySeedAndReadsAllItsValues() {
        int rowsRead = 0;
        for (Seed seed : seeds()) {
            ChangeEvent event = decoderFor(seed).decode(ByteBuffer.wrap(seed.message()));
            rowsRead += touch(event);
        }
        assertThat(rowsRead).isGreaterThan(20);
    }

    @Test
    void truncatedMessagesFailCleanly() {
        int failures = 0;
        for (Seed seed : seeds()) {
            for (int length = 0; length < seed.message().length; length++) {
                failures += check(seed, Arrays.copyOf(seed.message(), length)) ? 0 : 1;
            }
        }
        assertThat(failures).isGreaterThan(1_000);
    }

    @Test
    void mutatedMessagesFailCleanlyOrDecode() {
        Random random = new Random(SEED);
        int attempts = 0;
        int decoded = 0;
        for (Seed seed : seeds()) {
            for (int i = 0; i < MUTATIONS_PER_MESSAGE; i++) {
                decoded += check(seed, mutate(seed.message(), random)) ? 1 : 0;
                attempts++;
            }
        }
        assertThat(attempts).isGreaterThan(5_000);
        // Enough mutations must survive decoding for the value getters to be exercised too.
        assertThat(decoded).isGreaterThan(attempts / 10);
    }

    @Test
    void randomBytesFailCleanly() {
        Random random = new Random(SEED + 1);
        for (int i = 0; i < RANDOM_MESSAGES; i++) {
            byte[] message = new byte[random.nextInt(64)];
            random.nextBytes(message);
            if (message.length > 0 && random.nextBoolean()) {
                message[0] = TYPES[random.nextInt(TYPES.length)];
            }
            int version = 1 + random.nextInt(4);
            check(new Seed(version, version >= 2 && random.nextBoolean(), message), message);
        }
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] message = original.clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && message.length > 1; m++) {
            int at = 1 + random.nextInt(message.length - 1);
            switch (random.nextInt(5)) {
                case 0 -> message[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> message[at] = (byte) random.nextInt(256);
                case 2 -> {
                    // A length or count field set to a hostile value.
                    int value = HOSTILE_INTS[random.nextInt(HOSTILE_INTS.length)];
                    for (int b = 0; b < 4 && at + b < message.length; b++) {
                        message[at + b] = (byte) (value >>> (24 - 8 * b));
                    }
                }
                case 3 -> message = Arrays.copyOf(message, at);
                default -> {
                    byte[] longer = Arrays.copyOf(message, message.length + 1 + random.nextInt(8));
                    System.arraycopy(message, at, longer, longer.length - (message.length - at), message.length - at);
                    message = longer;
                }
            }
        }
        return message;
    }

    /** Decodes and reads everything; true when an event came out. */
    private static boolean check(Seed seed, byte[] message) {
        PgOutputDecoder decoder = decoderFor(seed);
        ChangeEvent event;
        try {
            event = decoder.decode(ByteBuffer.wrap(message));
        } catch (DecodeException expected) {
            assertThat(expected.getMessage()).contains("at byte");
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("decode threw " + e + " for version " + seed.version() + " inStream "
                    + seed.inStream() + " message " + HexFormat.of().formatHex(message), e);
        }
        try {
            touch(event);
        } catch (RuntimeException | Error e) {
            throw new AssertionError("reading " + event + " threw " + e + " for message "
                    + HexFormat.of().formatHex(message), e);
        }
        return true;
    }

    /** Reads every value of every row of the event; returns the number of rows. */
    private static int touch(ChangeEvent event) {
        assertThat(event.toString()).hasSizeLessThan(20_000);
        List<Row> rows = new ArrayList<>();
        if (event instanceof ChangeEvent.Insert insert) {
            rows.add(insert.newRow());
        } else if (event instanceof ChangeEvent.Update update) {
            rows.addAll(Arrays.asList(update.oldKey(), update.oldRow(), update.newRow()));
        } else if (event instanceof ChangeEvent.Delete delete) {
            rows.addAll(Arrays.asList(delete.oldKey(), delete.oldRow()));
        }
        int count = 0;
        for (Row row : rows) {
            if (row == null) {
                continue;
            }
            count++;
            for (int i = 0; i < row.size(); i++) {
                int index = i;
                String name = row.columnNames().get(i);
                row.isNull(index);
                row.isUnchangedToast(name);
                for (BiFunction<Row, Integer, Object> getter : Getters.BY_INDEX) {
                    readQuietly(() -> getter.apply(row, index));
                }
                for (BiFunction<Row, String, Object> getter : Getters.BY_NAME) {
                    readQuietly(() -> getter.apply(row, name));
                }
            }
        }
        return count;
    }

    private static void readQuietly(Runnable read) {
        try {
            read.run();
        } catch (DecodeException | IllegalStateException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                fail("exception without a message", expected);
            }
        }
    }
}
