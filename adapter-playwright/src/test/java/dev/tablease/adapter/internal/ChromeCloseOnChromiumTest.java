package dev.tablease.adapter.internal;

import com.microsoft.playwright.Page;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.testkit.OnChromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Chrome#close()} ends even while a Playwright call that never returns holds the Chrome lock (an agent's
 * {@code evaluate} of a promise that never settles, which has no timeout): it stops Playwright under that call, and
 * the call ends with Playwright's exception. Before, close waited for the lock for good: the test shows a plain
 * wait for the lock (the broken variant) still waiting past the bound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChromeCloseOnChromiumTest extends OnChromium {

    @Test
    void close_whileACallThatNeverReturnsHoldsTheLock_endsAfterTheTimeout_andEndsTheCall() throws Exception {
        Chrome chrome = Chrome.open(AdapterConfig.connect(chromium.httpEndpoint()).withNavigationTimeoutMillis(2_000),
                e -> { });
        CountDownLatch inside = new CountDownLatch(1);
        AtomicReference<Throwable> endedWith = new AtomicReference<>();
        Thread agent = new Thread(() -> {
            chrome.lock.lock();
            try {
                Page page = chrome.newPage();
                inside.countDown();
                page.evaluate("new Promise(() => {})");
            } catch (Throwable t) {
                endedWith.set(t);
            } finally {
                chrome.lock.unlock();
            }
        }, "agent-stuck-in-evaluate");
        agent.start();
        assertTrue(inside.await(20, TimeUnit.SECONDS), "the agent's call started");

        Thread unboundedClose = new Thread(() -> { // the broken variant: close as it was, waiting for the lock
            try {
                chrome.lock.lockInterruptibly();
                chrome.lock.unlock();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "unbounded-close");
        unboundedClose.start();
        unboundedClose.join(3_000);
        assertTrue(unboundedClose.isAlive(), "a plain wait for the lock is still waiting after 3 s (the bound is 2 s)");
        unboundedClose.interrupt();
        unboundedClose.join(5_000);

        long started = System.nanoTime();
        chrome.close();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(tookMillis >= 2_000 && tookMillis < 20_000, "close waited for the lock, then went on: " + tookMillis + " ms");

        agent.join(20_000);
        assertFalse(agent.isAlive(), "the stuck call ended when Playwright was stopped under it");
        assertInstanceOf(com.microsoft.playwright.PlaywrightException.class, endedWith.get(), String.valueOf(endedWith.get()));
        assertTrue(ProcessHandle.of(chromium.pid()).map(ProcessHandle::isAlive).orElse(false),
                "connect mode: the user's browser is left running");
    }
}
