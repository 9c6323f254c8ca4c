package io.github.pgrepl.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of this jar in a fresh JVM with the same classpath: to the end ({@link #run}), or as
 * a {@link Session} the harness talks to through its standard input and output. Its output is copied
 * to a log file.
 */
final class ChildJvm {

    private final Target target;
    private final List<String> jvmOptions;
    private final Path logs;

    ChildJvm(Target target, List<String> jvmOptions, Path logs) {
        this.target = target;
        this.jvmOptions = jvmOptions;
        this.logs = logs;
    }

    /** Runs {@code mainClass args} to its end and returns the last line of its output that starts with {@code prefix}. */
    String run(String name, List<String> extraJvmOptions, Class<?> mainClass, String prefix, String... args)
            throws IOException, InterruptedException {
        try (Session session = start(name, extraJvmOptions, mainClass, args)) {
            String found = null;
            String line;
            while ((line = session.nextLine()) != null) {
                if (line.startsWith(prefix)) {
                    found = line;
                }
            }
            if (session.exitValue() != 0 || found == null) {
                throw new IllegalStateException(name + " failed (exit " + session.exitValue() + "); see " + session.log);
            }
            return found;
        }
    }

    Session start(String name, List<String> extraJvmOptions, Class<?> mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(extraJvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Files.createDirectories(logs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(Target.URL_VARIABLE, target.url());
        if (KafkaBroker.bootstrapServers() != null) {
            builder.environment().put(KafkaBroker.BOOTSTRAP_VARIABLE, KafkaBroker.bootstrapServers());
        }
        return new Session(name, builder.start(), logs.resolve(name + ".log"));
    }

    /** A running child: lines go to its standard input, its output lines come back (and go to its log). */
    static final class Session implements Closeable {
        private final String name;
        private final Process process;
        private final Path log;
        private final BufferedReader output;
        private final Writer input;
        private final Writer logWriter;

        private Session(String name, Process process, Path log) throws IOException {
            this.name = name;
            this.process = process;
            this.log = log;
            this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.input = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            this.logWriter = Files.newBufferedWriter(log);
        }

        void send(String line) throws IOException {
            input.write(line + "\n");
            input.flush();
        }

        /** The next output line, or {@code null} at its end. */
        String nextLine() throws IOException {
            String line = output.readLine();
            if (line != null) {
                logWriter.write(line + "\n");
                logWriter.flush();
            }
            return line;
        }

        /** Reads output up to the first line that starts with {@code prefix}, and returns it. */
        String await(String prefix) throws IOException {
            String line;
            while ((line = nextLine()) != null) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IllegalStateException(name + " ended before printing " + prefix + "; see " + log);
        }

        int exitValue() throws InterruptedException {
            if (!process.waitFor(40, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not finish within 40 minutes; see " + log);
            }
            return process.exitValue();
        }

        /** Closes its input (the child's signal to finish), reads the rest of its output and waits for it. */
        @Override
        public void close() throws IOException {
            try {
                input.close();
                while (nextLine() != null) {
                    // to the log
                }
                if (exitValue() != 0) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            } finally {
                logWriter.close();
            }
        }
    }
}
