package io.github.pgrepl.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's pg_recvlogical up to the end LSN, under {@code /usr/bin/time} for its CPU time and
 * peak resident memory. It writes every XLogData's payload to its output, a pipe that this process
 * drains and drops: the first byte out is the first XLogData in, and the end of the output is its exit
 * at the end LSN, so its time is first XLogData to last, as the Java consumers'.
 */
final class RecvLogicalRun {

    private final Target target;
    private final Path logs;

    RecvLogicalRun(Target target, Path logs) {
        this.target = target;
        this.logs = logs;
    }

    static String version() {
        try {
            Process process = new ProcessBuilder("pg_recvlogical", "--version").redirectErrorStream(true).start();
            String version = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor();
            return version;
        } catch (IOException e) {
            throw new IllegalStateException("pg_recvlogical is not on the PATH: install postgresql-client", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    Measurement run(String name, String slot, Format format, String endLsn) throws IOException, InterruptedException {
        Files.createDirectories(logs);
        Path timeFile = logs.resolve(name + ".time");
        Path log = logs.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S %M", "-o", timeFile.toString(),
                "pg_recvlogical", "-d", target.conninfo(), "--slot=" + slot, "--start",
                "-o", "proto_version=1", "-o", "publication_names=" + Workload.PUBLICATION, "-o", "messages=true"));
        if (format.binary()) {
            command.addAll(List.of("-o", "binary=true"));
        }
        command.addAll(List.of("-f", "-", "--no-loop", "-E", endLsn));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        if (target.config().password() != null) {
            builder.environment().put("PGPASSWORD", target.config().password());
        }
        Process process = builder.start();
        OutputTimes output = new OutputTimes(process.getInputStream());
        Thread drain = new Thread(output, "pg_recvlogical-output");
        drain.start();
        if (!process.waitFor(40, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("pg_recvlogical did not finish within 40 minutes; see " + log);
        }
        drain.join();
        if (process.exitValue() != 0 || output.firstByteNanos == 0) {
            throw new IllegalStateException("pg_recvlogical failed (exit " + process.exitValue() + ", "
                    + output.bytes + " bytes out); see " + log);
        }
        long nanos = output.endNanos - output.firstByteNanos;
        List<String> lines = Files.readAllLines(timeFile);
        String[] fields = lines.get(lines.size() - 1).trim().split(" ");
        long cpuNanos = Math.round((Double.parseDouble(fields[1]) + Double.parseDouble(fields[2])) * 1e9);
        long rss = Long.parseLong(fields[3]) * 1024;
        return new Measurement(-1, -1, nanos, cpuNanos, 0, -1, -1, rss); // a C program: no JIT
    }

    /** Reads pg_recvlogical's output to its end, noting when the first byte came and when the end. */
    private static final class OutputTimes implements Runnable {
        private final InputStream in;
        volatile long firstByteNanos;
        volatile long endNanos;
        volatile long bytes;

        OutputTimes(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[1 << 16];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (firstByteNanos == 0) {
                        firstByteNanos = System.nanoTime();
                    }
                    bytes += n;
                }
            } catch (IOException e) {
                // the process ended
            }
            endNanos = System.nanoTime();
        }
    }
}
