package io.github.pgrepl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What retrying cannot fix, as a connection and a health check tell it from what it can. */
class NonTransientReplicationExceptionTest {

    @ParameterizedTest
    @ValueSource(strings = {"28P01", "28000", "3D000", "42501", "42704", "42P01", "58P01", "42602", "0A000", "22023", "53400"})
    void serverErrorsThatAPersonMustFixAreNonTransient(String sqlState) {
        PgException error = new PgException("FATAL", sqlState, "refused", null, null);

        assertThat(error.isNonTransient()).isTrue();
        assertThat(NonTransientReplicationException.isNonTransient(error)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"57P01", "57P03", "53300", "55006", "55000", "08006", "40001", "XX000"})
    void serverErrorsThatGoAwayByThemselvesAreTransient(String sqlState) {
        // Shutting down, starting up, too many connections, a slot in use, a standby being promoted, a lost link...
        assertThat(NonTransientReplicationException.isNonTransient(new PgException("FATAL", sqlState, "x", null, null)))
                .isFalse();
    }

    @Test
    void theFirstPgreplFailureInTheCausesDecides() {
        PgException wrongPassword = new PgException("FATAL", "28P01", "password authentication failed", null, null);
        PgException shuttingDown = new PgException("FATAL", "57P01", "terminating connection", null, null);

        assertThat(NonTransientReplicationException.isNonTransient(new ReplicationException("setup failed", wrongPassword)))
                .isTrue();
        assertThat(NonTransientReplicationException.isNonTransient(new RuntimeException(new IOException("x",
                new NonTransientReplicationException("no root certificate"))))).isTrue();
        assertThat(NonTransientReplicationException.isNonTransient(new NonTransientReplicationException("hostile", shuttingDown)))
                .isTrue();
        assertThat(NonTransientReplicationException.isNonTransient(new ReplicationException("lost", shuttingDown))).isFalse();
    }

    @Test
    void aSlotThatCannotBeStreamedIsNonTransientToo() {
        // One notion of "retrying cannot fix this": the slot problems of a PgOutputHandler belong to it.
        assertThat(NonTransientReplicationException.isNonTransient(
                new io.github.pgrepl.pgoutput.ReplicationSlotException("orders_slot", "invalidated"))).isTrue();
    }

    @Test
    void everythingElseIsTransient() {
        assertThat(NonTransientReplicationException.isNonTransient(null)).isFalse();
        assertThat(NonTransientReplicationException.isNonTransient(new ConnectionLostException("The server closed the"
                + " connection"))).isFalse();
        assertThat(NonTransientReplicationException.isNonTransient(new IOException("Connection refused"))).isFalse();
        RuntimeException cycle = new RuntimeException("a");
        RuntimeException other = new RuntimeException("b", cycle);
        cycle.initCause(other);
        assertThat(NonTransientReplicationException.isNonTransient(cycle)).isFalse();
    }
}
