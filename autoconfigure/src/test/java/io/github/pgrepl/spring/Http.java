package io.github.pgrepl.spring;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny HTTP client for the actuator endpoints of an application under test. */
public final class Http {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public Http(int port) {
        this.baseUrl = "http://localhost:" + port;
    }

    /** The body of a GET, whatever the status (health answers 503 when DOWN). */
    public String get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    public DocumentContext getJson(String path) {
        return JsonPath.parse(get(path));
    }

    public DocumentContext postJson(String path, String json) {
        return JsonPath.parse(send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))));
    }

    /** A POST of {@code json}, with its status: for operations whose status is the answer (202, 409). */
    public HttpResponse<String> post(String path, String json) {
        return exchange(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private String send(HttpRequest.Builder request) {
        return exchange(request).body();
    }

    private HttpResponse<String> exchange(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
