package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Lsn;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Where a stream starts after a reconnect, for every kind of transaction end, and what status updates confirm. */
class StreamPositionsTest {

    private static final Instant NOW = Instant.EPOCH;

    private final StreamPositions positions = new StreamPositions();

    @Test
    void everyKindOfTransactionEndMovesTheStartPastIt() {
        queue(new ChangeEvent.Begin(Lsn.of(100), NOW, 1), new ChangeEvent.Commit(0, Lsn.of(100), Lsn.of(110), NOW));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(110));

        queue(new ChangeEvent.StreamStart(2, true), new ChangeEvent.StreamStop(),
                new ChangeEvent.StreamCommit(2, 0, Lsn.of(200), Lsn.of(210), NOW));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(210));

        queue(new ChangeEvent.BeginPrepare(Lsn.of(300), Lsn.of(310), NOW, 3, "g"),
                new ChangeEvent.Prepare(0, Lsn.of(300), Lsn.of(310), NOW, 3, "g"));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(310));

        queue(new ChangeEvent.CommitPrepared(0, Lsn.of(400), Lsn.of(410), NOW, 3, "g"));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(410));

        queue(new ChangeEvent.RollbackPrepared(0, Lsn.of(310), Lsn.of(510), NOW, NOW, 4, "h"));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(510));

        queue(new ChangeEvent.StreamStart(5, true), new ChangeEvent.StreamStop(),
                new ChangeEvent.StreamPrepare(0, Lsn.of(600), Lsn.of(610), NOW, 5, "i"));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(610));
        assertThat(positions.start(Lsn.of(700))).as("the slot's own position when later").isEqualTo(Lsn.of(700));
    }

    @Test
    void aTransactionOrAPreparedOneSentAgainIsSkippedWhole() {
        queue(new ChangeEvent.BeginPrepare(Lsn.of(300), Lsn.of(310), NOW, 3, "g"),
                new ChangeEvent.Prepare(0, Lsn.of(300), Lsn.of(310), NOW, 3, "g"));
        positions.sessionEnded();

        assertThat(positions.alreadyQueued(new ChangeEvent.BeginPrepare(Lsn.of(300), Lsn.of(310), NOW, 3, "g"))).isTrue();
        assertThat(positions.alreadyQueued(new ChangeEvent.Prepare(0, Lsn.of(300), Lsn.of(310), NOW, 3, "g"))).isTrue();
        assertThat(positions.alreadyQueued(new ChangeEvent.Begin(Lsn.of(400), NOW, 4))).isFalse();
    }

    @Test
    void aKeepaliveWhileTheServerReadsAgainFromRestartLsnNeverMovesTheFlushBelowTheSlotsPosition() {
        // A new run: the slot had confirmed 1000; the walsender re-reads from restart_lsn (500) and, idle, says so.
        positions.start(Lsn.of(1000));
        positions.keepalive(Lsn.of(600), true);

        assertThat(positions.flushed(Lsn.ZERO, null)).isEqualTo(Lsn.of(1000));

        positions.keepalive(Lsn.of(1200), true);
        assertThat(positions.flushed(Lsn.ZERO, null)).as("idle past it: on to the server's position").isEqualTo(Lsn.of(1200));
        assertThat(positions.flushed(Lsn.of(1300), null)).isEqualTo(Lsn.of(1300));
    }

    @Test
    void theListenersLimitHoldsTheFlushBackButNeverBelowAnEarlierUpdate() {
        positions.start(Lsn.of(1000));
        assertThat(positions.flushed(Lsn.of(1500), Lsn.of(1200))).isEqualTo(Lsn.of(1200));
        assertThat(positions.flushed(Lsn.of(1500), Lsn.of(1100))).as("never lower than sent").isEqualTo(Lsn.of(1200));
        assertThat(positions.flushed(Lsn.of(1500), Lsn.of(900))).isEqualTo(Lsn.of(1200));
        assertThat(positions.flushed(Lsn.of(1500), null)).isEqualTo(Lsn.of(1500));
    }

    @Test
    void beforeAnyStreamNothingIsConfirmed() {
        assertThat(positions.flushed(Lsn.ZERO, null)).isEqualTo(Lsn.ZERO);
    }

    private void queue(ChangeEvent... events) {
        for (ChangeEvent event : events) {
            assertThat(positions.alreadyQueued(event)).isFalse();
            positions.queued(event);
        }
    }
}
