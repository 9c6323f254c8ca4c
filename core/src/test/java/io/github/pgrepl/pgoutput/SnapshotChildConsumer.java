package io.github.pgrepl.pgoutput;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationConnection;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.testsupport.PgServer;

import java.io.IOException;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A consumer in a JVM of its own, for the kill -9 test of incremental snapshots: it appends every row event to a file
 * ({@code R|I|U table id v payload}, {@code D table id}, {@code C table rows}, {@code X} at a commit) and
 * flushes at each commit, before
 * returning, so the file shows what the listener had handled. Arguments: port, slot, publication, output file, chunk
 * size, what to do ({@code stream}; {@code snapshot}: ask for an incremental snapshot of the publication's tables once
 * it streams; {@code initial}: create the slot with an initial snapshot), and {@code slow} to handle rows slowly, at
 * most 10 a millisecond, for the life the test kills in the middle of a snapshot.
 */
public final class SnapshotChildConsumer {

    private SnapshotChildConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Writer writer = Files.newBufferedWriter(Path.of(args[3]), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        String mode = args[5];
        boolean slow = args.length > 6 && "slow".equals(args[6]);
        long[] reads = new long[1];
        boolean[] inTransaction = new boolean[1];
        ChangeListener listener = event -> {
            if (event instanceof ChangeEvent.Begin) {
                inTransaction[0] = true;
            } else if (event instanceof ChangeEvent.Read read) {
                writer.write(line("R", read.relation(), read.row()));
                reads[0]++;
                if (slow && reads[0] % 10 == 0) {
                    Thread.sleep(1); // a slow listener in the life that gets killed, so that the kill lands mid-snapshot
                }
                if (!inTransaction[0] && reads[0] % 500 == 0) {
                    writer.write("X\n"); // an initial snapshot's rows are in no transaction: handled one by one
                    writer.flush();
                }
            } else if (event instanceof ChangeEvent.Insert insert) {
                writer.write(line("I", insert.relation(), insert.newRow()));
            } else if (event instanceof ChangeEvent.Update update) {
                writer.write(line("U", update.relation(), update.newRow()));
            } else if (event instanceof ChangeEvent.Delete delete) {
                writer.write("D " + delete.relation().qualifiedName() + " " + delete.oldKey().getLong("id") + "\n");
            } else if (event instanceof ChangeEvent.SnapshotCompleted done) {
                writer.write("C " + done.table().qualifiedName() + " " + done.rows() + "\n");
                if (!inTransaction[0]) {
                    writer.write("X\n");
                    writer.flush();
                }
            } else if (event instanceof ChangeEvent.Commit) {
                inTransaction[0] = false;
                writer.write("X\n"); // the end of what was handled: a kill may cut the buffer's last flush
                writer.flush();
            }
        };
        ConnectionConfig config = ConnectionConfig.builder().name("child").host("localhost").port(port).user("postgres")
                .database("postgres").sslMode(SslMode.DISABLE).autoReconnect(true)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
        PgOutputHandler handler = PgOutputHandler.builder(listener).slot(args[1]).publications(args[2])
                .createSlot("initial".equals(mode))
                .snapshot(SnapshotOptions.defaults().chunkSize(Integer.parseInt(args[4]))
                        .mode("initial".equals(mode) ? SnapshotMode.INITIAL : SnapshotMode.NEVER))
                .statusInterval(Duration.ofMillis(100)).build();
        ReplicationConnection.start(config, handler);
        if ("snapshot".equals(mode)) {
            askForSnapshot(handler);
        }
        System.out.println("consuming");
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }

    /** Starts one in a JVM of its own, its output beside {@code out}; the arguments after {@code out} as above. */
    static Process start(PgServer pg, String slot, String publication, Path out, String... more) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                SnapshotChildConsumer.class.getName(), String.valueOf(pg.port()), slot, publication, out.toString(), "1000"));
        command.addAll(List.of(more));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(out.resolveSibling(out.getFileName() + ".log").toFile()).start();
    }

    private static String line(String kind, ChangeEvent.Relation relation, Row row) {
        return kind + " " + relation.qualifiedName() + " " + row.getLong("id") + " " + row.getInt("v") + " "
                + row.getString("payload") + "\n";
    }

    /** Asks until the handler streams (start returns on connect; the stream may start a moment later). */
    private static void askForSnapshot(PgOutputHandler handler) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                handler.snapshot(List.of()).get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof SnapshotException refused)
                        || refused.reason() != SnapshotException.Reason.NOT_READY || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100); // polling: the stream starts on the connection's thread, without a callback
            }
        }
    }
}
