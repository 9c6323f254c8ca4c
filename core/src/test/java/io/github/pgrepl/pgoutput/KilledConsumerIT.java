package io.github.pgrepl.pgoutput;

import static io.github.pgrepl.pgoutput.PgOutputFixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.testsupport.PgExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a consumer's JVM mid-stream, then a restart: every committed row arrives, none twice in one life. */
class KilledConsumerIT {

    @RegisterExtension
    static final PgExtension pg = PgExtension.builder().build();

    @TempDir
    Path dir;

    @Test
    void aConsumerKilledMidStreamLosesNothingAfterItsRestart() throws Exception {
        String table = unique("ledger");
        String publication = unique("pub");
        String slot = unique("slot");
        pg.server().execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY)",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table,
                "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        LedgerWriter writer = new LedgerWriter(pg.server(), table, 600, Duration.ofMillis(3));
        Path firstLife = dir.resolve("first.txt");
        Path secondLife = dir.resolve("second.txt");

        Process first = startChild(slot, publication, firstLife);
        Thread writing = new Thread(writer, "ledger-writer");
        writing.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(firstLife).size() >= 150);
        first.destroyForcibly().waitFor(); // SIGKILL: no handleClose, no last status update

        Process second = startChild(slot, publication, secondLife);
        try {
            writing.join(Duration.ofMinutes(1).toMillis());
            await().atMost(Duration.ofSeconds(60)).until(() -> union(firstLife, secondLife).containsAll(writer.committed));
        } finally {
            second.destroyForcibly().waitFor();
        }

        List<Long> before = lines(firstLife);
        List<Long> after = lines(secondLife);
        System.out.printf("committed %d; first life %d rows, second life %d rows, %d delivered in both%n",
                writer.committed.size(), before.size(), after.size(), before.stream().filter(after::contains).count());
        assertThat(union(firstLife, secondLife)).containsAll(writer.committed).doesNotContainAnyElementsOf(writer.rolledBack);
        assertThat(before).isSorted().doesNotHaveDuplicates();
        assertThat(after).isSorted().doesNotHaveDuplicates();
    }

    private Process startChild(String slot, String publication, Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChildConsumer.class.getName(),
                String.valueOf(pg.server().port()), slot, publication, out.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(out.getFileName() + ".log").toFile())
                .start();
    }

    private static List<Long> lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return Files.readAllLines(file).stream().filter(line -> !line.isBlank()).map(Long::valueOf).toList();
    }

    private static Set<Long> union(Path a, Path b) throws IOException {
        Set<Long> all = new HashSet<>(lines(a));
        all.addAll(lines(b));
        return all;
    }
}
