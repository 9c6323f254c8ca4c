package io.github.pgrepl.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;

import java.time.Duration;
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

        window.acknowledged(second, 10);
        assertThat(window.confirmLimit()).as("the first still lacks an ack").isEqualTo(Lsn.ZERO);
        window.acknowledged(first, 10);
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
        window.sending(transaction, 60);

        CompletableFuture<Boolean> room = CompletableFuture.supplyAsync(() -> {
            try {
                return window.awaitRoom(60);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> window.snapshot().waitingForRoomNanos() > 0);
        assertThat(room).isNotDone();

        window.failed(transaction, RECORD, 60, new IllegalStateException("too large"));
        assertThat(room.get()).as("a failure ends the wait: resend first").isFalse();
        window.close(transaction, Lsn.of(100));
        assertThat(window.confirmLimit()).as("a refused record holds its transaction").isEqualTo(Lsn.ZERO);
        assertThat(window.snapshot().bytes()).isEqualTo(60);

        List<InFlightWindow.FailedRecord> failed = window.takeFailuresWhenSettled();
        assertThat(failed).extracting(InFlightWindow.FailedRecord::record).containsExactly(RECORD);
        window.sending(failed.get(0).transaction(), 60);
        assertThat(window.confirmLimit()).isEqualTo(Lsn.ZERO);
        window.acknowledged(failed.get(0).transaction(), 60);
        assertThat(window.confirmLimit()).isNull();
        assertThat(window.snapshot().bytes()).isZero();
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
