package io.github.pgrepl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's pg_recvlogical to /dev/null up to the end LSN, under {@code /usr/bin/time} for its
 * CPU time and peak resident memory. Its wall time counts from process start, so the time of a run
 * with nothing to stream (connection, walsender start, first keepalive) is measured first and
 * subtracted, to compare with the Java consumers' first-byte-to-last.
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

    /** Wall time of a run whose slot starts past its end position: everything but the streaming. */
    long overheadNanos(String slot, String endLsn) throws IOException, InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            best = Math.min(best, run("pg_recvlogical-overhead", slot, Format.TEXT, endLsn).nanos());
        }
        return best;
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
        command.addAll(List.of("-f", "/dev/null", "--no-loop", "-E", endLsn));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (target.config().password() != null) {
            builder.environment().put("PGPASSWORD", target.config().password());
        }
        long started = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(40, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("pg_recvlogical did not finish within 40 minutes; see " + log);
        }
        long nanos = System.nanoTime() - started;
        if (process.exitValue() != 0) {
            throw new IllegalStateException("pg_recvlogical failed (exit " + process.exitValue() + "); see " + log);
        }
        List<String> lines = Files.readAllLines(timeFile);
        String[] fields = lines.get(lines.size() - 1).trim().split(" ");
        long cpuNanos = Math.round((Double.parseDouble(fields[1]) + Double.parseDouble(fields[2])) * 1e9);
        long rss = Long.parseLong(fields[3]) * 1024;
        return new Measurement(-1, -1, nanos, cpuNanos, 0, -1, -1, rss); // a C program: no JIT
    }
}
