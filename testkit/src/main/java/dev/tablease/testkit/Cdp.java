package dev.tablease.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A second, raw CDP client over a WebSocket ({@code java.net.http}), independent of Playwright: lists the
 * browser's tabs, closes tabs from outside and crashes renderers ({@code Page.crash} never replies, so it is
 * sent and not awaited). Used by the demo and the adapter's tests.
 */
public final class Cdp {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Cdp() {
    }

    /** Sends one command and waits for its reply (at most 10 s). @return the raw reply */
    public static String call(URI ws, String method, String paramsJson) throws Exception {
        CompletableFuture<String> reply = new CompletableFuture<>();
        WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(ws, new WebSocket.Listener() {
            private final StringBuilder buf = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    String msg = buf.toString();
                    buf.setLength(0);
                    if (msg.contains("\"id\":1")) {
                        reply.complete(msg);
                    }
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                reply.completeExceptionally(error);
            }
        }).get(10, TimeUnit.SECONDS);
        try {
            socket.sendText("{\"id\":1,\"method\":\"" + method + "\",\"params\":" + paramsJson + "}", true).get(10, TimeUnit.SECONDS);
            return reply.get(10, TimeUnit.SECONDS);
        } finally {
            socket.abort();
        }
    }

    /**
     * Lists the browser's tabs as CDP sees them ({@code Target.getTargets}, targets of type {@code page}).
     *
     * @param browserWs the browser's WebSocket endpoint ({@link ChromiumProcess#browserWebSocket()})
     * @return the target ids of every page
     */
    public static List<String> pageTargets(URI browserWs) throws Exception {
        JsonNode reply = JSON.readTree(call(browserWs, "Target.getTargets", "{}"));
        JsonNode infos = reply.path("result").path("targetInfos");
        if (!infos.isArray()) {
            throw new IllegalStateException("unexpected reply to Target.getTargets: " + reply);
        }
        List<String> pages = new ArrayList<>();
        for (JsonNode t : infos) {
            if ("page".equals(t.path("type").asText())) {
                pages.add(t.path("targetId").asText());
            }
        }
        return pages;
    }

    /** Closes a tab from a second CDP client ({@code Target.closeTarget} on the browser endpoint). */
    public static void closeTarget(ChromiumProcess chrome, String targetId) throws Exception {
        call(chrome.browserWebSocket(), "Target.closeTarget", "{\"targetId\":\"" + targetId + "\"}");
    }

    /** Crashes a tab's renderer with {@code Page.crash} on the page's own CDP endpoint (no reply comes). */
    public static void crash(ChromiumProcess chrome, String targetId) throws Exception {
        WebSocket socket = HTTP.newWebSocketBuilder()
                .buildAsync(chrome.pageWebSocket(targetId), new WebSocket.Listener() {
                }).get(10, TimeUnit.SECONDS);
        try {
            socket.sendText("{\"id\":1,\"method\":\"Page.crash\",\"params\":{}}", true).get(10, TimeUnit.SECONDS);
            Thread.sleep(300);
        } finally {
            socket.abort();
        }
    }
}
