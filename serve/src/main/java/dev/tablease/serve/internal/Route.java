package dev.tablease.serve.internal;

import dev.tablease.serve.ErrorCode;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;

/**
 * Every route the service serves: its method, its path, the body fields it knows, and how it calls the
 * service. The OpenAPI file documents exactly these ({@code OpenApiConformanceTest} checks both ways).
 */
public enum Route {
    /** Acquire a session's lease: granted, queued (long poll for {@code waitMillis}), or rejected. */
    ACQUIRE("POST", "/v1/acquire", Set.of("sessionId", "key", "holder", "requestClass", "waitMillis")) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.acquire(b.id("sessionId"), b.id("key"), b.id("holder"),
                    b.optionalId("requestClass", KernelConfig.DEFAULT_CLASS),
                    b.optionalInteger("waitMillis", 0, maxWaitMillis));
        }
    },
    /** Long poll for the answer of a queued acquire. */
    WAIT("POST", "/v1/wait", Set.of("requestId", "waitMillis")) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.await(b.integer("requestId", 1), b.optionalInteger("waitMillis", 0, maxWaitMillis));
        }
    },
    /**
     * A queued acquire's answer as server-sent events ({@code ?requestId=N}); the alternative to {@link #WAIT}.
     */
    EVENTS("GET", "/v1/events", Set.of()) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            throw new IllegalStateException("the events route reads its query: see #events");
        }
    },
    /** Withdraw a queued acquire. */
    CANCEL("POST", "/v1/cancel", Set.of("requestId")) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.cancel(b.integer("requestId", 1));
        }
    },
    /** Fenced heartbeat. */
    HEARTBEAT("POST", "/v1/heartbeat", Set.of("sessionId", "token")) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.heartbeat(b.id("sessionId"), b.integer("token", 1));
        }
    },
    /** Fenced release with an outcome. */
    RELEASE("POST", "/v1/release", Set.of("sessionId", "token", "outcome")) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.release(b.id("sessionId"), b.integer("token", 1), b.enumValue("outcome", Outcome.class));
        }
    },
    /** Fenced write of the session's conversation URL. */
    UPDATE("POST", "/v1/update", Set.of("sessionId", "token", "conversationUrl")) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.update(b.id("sessionId"), b.integer("token", 1), httpUrl(b.string("conversationUrl", JsonBody.MAX_URL_CHARS)));
        }
    },
    /** Read-only status: keys, tabs, sessions, queues; never a token. */
    STATUS("GET", "/v1/status", Set.of()) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.status();
        }
    },
    /** The metrics in the Prometheus text format. */
    METRICS("GET", "/metrics", Set.of()) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.metrics();
        }
    },
    /**
     * The live timeline of the service's own transitions (an HTML page that reloads itself); the one route that
     * also takes the bearer token as the {@code access_token} query parameter, so that a browser can open it.
     */
    TIMELINE("GET", "/v1/timeline", Set.of()) {
        @Override
        Answer call(LeaseService s, JsonBody b, long maxWaitMillis) {
            return s.timeline();
        }

        @Override
        boolean takesTokenInQuery() {
            return true;
        }
    };

    /** The HTTP method. */
    private final String method;
    /** The path. */
    private final String path;
    /** The body's fields (none for a GET). */
    private final Set<String> fields;

    Route(String method, String path, Set<String> fields) {
        this.method = method;
        this.path = path;
        this.fields = fields;
    }

    /** @return the HTTP method */
    public String method() {
        return method;
    }

    /** @return the path */
    public String path() {
        return path;
    }

    /** @return whether the route reads a JSON body */
    boolean hasBody() {
        return "POST".equals(method);
    }

    /** @return the body's fields (none for a GET) */
    public Set<String> fields() {
        return fields;
    }

    abstract Answer call(LeaseService service, JsonBody body, long maxWaitMillis);

    /**
     * The events route: checks {@code requestId} (the query parameter) names a known acquire.
     *
     * @param s         the operations
     * @param requestId the query's {@code requestId}, or {@code null}
     * @return the stream to write
     */
    static Answer events(LeaseService s, String requestId) {
        long id;
        try {
            id = requestId == null ? -1 : Long.parseLong(requestId);
        } catch (NumberFormatException e) {
            id = -1;
        }
        if (id < 1) {
            throw new ApiException(ErrorCode.BAD_REQUEST, "query parameter 'requestId' must be a positive integer");
        }
        return new Answer.Events(id, s.await(id, 0));
    }

    /** @return whether the bearer token may come as the {@code access_token} query parameter (a page for a browser) */
    boolean takesTokenInQuery() {
        return false;
    }

    private static String httpUrl(String s) {
        try {
            URI u = new URI(s);
            if (u.isAbsolute() && ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                    && u.getHost() != null) {
                return s;
            }
        } catch (URISyntaxException e) {
            // fall through
        }
        throw new ApiException(ErrorCode.BAD_REQUEST,
                "field 'conversationUrl' must be an absolute http or https URL");
    }
}
