package dev.tablease.serve.internal;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /v1/events?requestId=N}: a queued acquire's answer as server-sent events, the alternative to the long
 * poll of {@code /v1/wait}. The stream starts with an {@code event: queued} (the {@link Answer.Queued} as its
 * data), repeats it every {@link #KEEP_ALIVE_MILLIS} while the request waits, and ends after one final event:
 * {@code granted}, {@code rejected}, or {@code error} (a JSON body each, as the long poll would answer). The
 * kernel's queue deadline bounds every stream (the request is then rejected with {@code QUEUE_TIMEOUT}); a client
 * that goes away ends it at the next write. The stream holds one HTTP thread while it is open, like a long poll.
 */
final class EventStream {

    /** How often a waiting stream repeats its {@code queued} event, in milliseconds (keeps proxies and the idle timeout away). */
    static final long KEEP_ALIVE_MILLIS = 15_000;

    private EventStream() {
    }

    /**
     * Streams the answer of {@code requestId} until it is settled.
     *
     * @param service   the operations
     * @param requestId the queued acquire (known: checked before the stream starts)
     * @param first     its answer now (queued, or already settled)
     * @param maxWait   the service's longest wait per step, in milliseconds
     * @param response  where to write
     * @param callback  completed when the stream ends
     */
    static void stream(LeaseService service, long requestId, Answer first, long maxWait, Response response,
                       Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        try {
            Answer a = first;
            while (a instanceof Answer.Queued) {
                write(response, event(a));
                try {
                    a = service.await(requestId, Math.min(KEEP_ALIVE_MILLIS, maxWait));
                } catch (ApiException e) {
                    a = new Answer.Error(e); // the service is stopping, or the answer was dropped
                }
            }
            response.write(true, ByteBuffer.wrap(event(a).getBytes(StandardCharsets.UTF_8)), callback);
        } catch (IOException e) {
            callback.failed(e); // the client went away
        }
    }

    /** @return the event for {@code a}: its kind as the event name, its JSON as the data */
    static String event(Answer a) {
        String name = a instanceof Answer.Queued ? "queued" : a instanceof Answer.Granted ? "granted"
                : a instanceof Answer.Rejected ? "rejected" : "error";
        return "event: " + name + "\ndata: " + Json.write(a) + "\n\n";
    }

    private static void write(Response response, String text) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), cb);
            cb.block();
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }
}
