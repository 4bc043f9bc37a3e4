package dev.tablease.serve.internal;

import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spare page sockets of {@link PageLinks}, on a real headless Chromium. */
class PageLinksOnChromiumTest {

    private static ChromiumProcess chromium;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        chromium = ChromiumProcess.start();
    }

    @AfterAll
    static void stop() {
        chromium.close();
    }

    /** Chrome's messages to a listener, one requested at a time as an attached CDP socket reads them. */
    private static final class Reader implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Integer> closes = new LinkedBlockingQueue<>();
        final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                texts.add(partial.toString());
                partial.setLength(0);
            } else {
                ws.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closes.add(code);
            return null;
        }
    }

    private static String newTab() throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(chromium.httpEndpoint() + "/json/new?about:blank"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.replaceAll("(?s).*\"id\": *\"([^\"]+)\".*", "$1");
    }

    private static void closeTab(String targetId) throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create(chromium.httpEndpoint() + "/json/close/" + targetId)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static PageLinks links() {
        return new PageLinks(chromium::pageWebSocket, 5_000);
    }

    private static PageLink awaitSpare(PageLinks links, String targetId) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            PageLink spare = links.spareOf(targetId);
            if (spare != null && spare.opened.isDone()) {
                return spare;
            }
            Thread.sleep(10);
        }
        return links.spareOf(targetId);
    }

    /** Sends one CDP command on the link and reads its answer through the attached listener. */
    private static String evaluate(PageLink link, Reader reader, int id) throws Exception {
        link.request();
        link.opened.join().sendText("{\"id\":" + id + ",\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"6*7\","
                + "\"returnByValue\":true}}", true);
        String answer = reader.texts.poll(10, TimeUnit.SECONDS);
        assertNotNull(answer, "no answer to command " + id);
        return answer;
    }

    @Test
    void theFirstTakeConnectsAndLeavesASpare_theNextTakeGetsThatSpare_andASpareIsHandedOutOnce() throws Exception {
        PageLinks links = links();
        String tab = newTab();
        try {
            Reader first = new Reader();
            PageLink a = links.take(tab, first);
            assertTrue(evaluate(a, first, 1).contains("\"value\":42"));
            PageLink spare = awaitSpare(links, tab);
            assertNotNull(spare, "a spare is opened for the tab's next holder");
            assertNotSame(a, spare);

            Reader second = new Reader();
            PageLink b = links.take(tab, second);
            assertSame(spare, b, "the next CDP socket takes the spare instead of connecting");
            assertTrue(evaluate(b, second, 1).contains("\"value\":42"), "the spare's demand carries the first answer");
            assertTrue(evaluate(b, second, 2).contains("\"value\":42"), "and the next ones");
            assertTrue(first.texts.isEmpty(), "the first holder's listener hears nothing of the second's");
            assertFalse(b.attach(new Reader()), "an attached link is never attached to a second socket");
            assertNotSame(b, awaitSpare(links, tab), "a new spare replaces the taken one");
        } finally {
            links.close();
            closeTab(tab);
        }
        assertEquals(0, links.spares(), "close() drops every spare");
    }

    @Test
    void theSpareOfATabThatClosesIsDropped_andATakeThenFailsInsteadOfHandingOutADeadSocket() throws Exception {
        PageLinks links = links();
        String tab = newTab();
        try {
            Reader r = new Reader();
            links.take(tab, r).abort();
            assertNotNull(awaitSpare(links, tab));
            closeTab(tab);
            for (int i = 0; i < 500 && links.spareOf(tab) != null; i++) {
                Thread.sleep(10);
            }
            assertNull(links.spareOf(tab), "Chrome closed the spare with its tab: it is dropped");
            assertThrows(ExecutionException.class, () -> links.take(tab, new Reader()),
                    "no socket of a closed tab is handed out");
        } finally {
            links.close();
        }
    }
}
