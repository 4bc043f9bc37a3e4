package dev.tablease.serve.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * What a lease's CDP socket lets through to its tab: one message from the client is either forwarded unchanged
 * or answered by the proxy itself with a CDP-style error ({@code {"id":N,"error":{"code":C,"message":"tablease:
 * …"}}}). Pure (no I/O); the list is documented in {@code docs/serve.md} ("Fencing at the tab").
 *
 * <p>An <b>allow-list of page-level domains</b>: a command is forwarded only when its domain acts on the page
 * the socket is attached to ({@link #PAGE_DOMAINS}) and the method is not one of the few in those domains that
 * reach beyond it ({@link #REFUSED_METHODS}). Everything else is refused: {@code Target.*} (attach to, create,
 * close other targets), {@code Browser.*} (close the browser, grant permissions, downloads), {@code SystemInfo},
 * {@code Tethering}, {@code Storage}, {@code ServiceWorker}, {@code Tracing}, {@code Memory}, the storage
 * inspectors of arbitrary origins ({@code DOMStorage}, {@code IndexedDB}, {@code CacheStorage}), and any domain
 * Chrome adds later until it is reviewed. A message naming a {@code sessionId} (a child session of a flattened
 * attach) is refused too: the socket speaks to its page only.
 */
final class CdpFilter {

    /** JSON-RPC's "parse error": the frame is not JSON (or is binary). */
    static final int PARSE_ERROR = -32700;
    /** JSON-RPC's "invalid request": not an object, no integer {@code id}, no {@code method}. */
    static final int INVALID_REQUEST = -32600;
    /** JSON-RPC's "method not found", what Chrome answers for a method it does not have: used for a refusal. */
    static final int REFUSED = -32601;

    /** The domains whose commands act on the attached page only. */
    static final Set<String> PAGE_DOMAINS = Set.of("Accessibility", "Animation", "Audits", "Autofill", "CSS", "Console",
            "DOM", "DOMDebugger", "DOMSnapshot", "Debugger", "DeviceOrientation", "Emulation", "EventBreakpoints",
            "Fetch", "HeapProfiler", "IO", "Input", "Inspector", "LayerTree", "Log", "Media", "Network", "Overlay",
            "Page", "Performance", "PerformanceTimeline", "Preload", "Profiler", "Runtime", "Schema", "WebAudio");

    /** The methods of {@link #PAGE_DOMAINS} that reach beyond the page: the browser-wide cookie jar and cache, closing or crashing the tab. */
    static final Set<String> REFUSED_METHODS = Set.of("Page.close", "Page.crash", "Network.clearBrowserCookies",
            "Network.clearBrowserCache", "Network.getAllCookies");

    /** The longest method name echoed in an error, in characters. */
    private static final int MAX_ECHOED_METHOD = 100;

    private CdpFilter() {
    }

    /** What to do with one message from the client. */
    sealed interface Verdict {
    }

    /** Forward the message to the tab unchanged. */
    record Forward() implements Verdict {
    }

    /**
     * Answer the client with {@code json} (a CDP error) and forward nothing.
     *
     * @param json the answer
     */
    record Answer(String json) implements Verdict {
    }

    /** The one forward verdict. */
    private static final Forward FORWARD = new Forward();

    /**
     * @param method a CDP method name, {@code Domain.command}
     * @return why it is refused on a lease's socket, or {@code null} when it is forwarded
     */
    static String refusal(String method) {
        int dot = method.indexOf('.');
        if (dot <= 0 || dot == method.length() - 1) {
            return "not a CDP method name (Domain.command)";
        }
        String domain = method.substring(0, dot);
        if (!PAGE_DOMAINS.contains(domain)) {
            return "the " + domain + " domain reaches beyond the lease's tab (only page-level domains are "
                    + "forwarded, see docs/serve.md)";
        }
        if (REFUSED_METHODS.contains(method)) {
            return "it reaches beyond the lease's tab (the browser, its other tabs, or closing the tab: release the "
                    + "lease instead)";
        }
        return null;
    }

    /**
     * Decides one text message from the client.
     *
     * @param message the whole message (fragments already joined)
     * @return forward it, or the error to answer
     */
    static Verdict check(String message) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(message);
        } catch (JsonProcessingException e) {
            return error(null, PARSE_ERROR, "the message is not valid JSON");
        }
        if (!(n instanceof ObjectNode obj)) {
            return error(null, INVALID_REQUEST, "a CDP message must be a JSON object");
        }
        JsonNode id = obj.get("id");
        if (id == null || !id.isIntegralNumber() || !id.canConvertToLong()) {
            return error(null, INVALID_REQUEST, "a CDP message must have an integer 'id' property");
        }
        JsonNode method = obj.get("method");
        if (method == null || !method.isTextual() || method.textValue().isBlank()) {
            return error(id, INVALID_REQUEST, "a CDP message must have a string 'method' property");
        }
        JsonNode params = obj.get("params");
        if (params != null && !params.isObject()) {
            return error(id, INVALID_REQUEST, "'params' must be a JSON object");
        }
        String m = method.textValue();
        String shown = m.length() > MAX_ECHOED_METHOD ? m.substring(0, MAX_ECHOED_METHOD) + "…" : m;
        if (obj.has("sessionId")) {
            return error(id, REFUSED, shown + " is refused on a lease's CDP socket: it names a sessionId, and the "
                    + "socket speaks to its own tab only");
        }
        String why = refusal(m);
        if (why != null) {
            return error(id, REFUSED, shown + " is refused on a lease's CDP socket: " + why);
        }
        return FORWARD;
    }

    /** @return the answer to a binary frame (CDP is JSON text) */
    static Answer binary() {
        return error(null, PARSE_ERROR, "binary frames are not CDP messages (send JSON text)");
    }

    private static Answer error(JsonNode id, int code, String message) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (id != null) {
            o.set("id", id);
        }
        ObjectNode e = o.putObject("error");
        e.put("code", code);
        e.put("message", "tablease: " + message);
        return new Answer(o.toString());
    }
}
