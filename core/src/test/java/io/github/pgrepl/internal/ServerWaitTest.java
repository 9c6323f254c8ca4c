package io.github.pgrepl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which commands wait on the server for as long as other sessions make them, and so run without a query timeout. */
class ServerWaitTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "CREATE_REPLICATION_SLOT orders LOGICAL pgoutput (SNAPSHOT 'nothing')",
            "create_replication_slot orders TEMPORARY logical pgoutput NOEXPORT_SNAPSHOT",
            "  CREATE_REPLICATION_SLOT orders\n LOGICAL pgoutput",
            "DROP_REPLICATION_SLOT orders WAIT",
            "SELECT pg_create_logical_replication_slot('orders', 'pgoutput')"})
    void slotCommandsThatWaitForOtherSessionsGetNoTimeout(String sql) {
        assertThat(ServerWait.waitsOnServer(sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "CREATE_REPLICATION_SLOT orders PHYSICAL RESERVE_WAL",
            "DROP_REPLICATION_SLOT orders",
            "START_REPLICATION SLOT orders LOGICAL 0/0",
            "SELECT 1",
            "IDENTIFY_SYSTEM"})
    void everythingElseKeepsTheQueryTimeout(String sql) {
        assertThat(ServerWait.waitsOnServer(sql)).isFalse();
    }
}
