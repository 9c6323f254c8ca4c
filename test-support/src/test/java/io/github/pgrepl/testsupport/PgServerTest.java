package io.github.pgrepl.testsupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PgServerTest {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder()
            .setting("wal_sender_timeout", "2s")
            // zonky passes max_connections on the command line; the builder must still win.
            .setting("max_connections", "42")
            .build();

    @Test
    void isConfiguredForLogicalReplication() {
        PgServer server = pg.server();

        assertThat(server.queryValue("SHOW wal_level")).isEqualTo("logical");
        assertThat(server.queryValue("SHOW max_wal_senders")).isEqualTo("20");
        assertThat(server.queryValue("SHOW max_replication_slots")).isEqualTo("20");
        assertThat(server.queryValue("SHOW fsync")).isEqualTo("off");
        assertThat(server.queryValue("SHOW listen_addresses")).isEqualTo("localhost");
        assertThat(server.queryValue("SHOW ssl")).isEqualTo("on");
        assertThat(server.queryValue("SHOW wal_sender_timeout")).isEqualTo("2s");
        assertThat(server.queryValue("SHOW max_connections")).isEqualTo("42");
        assertThat(server.majorVersion())
                .isEqualTo(Integer.parseInt(server.queryValue("SHOW server_version_num")) / 10_000);
        assertThat(server.host()).isEqualTo("localhost");
    }

    @Test
    void queriesReturnTextRowsWithNulls() {
        assertThat(pg.server().query("SELECT 1, NULL::text UNION ALL SELECT 2, 'b' ORDER BY 1"))
                .containsExactly(Arrays.asList("1", null), List.of("2", "b"));
        assertThat(pg.server().queryValue("SELECT 1 WHERE false")).isNull();
        assertThatThrownBy(() -> pg.server().execute("SELECT * FROM no_such_table"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no_such_table")
                .hasMessageContaining("42P01");
    }

    @Test
    void passwordUsersAuthenticateWithTheirMethod() throws SQLException {
        assertThat(currentUser(plainUrl(), PgServer.MD5_USER, PgServer.PASSWORD)).isEqualTo(PgServer.MD5_USER);
        assertThat(currentUser(plainUrl(), PgServer.SCRAM_USER, PgServer.PASSWORD)).isEqualTo(PgServer.SCRAM_USER);
        assertThat(currentUser(plainUrl(), PgServer.TRUST_USER, null)).isEqualTo(PgServer.TRUST_USER);

        assertThat(pg.server().queryValue("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'pgrepl_md5'"))
                .isEqualTo("md5");
        assertThat(pg.server().queryValue("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'pgrepl_scram'"))
                .isEqualTo("SCRAM-SHA-256$");
        assertThat(pg.server().queryValue("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"
                + " WHERE rolname LIKE 'pgrepl%' AND rolcanlogin AND rolreplication"))
                .isEqualTo("pgrepl_md5,pgrepl_scram,pgrepl_trust");
    }

    @Test
    void wrongPasswordsAreRejected() {
        for (String user : List.of(PgServer.MD5_USER, PgServer.SCRAM_USER)) {
            assertThatThrownBy(() -> currentUser(plainUrl(), user, "wrong"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
        }
    }

    @Test
    void verifyFullAcceptsLocalhostButNot127001() throws SQLException {
        String ca = pg.server().caCertificate().toString();
        String localhost = "jdbc:postgresql://localhost:" + pg.server().port() + "/postgres?sslmode=verify-full&sslrootcert=" + ca;
        String ip = "jdbc:postgresql://127.0.0.1:" + pg.server().port() + "/postgres?sslmode=verify-full&sslrootcert=" + ca;

        try (Connection connection = connect(localhost, PgServer.SCRAM_USER, PgServer.PASSWORD);
             Statement statement = connection.createStatement();
             ResultSet resultSet = statement.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(resultSet.next()).isTrue();
            assertThat(resultSet.getBoolean(1)).isTrue();
        }
        assertThatThrownBy(() -> currentUser(ip, PgServer.TRUST_USER, null))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("127.0.0.1");
    }

    @Test
    void terminatesWalSenders() throws SQLException {
        Properties replication = new Properties();
        replication.setProperty("user", PgServer.TRUST_USER);
        replication.setProperty("sslmode", "disable");
        replication.setProperty("replication", "database");
        replication.setProperty("preferQueryMode", "simple");
        replication.setProperty("assumeMinServerVersion", "10");
        try (Connection walsender = DriverManager.getConnection(pg.server().jdbcUrl(), replication)) {
            assertThat(pg.server().terminateWalSenders()).isEqualTo(1);
            assertThat(walsender.isValid(5)).isFalse();
        }
        // A terminated backend stays in pg_stat_activity until it has exited; only then are there none to terminate.
        await("the terminated walsender gone from pg_stat_activity").atMost(Duration.ofSeconds(10)).until(() -> pg.server()
                .queryValue("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'").equals("0"));
        assertThat(pg.server().terminateWalSenders()).isZero();
    }

    @Test
    void restartKeepsDataRolesAndPort() throws SQLException {
        PgServer server = pg.server();
        int port = server.port();
        server.execute("CREATE TABLE survivor (id int PRIMARY KEY)", "INSERT INTO survivor VALUES (7)");

        server.stop();
        assertThat(server.isRunning()).isFalse();
        assertThatThrownBy(server::jdbc).hasMessageContaining("stopped");
        server.stop(); // idempotent

        server.start();
        assertThat(server.isRunning()).isTrue();
        assertThat(server.port()).isEqualTo(port);
        assertThat(server.queryValue("SELECT id FROM survivor")).isEqualTo("7");
        assertThat(currentUser(plainUrl(), PgServer.MD5_USER, PgServer.PASSWORD)).isEqualTo(PgServer.MD5_USER);

        server.restart();
        assertThat(server.queryValue("SELECT count(*) FROM survivor")).isEqualTo("1");
        server.execute("DROP TABLE survivor");
    }

    private static String plainUrl() {
        return pg.server().jdbcUrl() + "?sslmode=disable";
    }

    private static String currentUser(String url, String user, String password) throws SQLException {
        try (Connection connection = connect(url, user, password);
             Statement statement = connection.createStatement();
             ResultSet resultSet = statement.executeQuery("SELECT current_user")) {
            resultSet.next();
            return resultSet.getString(1);
        }
    }

    private static Connection connect(String url, String user, String password) throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }
}
