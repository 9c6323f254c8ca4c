package io.github.pgrepl.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the configuration files of a data directory: pg_hba.conf and {@value #SETTINGS_FILE}, which
 * postgresql.conf includes. It runs after initdb and before every postmaster start, so it must be
 * idempotent.
 *
 * <p>Settings go into a file rather than onto the postgres command line because command-line
 * settings cannot be changed by {@code ALTER SYSTEM} + {@code pg_reload_conf()}, which tests may want.
 */
final class DataDirectoryConfig {

    static final String SETTINGS_FILE = "pgrepl.conf";
    private static final String INCLUDE_LINE = "include '" + SETTINGS_FILE + "'";

    private DataDirectoryConfig() {
    }

    /** The settings every test server gets; the builder's settings are applied after, so they win. */
    static Map<String, String> baseSettings(boolean tls) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("listen_addresses", "localhost");
        settings.put("wal_level", "logical");
        settings.put("max_wal_senders", "20");
        settings.put("max_replication_slots", "20");
        // Durability is worthless for a throw-away test cluster; skipping it saves a lot of I/O.
        settings.put("fsync", "off");
        settings.put("full_page_writes", "off");
        // Server log goes to <data>/log/postgresql.log instead of the test output.
        settings.put("logging_collector", "on");
        settings.put("log_directory", "log");
        settings.put("log_filename", "postgresql.log");
        settings.put("log_replication_commands", "on");
        settings.put("ssl", tls ? "on" : "off");
        if (tls) {
            // Relative to the data directory, where TestCertificates writes them.
            settings.put("ssl_cert_file", TestCertificates.SERVER_CERTIFICATE_FILE);
            settings.put("ssl_key_file", TestCertificates.SERVER_KEY_FILE);
        }
        return settings;
    }

    static void write(Path dataDirectory, Map<String, String> settings) throws IOException {
        Files.write(dataDirectory.resolve("pg_hba.conf"), hbaLines());
        writeSettings(dataDirectory, settings);
    }

    private static List<String> hbaLines() {
        // First match wins. Replication connections with replication=database match the database
        // column like ordinary connections, so the per-user lines below also govern logical
        // replication; only physical replication reaches the "replication" line.
        List<String> lines = new ArrayList<>();
        lines.add("# Written by pgrepl test-support on every start; edits are overwritten.");
        lines.add("local all all trust");
        for (String address : List.of("127.0.0.1/32", "::1/128")) {
            lines.add("host all " + PgServer.SUPERUSER + " " + address + " trust");
            lines.add("host all " + PgServer.TRUST_USER + " " + address + " trust");
            lines.add("host all " + PgServer.MD5_USER + " " + address + " md5");
            lines.add("host all " + PgServer.SCRAM_USER + " " + address + " scram-sha-256");
            lines.add("host replication all " + address + " trust");
            lines.add("host all all " + address + " trust"); // roles tests create on the fly
        }
        return lines;
    }

    private static void writeSettings(Path dataDirectory, Map<String, String> settings) throws IOException {
        StringBuilder conf = new StringBuilder("# Written by pgrepl test-support on every start; edits are overwritten.\n");
        settings.forEach((name, value) ->
                conf.append(name).append(" = '").append(value.replace("'", "''")).append("'\n"));
        Files.writeString(dataDirectory.resolve(SETTINGS_FILE), conf);

        Path postgresqlConf = dataDirectory.resolve("postgresql.conf");
        if (!Files.readAllLines(postgresqlConf).contains(INCLUDE_LINE)) {
            // At the end, so that it overrides initdb's defaults.
            Files.writeString(postgresqlConf, Files.readString(postgresqlConf) + "\n" + INCLUDE_LINE + "\n");
        }
    }
}
