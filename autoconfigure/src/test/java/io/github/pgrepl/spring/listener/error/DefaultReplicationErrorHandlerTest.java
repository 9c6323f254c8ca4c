package io.github.pgrepl.spring.listener.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/** The back-off of each failure, then the recoverer; never a lost change when the recoverer cannot take it. */
class DefaultReplicationErrorHandlerTest {

    private final ChangeEvent event = new ChangeEvent.Commit(0, Lsn.of(1), Lsn.of(2), Instant.EPOCH);

    private FailedChange failed(String connection, ChangeEvent on, int attempts) {
        return new FailedChange(connection, "bean.on", on, null, null, new IllegalStateException("boom"), attempts,
                Instant.EPOCH);
    }

    private static ExponentialBackOff backOff(long initial, long max, long retries) {
        ExponentialBackOff backOff = new ExponentialBackOff(initial, 2);
        backOff.setMaxInterval(max);
        backOff.setMaxAttempts(retries);
        return backOff;
    }

    @Test
    void withoutRecovererItWaitsLongerUpToTheCapAndThenKeepsRetryingThere() {
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(100, 800, Long.MAX_VALUE));

        List<ErrorDecision> decisions = new ArrayList<>();
        for (int attempt = 1; attempt <= 7; attempt++) {
            decisions.add(handler.handle(failed("orders", event, attempt)));
        }

        assertThat(decisions).extracting(decision -> ((ErrorDecision.Retry) decision).delay().toMillis())
                .containsExactly(100L, 200L, 400L, 800L, 800L, 800L, 800L);
    }

    @Test
    void aBackOffThatEndsWithoutRecovererStillRetriesAtItsLongestWait() {
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(new FixedBackOff(2_000, 1));

        handler.handle(failed("orders", event, 1));

        assertThat(handler.handle(failed("orders", event, 2))).isEqualTo(ErrorDecision.retryAfter(Duration.ofSeconds(2)));
        assertThat(handler.handle(failed("orders", event, 3))).isEqualTo(ErrorDecision.retryAfter(Duration.ofSeconds(2)));
    }

    @Test
    void theRecovererTakesTheChangeOnceTheRetriesAreUsedUp() {
        List<FailedChange> recovered = new ArrayList<>();
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(10, 100, 2), failed -> {
            recovered.add(failed);
            return ErrorDecision.recovered();
        });

        assertThat(handler.handle(failed("orders", event, 1))).isInstanceOf(ErrorDecision.Retry.class);
        assertThat(handler.handle(failed("orders", event, 2))).isInstanceOf(ErrorDecision.Retry.class);
        assertThat(recovered).isEmpty();
        assertThat(handler.handle(failed("orders", event, 3))).isEqualTo(ErrorDecision.recovered());
        assertThat(recovered).extracting(FailedChange::attempts).containsExactly(3);
    }

    @Test
    void aRecovererThatFailsMeansAnotherTryAtTheLongestWaitNeverALoss() {
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(1_000, 1_500, 1), failed -> {
            throw new IllegalStateException("dead-letter database down");
        });

        handler.handle(failed("orders", event, 1));

        assertThat(handler.handle(failed("orders", event, 2))).isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(1_000)));
    }

    @Test
    void eachConnectionAndEachNewFailureHasABackOffOfItsOwn() {
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(100, 10_000, Long.MAX_VALUE));
        ChangeEvent another = new ChangeEvent.Commit(0, Lsn.of(3), Lsn.of(4), Instant.EPOCH);

        handler.handle(failed("orders", event, 1));
        handler.handle(failed("orders", event, 2));

        assertThat(handler.handle(failed("billing", event, 1))).isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(100)));
        assertThat(handler.handle(failed("orders", event, 3))).isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(400)));
        assertThat(handler.handle(failed("orders", another, 1))).isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(100)));
    }

    @Test
    void aNotRetryableErrorGoesToTheRecovererOnItsFirstFailureEvenAsACause() {
        List<FailedChange> recovered = new ArrayList<>();
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(1_000, 10_000, 5), failed -> {
            recovered.add(failed);
            return ErrorDecision.recovered();
        });
        handler.addNotRetryableExceptions(IllegalArgumentException.class);

        assertThat(handler.handle(failedWith(new IllegalArgumentException("refused"), 1))).isEqualTo(ErrorDecision.recovered());
        assertThat(handler.handle(failedWith(new IllegalStateException("wrapped", new IllegalArgumentException()), 1)))
                .isEqualTo(ErrorDecision.recovered());
        assertThat(handler.handle(failedWith(new IllegalStateException("other"), 1))).isInstanceOf(ErrorDecision.Retry.class);
        assertThat(recovered).hasSize(2);
        assertThat(handler).hasToString("DefaultReplicationErrorHandler[" + handler.getBackOff() + ", "
                + handler.getRecoverer() + ", not retried: [java.lang.IllegalArgumentException]]");
    }

    @Test
    void withoutRecovererANotRetryableErrorIsRetriedAllTheSameNeverLost() {
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(100, 800, Long.MAX_VALUE));
        handler.addNotRetryableExceptions(IllegalArgumentException.class);

        assertThat(handler.handle(failedWith(new IllegalArgumentException("refused"), 1)))
                .isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(100)));
    }

    @Test
    void aChangeThatMayNotBeGivenUpNeverGoesToTheRecovererAndIsRetriedAtTheLongestWait() {
        List<FailedChange> recovered = new ArrayList<>();
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(100, 800, 2), failed -> {
            recovered.add(failed);
            return ErrorDecision.skip();
        });
        handler.addNotRetryableExceptions(IllegalArgumentException.class);

        assertThat(handler.handle(relayFailure(new IllegalStateException("broker refused"), 1)))
                .isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(100)));
        assertThat(handler.handle(relayFailure(new IllegalStateException("broker refused"), 2)))
                .isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(200)));
        // Retries used up: a method's change would go to the recoverer here.
        assertThat(handler.handle(relayFailure(new IllegalStateException("broker refused"), 3)))
                .isEqualTo(ErrorDecision.retryAfter(Duration.ofSeconds(1)));
        assertThat(handler.handle(relayFailure(new IllegalStateException("broker refused"), 4)))
                .isEqualTo(ErrorDecision.retryAfter(Duration.ofSeconds(1)));
        assertThat(handler.handle(relayFailure(new IllegalArgumentException("not retryable"), 1)))
                .isEqualTo(ErrorDecision.retryAfter(Duration.ofMillis(100)));
        assertThat(recovered).isEmpty();
    }

    @Test
    void aCauseChainThatLoopsEndsTheSearch() {
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff(100, 800, 1), failed -> ErrorDecision.skip());
        handler.addNotRetryableExceptions(IllegalArgumentException.class);
        IllegalStateException first = new IllegalStateException("first");
        IllegalStateException second = new IllegalStateException("second", first);
        first.initCause(second);

        assertThat(handler.handle(failedWith(first, 1))).isInstanceOf(ErrorDecision.Retry.class);
    }

    private FailedChange relayFailure(Throwable error, int attempts) {
        return new FailedChange("orders", "ordersKafkaRelay", event, null, null, error, attempts, Instant.EPOCH, false);
    }

    private FailedChange failedWith(Throwable error, int attempts) {
        return new FailedChange("orders", "bean.on", event, null, null, error, attempts, Instant.EPOCH);
    }
}
