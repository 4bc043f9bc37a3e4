package dev.tablease.adapter.internal;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.FailureClassifier;
import dev.tablease.adapter.TabFailure;
import dev.tablease.testkit.Cdp;
import dev.tablease.testkit.ChatServer;
import dev.tablease.testkit.ChromiumProcess;
import dev.tablease.kernel.GoneCause;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classifier against failures provoked in real Chromium: use the tab, let it fail, classify. Nothing is
 * decided from message text: each case is told apart by the exception's type, the browser's events and the
 * browser's answer about the target.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailureClassificationOnChromiumTest {

    private static ChromiumProcess chromium;
    private static ChatServer chat;

    private Chrome chrome;
    private final List<ChromeEvent> events = new CopyOnWriteArrayList<>();
    private Page page;
    private String targetId;

    @BeforeAll
    static void startBrowser() throws Exception {
        chromium = ChromiumProcess.start();
        chat = new ChatServer(50, 5);
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (chat != null) {
            chat.close();
        }
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void openATab() {
        chrome = Chrome.open(AdapterConfig.connect(chromium.httpEndpoint()).withNavigationTimeoutMillis(10_000), events::add);
        chrome.lock.lock();
        page = chrome.newPage();
        targetId = chrome.track(page);
        page.navigate(chat.base().toString());
    }

    @AfterEach
    void closeTheConnection() {
        chrome.closeQuietly(page, targetId);
        chrome.lock.unlock();
        chrome.close();
    }

    private TabFailure failureOf(Runnable use, boolean navigation) {
        PlaywrightException e = assertThrows(PlaywrightException.class, use::run);
        return chrome.classify(e, page, targetId, navigation);
    }

    @Test
    void tabClosedFromASecondCdpClient_isTargetClosed() throws Exception {
        Cdp.closeTarget(chromium, targetId);
        TabFailure f = failureOf(() -> page.evaluate("1 + 1"), false);
        assertInstanceOf(TabFailure.TargetClosed.class, f, f.toString());
        assertEquals(Optional.of(GoneCause.TARGET_CLOSED), f.goneCause());
        assertTrue(events.stream().anyMatch(e -> e instanceof ChromeEvent.PageGone g
                && g.targetId().equals(targetId) && g.cause() == GoneCause.TARGET_CLOSED), "the close event was recorded");
    }

    @Test
    void rendererCrashedWithPageCrash_isRendererCrashed() throws Exception {
        Cdp.crash(chromium, targetId);
        TabFailure f = failureOf(() -> page.evaluate("1 + 1"), false);
        assertInstanceOf(TabFailure.RendererCrashed.class, f, f.toString());
        assertEquals(Optional.of(GoneCause.RENDERER_CRASHED), f.goneCause());
        assertTrue(events.stream().anyMatch(e -> e instanceof ChromeEvent.PageGone g
                && g.cause() == GoneCause.RENDERER_CRASHED), "the crash event was recorded");
    }

    @Test
    void navigationThatNeverAnswers_isNavigationTimeout_andTheTabStaysUsable() {
        TabFailure f = failureOf(() -> page.navigate(chat.base().resolve("/hang").toString(),
                new Page.NavigateOptions().setTimeout(500)), true);
        assertInstanceOf(TabFailure.NavigationTimeout.class, f, f.toString());
        assertEquals(Optional.empty(), f.goneCause());
        assertEquals(FailureClassifier.TargetPresence.PRESENT, chrome.presence(targetId));
        page.navigate("about:blank"); // the tab is driven on
        assertEquals(2, ((Number) page.evaluate("1 + 1")).intValue());
    }

    @Test
    void scriptErrorInALiveTab_isProtocolError_andTheTabStaysUsable() {
        TabFailure f = failureOf(() -> page.evaluate("() => { throw new Error('boom'); }"), false);
        assertInstanceOf(TabFailure.ProtocolError.class, f, f.toString());
        assertEquals(Optional.empty(), f.goneCause());
        assertEquals(2, ((Number) page.evaluate("1 + 1")).intValue());
    }

    @Test
    void connectModeBrowserKilled_isConnectionLost_untilTheBrokerGivesUpReconnecting_thenBrowserGone() throws Exception {
        try (ChromiumProcess own = ChromiumProcess.start()) {
            Chrome other = Chrome.open(AdapterConfig.connect(own.httpEndpoint()), events::add);
            other.lock.lock();
            try {
                Page p = other.newPage();
                String id = other.track(p);
                own.kill();
                PlaywrightException e = assertThrows(PlaywrightException.class, () -> p.evaluate("1 + 1"));
                TabFailure f = other.classify(e, p, id, false);
                assertInstanceOf(TabFailure.ConnectionLost.class, f, "a lost connection alone proves nothing: " + f);
                assertEquals(Optional.empty(), f.goneCause());
                assertTrue(events.stream().anyMatch(ChromeEvent.BrowserDisconnected.class::isInstance));
                assertThrows(PlaywrightException.class, () -> other.reconnect(1_000), "nobody at the endpoint");
                other.giveUp(); // what the broker does after reconnectTimeoutMillis
                TabFailure after = other.classify(e, p, id, false);
                assertInstanceOf(TabFailure.BrowserGone.class, after, after.toString());
                assertEquals(Optional.of(GoneCause.BROWSER_GONE), after.goneCause());
            } finally {
                other.lock.unlock();
                other.close();
            }
        }
    }
}
