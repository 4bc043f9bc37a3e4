package dev.tablease.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A plain HTTP client of the service for the tests: real requests over loopback, JSON in and out. */
final class Api {

    /** One answer. */
    record Reply(int status, JsonNode body, String text, HttpResponse<String> raw) {
        String code() {
            return body.path("code").asText(null);
        }

        long num(String field) {
            return body.path(field).asLong();
        }

        String str(String field) {
            return body.path(field).asText(null);
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URI base;
    private final String token;
    private final HttpClient http;

    Api(URI base, String token) {
        this(base, token, HTTP);
    }

    /** A client on its own connection pool (a benchmark's client thread). */
    Api(URI base, String token, HttpClient http) {
        this.base = base;
        this.token = token;
        this.http = http;
    }

    /** @return a new HTTP/1.1 client for {@link #Api(URI, String, HttpClient)} */
    static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** @return the same client with another bearer token ({@code null}: none) */
    Api withToken(String t) {
        return new Api(base, t, http);
    }

    Reply post(String path, Map<String, ?> body) throws Exception {
        return postRaw(path, JSON.writeValueAsString(body));
    }

    Reply postRaw(String path, String body) throws Exception {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Reply get(String path) throws Exception {
        return send(request(path).GET().build());
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    Reply send(HttpRequest r) throws Exception {
        HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
        JsonNode node;
        if (!resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            node = com.fasterxml.jackson.databind.node.MissingNode.getInstance(); // a page or the metrics
        } else {
            try {
                node = JSON.readTree(resp.body());
            } catch (Exception e) {
                throw new AssertionError("not JSON (" + resp.statusCode() + "): " + resp.body(), e);
            }
        }
        return new Reply(resp.statusCode(), node, resp.body(), resp);
    }

    // -------------------------------------------------------------- the API's calls

    Reply acquire(String session, String key, String holder, long waitMillis) throws Exception {
        return post("/v1/acquire", Map.of("sessionId", session, "key", key, "holder", holder, "waitMillis", waitMillis));
    }

    Reply await(long requestId, long waitMillis) throws Exception {
        return post("/v1/wait", Map.of("requestId", requestId, "waitMillis", waitMillis));
    }

    Reply cancel(long requestId) throws Exception {
        return post("/v1/cancel", Map.of("requestId", requestId));
    }

    Reply heartbeat(String session, long token) throws Exception {
        return post("/v1/heartbeat", Map.of("sessionId", session, "token", token));
    }

    Reply release(String session, long token, String outcome) throws Exception {
        return post("/v1/release", Map.of("sessionId", session, "token", token, "outcome", outcome));
    }

    Reply update(String session, long token, String url) throws Exception {
        return post("/v1/update", Map.of("sessionId", session, "token", token, "conversationUrl", url));
    }

    /**
     * Beats {@code token} every 100 ms in a thread of its own until closed: a live remote holder.
     *
     * @return closes the beater (waits for its thread)
     */
    AutoCloseable beating(String session, long token) {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    heartbeat(session, token);
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the test asserts on the lease itself
                }
            }
        }, "beater-" + session);
        t.setDaemon(true);
        t.start();
        return () -> {
            stop.set(true);
            t.interrupt();
            t.join(5_000);
        };
    }

    Reply status() throws Exception {
        return get("/v1/status");
    }
}
