package dev.tablease.serve;

import dev.tablease.testkit.OnChromium;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /v1/events}: a queued acquire waits on a server-sent event stream that says {@code queued} at once and
 * ends with the kernel's answer the moment it is decided (a grant when the holder releases; a rejection when the
 * request is cancelled), on a real service and Chromium.
 */
class ServeEventsTest extends OnChromium {

    /** One event of a stream. */
    record Event(String name, JsonNode data) {
    }

    @Test
    @Timeout(60)
    void aQueuedAcquiresStream_saysQueued_thenEndsWithTheGrantWhenTheHolderReleases_orTheRejectionWhenCancelled()
            throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium)) {
            Api.Reply first = f.api.acquire("s1", "chatgpt", "agent-a", 10_000);
            assertEquals(200, first.status(), first.toString());
            Api.Reply queued = f.api.acquire("s2", "chatgpt", "agent-b", 0);
            assertEquals(202, queued.status(), queued.toString());
            long requestId = queued.num("requestId");

            List<Event> seen = new ArrayList<>();
            CompletableFuture<Void> done = stream(f, requestId, seen);
            awaitEvents(seen, 1);
            assertEquals("queued", seen.get(0).name());
            assertEquals(requestId, seen.get(0).data().path("requestId").asLong());
            assertFalse(done.isDone(), "the stream stays open while the request waits");

            assertEquals(200, f.api.release("s1", first.num("token"), "COMPLETED").status());
            done.get(20, TimeUnit.SECONDS);
            Event last = seen.get(seen.size() - 1);
            assertEquals("granted", last.name(), seen.toString());
            assertEquals("s2", last.data().path("sessionId").asText());
            long token = last.data().path("token").asLong();
            assertTrue(token > first.num("token"));
            assertEquals(200, f.api.heartbeat("s2", token).status(), "the streamed grant is a live lease");

            Api.Reply third = f.api.acquire("s3", "chatgpt", "agent-c", 0);
            assertEquals(202, third.status(), third.toString());
            List<Event> cancelled = new ArrayList<>();
            CompletableFuture<Void> end = stream(f, third.num("requestId"), cancelled);
            awaitEvents(cancelled, 1);
            assertEquals("WITHDRAWN", f.api.cancel(third.num("requestId")).str("result"));
            end.get(20, TimeUnit.SECONDS);
            Event rejected = cancelled.get(cancelled.size() - 1);
            assertEquals("rejected", rejected.name(), cancelled.toString());
            assertEquals("CANCELLED", rejected.data().path("reason").asText());
        }
    }

    /** Reads the events of {@code requestId}'s stream into {@code seen} in another thread; completes at its end. */
    private static CompletableFuture<Void> stream(ServeFixture f, long requestId, List<Event> seen) {
        HttpRequest r = f.api.request("/v1/events?requestId=" + requestId).GET().build();
        return Api.newHttpClient().sendAsync(r, HttpResponse.BodyHandlers.ofLines()).thenAccept(resp -> {
            assertEquals(200, resp.statusCode());
            assertTrue(resp.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            String[] name = {null};
            try (Stream<String> lines = resp.body()) {
                lines.forEach(line -> {
                    if (line.startsWith("event: ")) {
                        name[0] = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        try {
                            JsonNode data = Api.JSON.readTree(line.substring(6));
                            synchronized (seen) {
                                seen.add(new Event(name[0], data));
                                seen.notifyAll();
                            }
                        } catch (Exception e) {
                            throw new AssertionError("not JSON: " + line, e);
                        }
                    }
                });
            }
        });
    }

    private static void awaitEvents(List<Event> seen, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (seen) {
            while (seen.size() < n) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + n + " events: " + seen);
                }
                seen.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }
}
