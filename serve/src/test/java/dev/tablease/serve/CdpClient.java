package dev.tablease.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CDP client of a lease's socket, as an agent would be: the JDK's WebSocket with the bearer header, commands
 * by id, the events kept, and how the socket was closed.
 */
final class CdpClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The close the server sent. */
    record Closed(int code, String reason) {
    }

    final WebSocket ws;
    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    final LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final Map<Long, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger(100);

    private CdpClient(URI url, String bearer) throws Exception {
        WebSocket.Builder b = HTTP.newWebSocketBuilder();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        this.ws = b.buildAsync(url, new WebSocket.Listener() {
            private final StringBuilder buf = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    try {
                        JsonNode n = Api.JSON.readTree(buf.toString());
                        if (n.has("id")) {
                            replies.computeIfAbsent(n.get("id").asLong(), k -> new CompletableFuture<>()).complete(n);
                        } else if (n.has("error")) {
                            replies.computeIfAbsent(-1L, k -> new CompletableFuture<>()).complete(n);
                        } else {
                            events.add(n);
                        }
                    } catch (Exception e) {
                        events.add(Api.JSON.getNodeFactory().textNode("unparsable: " + buf));
                    }
                    buf.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                closed.complete(new Closed(code, reason));
                return null;
            }

            @Override
            public void onError(WebSocket w, Throwable error) {
                closed.complete(new Closed(-1, String.valueOf(error)));
            }
        }).get(15, TimeUnit.SECONDS);
    }

    static CdpClient open(String cdpUrl, String bearer) throws Exception {
        return new CdpClient(URI.create(cdpUrl), bearer);
    }

    /** Sends {@code method} with {@code paramsJson} and waits for its reply (10 s). */
    JsonNode call(String method, String paramsJson) throws Exception {
        long id = ids.incrementAndGet();
        send("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}");
        return reply(id);
    }

    /** @return the value of {@code expression} evaluated in the page */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", "{\"expression\":" + Api.JSON.writeValueAsString(expression)
                + ",\"returnByValue\":true}");
        return r.path("result").path("result").path("value");
    }

    void send(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    JsonNode reply(long id) throws Exception {
        return replies.computeIfAbsent(id, k -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
    }

    /** Sends a binary frame. */
    void sendBinary(byte[] b) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(b), true).get(10, TimeUnit.SECONDS);
    }

    Closed awaitClosed(long millis) throws Exception {
        return closed.get(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ws.abort();
    }

    /** What the server answered to a WebSocket upgrade it refused (or 101). */
    record Upgrade(int status, String body, Map<String, String> headers) {
        JsonNode json() throws Exception {
            return Api.JSON.readTree(body);
        }
    }

    /** A raw WebSocket upgrade over a socket, to read the status and body of a refusal (the JDK's client hides them). */
    static Upgrade rawUpgrade(String cdpUrl, String bearer) throws Exception {
        return rawUpgrade(cdpUrl, bearer, (headers, in) -> { });
    }

    /** What a test reads of an upgraded socket, before it is closed. */
    interface Upgraded {
        /**
         * @param headers the 101's headers, names in lower case
         * @param in      the socket's server-to-client frames
         */
        void read(Map<String, String> headers, InputStream in) throws Exception;
    }

    /**
     * A raw WebSocket upgrade; when it is upgraded ({@code 101}), {@code upgraded} reads the socket's frames
     * before the socket is closed.
     */
    static Upgrade rawUpgrade(String cdpUrl, String bearer, Upgraded upgraded) throws Exception {
        URI u = URI.create(cdpUrl);
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(15_000);
            String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
            String req = "GET " + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()) + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                    + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                    + key + "\r\n" + (bearer == null ? "" : "Authorization: Bearer " + bearer + "\r\n") + "\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                head.write(c);
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(h.substring(9, 12));
            Map<String, String> headers = new java.util.TreeMap<>();
            for (String line : h.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
            if (status == 101) {
                upgraded.read(headers, in);
                return new Upgrade(101, "", headers);
            }
            int len = headers.containsKey("content-length") ? Integer.parseInt(headers.get("content-length")) : -1;
            byte[] body = len >= 0 ? in.readNBytes(len) : in.readAllBytes();
            return new Upgrade(status, new String(body, StandardCharsets.UTF_8), headers);
        }
    }

    /**
     * Reads a server's frames (unmasked) from an upgraded socket until its close frame.
     *
     * @return the close frame's code and reason
     */
    static Closed readClose(InputStream in) throws Exception {
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return new Closed(-1, "end of stream without a close frame");
            }
            long len = b1 & 0x7f;
            if (len == 126) {
                len = ((long) in.read() << 8) | in.read();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | in.read();
                }
            }
            byte[] payload = in.readNBytes((int) len);
            if ((b0 & 0x0f) == 0x8) {
                int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                return new Closed(code, reason);
            }
        }
    }
}
