package io.github.pgrepl.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** How far transactions are finished, the byte bound, and refused records, without a producer. */
class InFlightWindowTest {

    private static final ProducerRecord<byte[], byte[]> RECORD = new ProducerRecord<>("t", new byte[1]);

    @Test
    void aTransactionIsFinishedOnceCommittedAndAcknowledgedAndEveryEarlierOneIsToo() {
        InFlightWindow window = new InFlightWindow(1024);
        assertThat(window.confirmLimit()).as("nothing in flight").isNull();

        InFlightWindow.Transaction first = window.open();
        window.sending(first, 10);
        window.close(first, Lsn.of(100));
        InFlightWindow.Transaction second = window.open();
        window.sending(second, 10);
        window.close(second, Lsn.of(200));
        assertThat(window.confirmLimit()).isEqualTo(Lsn.ZERO);

        window.acknowledged(second, 10, false);
        assertThat(window.confirmLimit()).as("the first still lacks an ack").isEqualTo(Lsn.ZERO);
        window.acknowledged(first, 10, false);
        assertThat(window.confirmLimit()).as("both finished").isNull();
        assertThat(window.snapshot().finishedThrough()).isEqualTo(Lsn.of(200));

        InFlightWindow.Transaction open = window.open();
        assertThat(window.confirmLimit()).as("an open transaction").isEqualTo(Lsn.of(200));
        window.abandon(open);
        assertThat(window.confirmLimit()).isNull();
        assertThat(window.snapshot().finishedThrough()).as("an abandoned transaction moves nothing on").isEqualTo(Lsn.of(200));
    }

