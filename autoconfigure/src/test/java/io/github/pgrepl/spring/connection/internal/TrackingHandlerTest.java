package io.github.pgrepl.spring.connection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.ReplicationHandler;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The handler a connection is created with answers the connection before its listener is bound, too. */
class TrackingHandlerTest {

    @Test
    void aConnectionClosedBeforeItsListenerWasBoundGetsTheDefaultCloseTimeoutNotANullPointerException() {
        // A context whose refresh fails (a listener that does not fit, another bean) closes connections never bound.
        TrackingHandler handler = new TrackingHandler(Clock.systemUTC(), () -> { });

        assertThat(handler.closeTimeout()).isEqualTo(new ReplicationHandler() { }.closeTimeout());
    }

    @Test
    void aBoundConnectionWaitsAsLongAsItsListenersHandlerSays() {
        TrackingHandler handler = new TrackingHandler(Clock.systemUTC(), () -> { });
        handler.bind(new ReplicationHandler() {
            @Override
            public Duration closeTimeout() {
                return Duration.ofSeconds(15);
            }
        }, true);

        assertThat(handler.closeTimeout()).isEqualTo(Duration.ofSeconds(15));
    }
}
