package dev.tablease.serve.internal;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.TabBroker;
import dev.tablease.serve.ErrorCode;
import dev.tablease.serve.LeaseServer;
import dev.tablease.serve.ServeConfig;
import dev.tablease.store.KernelStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The service on Jetty 12's core API (no servlets): one connector on the configured address, one handler that
 * checks the bearer token, finds the {@link Route}, reads the bounded body, calls the {@link LeaseService} and
 * writes its {@link Answer} as JSON. Jetty's own errors (a malformed request line, headers too large) are
 * answered by a JSON error handler too, so no answer is ever HTML or a stack trace.
 */
public final class JettyLeaseServer implements LeaseServer {

    private static final System.Logger LOG = System.getLogger(JettyLeaseServer.class.getName());

    /**
     * How often the broker beats the leases it handed out by itself: never, in practice (ten years). The remote
     * holders beat through {@code /v1/heartbeat}; a holder that stops loses its lease by the kernel's timeout.
     */
    static final long BROKER_SELF_HEARTBEAT_MILLIS = TimeUnit.DAYS.toMillis(3650);

    /** How many of its transitions' steps the service keeps for its live timeline (then it stops recording). */
    static final int TIMELINE_MAX_STEPS = 100_000;

    /** How long the upgrade waits for Chrome's page socket, in milliseconds. */
    static final long UPSTREAM_CONNECT_MILLIS = 10_000;

    /** The configuration. */
    private final ServeConfig config;
    /** The broker, owned. */
    private final TabBroker broker;
    /** The operations. */
    private final LeaseService service;
    /** The bearer token. */
    private final BearerToken token;
    /** Jetty. */
    private final Server server;
    /** The one connector. */
    private final ServerConnector connector;
    /** Set once by {@link #close()}. */
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The request rate bound. */
    private final RateBound rate;
    /** What the CDP sockets enforce ({@link CdpFencing#ENFORCED} but in the fencing tests). */
    private final CdpFencing fencing;
    /** Chrome's page sockets, a spare per tab opened ahead. */
    private final PageLinks pageLinks;
    /** The browser this server launched ({@code serve --launch}), closed with it; {@code null} when connected. */
    private volatile LaunchedChromium launched;

