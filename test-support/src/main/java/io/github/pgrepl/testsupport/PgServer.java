package io.github.pgrepl.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, run from zonky's embedded binaries.
 *
 * <p>Every server is configured for logical replication, listens on localhost only, serves TLS with a
 * certificate from a throw-away CA (see {@link #caCertificate()}) and has one login+replication role
 * per authentication method, see {@link #TRUST_USER}, {@link #MD5_USER} and {@link #SCRAM_USER}. The
 * port and the data directory stay the same across {@link #stop()} and {@link #start()}, so tests can
 * restart the server under a connected client.
 *
 * <pre>{@code
 * try (PgServer pg = PgServer.builder().setting("wal_sender_timeout", "2s").start()) {
 *     pg.execute("CREATE TABLE t (id int PRIMARY KEY)");
 * }
 * }</pre>
 *
 * <p>Set the system property {@code pgrepl.test.pg.binaries} to a zonky binaries jar to run against
 * another PostgreSQL major than the one on the classpath.
 */
public final class PgServer implements AutoCloseable {

    public static final String SUPERUSER = "postgres";
    /** Authenticates by trust, without a password. */
    public static final String TRUST_USER = "pgrepl_trust";
    /** Authenticates with md5; its password ({@link #PASSWORD}) is stored as an md5 hash. */
    public static final String MD5_USER = "pgrepl_md5";
    /** Authenticates with scram-sha-256 ({@link #PASSWORD}). */
    public static final String SCRAM_USER = "pgrepl_scram";
    /** The password of {@link #MD5_USER} and {@link #SCRAM_USER}. */
    public static final String PASSWORD = "s3cr3t-Pa55word";
    public static final String DATABASE = "postgres";
    /** The password of {@link #caTrustStore()}. */
    public static final String CA_TRUST_STORE_PASSWORD = "changeit";

    private static final Logger LOG = LoggerFactory.getLogger(PgServer.class);

    private static final String HOST = "localhost";
    /** zonky passes these with -c on the command line, which beats our config file; overrides must go there too. */
    private static final Set<String> ZONKY_COMMAND_LINE_SETTINGS = Set.of("timezone", "synchronous_commit", "max_connections");
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z0-9_.]+");
    /** How long zonky waits for a started postmaster to accept connections; a bad setting costs this long. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 25;

    private final Map<String, String> settings;
    private final boolean tls;
    private final PgBinaryResolver binaries;
    private final int port;
    /** Holds data/, ca.crt and startup.log; close() deletes it. */
    private final Path root;
    private final Path dataDirectory;
    /** initdb's and pg_ctl's output, and the postmaster's until its logging collector takes over. */
    private final Path startupLog;
    private final Path serverLog;
    private final Postmaster control;
    private final TestCertificates certificates;
    private final Path caCertificate;
    private final Path caTrustStore;
    private final Thread shutdownHook = new Thread(this::close, "pgrepl-pg-shutdown");

    // Guarded by this.
    private EmbeddedPostgres postgres;
    private ProcessHandle postmaster;
    private int majorVersion;
    private boolean closed;

    private PgServer(Builder builder) {
        Map<String, String> all = DataDirectoryConfig.baseSettings(builder.tls);
        all.putAll(builder.settings);
        this.settings = Collections.unmodifiableMap(all);
        this.tls = builder.tls;
        this.binaries = PgBinaries.resolver();
        this.port = freePort();
        try {
            this.root = Files.createTempDirectory("pgrepl-pg-");
        } catch (IOException e) {
            throw new IllegalStateException("Could not create a temporary directory for PostgreSQL", e);
        }
        this.dataDirectory = root.resolve("data");
        this.startupLog = root.resolve("startup.log");
        this.serverLog = dataDirectory.resolve("log").resolve("postgresql.log");
        this.control = new Postmaster(dataDirectory, serverLog);
        this.certificates = tls ? TestCertificates.create() : null;
        this.caCertificate = tls ? root.resolve("ca.crt") : null;
        this.caTrustStore = tls ? root.resolve("ca.p12") : null;
        if (tls) {
            try {
                certificates.writeCaCertificate(caCertificate);
                certificates.writeCaTrustStore(caTrustStore, CA_TRUST_STORE_PASSWORD.toCharArray());
            } catch (IOException e) {
                deleteRecursively(root);
                throw new IllegalStateException("Could not write the test CA certificate to " + caCertificate, e);
            }
        }
        // One hook per server (not zonky's one per start) so that a JVM exit never leaks a postmaster.
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The server's log file (its logging collector's), for diagnostics. */
    public Path serverLog() {
        return serverLog;
    }

    /** The major version, e.g. 18 or 14, of the server last started. */
    public synchronized int majorVersion() {
        return majorVersion;
    }

    /** The PEM file of the test CA that signed the server certificate. */
    public Path caCertificate() {
        if (!tls) {
            throw new IllegalStateException("This server was built with tls(false); it has no CA certificate");
        }
        return caCertificate;
    }

    /**
     * A PKCS#12 trust store (password {@link #CA_TRUST_STORE_PASSWORD}) holding the test CA: what a test sets as
     * {@code javax.net.ssl.trustStore} to make the JVM's default trust store trust this server.
     */
    public Path caTrustStore() {
        if (!tls) {
            throw new IllegalStateException("This server was built with tls(false); it has no CA trust store");
        }
        return caTrustStore;
    }

    /** {@code jdbc:postgresql://localhost:<port>/postgres}, without user or SSL parameters. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + DATABASE;
    }

    /** A new connection as {@link #SUPERUSER}, without TLS; the caller closes it. */
    public Connection jdbc() {
        Properties properties = new Properties();
        properties.setProperty("user", SUPERUSER);
        properties.setProperty("sslmode", "disable");
        // Lets tests tell our helper connections apart from the code under test in pg_stat_activity.
        properties.setProperty("ApplicationName", "pgrepl-test-support");
        try {
            return DriverManager.getConnection(jdbcUrl(), properties);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not connect to PostgreSQL at " + jdbcUrl() + " as " + SUPERUSER
                    + (isRunning() ? "" : " (the server is stopped)") + ": " + e.getMessage(), e);
        }
    }

    /** Runs each statement, in order and on one connection, as {@link #SUPERUSER}. */
    public void execute(String... sql) {
        try (Connection connection = jdbc(); Statement statement = connection.createStatement()) {
            for (String each : sql) {
                try {
                    statement.execute(each);
                } catch (SQLException e) {
                    throw sqlFailure(each, e);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("JDBC failure: " + e.getMessage(), e);
        }
    }

    /** The rows of a query as text values, null for SQL NULL. */
    public List<List<String>> query(String sql) {
        try (Connection connection = jdbc();
             Statement statement = connection.createStatement();
             ResultSet resultSet = statement.executeQuery(sql)) {
            int columns = resultSet.getMetaData().getColumnCount();
            List<List<String>> rows = new ArrayList<>();
            while (resultSet.next()) {
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = resultSet.getString(i + 1);
                }
                rows.add(Collections.unmodifiableList(Arrays.asList(row)));
            }
            return Collections.unmodifiableList(rows);
        } catch (SQLException e) {
            throw sqlFailure(sql, e);
        }
    }

    /** The first column of the first row, or null if that is NULL or there are no rows. */
    public String queryValue(String sql) {
        List<List<String>> rows = query(sql);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    /** Terminates every walsender, i.e. every replication connection; returns how many. */
    public int terminateWalSenders() {
        // MATERIALIZED: the planner must not call pg_terminate_backend on rows before filtering them.
        return Integer.parseInt(queryValue("WITH walsenders AS MATERIALIZED"
                + " (SELECT pid FROM pg_stat_activity WHERE backend_type = 'walsender')"
                + " SELECT count(*) FROM walsenders WHERE pg_terminate_backend(pid)"));
    }

    /** Starts the server again on the same data directory and port; does nothing if it is running. */
    public synchronized void start() {
        if (closed) {
            throw new IllegalStateException("This PgServer is closed; build a new one");
        }
        if (postgres != null) {
            return;
        }
        EmbeddedPostgres.Builder zonky = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                // Only initdb when postgresql.conf is missing, and never delete the data: close() does.
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .setPgBinaryResolver(binaries)
                .setPGStartupWait(STARTUP_TIMEOUT)
                .setOutputRedirector(Redirect.appendTo(startupLog.toFile()))
                .setErrorRedirector(Redirect.appendTo(startupLog.toFile()))
                // Runs after initdb, before every postmaster start.
                .setDataDirectoryCustomizer(this::configure);
        settings.forEach((name, value) -> {
            if (ZONKY_COMMAND_LINE_SETTINGS.contains(name)) {
                zonky.setServerConfig(name, value);
            }
        });
        try {
            postgres = zonky.start();
        } catch (Exception | ExceptionInInitializerError e) { // zonky wraps binary problems in the Error
            control.stopLeftover();
            throw new IllegalStateException(startFailure(e), e);
        }
        postmaster = control.process().orElse(null);
        majorVersion = Integer.parseInt(queryValue("SHOW server_version_num")) / 10_000;
        createRoles();
        LOG.info("PostgreSQL {} running on port {}, data directory {}", majorVersion, port, dataDirectory);
    }

    /**
     * Shuts the server down ("fast" mode) and keeps its data directory; does nothing if it is stopped.
     * A walsender whose client never confirms the final WAL holds up a fast shutdown; when pg_ctl
     * gives up on it (after 5 s) the postmaster gets an immediate shutdown, so that stop() always stops.
     */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        EmbeddedPostgres running = postgres;
        postgres = null;
        postmaster = null;
        try {
            running.close(); // pg_ctl stop -m fast -t 5 -w, then releases zonky's lock on the data directory
        } catch (IOException e) {
            throw new IllegalStateException("Could not release zonky's lock on " + dataDirectory, e);
        }
        if (control.hasPidFile()) {
            LOG.warn("PostgreSQL on port {} did not shut down within 5 s, probably because a walsender waits for its"
                    + " client to confirm the final WAL; sending SIGQUIT (immediate shutdown)", port);
            control.immediateShutdown();
        }
        LOG.info("PostgreSQL on port {} stopped", port);
    }

    /**
     * Stops the server as a crash would: SIGQUIT, PostgreSQL's immediate shutdown, with no shutdown checkpoint and
     * no walsender sending what is left to its standby. Keeps the data directory; {@link #start()} recovers it.
     * Does nothing if it is stopped.
     */
    public synchronized void stopImmediately() {
        if (postgres == null) {
            return;
        }
        EmbeddedPostgres running = postgres;
        postgres = null;
        postmaster = null;
        control.immediateShutdown();
        LOG.info("PostgreSQL on port {} stopped immediately; zonky's pg_ctl stop finds no server next and logs"
                + " 'Could not stop postmaster', which is expected here", port);
        try {
            running.close(); // its pg_ctl stop fails (no server); what counts is that it releases its lock
        } catch (IOException e) {
            throw new IllegalStateException("Could not release zonky's lock on " + dataDirectory, e);
        }
    }

    public synchronized void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return postgres != null && (postmaster == null || postmaster.isAlive());
    }

    /** Stops the server and deletes its data directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            deleteRecursively(root);
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is exiting, probably running this very hook.
            }
        }
    }

    @Override
    public String toString() {
        return "PgServer[" + HOST + ":" + port + ", " + dataDirectory + "]";
    }

    private void configure(File directory) {
        try {
            DataDirectoryConfig.write(directory.toPath(), settings);
            if (tls) {
                certificates.writeServerFiles(directory.toPath());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the configuration of " + directory, e);
        }
    }

    private void createRoles() {
        createRoleIfMissing(TRUST_USER, null);
        createRoleIfMissing(MD5_USER, "md5");
        createRoleIfMissing(SCRAM_USER, "scram-sha-256");
    }

    private void createRoleIfMissing(String role, String passwordEncryption) {
        if (queryValue("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'") != null) {
            return; // a restart on an existing data directory
        }
        String create = "CREATE ROLE " + role + " LOGIN REPLICATION";
        if (passwordEncryption == null) {
            execute(create);
        } else {
            // password_encryption decides how the password is hashed, and so which auth method can use it.
            execute("SET password_encryption = '" + passwordEncryption + "'", create + " PASSWORD '" + PASSWORD + "'");
        }
    }

    private String startFailure(Throwable failure) {
        StringBuilder message = new StringBuilder("PostgreSQL failed to start on port ").append(port)
                .append(" with data directory ").append(dataDirectory)
                .append(" and binaries from ").append(PgBinaries.describe(binaries)).append(": ");
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            message.append(cause == failure ? "" : " <- ").append(cause);
        }
        appendTail(message, startupLog);
        appendTail(message, serverLog);
        return message.toString();
    }

    private static void appendTail(StringBuilder message, Path log) {
        try {
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                message.append("\n--- last lines of ").append(log).append(" ---\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())));
            }
        } catch (IOException | UncheckedIOException e) {
            message.append("\n(could not read ").append(log).append(": ").append(e).append(')');
        }
    }

    private static IllegalStateException sqlFailure(String sql, SQLException e) {
        return new IllegalStateException("SQL failed [" + e.getSQLState() + "]: " + sql + "\n" + e.getMessage(), e);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("Could not find a free port for PostgreSQL", e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}", directory, e);
        }
        if (Files.exists(directory)) {
            LOG.warn("Could not delete all of {}", directory);
        }
    }

    /** Options of a server; {@link #start()} builds and starts one. */
    public static final class Builder {

        private final Map<String, String> settings = new LinkedHashMap<>();
        private boolean tls = true;

        private Builder() {
        }

        /** A postgresql.conf setting, e.g. {@code ("wal_sender_timeout", "2s")}; overrides the defaults. */
        public Builder setting(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!SETTING_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Not a PostgreSQL setting name: '" + name + "'");
            }
            settings.put(name, value);
            return this;
        }

        /** Whether the server offers TLS (default true); plain connections work either way. */
        public Builder tls(boolean enabled) {
            this.tls = enabled;
            return this;
        }

        /**
         * Builds a server without starting it, so that its data directory can be filled first (initdb runs only
         * when it has no postgresql.conf).
         */
        PgServer build() {
            return new PgServer(this);
        }

        /** Builds and starts a server; throws IllegalStateException, with the server log, if it cannot. */
        public PgServer start() {
            PgServer server = new PgServer(this);
            try {
                server.start();
                return server;
            } catch (RuntimeException | Error e) {
                try {
                    server.close();
                } catch (RuntimeException closeFailure) {
                    e.addSuppressed(closeFailure);
                }
                throw e;
            }
        }
    }
}
