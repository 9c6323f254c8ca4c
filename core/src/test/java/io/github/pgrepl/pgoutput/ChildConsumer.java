package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A consumer in a JVM of its own, for the kill -9 test: it appends every inserted id to a file and
 * flushes at each commit, before returning, so the file shows what the listener had handled.
 * Arguments: port, slot, publication, output file.
 */
public final class ChildConsumer {

    private ChildConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path out = Path.of(args[3]);
        Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ChangeListener listener = event -> {
            if (event instanceof ChangeEvent.Insert insert) {
                writer.write(insert.newRow().getLong("id") + "\n");
            } else if (event instanceof ChangeEvent.Commit) {
                writer.flush();
            }
        };
        ConnectionConfig config = ConnectionConfig.builder().name("child").host("localhost").port(port).user("postgres")
                .database("postgres").sslMode(SslMode.DISABLE).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
        ReplicationConnection.start(config, PgOutputHandler.builder(listener).slot(args[1]).publications(args[2])
                .statusInterval(Duration.ofMillis(100)).build());
        System.out.println("consuming");
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
