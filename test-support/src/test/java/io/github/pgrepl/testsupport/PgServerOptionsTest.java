package io.github.pgrepl.testsupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgServerOptionsTest {

    @Test
    void withoutTlsServesPlainConnectionsOnly() {
        Path dataDirectory;
        try (PgServer server = PgServer.builder().tls(false).start()) {
            dataDirectory = server.dataDirectory();
            assertThat(server.queryValue("SHOW ssl")).isEqualTo("off");
            assertThatThrownBy(server::caCertificate).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl() + "?sslmode=require", PgServer.SUPERUSER, null))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("SSL");
        }
        assertThat(dataDirectory).doesNotExist();
    }

    @Test
    void rejectsAMissingBinariesJar() {
        withBinariesProperty("/no/such/binaries.jar", () ->
                assertThatThrownBy(() -> PgServer.builder().start())
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(PgBinaries.PROPERTY)
                        .hasMessageContaining("/no/such/binaries.jar"));
    }

    @Test
    void explainsABinariesJarWithoutPostgres(@TempDir Path directory) throws IOException {
        Path jar = directory.resolve("not-binaries.jar");
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("README.txt"));
            zip.closeEntry();
        }
        withBinariesProperty(jar.toString(), () ->
                assertThatThrownBy(() -> PgServer.builder().start())
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("PostgreSQL failed to start")
                        .hasMessageContaining("contains no postgres-linux-"));
    }

    @Test
    void rejectsBadSettingNames() {
        assertThatThrownBy(() -> PgServer.builder().setting("fsync = on #", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void withBinariesProperty(String value, Runnable action) {
        String previous = System.getProperty(PgBinaries.PROPERTY);
        System.setProperty(PgBinaries.PROPERTY, value);
        try {
            action.run();
        } finally {
            if (previous == null) {
                System.clearProperty(PgBinaries.PROPERTY);
            } else {
                System.setProperty(PgBinaries.PROPERTY, previous);
            }
        }
    }
}
