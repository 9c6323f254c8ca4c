package io.github.pgrepl;

import static io.github.pgrepl.ReplicationFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pgrepl.testsupport.PgExtension;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** create() then connect(): what a container that creates objects before starting them relies on. */
class DeferredConnectIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    private final List<String> calls = new CopyOnWriteArrayList<>();

    private final ReplicationHandler recording = new ReplicationHandler() {
        @Override
        public void init(ReplicationConnection connection) {
            calls.add("init");
        }

        @Override
        public Action handleConnect() {
            calls.add("handleConnect");
            return Action.noReply();
        }

        @Override
        public Action handleClose() {
            calls.add("handleClose");
            return Action.noReply();
        }
    };

    @Test
    void aCreatedConnectionDoesNothingUntilConnected() {
        ReplicationConnection connection = ReplicationConnection.create(config(pg.server()).build(), recording);
        try {
            assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTING);
            assertThat(calls).isEmpty();

            connection.connect();

            assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
            assertThat(calls).containsExactly("init", "handleConnect");
        } finally {
            connection.close();
        }
        assertThat(calls).containsExactly("init", "handleConnect", "handleClose");
    }

    @Test
    void closingAConnectionNeverStartedDoesNotCallTheHandler() {
        ReplicationConnection connection = ReplicationConnection.create(config(pg.server()).build(), recording);

        connection.close();

        assertThat(connection.status().state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(calls).isEmpty();
        assertThatThrownBy(connection::connect).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void connectingTwiceIsAnError() {
        try (ReplicationConnection connection = ReplicationConnection.create(config(pg.server()).build(), recording)) {
            connection.connect();

            assertThatThrownBy(connection::connect).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already started");
        }
    }
}
