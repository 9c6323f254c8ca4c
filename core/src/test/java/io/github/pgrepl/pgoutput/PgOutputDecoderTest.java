package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.Messages.INT4;
import static io.github.pgrepl.pgoutput.Messages.TEXT;
import static io.github.pgrepl.pgoutput.Messages.insert;
import static io.github.pgrepl.pgoutput.Messages.relation;
import static io.github.pgrepl.pgoutput.Messages.relationInStream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent.Begin;
import io.github.pgrepl.pgoutput.ChangeEvent.BeginPrepare;
import io.github.pgrepl.pgoutput.ChangeEvent.Commit;
import io.github.pgrepl.pgoutput.ChangeEvent.CommitPrepared;
import io.github.pgrepl.pgoutput.ChangeEvent.Delete;
import io.github.pgrepl.pgoutput.ChangeEvent.Insert;
import io.github.pgrepl.pgoutput.ChangeEvent.LogicalMessage;
import io.github.pgrepl.pgoutput.ChangeEvent.Origin;
import io.github.pgrepl.pgoutput.ChangeEvent.Prepare;
import io.github.pgrepl.pgoutput.ChangeEvent.Relation;
import io.github.pgrepl.pgoutput.ChangeEvent.RollbackPrepared;
import io.github.pgrepl.pgoutput.ChangeEvent.StreamAbort;
import io.github.pgrepl.pgoutput.ChangeEvent.StreamCommit;
import io.github.pgrepl.pgoutput.ChangeEvent.StreamPrepare;
import io.github.pgrepl.pgoutput.ChangeEvent.StreamStart;
import io.github.pgrepl.pgoutput.ChangeEvent.StreamStop;
import io.github.pgrepl.pgoutput.ChangeEvent.Truncate;
import io.github.pgrepl.pgoutput.ChangeEvent.TypeInfo;
import io.github.pgrepl.pgoutput.ChangeEvent.Update;
import io.github.pgrepl.pgoutput.Messages.Col;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PgOutputDecoderTest {

    /** 2024-01-31T12:34:56.123456Z in microseconds since 2000-01-01. */
    private static final long PG_TIME = (Instant.parse("2024-01-31T12:34:56.123456Z").getEpochSecond() - 946_684_800L)
            * 1_000_000L + 123_456L;
    private static final Instant TIME = Instant.parse("2024-01-31T12:34:56.123456Z");
    private static final int USERS = 16_384;

    private static ChangeEvent decode(PgOutputDecoder decoder, Wire message) {
        return decoder.decode(message.buffer());
    }

    private static PgOutputDecoder withUsers(int version) {
        PgOutputDecoder decoder = new PgOutputDecoder(version);
        decode(decoder, relation(USERS, "public", "users", Col.key("id", INT4), Col.of("name", TEXT)));
        return decoder;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void decodesBeginAndCommitInEveryVersion(int version) {
        PgOutputDecoder decoder = new PgOutputDecoder(version);

        ChangeEvent begin = decode(decoder, Wire.message('B').int64(0x16_B374D848L).int64(PG_TIME).int32(0xFFFF_FFFE));
        ChangeEvent commit = decode(decoder, Wire.message('C').int8(0).int64(0x16_B374D848L).int64(0x16_B374D900L)
                .int64(PG_TIME));

        assertThat(begin).isEqualTo(new Begin(Lsn.of(0x16_B374D848L), TIME, 4_294_967_294L));
        assertThat(((Begin) begin).finalLsn()).hasToString("16/B374D848");
        assertThat(commit).isEqualTo(new Commit(0, Lsn.of(0x16_B374D848L), Lsn.of(0x16_B374D900L), TIME));
    }

    @Test
    void givesACommitItsBeginsLsnAndTimeObjectsOnlyWhenTheyAreTheSame() {
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        Begin begin = (Begin) decode(decoder, Wire.message('B').int64(0x100).int64(PG_TIME).int32(7));
        Commit same = (Commit) decode(decoder, Wire.message('C').int8(0).int64(0x100).int64(0x180).int64(PG_TIME));
        // Two objects fewer per transaction; values are immutable, so sharing them changes nothing a listener sees.
        assertThat(same.commitLsn()).isSameAs(begin.finalLsn());
        assertThat(same.commitTime()).isSameAs(begin.commitTime());

        decode(decoder, Wire.message('B').int64(0x200).int64(PG_TIME).int32(8));
        Commit other = (Commit) decode(decoder, Wire.message('C').int8(0).int64(0x208).int64(0x280).int64(PG_TIME + 1));
        assertThat(other).isEqualTo(new Commit(0, Lsn.of(0x208), Lsn.of(0x280), TIME.plusNanos(1_000)));

        Commit alone = (Commit) decode(decoder, Wire.message('C').int8(0).int64(0x300).int64(0x380).int64(PG_TIME));
        assertThat(alone).isEqualTo(new Commit(0, Lsn.of(0x300), Lsn.of(0x380), TIME));
    }

    @Test
    void convertsTimestampsBeforeThePostgresEpoch() {
        ChangeEvent begin = decode(new PgOutputDecoder(1), Wire.message('B').int64(1).int64(-1).int32(1));

        assertThat(((Begin) begin).commitTime()).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
    }

    @Test
    void decodesOrigin() {
        ChangeEvent origin = decode(new PgOutputDecoder(1), Wire.message('O').int64(42).string("node_a"));

        assertThat(origin).isEqualTo(new Origin(Lsn.of(42), "node_a"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void decodesRelationAndCachesIt(int version) {
        PgOutputDecoder decoder = new PgOutputDecoder(version);

        Relation relation = (Relation) decode(decoder, Wire.message('R').int32(USERS).string("app").string("users")
                .int8('f').int16(2)
                .int8(1).string("id").int32(INT4).int32(-1)
                .int8(0).string("näme").int32(1043).int32(68));

        assertThat(relation).isEqualTo(new Relation(0, USERS, "app", "users", 'f', List.of(
                new Relation.Column(true, "id", INT4, -1), new Relation.Column(false, "näme", 1043, 68))));
        assertThat(relation.qualifiedName()).isEqualTo("app.users");
        assertThat(decoder.relation(USERS)).isSameAs(relation);
        assertThat(decoder.relation(1)).isNull();
    }

    @Test
    void namesThePgCatalogNamespaceThatTheWireLeavesEmpty() {
        Relation relation = (Relation) decode(new PgOutputDecoder(1), relation(1, "", "pg_thing"));

        assertThat(relation.namespace()).isEqualTo("pg_catalog");
        assertThat(relation.columns()).isEmpty();
    }

    @Test
    void decodesType() {
        ChangeEvent type = decode(new PgOutputDecoder(1), Wire.message('Y').int32(90_001).string("public").string("mood"));

        assertThat(type).isEqualTo(new TypeInfo(0, 90_001, "public", "mood"));
    }

    @Test
    void decodesInsert() {
        PgOutputDecoder decoder = withUsers(1);

        Insert insert = (Insert) decode(decoder, insert(USERS, "7", "Ada"));

        assertThat(insert.relation()).isSameAs(decoder.relation(USERS));
        assertThat(insert.xid()).isZero();
        assertThat(insert.newRow().getInt("id")).isEqualTo(7);
        assertThat(insert.newRow().getString(1)).isEqualTo("Ada");
        assertThat(insert).hasToString("Insert[public.users new={id=7, name=Ada}]");
    }

    @Test
    void decodesUpdateWithoutOldTuple() {
        Update update = (Update) decode(withUsers(1),
                Wire.message('U').int32(USERS).int8('N').tuple("7", Wire.TOAST));

        assertThat(update.oldKey()).isNull();
        assertThat(update.oldRow()).isNull();
        assertThat(update.newRow().getInt("id")).isEqualTo(7);
        assertThat(update.newRow().isUnchangedToast("name")).isTrue();
    }

    @Test
    void decodesUpdateWithOldKey() {
        Update update = (Update) decode(withUsers(1),
                Wire.message('U').int32(USERS).int8('K').tuple("7", Wire.NULL).int8('N').tuple("8", "Ada"));

        assertThat(update.oldKey().getInt("id")).isEqualTo(7);
        assertThat(update.oldKey().isNull("name")).isTrue();
        assertThat(update.oldRow()).isNull();
        assertThat(update.newRow().getInt("id")).isEqualTo(8);
    }

    @Test
    void decodesUpdateWithOldRow() {
        Update update = (Update) decode(withUsers(1),
                Wire.message('U').int32(USERS).int8('O').tuple("7", "Ada").int8('N').tuple("7", "Grace"));

        assertThat(update.oldKey()).isNull();
        assertThat(update.oldRow().getString("name")).isEqualTo("Ada");
        assertThat(update.newRow().getString("name")).isEqualTo("Grace");
        assertThat(update.toString()).contains("old={id=7, name=Ada}", "new={id=7, name=Grace}");
    }

    @Test
    void decodesDeleteWithKeyOrOldRow() {
        PgOutputDecoder decoder = withUsers(1);

        Delete byKey = (Delete) decode(decoder, Wire.message('D').int32(USERS).int8('K').tuple("7", Wire.NULL));
        Delete full = (Delete) decode(decoder, Wire.message('D').int32(USERS).int8('O').tuple("7", "Ada"));

        assertThat(byKey.oldKey().getInt(0)).isEqualTo(7);
        assertThat(byKey.oldRow()).isNull();
        assertThat(full.oldKey()).isNull();
        assertThat(full.oldRow().getString(1)).isEqualTo("Ada");
    }

    @Test
    void decodesTruncate() {
        PgOutputDecoder decoder = withUsers(1);
        decode(decoder, relation(20_000, "public", "orders", Col.key("id", INT4)));

        Truncate truncate = (Truncate) decode(decoder, Wire.message('T').int32(2).int8(3).int32(USERS).int32(20_000));
        Truncate plain = (Truncate) decode(decoder, Wire.message('T').int32(1).int8(0).int32(20_000));

        assertThat(truncate.relations()).extracting(Relation::name).containsExactly("users", "orders");
        assertThat(truncate.cascade()).isTrue();
        assertThat(truncate.restartIdentity()).isTrue();
        assertThat(plain.cascade()).isFalse();
        assertThat(plain.restartIdentity()).isFalse();
        assertThat(truncate).hasToString("Truncate[public.users, public.orders cascade=true restartIdentity=true]");
    }

    @Test
    void decodesLogicalMessages() {
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);

        LogicalMessage transactional = (LogicalMessage) decode(decoder,
                Wire.message('M').int8(1).int64(99).string("audit").int32(content.length).bytes(content));
        LogicalMessage plain = (LogicalMessage) decode(decoder,
                Wire.message('M').int8(0).int64(100).string("").int32(0));

        assertThat(transactional).isEqualTo(new LogicalMessage(true, Lsn.of(99), "audit", content, 0));
        assertThat(transactional.content()).isEqualTo(content);
        transactional.content()[0] = 'X';
        assertThat(transactional.content()).isEqualTo(content);
        assertThat(plain.transactional()).isFalse();
        assertThat(plain.content()).isEmpty();
        assertThat(transactional).hasToString("LogicalMessage[transactional=true lsn=0/63 prefix=audit content=5 bytes]");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void readsTheXidOfEveryChangeInsideAStream(int version) {
        PgOutputDecoder decoder = new PgOutputDecoder(version);

        assertThat(decode(decoder, Wire.message('S').int32(700).int8(1))).isEqualTo(new StreamStart(700, true));
        assertThat(decoder.inStream()).isTrue();
        Relation relation = (Relation) decode(decoder, relationInStream(701, USERS, "public", "users",
                Col.key("id", INT4), Col.of("name", TEXT)));
        TypeInfo type = (TypeInfo) decode(decoder, Wire.message('Y').int32(701).int32(5).string("s").string("t"));
        Insert insert = (Insert) decode(decoder, Wire.message('I').int32(701).int32(USERS).int8('N').tuple("1", "a"));
        Update update = (Update) decode(decoder, Wire.message('U').int32(702).int32(USERS).int8('N').tuple("1", "b"));
        Delete delete = (Delete) decode(decoder, Wire.message('D').int32(703).int32(USERS).int8('K').tuple("1", Wire.NULL));
        Truncate truncate = (Truncate) decode(decoder, Wire.message('T').int32(704).int32(1).int8(0).int32(USERS));
        LogicalMessage message = (LogicalMessage) decode(decoder,
                Wire.message('M').int32(705).int8(1).int64(5).string("p").int32(0));
        assertThat(decode(decoder, Wire.message('E'))).isEqualTo(new StreamStop());
        assertThat(decoder.inStream()).isFalse();
        Insert afterStream = (Insert) decode(decoder, insert(USERS, "2", "c"));

        assertThat(relation.xid()).isEqualTo(701);
        assertThat(type.xid()).isEqualTo(701);
        assertThat(insert.xid()).isEqualTo(701);
        assertThat(insert.newRow().getString("name")).isEqualTo("a");
        assertThat(update.xid()).isEqualTo(702);
        assertThat(delete.xid()).isEqualTo(703);
        assertThat(truncate.xid()).isEqualTo(704);
        assertThat(message.xid()).isEqualTo(705);
        assertThat(afterStream.xid()).isZero();
        assertThat(afterStream.newRow().getInt("id")).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void decodesStreamCommitAndAbort(int version) {
        PgOutputDecoder decoder = new PgOutputDecoder(version);

        ChangeEvent commit = decode(decoder, Wire.message('c').int32(700).int8(0).int64(10).int64(20).int64(PG_TIME));
        ChangeEvent abort = decode(decoder, Wire.message('A').int32(700).int32(701));
        ChangeEvent notFirst = decode(decoder, Wire.message('S').int32(700).int8(0));

        assertThat(commit).isEqualTo(new StreamCommit(700, 0, Lsn.of(10), Lsn.of(20), TIME));
        assertThat(abort).isEqualTo(new StreamAbort(700, 701, null, null));
        assertThat(notFirst).isEqualTo(new StreamStart(700, false));
    }

    @Test
    void readsTheAbortLsnAndTimeOfVersionFourParallelStreaming() {
        ChangeEvent abort = decode(new PgOutputDecoder(4),
                Wire.message('A').int32(700).int32(701).int64(0x1_0000_0020L).int64(PG_TIME));

        assertThat(abort).isEqualTo(new StreamAbort(700, 701, Lsn.of(0x1_0000_0020L), TIME));
    }

    @Test
    void rejectsAbortFieldsBeforeVersionFour() {
        assertThatThrownBy(() -> decode(new PgOutputDecoder(3),
                Wire.message('A').int32(700).int32(701).int64(32).int64(PG_TIME)))
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("Stream Abort ('A')")
                .hasMessageContaining("at byte 9")
                .hasMessageContaining("16 unexpected trailing bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4})
    void decodesTwoPhaseMessages(int version) {
        PgOutputDecoder decoder = new PgOutputDecoder(version);
        Instant later = TIME.plusSeconds(1);

        assertThat(decode(decoder, Wire.message('b').int64(10).int64(20).int64(PG_TIME).int32(77).string("tx-1")))
                .isEqualTo(new BeginPrepare(Lsn.of(10), Lsn.of(20), TIME, 77, "tx-1"));
        assertThat(decode(decoder, Wire.message('P').int8(0).int64(10).int64(20).int64(PG_TIME).int32(77).string("tx-1")))
                .isEqualTo(new Prepare(0, Lsn.of(10), Lsn.of(20), TIME, 77, "tx-1"));
        assertThat(decode(decoder, Wire.message('K').int8(0).int64(30).int64(40).int64(PG_TIME + 1_000_000)
                .int32(77).string("tx-1")))
                .isEqualTo(new CommitPrepared(0, Lsn.of(30), Lsn.of(40), later, 77, "tx-1"));
        assertThat(decode(decoder, Wire.message('r').int8(0).int64(20).int64(50).int64(PG_TIME)
                .int64(PG_TIME + 1_000_000).int32(77).string("tx-1")))
                .isEqualTo(new RollbackPrepared(0, Lsn.of(20), Lsn.of(50), TIME, later, 77, "tx-1"));
        assertThat(decode(decoder, Wire.message('p').int8(0).int64(10).int64(20).int64(PG_TIME).int32(78).string("tx-2")))
                .isEqualTo(new StreamPrepare(0, Lsn.of(10), Lsn.of(20), TIME, 78, "tx-2"));
    }

    @Test
    void rejectsMessagesOfALaterProtocolVersion() {
        assertThatThrownBy(() -> decode(new PgOutputDecoder(1), Wire.message('S').int32(1).int8(1)))
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("Stream Start ('S')")
                .hasMessageContaining("needs protocol version 2")
                .hasMessageContaining("created for version 1");
        assertThatThrownBy(() -> decode(new PgOutputDecoder(2),
                Wire.message('b').int64(1).int64(2).int64(3).int32(4).string("g")))
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("Begin Prepare ('b')")
                .hasMessageContaining("needs protocol version 3");
    }

    @Test
    void rejectsUnsupportedProtocolVersions() {
        assertThatThrownBy(() -> new PgOutputDecoder(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 4");
        assertThatThrownBy(() -> new PgOutputDecoder(5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsStreamMessagesOutOfOrder() {
        PgOutputDecoder decoder = new PgOutputDecoder(2);

        assertThatThrownBy(() -> decode(decoder, Wire.message('E')))
                .isInstanceOf(DecodeException.class).hasMessageContaining("no stream segment is open");
        decode(decoder, Wire.message('S').int32(1).int8(1));
        assertThatThrownBy(() -> decode(decoder, Wire.message('S').int32(2).int8(0)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("already open");
        assertThat(decoder.inStream()).isTrue();
    }

    @Test
    void rejectsChangesToRelationsItWasNotTold() {
        assertThatThrownBy(() -> decode(new PgOutputDecoder(1), insert(USERS, "1")))
                .isInstanceOf(DecodeException.class)
                .hasMessage("Malformed pgoutput Insert ('I') message at byte 5: relation OID 16384 was not described"
                        + " by a Relation message on this connection; was reset() called without reconnecting,"
                        + " or a message lost?");
        assertThatThrownBy(() -> decode(new PgOutputDecoder(1), Wire.message('T').int32(1).int8(0).int32(5)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("Truncate ('T')");
    }

    @Test
    void replacesACachedRelationWhenItIsDescribedAgain() {
        PgOutputDecoder decoder = withUsers(1);
        Insert before = (Insert) decode(decoder, insert(USERS, "1", "Ada"));

        Relation altered = (Relation) decode(decoder, relation(USERS, "public", "users",
                Col.key("id", INT4), Col.of("name", TEXT), Col.of("age", INT4)));
        Insert after = (Insert) decode(decoder, insert(USERS, "2", "Grace", "85"));

        assertThat(decoder.relation(USERS)).isSameAs(altered);
        assertThat(after.relation()).isSameAs(altered);
        assertThat(after.newRow().getInt("age")).isEqualTo(85);
        assertThat(before.newRow().columnNames()).containsExactly("id", "name");
        assertThatThrownBy(() -> decode(decoder, insert(USERS, "3", "Old")))
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("tuple has 2 columns but the Relation message for public.users (OID 16384)"
                        + " described 3");
    }

    @Test
    void resetForgetsRelationsAndStreamState() {
        PgOutputDecoder decoder = withUsers(2);
        decode(decoder, Wire.message('S').int32(1).int8(1));

        decoder.reset();

        assertThat(decoder.inStream()).isFalse();
        assertThat(decoder.relation(USERS)).isNull();
        assertThatThrownBy(() -> decode(decoder, insert(USERS, "1", "a"))).isInstanceOf(DecodeException.class);
    }

    @Test
    void keepsItsStateWhenAMessageIsMalformed() {
        PgOutputDecoder decoder = withUsers(2);
        Relation users = decoder.relation(USERS);

        assertThatThrownBy(() -> decode(decoder, relation(USERS, "public", "users", Col.of("x", INT4)).int8(0)))
                .isInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> decode(decoder, Wire.message('S').int32(1)))
                .isInstanceOf(DecodeException.class);

        assertThat(decoder.relation(USERS)).isSameAs(users);
        assertThat(decoder.inStream()).isFalse();
    }

    @Test
    void rejectsEmptyAndUnknownMessages() {
        PgOutputDecoder decoder = new PgOutputDecoder(4);

        assertThatThrownBy(() -> decoder.decode(ByteBuffer.allocate(0)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> decode(decoder, Wire.message('Z')))
                .isInstanceOf(DecodeException.class)
                .hasMessage("Malformed pgoutput message at byte 0: unknown message type 'Z' (0x5a);"
                        + " is the slot's output plugin pgoutput?");
        assertThatThrownBy(() -> decode(decoder, Wire.message((char) 0x01)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("unknown message type 0x01");
    }

    @Test
    void namesTheFieldAndOffsetOfATruncation() {
        assertThatThrownBy(() -> decoder1().decode(Wire.message('B').int64(1).int32(2).buffer()))
                .isInstanceOf(DecodeException.class)
                .hasMessage("Malformed pgoutput Begin ('B') message at byte 9: truncated: commit time needs 8 bytes,"
                        + " 4 remain");
        assertThatThrownBy(() -> decoder1().decode(Wire.message('O').int64(1).int8('a').buffer()))
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("Origin ('O') message at byte 9: missing NUL terminator of origin name");
    }

    @Test
    void rejectsImpossibleCountsAndLengthsBeforeAllocating() {
        PgOutputDecoder decoder = withUsers(1);

        assertThatThrownBy(() -> decode(decoder, Wire.message('R').int32(1).string("s").string("t").int8('d')
                .int16(-1))).isInstanceOf(DecodeException.class).hasMessageContaining("column count -1");
        assertThatThrownBy(() -> decode(decoder, Wire.message('R').int32(1).string("s").string("t").int8('d')
                .int16(30_000))).isInstanceOf(DecodeException.class).hasMessageContaining("column count 30000");
        assertThatThrownBy(() -> decode(decoder, Wire.message('T').int32(Integer.MAX_VALUE).int8(0)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("relation count 2147483647");
        assertThatThrownBy(() -> decode(decoder, Wire.message('M').int8(0).int64(1).string("p").int32(-5)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("negative length -5");
        assertThatThrownBy(() -> decode(decoder, Wire.message('M').int8(0).int64(1).string("p").int32(1 << 30)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("content needs 1073741824 bytes");
        assertThatThrownBy(() -> decode(decoder, Wire.message('I').int32(USERS).int8('N').int16(2)
                .int8('t').int32(Integer.MAX_VALUE)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("needs 2147483647 bytes");
        assertThatThrownBy(() -> decode(decoder, Wire.message('I').int32(USERS).int8('N').int16(2)
                .int8('t').int32(-1)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("negative length -1");
        assertThatThrownBy(() -> decode(decoder, Wire.message('I').int32(USERS).int8('N').int16(2)
                .int8('x').int8('n')))
                .isInstanceOf(DecodeException.class).hasMessageContaining("unknown kind 0x78 of column 0");
    }

    @Test
    void rejectsWrongTupleTags() {
        PgOutputDecoder decoder = withUsers(1);

        assertThatThrownBy(() -> decode(decoder, Wire.message('I').int32(USERS).int8('K').tuple("1", "a")))
                .isInstanceOf(DecodeException.class).hasMessageContaining("tuple tag 'K' (0x4b) where 'N'");
        assertThatThrownBy(() -> decode(decoder, Wire.message('U').int32(USERS).int8('K').tuple("1", "a")
                .int8('O').tuple("1", "a"))).isInstanceOf(DecodeException.class).hasMessageContaining("tuple tag 'O'");
        assertThatThrownBy(() -> decode(decoder, Wire.message('D').int32(USERS).int8('N').tuple("1", "a")))
                .isInstanceOf(DecodeException.class).hasMessageContaining("'K' (old key) or 'O' (old tuple)");
    }

    @Test
    void rejectsTrailingBytes() {
        assertThatThrownBy(() -> decode(withUsers(1), insert(USERS, "1", "a").int8(0)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("1 unexpected trailing bytes");
        // A streamed change decoded by a decoder that missed the Stream Start is off by the xid.
        assertThatThrownBy(() -> decode(withUsers(2), Wire.message('C').int8(0).int64(1).int64(2).int64(3).int32(4)))
                .isInstanceOf(DecodeException.class).hasMessageContaining("protocol version");
    }

    @Test
    void readsFromThePositionToTheLimitAndLeavesTheBufferAlone() {
        PgOutputDecoder decoder = withUsers(1);
        ByteBuffer direct = insert(USERS, "5", "Linus").directBuffer();
        direct.order(ByteOrder.LITTLE_ENDIAN);
        byte[] heapBytes = insert(USERS, "6", "Ken").toArray();
        ByteBuffer heap = ByteBuffer.allocate(heapBytes.length + 10);
        heap.position(4).put(heapBytes).limit(4 + heapBytes.length).position(4);

        Insert fromDirect = (Insert) decoder.decode(direct);
        Insert fromHeap = (Insert) decoder.decode(heap);

        assertThat(fromDirect.newRow().getString("name")).isEqualTo("Linus");
        assertThat(fromHeap.newRow().getString("name")).isEqualTo("Ken");
        assertThat(direct.position()).isZero();
        assertThat(direct.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(heap.position()).isEqualTo(4);
    }

    @Test
    void copiesRowsOutOfTheBuffer() {
        PgOutputDecoder decoder = withUsers(1);
        ByteBuffer buffer = insert(USERS, "5", "Linus").buffer();

        Insert insert = (Insert) decoder.decode(buffer);
        for (int i = 0; i < buffer.limit(); i++) {
            buffer.put(i, (byte) 'x');
        }

        assertThat(insert.newRow().getInt("id")).isEqualTo(5);
        assertThat(insert.newRow().getString("name")).isEqualTo("Linus");
    }

    private static PgOutputDecoder decoder1() {
        return new PgOutputDecoder(1);
    }
}
