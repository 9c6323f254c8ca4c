package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.testsupport.PgExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A server without logical WAL: the handler says so, and how to fix it. */
class PgOutputWalLevelIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().setting("wal_level", "replica").build();

    @Test
    void walLevelMustBeLogical() {
        Throwable failure = catchThrowable(() -> ReplicationConnection.start(config(pg.server()).build(),
                PgOutputHandler.builder(event -> { }).slot("s").publications("p").build()));

        assertThat(failure).hasMessageContaining("wal_level is 'replica' but must be 'logical'")
                .hasMessageContaining("postgresql.conf");
        assertThat(NonTransientReplicationException.isNonTransient(failure)).as("retrying cannot fix it").isTrue();
    }
}
