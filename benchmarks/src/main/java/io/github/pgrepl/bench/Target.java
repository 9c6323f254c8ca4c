package io.github.pgrepl.bench;

import io.github.pgrepl.ConnectionConfig;
import io.netty.channel.EventLoopGroup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

/**
 * The server under test, from a {@code postgresql://} URL, in the forms each client needs: pgrepl's
 * {@link ConnectionConfig}, pgjdbc properties, a libpq conninfo for pg_recvlogical.
 */
record Target(String url, ConnectionConfig config) {

    /** How child JVMs get the URL: not on the command line, where ps would show a password. */
    static final String URL_VARIABLE = "PGREPL_BENCH_URL";

    static Target of(String url) {
        return new Target(url, ConnectionConfig.fromUrl(url).connectTimeout(Duration.ofSeconds(30)).build());
    }

    /** The same server, with connections on this event loop group rather than one of their own. */
    Target withEventLoopGroup(EventLoopGroup group) {
        return new Target(url, config.toBuilder().eventLoopGroup(group).build());
    }

    /** The harness's {@code --min-read-interval-ms}, in ns, as a system property of the consumer JVMs. */
    static final String MIN_READ_INTERVAL_PROPERTY = "pgrepl.bench.minReadIntervalNanos";

    static Target fromEnvironment() {
        String url = System.getenv(URL_VARIABLE);
        if (url == null) {
            throw new IllegalStateException(URL_VARIABLE + " is not set; consumers are started by the Harness");
        }
        Target target = of(url);
        String interval = System.getProperty(MIN_READ_INTERVAL_PROPERTY);
        return interval == null ? target
                : new Target(url, target.config.toBuilder().minReadInterval(Duration.ofNanos(Long.parseLong(interval))).build());
    }

    String sslMode() {
        return config.sslMode().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** For pg_recvlogical's -d; the password goes in PGPASSWORD. */
    String conninfo() {
        return "host=" + config.host() + " port=" + config.port() + " user=" + config.user() + " dbname=" + config.database()
                + " sslmode=" + sslMode();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + config.host() + ":" + config.port() + "/" + config.database();
    }

    Properties jdbcProperties() {
        Properties properties = new Properties();
        properties.setProperty("user", config.user());
        if (config.password() != null) {
            properties.setProperty("password", config.password());
        }
        properties.setProperty("sslmode", sslMode());
        properties.setProperty("ApplicationName", "pgrepl-bench");
        return properties;
    }

    Connection jdbc() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), jdbcProperties());
    }

    void execute(String... statements) {
        try (Connection connection = jdbc(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    String queryValue(String sql) {
        try (Connection connection = jdbc(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + sql + ": " + e.getMessage(), e);
        }
    }
}
