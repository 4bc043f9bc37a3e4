package dev.tablease.serve.internal;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.serve.ErrorCode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;

import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The two WebSocket upgrades of the service, both answered by a {@link CdpSocket} on the lease's tab or by a typed
 * JSON error and no upgrade:
 * <ul>
 *   <li>{@code GET /v1/cdp/<sessionId>/<token>}: the CDP socket of a lease granted before (the grant's
 *       {@code cdpUrl});</li>
 *   <li>{@code GET /v1/acquire/cdp?sessionId=…&key=…&holder=…[&requestClass=…]}: an acquire and, when it is granted
 *       at once, that lease's CDP socket in the same round trip; the grant's JSON is the {@value #GRANT_HEADER}
 *       header of the {@code 101}. An acquire that is queued or rejected is answered exactly as
 *       {@code POST /v1/acquire} answers it ({@code 202} with the request id to wait on, {@code 409}, …).</li>
 * </ul>
 * Both check the bearer token; the acquire first takes from the request rate bound, as every route does.
 */
final class CdpUpgrades {

    private static final System.Logger LOG = System.getLogger(CdpUpgrades.class.getName());

    /** Where the CDP sockets are: {@code /v1/cdp/<sessionId>/<token>}. */
    static final String CDP_PREFIX = "/v1/cdp/";

    /** The acquire that is also a CDP socket's upgrade. */
    static final String ACQUIRE_CDP_PATH = "/v1/acquire/cdp";

    /** The query parameters of {@link #ACQUIRE_CDP_PATH}: the string fields of {@code POST /v1/acquire}. */
    static final Set<String> ACQUIRE_CDP_PARAMETERS = Set.of("sessionId", "key", "holder", "requestClass");

    /** The response header of a {@code 101} of {@link #ACQUIRE_CDP_PATH} that carries the grant's JSON. */
    static final String GRANT_HEADER = "Tablease-Grant";

    /** The grant as a header value: JSON with every character outside ASCII escaped. */
    private static final ObjectWriter HEADER_JSON = Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    private final LeaseService service;
    private final PageLinks pageLinks;
    private final BearerToken token;
    private final CdpFencing fencing;
    private final RateBound rate;
    private final LongSupplier maxRequestsPerSecond;

    CdpUpgrades(LeaseService service, PageLinks pageLinks, BearerToken token, CdpFencing fencing, RateBound rate,
                LongSupplier maxRequestsPerSecond) {
        this.service = service;
        this.pageLinks = pageLinks;
        this.token = token;
        this.fencing = fencing;
        this.rate = rate;
        this.maxRequestsPerSecond = maxRequestsPerSecond;
    }

    /**
     * The upgrade of {@code /v1/cdp/<sessionId>/<token>}: the bearer token, then the lease (a live lease of that
     * session held through the service), then Chrome's page socket of its tab.
     *
     * @return the socket, or {@code null} when the upgrade was refused (the refusal is written)
     */
    Object cdpSocket(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        Answer refusal;
        try {
            authenticate(request);
            CdpPath p = CdpPath.parse(request.getHttpURI().getPath());
            return open(service.cdpLease(p.sessionId(), p.token()));
        } catch (ApiException e) {
            refusal = new Answer.Error(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "CDP upgrade " + request.getHttpURI().getPath() + " failed", e);
            refusal = JettyLeaseServer.error(ErrorCode.INTERNAL, "the service failed on this request (see its log)");
        }
        JettyLeaseServer.write(response, callback, refusal);
        return null;
    }

    /**
     * The upgrade of {@code /v1/acquire/cdp?…}: the bearer token, the rate bound, the acquire (not waiting in a
     * queue), then, for a grant, its CDP socket. A grant whose socket cannot be opened is released with
     * {@code DETACH} (the session keeps its tab) and answered with the error, so no lease is left without a holder.
     *
     * @return the socket, or {@code null} when no socket was opened (the acquire's answer or the error is written)
     */
    Object acquireWithCdp(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        Answer answer;
        try {
            if (!rate.tryTake()) { // before the token, as on every route
                throw new ApiException(ErrorCode.RATE_LIMITED, "more than " + maxRequestsPerSecond.getAsLong()
                        + " requests per second; retry after " + rate.retryAfterMillis() + " ms");
            }
            authenticate(request);
            JsonBody q = JsonBody.ofQuery(request.getHttpURI().getQuery(), ACQUIRE_CDP_PARAMETERS);
            answer = service.acquire(q.id("sessionId"), q.id("key"), q.id("holder"),
                    q.optionalId("requestClass", KernelConfig.DEFAULT_CLASS), 0);
            if (answer instanceof Answer.Granted g) {
                return openGranted(g, response);
            }
        } catch (ApiException e) {
            answer = new Answer.Error(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "acquire with CDP upgrade failed", e);
            answer = JettyLeaseServer.error(ErrorCode.INTERNAL, "the service failed on this request (see its log)");
        }
        JettyLeaseServer.write(response, callback, answer);
        return null;
    }

    private Object openGranted(Answer.Granted g, ServerUpgradeResponse response) {
        String header;
        try {
            header = HEADER_JSON.writeValueAsString(g);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a grant as JSON", e);
        }
        CdpSocket socket;
        try {
            socket = open(service.cdpLease(g.sessionId(), g.token()));
        } catch (RuntimeException e) {
            try {
                service.release(g.sessionId(), g.token(), Outcome.DETACH);
            } catch (RuntimeException r) {
                e.addSuppressed(r); // ended meanwhile: nothing is left to release
            }
            throw e;
        }
        response.getHeaders().put(GRANT_HEADER, header);
        return socket;
    }

    private void authenticate(ServerUpgradeRequest request) {
        if (!token.accepts(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "the CDP socket's upgrade needs 'Authorization: Bearer "
                    + "<token>' with the token from the service's token file");
        }
    }

    /**
     * Opens the proxy of {@code h}'s tab: a spare page socket of Chrome's (or a new one), registered with the
     * sockets; refused when the lease ended meanwhile.
     */
    private CdpSocket open(LeaseRegistry.Held h) {
        CdpSocket socket = new CdpSocket(h, service, service.sockets(), fencing);
        PageLink up;
        try {
            up = pageLinks.take(h.lease().targetId(), socket.upstreamListener());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.UNAVAILABLE, "the service is stopping");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "Chrome's page socket of " + h.lease() + " cannot be opened", e);
            throw new ApiException(ErrorCode.UNAVAILABLE, "the tab's own CDP socket cannot be opened (see the "
                    + "service's log)");
        }
        socket.connected(up);
        service.sockets().add(socket);
        if (!service.isLive(h)) { // the lease ended while Chrome's socket was opened
            socket.end(new CdpSocket.Close(CdpSocket.CLOSE_RELEASED, "lease ended"));
            throw new ApiException(ErrorCode.STALE_TOKEN, "token " + h.lease().token() + " is not the lease of session "
                    + h.lease().sessionId() + ": it ended while its CDP socket was opened");
        }
        return socket;
    }

    /**
     * The path of a CDP socket.
     *
     * @param sessionId the session (percent-decoded)
     * @param token     the lease's fencing token
     */
    record CdpPath(String sessionId, long token) {
        /**
         * @param rawPath the request's path, percent-encoded
         * @return the session and token
         * @throws ApiException {@code BAD_REQUEST} when it is not {@code /v1/cdp/<sessionId>/<token>}
         */
        static CdpPath parse(String rawPath) {
            String rest = rawPath.startsWith(CDP_PREFIX) ? rawPath.substring(CDP_PREFIX.length()) : "";
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1 || rest.indexOf('/', slash + 1) >= 0) {
                throw new ApiException(ErrorCode.BAD_REQUEST, "a CDP socket's path is /v1/cdp/<sessionId>/<token> "
                        + "(the cdpUrl of the grant)");
            }
            String session;
            try {
                session = java.net.URLDecoder.decode(rest.substring(0, slash).replace("+", "%2B"),
                        java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.BAD_REQUEST, "the session id in the path is not percent-encoded UTF-8");
            }
            if (session.isBlank() || session.length() > JsonBody.MAX_ID_CHARS) {
                throw new ApiException(ErrorCode.BAD_REQUEST, "the session id in the path must be 1.."
                        + JsonBody.MAX_ID_CHARS + " characters");
            }
            long t;
            try {
                t = Long.parseLong(rest.substring(slash + 1));
            } catch (NumberFormatException e) {
                t = 0;
            }
            if (t < 1) {
                throw new ApiException(ErrorCode.BAD_REQUEST, "the token in the path must be a positive integer");
            }
            return new CdpPath(session, t);
        }
    }
}
