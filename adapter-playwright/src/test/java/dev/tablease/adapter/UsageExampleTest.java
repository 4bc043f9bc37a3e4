package dev.tablease.adapter;

import dev.tablease.adapter.internal.TabBrokerImpl;
import dev.tablease.testkit.ChatServer;
import dev.tablease.adapter.testing.RecordingStore;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.TabState;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.store.SqliteKernelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's usage example, compiled and run (launch mode: the broker starts Debian's chromium itself). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UsageExampleTest {

    /** The README example, verbatim between the markers. @return the answer */
    static String readmeExample(String chatUrl, Path storeFile) throws InterruptedException {
        // readme:begin
        KernelConfig kernel = KernelConfig.builder().maxPerKey(3).globalMax(8).build();
        // the SQLite store the agent processes of this host share, e.g. ~/.tablease/tablease.db (docs/store.md)
        try (KernelStore store = SqliteKernelStore.open(storeFile, kernel);
             TabBroker broker = TabBroker.start(AdapterConfig.launch(), store)) { // /usr/bin/chromium, headless
            // `send`: a new session. The lease heartbeats on its own until it is closed.
            try (TabLease lease = broker.acquire("s-42", "chatgpt", "pro")) {
                String url = lease.call(page -> {           // Playwright, under the broker's lock
                    page.navigate(chatUrl);
                    page.fill("#prompt", "Summarise the seed document");
                    page.click("#send");
                    page.waitForURL("**/c/*");
                    return page.url();
                });
                lease.setConversationUrl(url);              // a write fenced by the lease's token
            }                                               // close() = DETACH: the tab stays reserved
            // `poll`, later (or a process sharing the store and the browser): reattaches to the same tab.
            try (TabLease lease = broker.acquire("s-42", "chatgpt", "pro")) {
                lease.call(page -> page.waitForSelector("#status:text-is('done')"));
                String answer = lease.call(page -> page.textContent("#answer"));
                lease.complete();                           // the reservation ends; the tab is pooled
                return answer;
            } catch (TabFailureException e) {               // typed: TargetClosed, RendererCrashed, BrowserGone …
                throw new IllegalStateException("tab lost: " + e.failure(), e);
            }
        }
        // readme:end
    }

    @Test
    void readmeExample_sendsDetachesThenReattachesAndReadsTheAnswer(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("tablease.db");
        try (ChatServer chat = new ChatServer(20, 5)) {
            assertEquals(chat.fullAnswer("Summarise the seed document"), readmeExample(chat.base().toString(), db));
        }
        try (SqliteKernelStore store = SqliteKernelStore.openExisting(db, MillisClock.system(),
                SqliteKernelStore.Options.defaults())) {
            assertTrue(store.log(0, 100).size() >= 4, "every transition of the example is in the store's log");
            assertTrue(store.snapshot().sessions().stream().noneMatch(s -> s.sessionId().equals("s-42")),
                    "the completed session is gone from the durable state");
        }
    }

    @Test
    void launchMode_browserProcessKilled_isBrowserGone_andEveryTabIsReportedGone() throws Exception {
        KernelConfig config = KernelConfig.builder().heartbeatIntervalMillis(200).missedHeartbeats(3).build();
        try (RecordingStore store = new RecordingStore(new InMemoryKernelStore(config, MillisClock.system()));
             TabBroker broker = TabBroker.start(AdapterConfig.launch().withPollIntervalMillis(50), store)) {
            TabLease lease = broker.acquire("s1", "k", "default");
            assertEquals(TabState.RESERVED, store.snapshot().tabs().get(0).state());
            long browsers = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().orElse("").contains("chrom"))
                    .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("--remote-debugging-pipe")).orElse(false))
                    .peek(ProcessHandle::destroyForcibly).count();
            assertTrue(browsers >= 1, "found the launched browser process");
            // Either the call meets the dead browser itself, or the broker saw the disconnect first (its timer's
            // pump) and the kernel revoked the lease because its tab is gone: both say so, typed.
            TabLeaseException e = assertThrows(TabLeaseException.class, () -> lease.call(p -> p.evaluate("1")));
            if (e instanceof TabFailureException f) {
                assertInstanceOf(TabFailure.BrowserGone.class, f.failure(), e.toString());
            } else {
                assertEquals(Optional.of(RevokeReason.TAB_GONE), assertInstanceOf(LeaseRevokedException.class, e).reason(),
                        e.toString());
            }
            assertTrue(store.inputs(Input.TabGone.class).stream().anyMatch(g -> g.cause() == GoneCause.BROWSER_GONE));
            assertTrue(store.snapshot().tabs().isEmpty(), "the kernel forgot the dead browser's tabs");
            assertThrows(LeaseRevokedException.class, lease::page);
            assertInstanceOf(TabBrokerImpl.class, broker);
        }
    }
}
