package io.github.pgrepl.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * {@code java -jar} on the jar {@code ./mvnw package} built (repackaged by spring-boot-maven-plugin before the
 * integration tests run): the sample starts from it alone, with its embedded server, and streams.
 */
class ExecutableJarIT {

    @Test
    void theRepackagedJarRunsWithJavaMinusJar() throws Exception {
        Path jar = executableJar();
        int port = freePort();
        Path log = Files.createTempFile("pgrepl-sample-jar", ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "--server.port=" + port, "--sample.writer.interval=200ms", "--spring.main.banner-mode=off")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest changes = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/changes")).build();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IOException.class)
                    .failFast("the jar exited; its output is in " + log, () -> !process.isAlive())
                    .until(() -> http.send(changes, HttpResponse.BodyHandlers.ofString()).body().contains("\"INSERT\""));
        } finally {
            process.destroy(); // SIGTERM: Spring closes the context, the connection, then the embedded server
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertThat(Files.readString(log)).contains("Started SampleApplication");
    }

    private static Path executableJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> jars = files.filter(file -> file.getFileName().toString().matches("pgrepl-sample-app-.*\\.jar"))
                    .toList();
            assertThat(jars).as("the jar of ./mvnw package in target/").hasSize(1);
            return jars.get(0);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
