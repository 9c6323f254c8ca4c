package io.github.pgrepl.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationMessages;
import io.github.pgrepl.internal.protocol.CopyDataLayout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Half-open detection on a clock of the test's own: a silent stream is asked for a reply before it is presumed dead,
 * with the positions the handler last sent, and lost only when even that goes unanswered.
 */
class SilenceWatchTest {

    private final ReceiveStats stats = new ReceiveStats();
    private final List<byte[]> sent = new ArrayList<>();
    private final List<ConnectionLostException> lost = new ArrayList<>();
    private long now = 1_000_000;
    private boolean listening = true;
    private final SilenceWatch watch = new SilenceWatch("db:5432", Duration.ofSeconds(2), stats, () -> now, () -> listening,
            sent::add, lost::add);

    @Test
    void asksTheServerForAReplyAtHalfTheAllowedSilenceWithTheHandlersLastPositions() {
        watch.sent(ReplicationMessages.standbyStatusUpdate(Lsn.of(0x30), Lsn.of(0x20), Lsn.of(0x10), false));

        at(999);
        assertThat(sent).isEmpty();
        at(1000);

        assertThat(sent).hasSize(1);
        ByteBuffer probe = ByteBuffer.wrap(sent.get(0));
        assertThat(probe.get(0)).isEqualTo(CopyDataLayout.STANDBY_STATUS_UPDATE);
        assertThat(probe.getLong(CopyDataLayout.STATUS_WRITTEN)).isEqualTo(0x30);
        assertThat(probe.getLong(CopyDataLayout.STATUS_FLUSHED)).isEqualTo(0x20);
        assertThat(probe.getLong(CopyDataLayout.STATUS_APPLIED)).isEqualTo(0x10);
        assertThat(probe.get(CopyDataLayout.STATUS_REPLY_REQUESTED)).as("reply requested").isEqualTo((byte) 1);
        assertThat(lost).isEmpty();
    }

    @Test
    void withoutAStatusUpdateOfTheHandlersItSendsZeroWhichTheServerIgnoresNeverAPositionOfItsOwn() {
        watch.sent(new byte[] {'x', 1, 2}); // not a status update

        at(1500);

        ByteBuffer probe = ByteBuffer.wrap(sent.get(0));
        assertThat(probe.getLong(CopyDataLayout.STATUS_WRITTEN)).isZero();
        assertThat(probe.getLong(CopyDataLayout.STATUS_FLUSHED)).isZero();
        assertThat(probe.getLong(CopyDataLayout.STATUS_APPLIED)).isZero();
    }

    @Test
    void anAnsweredProbeKeepsTheStreamAliveAndTheNextSilenceIsAskedAboutAgain() {
        at(1000);
        stats.messageArrived(now + 5); // the server's keepalive, answering the probe
        at(1005);
        at(2004);
        assertThat(sent).hasSize(1);
        at(2005);
        at(3000);

        assertThat(sent).hasSize(2);
        assertThat(lost).isEmpty();
    }

    @Test
    void anUnansweredProbeIsAskedOnceAndTheStreamIsLostPastTheAllowedSilence() {
        at(1000);
        at(1500);
        at(2000);
        assertThat(lost).isEmpty();

        at(2001);

        assertThat(sent).hasSize(1);
        assertThat(lost).singleElement().extracting(Throwable::getMessage).asString()
                .contains("No message from db:5432 for 2001 ms").contains("presumed dead (half-open)");
    }

    @Test
    void silenceWhileTheStreamIsNotReadCountsForNothing() {
        listening = false;
        at(5000);
        listening = true;
        at(5998); // silent since 4999, when it was last not read

        assertThat(sent).isEmpty();
        assertThat(lost).isEmpty();
    }

    /** Runs a check {@code millis} after the watch was made. */
    private void at(long millis) {
        now = 1_000_000 + millis;
        watch.check();
    }
}