    private JettyLeaseServer(ServeConfig config, TabBroker broker, CdpFencing fencing, ServiceMetrics metrics,
                             ObservedStore observed) {
        this.config = config;
        this.broker = broker;
        this.fencing = fencing;
        this.service = new LeaseService(broker, config.maxWaitMillis(), config.maxWaiting(),
                () -> "ws://" + bracketed(config.host()) + ":" + port(), metrics, observed);
        this.pageLinks = new PageLinks(service::pageSocket, UPSTREAM_CONNECT_MILLIS);
        this.token = BearerToken.generate();
        this.rate = new RateBound(config.maxRequestsPerSecond());
        QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads(), 8);
        threads.setName("tablease-serve-http");
        threads.setDaemon(true);
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        // a session id with a '/' is %2F in its CDP socket's path
        http.setUriCompliance(UriCompliance.DEFAULT.with("tablease-cdp-path", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        // a long poll holds the connection quiet for up to maxWaitMillis
        connector.setIdleTimeout(config.maxWaitMillis() + 30_000);
        server.addConnector(connector);
        CdpUpgrades upgrades = new CdpUpgrades(service, pageLinks, token, fencing, rate, config::maxRequestsPerSecond);
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(CdpSocket.MAX_CLIENT_MESSAGE_BYTES);
            container.setMaxBinaryMessageSize(CdpSocket.MAX_CLIENT_MESSAGE_BYTES);
            container.setIdleTimeout(Duration.ZERO); // the lease bounds the socket, not its silence
            container.addMapping(CdpUpgrades.CDP_PREFIX + "*", upgrades::cdpSocket);
            container.addMapping(CdpUpgrades.ACQUIRE_CDP_PATH, upgrades::acquireWithCdp);
        });
        ws.setHandler(new ApiHandler());
        server.setHandler(ws);
        server.setErrorHandler(new JsonErrorHandler());
    }

    /**
     * @param config  where and how to listen
     * @param adapter how the broker reaches Chrome
     * @param store   the kernel's state, not owned
     * @return the running server
     * @see LeaseServer#start
     */
    public static LeaseServer start(ServeConfig config, AdapterConfig adapter, KernelStore store) {
        return start(config, adapter, store, CdpFencing.ENFORCED);
    }

    /**
     * {@link #start(ServeConfig, AdapterConfig, KernelStore)} with the CDP sockets' fencing chosen: the fencing
     * tests run the halves of {@link CdpFencing#ENFORCED} alone, and neither, to show what each prevents.
     *
     * @param config  where and how to listen
     * @param adapter how the broker reaches Chrome
     * @param store   the kernel's state, not owned
     * @param fencing what the CDP sockets enforce
     * @return the running server
     */
    public static LeaseServer start(ServeConfig config, AdapterConfig adapter, KernelStore store, CdpFencing fencing) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(fencing, "fencing");
        LaunchedChromium chromium = null;
        if (adapter.mode() == AdapterConfig.Mode.LAUNCH) {
            // Playwright would launch over a pipe (no port to proxy to): start it on a loopback DevTools port
            chromium = LaunchedChromium.start(adapter.chromiumPath(), adapter.headless(), adapter.launchArgs());
            adapter = new AdapterConfig(AdapterConfig.Mode.CONNECT, adapter.chromiumPath(), adapter.headless(),
                    adapter.launchArgs(), chromium.httpEndpoint(), adapter.heartbeatIntervalMillis(),
                    adapter.pollIntervalMillis(), adapter.navigationTimeoutMillis(), adapter.actionTimeoutMillis(),
                    adapter.holder(), adapter.resetUrl(), adapter.reconnectTimeoutMillis(),
                    adapter.reconnectMaxBackoffMillis());
        }
        ServiceMetrics metrics = new ServiceMetrics();
        ObservedStore observed = new ObservedStore(store, metrics, TIMELINE_MAX_STEPS);
        TabBroker broker;
        try {
            broker = TabBroker.start(adapter.withHeartbeatIntervalMillis(BROKER_SELF_HEARTBEAT_MILLIS), observed);
        } catch (RuntimeException e) {
            if (chromium != null) {
                chromium.close();
            }
            throw e;
        }
        JettyLeaseServer s;
        try {
            s = new JettyLeaseServer(config, broker, fencing, metrics, observed);
            s.launched = chromium;
        } catch (RuntimeException e) {
            broker.close();
            if (chromium != null) {
                chromium.close();
            }
            throw e;
        }
        try {
            s.token.writeTo(config.tokenFile());
            s.server.start();
        } catch (Exception e) {
            s.close();
            if (e instanceof UncheckedIOException u) {
                throw u;
            }
            throw new UncheckedIOException(new java.io.IOException("cannot listen on " + config.host() + ":" + config.port(), e));
        }
        return s;
    }

    @Override
    public URI uri() {
        return URI.create("http://" + bracketed(config.host()) + ":" + port());
    }

    private static String bracketed(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public String bearerToken() {
        return token.value();
    }

    @Override
    public ServeConfig config() {
        return config;
    }

    /** @return the broker the service drives (for the status of the process hosting it) */
    public TabBroker broker() {
        return broker;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        service.close();
        pageLinks.close();
        try {
            server.stop();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "stopping the HTTP server failed", e);
        }
        // the token is dead once nothing listens; delete its file before the broker's close, which may wait
        // (for its executor, up to 30 s) when the browser or Playwright's driver died with the same signal
        token.deleteFrom(config.tokenFile());
        broker.close();
        LaunchedChromium c = launched;
        if (c != null) {
            c.close();
        }
    }

    /** Writes {@code answer} as the response: its status, its headers, its JSON body (or its text). */
    static void write(Response response, Callback callback, Answer answer) {
        response.setStatus(answer.httpStatus());
        if (answer instanceof Answer.Text t) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, t.contentType());
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, t.body(), callback);
            return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (answer instanceof Answer.Rejected r && r.retryAfterMillis() > 0) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString((r.retryAfterMillis() + 999) / 1000));
        }
        if (answer instanceof Answer.Error e && e.code() == ErrorCode.RATE_LIMITED) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        }
        if (answer instanceof Answer.Error e && e.code() == ErrorCode.UNAUTHORIZED) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        }
        Content.Sink.write(response, true, Json.write(answer) + "\n", callback);
    }

    static Answer error(ErrorCode code, String message) {
        return new Answer.Error(code, message);
    }

    /** Authenticates, routes, reads, calls, answers. */
    private final class ApiHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Answer answer;
            try {
                answer = answer(request);
            } catch (ApiException e) {
                answer = new Answer.Error(e);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request " + request.getMethod() + " " + Request.getPathInContext(request)
                        + " failed", e);
                answer = error(ErrorCode.INTERNAL, "the service failed on this request (see its log)");
            }
            if (answer instanceof Answer.Events e) {
                EventStream.stream(service, e.requestId(), e.first(), config.maxWaitMillis(), response, callback);
                return true;
            }
            write(response, callback, answer);
            return true;
        }

        private Answer answer(Request request) {
            if (!rate.tryTake()) {
                return new Answer.Error(ErrorCode.RATE_LIMITED, "more than " + config.maxRequestsPerSecond()
                        + " requests per second; retry after " + rate.retryAfterMillis() + " ms");
            }
            String path = Request.getPathInContext(request);
            if (path.startsWith(CdpUpgrades.CDP_PREFIX)) {
                return error(ErrorCode.BAD_REQUEST, "a CDP socket is opened with a WebSocket upgrade (GET, "
                        + "'Connection: Upgrade', 'Upgrade: websocket') of the grant's cdpUrl");
            }
            if (path.equals(CdpUpgrades.ACQUIRE_CDP_PATH)) {
                return error(ErrorCode.BAD_REQUEST, CdpUpgrades.ACQUIRE_CDP_PATH + " is a WebSocket upgrade (GET, "
                        + "'Connection: Upgrade', 'Upgrade: websocket'); acquire without a socket with POST /v1/acquire");
            }
            Route route = null;
            boolean pathKnown = false;
            for (Route r : Route.values()) {
                if (r.path().equals(path)) {
                    pathKnown = true;
                    if (r.method().equals(request.getMethod())) {
                        route = r;
                    }
                }
            }
            if (!token.accepts(request.getHeaders().get(HttpHeader.AUTHORIZATION))
                    && !(route != null && route.takesTokenInQuery() && token.isThis(queryToken(request)))) {
                return error(ErrorCode.UNAUTHORIZED, "every request needs 'Authorization: Bearer <token>' with the token "
                        + "from the service's token file");
            }
            if (route == null) {
                return pathKnown ? error(ErrorCode.METHOD_NOT_ALLOWED, request.getMethod() + " is not allowed on " + path)
                        : error(ErrorCode.NOT_FOUND, "no route " + path);
            }
            JsonBody body = null;
            if (route.hasBody()) {
                String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
                if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                    return error(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
                }
                body = JsonBody.parse(BoundedBody.read(request, config.maxBodyBytes()), route.fields());
            }
            if (route == Route.EVENTS) {
                return Route.events(service, queryParameter(request, "requestId"));
            }
            return route.call(service, body, config.maxWaitMillis());
        }
    }

    /** @return the {@code access_token} query parameter, or {@code null} */
    private static String queryToken(Request request) {
        return queryParameter(request, "access_token");
    }

    /** @return the first query parameter {@code name}, decoded, or {@code null} */
    private static String queryParameter(Request request, String name) {
        String q = request.getHttpURI().getQuery();
        if (q == null) {
            return null;
        }
        for (String part : q.split("&")) {
            if (part.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(part.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Jetty's own errors (before or outside the handler), as typed JSON. */
    private static final class JsonErrorHandler extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) {
            ErrorCode c = switch (code) {
                case 413, 431 -> ErrorCode.PAYLOAD_TOO_LARGE;
                case 404 -> ErrorCode.NOT_FOUND;
                case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
                case 503 -> ErrorCode.UNAVAILABLE;
                default -> code >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
            };
            Answer a = new Answer.Error(c, "HTTP " + code + (message == null ? "" : ": " + message));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, Json.write(a) + "\n", callback);
        }
    }
}
