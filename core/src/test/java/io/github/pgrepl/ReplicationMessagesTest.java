package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class ReplicationMessagesTest {

    @Test
    void parsesXLogDataAsAViewOfThePayload() {
        Instant time = Instant.parse("2024-05-01T10:00:00.123456Z");
        ByteBuffer copyData = ByteBuffer.allocate(28).put((byte) 'w').putLong(0x16_B374D848L).putLong(0x17_00000000L)
                .putLong(ReplicationMessages.toPgMicros(time)).put(new byte[] {'B', 'I', 'C'}).flip();

        XLogData data = (XLogData) ReplicationMessages.parse(copyData);

        assertThat(data.walStart()).isEqualTo(Lsn.parse("16/B374D848"));
        assertThat(data.walEnd()).isEqualTo(Lsn.parse("17/0"));
        assertThat(data.serverTime()).isEqualTo(time);
        assertThat(data.data().remaining()).isEqualTo(3);
        assertThat(data.data().get(0)).isEqualTo((byte) 'B');
        assertThat(copyData.position()).isZero();
    }

    @Test
    void parsesKeepalive() {
        ByteBuffer copyData = ByteBuffer.allocate(18).put((byte) 'k').putLong(42).putLong(0).put((byte) 1).flip();

        PrimaryKeepalive keepalive = (PrimaryKeepalive) ReplicationMessages.parse(copyData);

        assertThat(keepalive.walEnd()).isEqualTo(Lsn.of(42));
        assertThat(keepalive.serverTime()).isEqualTo(Instant.parse("2000-01-01T00:00:00Z"));
        assertThat(keepalive.replyRequested()).isTrue();
    }

    @Test
    void rejectsUnknownAndTruncatedMessages() {
        assertThatThrownBy(() -> ReplicationMessages.parse(ByteBuffer.wrap(new byte[] {'x'})))
                .hasMessageContaining("Unknown replication message type 'x'");
        assertThatThrownBy(() -> ReplicationMessages.parse(ByteBuffer.wrap(new byte[] {'k', 0, 0})))
                .hasMessageContaining("Truncated primary keepalive");
        assertThatThrownBy(() -> ReplicationMessages.parse(ByteBuffer.allocate(0)))
                .hasMessageContaining("Empty");
    }

    @Test
    void encodesStandbyStatusUpdate() {
        byte[] update = ReplicationMessages.standbyStatusUpdate(Lsn.of(1), Lsn.of(2), Lsn.of(3), true);

        ByteBuffer buffer = ByteBuffer.wrap(update);
        assertThat(update).hasSize(ReplicationMessages.STANDBY_STATUS_UPDATE_LENGTH);
        assertThat(buffer.get()).isEqualTo((byte) 'r');
        assertThat(buffer.getLong()).isEqualTo(1);
        assertThat(buffer.getLong()).isEqualTo(2);
        assertThat(buffer.getLong()).isEqualTo(3);
        assertThat(ReplicationMessages.fromPgMicros(buffer.getLong())).isBetween(Instant.now().minusSeconds(5), Instant.now());
        assertThat(buffer.get()).isEqualTo((byte) 1);
    }

    @Test
    void tellsAnXLogDataFromItsFirstByteAndLength() {
        ByteBuffer xlogData = ByteBuffer.allocate(30).put(0, (byte) 'w');
        ByteBuffer keepalive = ByteBuffer.allocate(18).put(0, (byte) 'k');

        assertThat(ReplicationMessages.isXLogData(xlogData)).isTrue();
        assertThat(ReplicationMessages.isXLogData(xlogData.position(1))).as("from its position").isFalse();
        assertThat(ReplicationMessages.isXLogData(keepalive)).isFalse();
        assertThat(ReplicationMessages.isXLogData(ByteBuffer.allocate(24).put(0, (byte) 'w'))).as("truncated").isFalse();
    }
}
