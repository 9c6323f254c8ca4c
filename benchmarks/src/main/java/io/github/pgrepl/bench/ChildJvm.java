package io.github.pgrepl.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a main class of this jar in a fresh JVM with the same classpath, output to a log file. */
final class ChildJvm {

    private final Target target;
    private final List<String> jvmOptions;
    private final Path logs;

    ChildJvm(Target target, List<String> jvmOptions, Path logs) {
        this.target = target;
        this.jvmOptions = jvmOptions;
        this.logs = logs;
    }

    /** Runs {@code mainClass args} and returns the last line of its output that starts with {@code prefix}. */
    String run(String name, List<String> extraJvmOptions, Class<?> mainClass, String prefix, String... args)
            throws IOException, InterruptedException {
        List<String> lines = runAll(name, extraJvmOptions, mainClass, prefix, args);
        return lines.get(lines.size() - 1);
    }

    /** Runs {@code mainClass args} and returns the lines of its output that start with {@code prefix}, at least one. */
    List<String> runAll(String name, List<String> extraJvmOptions, Class<?> mainClass, String prefix, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(extraJvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Files.createDirectories(logs);
        Path log = logs.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put(Target.URL_VARIABLE, target.url());
        Process process = builder.start();
        if (!process.waitFor(40, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not finish within 40 minutes; see " + log);
        }
        List<String> found = Files.readAllLines(log).stream().filter(line -> line.startsWith(prefix)).toList();
        if (process.exitValue() != 0 || found.isEmpty()) {
            throw new IllegalStateException(name + " failed (exit " + process.exitValue() + "); see " + log);
        }
        return found;
    }
}
