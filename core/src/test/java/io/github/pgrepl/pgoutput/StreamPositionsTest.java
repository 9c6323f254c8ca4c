package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Lsn;

import java.time.Instant;
import java.util.List;

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

    @Test
    void aTransactionInterruptedInTheMiddleGoesOnWhereTheListenerWas() {
        ChangeEvent.Begin begin = new ChangeEvent.Begin(Lsn.of(100), NOW, 7);
        queue(begin, RELATION, insert(), insert());
        positions.sessionEnded();
        assertThat(positions.start(Lsn.ZERO)).as("it comes again").isEqualTo(Lsn.ZERO);

        assertThat(positions.alreadyQueued(begin)).as("the listener has its Begin").isTrue();
        assertThat(positions.alreadyQueued(RELATION)).as("a new session describes the table again").isFalse();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        queue(insert(), new ChangeEvent.Commit(0, Lsn.of(100), Lsn.of(110), NOW));
        assertThat(positions.start(Lsn.ZERO)).isEqualTo(Lsn.of(110));
    }

    @Test
    void aTransactionInterruptedTwiceCountsWhatTheListenerHadInBoth() {
        ChangeEvent.Begin begin = new ChangeEvent.Begin(Lsn.of(100), NOW, 7);
        queue(begin, insert(), insert());
        positions.sessionEnded();
        assertThat(positions.alreadyQueued(begin)).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        positions.sessionEnded(); // cut again before the server got past what the listener had
        assertThat(positions.alreadyQueued(begin)).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        queue(insert());
        positions.sessionEnded(); // and once more, after one more change
        assertThat(positions.alreadyQueued(begin)).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        assertThat(positions.alreadyQueued(insert())).isTrue();
        queue(insert(), new ChangeEvent.Commit(0, Lsn.of(100), Lsn.of(110), NOW));
    }

    @Test
    void anInterruptedTransactionThatComesBackInAnotherShapeIsDeliveredWhole() {
        queue(new ChangeEvent.Begin(Lsn.of(100), NOW, 7), insert());
        positions.sessionEnded();

        // Streamed this time (the server's memory use differs from one session to the next): it is not skipped.
        queue(new ChangeEvent.StreamStart(7, true), insert(), new ChangeEvent.StreamStop(),
                new ChangeEvent.StreamCommit(7, 0, Lsn.of(100), Lsn.of(110), NOW));
        queue(new ChangeEvent.Begin(Lsn.of(200), NOW, 8), insert(), new ChangeEvent.Commit(0, Lsn.of(200), Lsn.of(210), NOW));
    }

    @Test
    void anotherTransactionAtTheSamePositionIsNotTakenForTheInterruptedOne() {
        queue(new ChangeEvent.Begin(Lsn.of(100), NOW, 7), insert());
        positions.sessionEnded();

        // A promoted standby that never had transaction 7 wrote its own there.
        queue(new ChangeEvent.Begin(Lsn.of(100), NOW, 9), insert(), new ChangeEvent.Commit(0, Lsn.of(100), Lsn.of(110), NOW));
    }

    @Test
    void changesOfAnInterruptedTransactionCountAsDeliveredUpToItsCommit() {
        queue(new ChangeEvent.Begin(Lsn.of(100), NOW, 1), new ChangeEvent.Commit(0, Lsn.of(100), Lsn.of(110), NOW));
        queue(new ChangeEvent.Begin(Lsn.of(300), NOW, 2), insert());
        assertThat(positions.delivered()).isEqualTo(Lsn.of(301));
        positions.sessionEnded();
        // A timeline that branched off at 300 or before has not got its commit: its changes are lost.
        assertThat(positions.delivered()).isEqualTo(Lsn.of(301));
    }

    private static final ChangeEvent.Relation RELATION = new ChangeEvent.Relation(0, 1, "public", "t", 'd', List.of());

    private static ChangeEvent.Insert insert() {
        return new ChangeEvent.Insert(RELATION, null, 0);
    }

    private void queue(ChangeEvent... events) {
        for (ChangeEvent event : events) {
            assertThat(positions.alreadyQueued(event)).isFalse();
            positions.queued(event);
        }
    }
}