    @Test
    void theSenderWaitsForRoomAndARefusedRecordIsKeptToBeSentAgain() throws Exception {
        InFlightWindow window = new InFlightWindow(100);
        InFlightWindow.Transaction transaction = window.open();
        assertThat(window.awaitRoom(60)).isTrue();
        long sent = window.sending(transaction, 60);

        CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(() -> {
            try {
                return window.awaitRoom(60);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> window.snapshot().waitingForRoomNanos() > 0);
        assertThat(room).isNotDone();

        window.failed(transaction, RECORD, 60, sent, false, new IllegalStateException("too large"));
        assertThat(room.get()).as("a failure ends the wait: resend first").isFalse();
        window.close(transaction, Lsn.of(100));
        assertThat(window.confirmLimit()).as("a refused record holds its transaction").isEqualTo(Lsn.ZERO);
        assertThat(window.snapshot().bytes()).isEqualTo(60);

        List<InFlightWindow.FailedRecord> failed = window.takeFailures();
        assertThat(failed).extracting(InFlightWindow.FailedRecord::record).containsExactly(RECORD);
        window.sendingAgain(failed.get(0));
        assertThat(window.confirmLimit()).isEqualTo(Lsn.ZERO);
        window.acknowledged(failed.get(0).transaction(), 60, true);
        assertThat(window.confirmLimit()).isNull();
        assertThat(window.snapshot().bytes()).isZero();
    }

    @Test
    void failedRecordsComeBackInTheOrderTheyWereSentAndOnlyOnceNothingIsInFlight() throws Exception {
        InFlightWindow window = new InFlightWindow(1024);
        InFlightWindow.Transaction transaction = window.open();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(new ProducerRecord<>("topic", ("key" + i).getBytes(StandardCharsets.US_ASCII), new byte[1]));
            sent.add(window.sending(transaction, 10));
        }
        window.close(transaction, Lsn.of(100));
        long waited = Duration.ofMillis(20).toNanos();
        await().atMost(Duration.ofSeconds(5)).until(() -> window.stalledNanos() > waited);
        // A producer closed by force fails its batches in no particular order.
        window.failed(transaction, records.get(2), 10, sent.get(2), false, new IllegalStateException("closed forcefully"));
        window.failed(transaction, records.get(0), 10, sent.get(0), false, new IllegalStateException("too large"));
        assertThatThrownBy(window::takeFailures).as("one still in flight: a record sent again could overtake it")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("1 record(s) still in flight");
        window.failed(transaction, records.get(1), 10, sent.get(1), false, new IllegalStateException("closed forcefully"));

        List<InFlightWindow.FailedRecord> failed = window.takeFailures();
        assertThat(failed).extracting(InFlightWindow.FailedRecord::record).containsExactlyElementsOf(records);
        assertThat(window.hasFailures()).isFalse();
        assertThat(window.confirmLimit()).as("taken to be sent again: not finished").isEqualTo(Lsn.ZERO);

        // Sent again one by one: the transaction is not finished while one of them is still to be sent.
        window.sendingAgain(failed.get(0));
        assertThat(window.stalledNanos()).as("sent again: the wait for an acknowledgement goes on, it does not begin anew")
                .isGreaterThan(waited);
        window.acknowledged(transaction, 10, true);
        assertThat(window.confirmLimit()).as("two of its records still to be sent again").isEqualTo(Lsn.ZERO);
        window.stillFailed(failed.subList(1, 3)); // the producer threw: back among the failures
        assertThat(window.hasFailures()).isTrue();
        assertThat(window.takeFailures()).extracting(InFlightWindow.FailedRecord::record)
                .containsExactlyElementsOf(records.subList(1, 3));
        window.sendingAgain(failed.get(1));
        window.sendingAgain(failed.get(2));
        window.acknowledged(transaction, 10, true);
        assertThat(window.snapshot().failedRecords()).as("sent again, not on the broker yet: not well yet").isEqualTo(1);
        assertThat(window.snapshot().lastError()).hasMessage("closed forcefully");
        assertThat(window.snapshot().lastErrorTopic()).isEqualTo("topic");
        window.acknowledged(transaction, 10, true);
        assertThat(window.snapshot().failedRecords()).isZero();
        assertThat(window.snapshot().lastError()).isNull();
        assertThat(window.snapshot().lastErrorTopic()).isNull();
        assertThat(window.confirmLimit()).isNull();
        assertThat(window.snapshot().finishedThrough()).isEqualTo(Lsn.of(100));
        assertThat(window.snapshot().bytes()).isZero();
    }

    @Test
    void aFailedRecordKeepsItsFirstPlaceHoweverItFailsAgain() throws Exception {
        InFlightWindow window = new InFlightWindow(1024);
        InFlightWindow.Transaction transaction = window.open();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(new ProducerRecord<>("topic", "key".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) i}));
            long sent = window.sending(transaction, 10);
            window.failed(transaction, records.get(i), 10, sent, false, new IllegalStateException("expired"));
        }
        List<InFlightWindow.FailedRecord> failed = window.takeFailures();

        // The first goes to the producer again, the second is refused at once, the third is not sent; then the first
        // fails in its callback.
        window.sendingAgain(failed.get(0));
        window.sendingAgain(failed.get(1));
        window.failed(transaction, records.get(1), 10, failed.get(1).sent(), true, new IllegalStateException("no metadata"));
        window.stillFailed(failed.subList(2, 3));
        window.failed(transaction, records.get(0), 10, failed.get(0).sent(), true, new IllegalStateException("expired"));

        assertThat(window.takeFailures()).as("in the order first sent").extracting(record -> record.record().value()[0])
                .containsExactly((byte) 0, (byte) 1, (byte) 2);
    }

    @Test
    void shuttingDownEndsEveryWait() {
        InFlightWindow window = new InFlightWindow(10);
        InFlightWindow.Transaction transaction = window.open();
        window.sending(transaction, 10);
        CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(() -> {
            try {
                return window.awaitRoom(10);
            } catch (InterruptedException e) {
                return null;
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> window.snapshot().waitingForRoomNanos() > 0);

        window.shutDown();

        assertThat(room.join()).as("interrupted").isNull();
    }
}
