package io.github.pgrepl.testsupport;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The postmaster of one data directory, found through its pid file: what {@link PgServer} needs beyond zonky's
 * pg_ctl, which stops only in "fast" mode.
 */
final class Postmaster {

    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    private final Path dataDirectory;
    private final Path serverLog;

    Postmaster(Path dataDirectory, Path serverLog) {
        this.dataDirectory = dataDirectory;
        this.serverLog = serverLog;
    }

    boolean hasPidFile() {
        return Files.exists(pidFile());
    }

    /** The running postmaster, if its pid file names one. */
    Optional<ProcessHandle> process() {
        try {
            return Files.readAllLines(pidFile()).stream().findFirst()
                    .map(String::strip).map(Long::valueOf).flatMap(ProcessHandle::of);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no pid file, or not written completely yet
        }
    }

    /** After a failed start a postmaster may still be running (e.g. it came up too late); stop it. */
    void stopLeftover() {
        // A stale pid file may name an unrelated process by now.
        if (process().flatMap(process -> process.info().command()).filter(c -> c.endsWith("/postgres")).isPresent()) {
            immediateShutdown();
        }
    }

    /**
     * SIGQUIT, PostgreSQL's immediate shutdown (Java can only send SIGTERM and SIGKILL), and waits until it is
     * done. Since version 14 the postmaster itself SIGKILLs children that do not exit within 5 s, so this
     * reliably ends.
     */
    void immediateShutdown() {
        Optional<ProcessHandle> process = process();
        if (process.isEmpty()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-QUIT", Long.toString(process.get().pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.DISCARD)
                    .start()
                    .waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("Could not send SIGQUIT to PostgreSQL (pid " + process.get().pid() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while stopping PostgreSQL", e);
        }
        if (!awaitPidFileRemoved(SHUTDOWN_TIMEOUT)) {
            throw new IllegalStateException("PostgreSQL (pid " + process.get().pid() + ") did not stop within "
                    + SHUTDOWN_TIMEOUT.toSeconds() + " s of SIGQUIT; see " + serverLog);
        }
    }

    /**
     * pg_ctl's criterion for a finished shutdown: the postmaster removes its pid file last. (Waiting for
     * the process instead is slow: it is not our child, so the JDK polls it, and it lingers as a zombie.)
     */
    private boolean awaitPidFileRemoved(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.exists(pidFile())) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return true;
    }

    private Path pidFile() {
        return dataDirectory.resolve("postmaster.pid");
    }
}
