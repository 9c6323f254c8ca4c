package io.github.pgrepl.spring.connection.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pgrepl.Lsn;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.connection.ListenerActivity;

import org.junit.jupiter.api.Test;

/** The observing wrapper hides nothing the connection asks its listener: the confirm limit is the delegate's. */
class ObservedChangeListenerTest {

    @Test
    void theConfirmLimitIsTheDelegates() {
        ChangeListener relay = new ChangeListener() {
            @Override
            public void onChange(ChangeEvent event) {
            }

            @Override
            public Lsn confirmLimit() {
                return Lsn.of(0x1A2B3C8); // what a relay's broker has acknowledged so far
            }
        };

        assertThat(new ObservedChangeListener(relay, ListenerActivity.NONE, null).confirmLimit()).isEqualTo(Lsn.of(0x1A2B3C8));
        assertThat(new ObservedChangeListener(relay, ListenerActivity.NONE, "relay").confirmLimit()).isEqualTo(Lsn.of(0x1A2B3C8));
    }
}
