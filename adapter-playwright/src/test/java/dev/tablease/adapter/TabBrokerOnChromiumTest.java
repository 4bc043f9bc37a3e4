package dev.tablease.adapter;

import dev.tablease.adapter.internal.TabBrokerImpl;
import dev.tablease.testkit.Cdp;
import dev.tablease.adapter.testing.ChatAgent;
import dev.tablease.testkit.ChatServer;
import dev.tablease.testkit.ChromiumProcess;
import dev.tablease.adapter.testing.RecordingStore;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import dev.tablease.store.ForwardingKernelStore;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker on a real headless chromium (started by the test, reached in connect mode) with the fake chat
 * app: the executor's decisions, the caps against the physical tabs, failures provoked from outside and their
 * recovery, the handle's revocation, the queue deadline and cancellation.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TabBrokerOnChromiumTest {

    private static ChromiumProcess chromium;
    private static ChatServer chat;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Set<String> baseline;

    @BeforeAll
    static void startBrowserAndApp() throws Exception {
        chromium = ChromiumProcess.start();
        chat = new ChatServer(50, 10);
    }

    @AfterAll
    static void stopBrowserAndApp() throws Exception {
        if (chat != null) {
            chat.close();
        }
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void noteTheUsersTabs() throws Exception {
        baseline = new HashSet<>(pageTargetsFromOutside());
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        // leave the shared browser as the next test expects it: only the user's tabs
        for (String id : pageTargetsFromOutside()) {
            if (!baseline.contains(id)) {
                Cdp.closeTarget(chromium, id);
            }
        }
    }

    private static KernelConfig.Builder fast() {
        return KernelConfig.builder().heartbeatIntervalMillis(200).missedHeartbeats(3).queueTimeoutMillis(20_000);
    }

    private RecordingStore store(KernelConfig config) {
        return store(config, MillisClock.system());
    }

    private RecordingStore store(KernelConfig config, MillisClock clock) {
        RecordingStore s = new RecordingStore(new InMemoryKernelStore(config, clock));
        toClose.add(s);
        return s;
    }

    private TabBroker broker(KernelStore store) {
        TabBroker b = TabBroker.start(AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50), store);
        toClose.add(b);
        return b;
    }

    /** The page targets of the browser, asked by a second CDP client (not the broker, not the kernel). */
    private static List<String> pageTargetsFromOutside() throws Exception {
        String reply = Cdp.call(chromium.browserWebSocket(), "Target.getTargets", "{}");
        List<String> ids = new ArrayList<>();
        var infos = com.google.gson.JsonParser.parseString(reply).getAsJsonObject().getAsJsonObject("result")
                .getAsJsonArray("targetInfos");
        for (var e : infos) {
            var t = e.getAsJsonObject();
            if (t.get("type").getAsString().equals("page")) {
                ids.add(t.get("targetId").getAsString());
            }
        }
        return ids;
    }

    private List<String> ourTabs() throws Exception {
        List<String> ids = new ArrayList<>(pageTargetsFromOutside());
        ids.removeAll(baseline);
        return ids;
    }

    @Test
    void sendThenPoll_opensATabReportedWithItsCdpTargetId_andCompletePoolsIt() throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store);

        TabLease lease = broker.acquire("s1", "chat", "default");
        String url = ChatAgent.send(lease, chat.base(), "hi");
        assertTrue(url.matches(".*/c/c\\d+"), url);
        assertEquals(chat.fullAnswer("hi"), ChatAgent.poll(lease, 10_000));
        lease.complete();

        Input.TabOpened opened = store.inputs(Input.TabOpened.class).get(0);
        assertEquals(lease.targetId(), opened.targetId());
        assertEquals(List.of(lease.targetId()), ourTabs());
        KernelState state = store.snapshot();
        assertEquals(1, state.tabs().size());
        assertEquals(TabState.POOLED, state.tabs().get(0).state());
        assertTrue(store.decisions(Decision.Extended.class).size() >= 1, "the handle heartbeated on its own");
        assertThrows(LeaseRevokedException.class, lease::page, "a released lease refuses use");
    }

    @Test
    void finishedSessionsTab_isResetAsItEntersThePool_soTheNextSessionsGrantHandsItOverWithoutNavigating()
            throws Exception {
        RecordingStore store = store(fast().maxPerKey(1).build());
        TabBroker broker = broker(store);

        TabLease first = broker.acquire("first", "chat", "default");
        String target = first.targetId();
        first.run(p -> {
            p.navigate(chat.base().toString());
            p.evaluate("window.leftover = 'first'");
        });
        first.complete();
        // the reset ahead runs on the executor after the release: wait for the tab to show about:blank
        awaitPageUrl(target, "about:blank");
        // a mark left by an outside CDP client on the reset page survives only if the next grant does not navigate
        Cdp.call(chromium.pageWebSocket(target), "Runtime.evaluate", "{\"expression\":\"window.mark = 'kept'\"}");

        TabLease second = broker.acquire("second", "chat", "default");
        assertEquals(target, second.targetId(), "the pooled tab is granted on");
        assertEquals("kept", second.page().evaluate("String(window.mark)"), "the grant did not navigate the reset tab again");
        assertEquals("undefined", second.page().evaluate("String(window.leftover)"), "nothing of the first session is left");
        assertEquals(1, store.decisions(Decision.ResetTab.class).size(), "the kernel still decides the reset");
        second.complete();
    }

    @Test
    void expiresAt_isTheKernelsExpiryAtTheGrant_andAfterEachAcceptedHeartbeat() throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store);
        TabLease lease = broker.acquire("beats", "chat", "default");
        assertEquals(kernelExpiry(store, "beats"), lease.expiresAt(), "at the grant");
        Thread.sleep(20);
        long before = lease.expiresAt();
        lease.heartbeat();
        assertTrue(lease.expiresAt() > before, "a beat moves it");
        assertEquals(kernelExpiry(store, "beats"), lease.expiresAt(), "after the beat");
        lease.complete();
    }

    private static long kernelExpiry(KernelStore store, String sessionId) {
        return store.snapshot().sessions().stream().filter(s -> s.sessionId().equals(sessionId)).findFirst()
                .orElseThrow().lease().expiresAt();
    }

    @Test
    void withAStoreSharedByProcesses_thePooledTabIsResetAtTheNextGrant_notAhead() throws Exception {
        RecordingStore recording = store(fast().maxPerKey(1).build());
        KernelStore shared = new ForwardingKernelStore(recording) {
            @Override
            public boolean processLocal() {
                return false; // as a store other processes also apply inputs to
            }
        };
        TabBroker broker = broker(shared);

        TabLease first = broker.acquire("first", "chat", "default");
        String target = first.targetId();
        first.run(p -> p.navigate(chat.base().toString()));
        first.complete();
        Cdp.call(chromium.pageWebSocket(target), "Runtime.evaluate", "{\"expression\":\"window.mark = 'kept'\"}");

        TabLease second = broker.acquire("second", "chat", "default");
        assertEquals(target, second.targetId());
        assertEquals("about:blank", second.page().url());
        assertEquals("undefined", second.page().evaluate("String(window.mark)"), "reset at the grant: the mark is gone");
        second.complete();
    }

    /** Waits (at most 10 s) until the target's URL, as another CDP client sees it, is {@code url}. */
    private static void awaitPageUrl(String targetId, String url) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = null;
        while (System.nanoTime() < end) {
            String reply = Cdp.call(chromium.browserWebSocket(), "Target.getTargets", "{}");
            for (var e : com.google.gson.JsonParser.parseString(reply).getAsJsonObject().getAsJsonObject("result")
                    .getAsJsonArray("targetInfos")) {
                var t = e.getAsJsonObject();
                if (t.get("targetId").getAsString().equals(targetId)) {
                    last = t.get("url").getAsString();
                }
            }
            if (url.equals(last)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("target " + targetId + " is at " + last + ", not " + url);
    }

    @Test
    void concurrentAgents_neverHaveMoreTabsThanTheCaps_countedByCdpTargetGetTargets() throws Exception {
        KernelConfig config = fast().maxPerKey(2).globalMax(3).build();
        RecordingStore store = store(config);
        TabBrokerImpl broker = (TabBrokerImpl) broker(store);
        Map<String, String> keyOfTarget = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger maxAll = new AtomicInteger();
        Map<String, Integer> maxPerKey = new ConcurrentHashMap<>();
        List<String> violations = new ArrayList<>();
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                try {
                    for (Tab t : store.snapshot().tabs()) {
                        if (t.targetId() != null) {
                            keyOfTarget.put(t.targetId(), t.key()); // cumulative: a closing tab keeps its key
                        }
                    }
                    List<String> physical = ourTabs();
                    maxAll.accumulateAndGet(physical.size(), Math::max);
                    Map<String, Integer> perKey = new HashMap<>();
                    for (String id : physical) {
                        String k = keyOfTarget.get(id);
                        if (k != null) {
                            perKey.merge(k, 1, Integer::sum);
                        }
                    }
                    perKey.forEach((k, n) -> maxPerKey.merge(k, n, Math::max));
                    if (physical.size() > 3 || perKey.values().stream().anyMatch(n -> n > 2)) {
                        synchronized (violations) {
                            violations.add(physical.size() + " tabs, per key " + perKey);
                        }
                    }
                    Thread.sleep(20);
                } catch (Exception e) {
                    synchronized (violations) {
                        violations.add("sampler: " + e);
                    }
                }
            }
        }, "cap-sampler");
        sampler.start();

        ExecutorService agents = Executors.newFixedThreadPool(6);
        List<Future<String>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                String key = i % 2 == 0 ? "vendor-a" : "vendor-b";
                String session = "s" + i;
                String prompt = "q" + i;
                answers.add(agents.submit(() -> broker.withSession(session, key, "default",
                        dev.tablease.kernel.Outcome.COMPLETED, 0, lease -> {
                            ChatAgent.send(lease, chat.base(), prompt);
                            return ChatAgent.poll(lease, 20_000);
                        })));
            }
            for (int i = 0; i < 6; i++) {
                assertEquals(chat.fullAnswer("q" + i), answers.get(i).get(50, TimeUnit.SECONDS));
            }
        } finally {
            running.set(false);
            sampler.join(5_000);
            agents.shutdownNow();
        }
        assertEquals(List.of(), violations);
        assertEquals(3, maxAll.get(), "the global cap was reached, and never passed");
        assertTrue(maxPerKey.values().stream().allMatch(n -> n <= 2), maxPerKey.toString());
        assertTrue(store.decisions(Decision.Queued.class).size() > 0, "admission queued the overflow");
        assertTrue(broker.physicalPageTargets().containsAll(ourTabs()));
    }

    @Test
    void tabClosedFromOutsideMidCommand_isTargetClosed_andRecoversOntoExactlyOneNewTabAtTheConversationUrl()
            throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store);
        TabLease first = broker.acquire("s1", "chat", "default");
        String conversation = ChatAgent.send(first, chat.base(), "long");
        String killed = first.targetId();

        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(300);
                Cdp.closeTarget(chromium, killed); // a second CDP client closes the tab mid-command
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        killer.start();
        TabFailureException failure = assertThrows(TabFailureException.class, () -> first.run(page ->
                page.waitForSelector("#status:text-is('never')", new com.microsoft.playwright.Page.WaitForSelectorOptions()
                        .setTimeout(20_000))));
        killer.join();
        assertInstanceOf(TabFailure.TargetClosed.class, failure.failure(), failure.toString());
        LeaseRevokedException revoked = assertThrows(LeaseRevokedException.class, () -> first.setConversationUrl("x"));
        assertEquals(Optional.of(RevokeReason.TAB_GONE), revoked.reason());

        try (TabLease second = broker.acquire("s1", "chat", "default")) {
            assertNotEquals(killed, second.targetId());
            assertEquals(conversation, second.call(p -> p.url()), "recovered onto the conversation URL");
            assertEquals(chat.fullAnswer("long"), ChatAgent.poll(second, 10_000));
            assertEquals(List.of(second.targetId()), ourTabs(), "exactly one new tab");
            second.complete();
        }
        assertTrue(store.inputs(Input.TabGone.class).stream()
                .anyMatch(g -> g.targetId().equals(killed) && g.cause() == GoneCause.TARGET_CLOSED));
        assertEquals(2, store.decisions(Decision.OpenTab.class).size(), "one tab, then exactly one for the recovery");
        assertEquals(1, store.snapshot().tabs().size());
    }

    @Test
    void rendererCrashMidCommand_isClassifiedRendererCrashed_reportedToTheKernel_andRecovered() throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store);
        String answer = broker.withSession("s1", "chat", "default", dev.tablease.kernel.Outcome.COMPLETED, 1, lease -> {
            if (lease.call(p -> p.url()).contains("/c/")) {
                return ChatAgent.poll(lease, 10_000); // the recovered tab, at the conversation
            }
            ChatAgent.send(lease, chat.base(), "crash me");
            throw crashUnder(lease);
        });
        assertEquals(chat.fullAnswer("crash me"), answer);
        Input.TabGone gone = store.inputs(Input.TabGone.class).get(0);
        assertEquals(GoneCause.RENDERER_CRASHED, gone.cause());
        assertEquals(1, ourTabs().size(), "the crashed tab was closed, one new tab remains");
        assertFalse(ourTabs().contains(gone.targetId()));
    }

    /**
     * Crashes the lease's renderer from outside (a second CDP client) while the lease waits for something that
     * never comes. @return the lease's failure (a {@code RendererCrashed}), for the caller to throw
     */
    private static TabFailureException crashUnder(TabLease lease) throws InterruptedException {
        String target = lease.targetId();
        Thread crasher = new Thread(() -> {
            try {
                Thread.sleep(300);
                Cdp.crash(chromium, target);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        crasher.start();
        try {
            lease.run(page -> page.waitForSelector("#status:text-is('never')",
                    new com.microsoft.playwright.Page.WaitForSelectorOptions().setTimeout(20_000)));
        } catch (TabFailureException e) {
            assertInstanceOf(TabFailure.RendererCrashed.class, e.failure(), e.toString());
            return e;
        } finally {
            crasher.join();
        }
        throw new AssertionError("the crash went unnoticed");
    }

    @Test
    void rendererCrashWhileAnotherSessionWaitsAtTheCap_recoveryTakesTheReplacementTabFirst_andCountsIt()
            throws Exception {
        RecordingStore store = store(fast().maxPerKey(1).build());
        TabBroker broker = broker(store);
        AtomicReference<PendingLease> waiter = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        String answer = broker.withSession("s1", "chat", "default", dev.tablease.kernel.Outcome.COMPLETED, 1, lease -> {
            if (runs.incrementAndGet() == 2) {
                assertTrue(waiter.get().await(Duration.ofMillis(1)).isEmpty(), "the waiter did not take the slot");
                assertEquals(1, session(store, "s1").recoveryCount());
                return ChatAgent.poll(lease, 10_000);
            }
            ChatAgent.send(lease, chat.base(), "crash me");
            waiter.set(broker.request("s2", "chat", "default")); // queued: s1 holds the key's only slot
            assertTrue(waiter.get().queueDeadline().isPresent(), "s2 waits");
            throw crashUnder(lease);
        });
        assertEquals(chat.fullAnswer("crash me"), answer, "recovered at the conversation URL");
        assertEquals(2, runs.get());
        List<Decision.ReservationMoved> moved = store.decisions(Decision.ReservationMoved.class);
        assertEquals(1, moved.size(), moved.toString());
        assertEquals("s1", moved.get(0).sessionId());
        assertEquals(1, moved.get(0).recoveryCount());
        try (TabLease second = waiter.get().await()) { // s1 completed: now the slot is s2's
            assertEquals("s2", second.sessionId());
            assertEquals(1, ourTabs().size(), "never more than the cap");
            second.complete();
        }
    }

    @Test
    void rendererCrashOfASessionWithoutConversationUrl_failsClosedWithTabGone_andFreesTheSlotForTheWaiter()
            throws Exception {
        RecordingStore store = store(fast().maxPerKey(1).build());
        TabBroker broker = broker(store);
        AtomicReference<PendingLease> waiter = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        SessionEndedException ended = assertThrows(SessionEndedException.class, () ->
                broker.withSession("s1", "chat", "default", dev.tablease.kernel.Outcome.COMPLETED, 3, lease -> {
                    runs.incrementAndGet();
                    lease.run(page -> page.navigate(chat.base().toString())); // no conversation URL recorded
                    waiter.set(broker.request("s2", "chat", "default"));
                    throw crashUnder(lease);
                }));
        assertEquals(1, runs.get(), "no second run on a new session under the same id");
        assertEquals("s1", ended.sessionId());
        assertEquals(Optional.of(dev.tablease.kernel.EndReason.TAB_GONE), ended.reason());
        assertInstanceOf(TabFailureException.class, ended.getSuppressed()[0]);
        try (TabLease second = waiter.get().await(Duration.ofSeconds(20)).orElseThrow()) {
            assertEquals("s2", second.sessionId());
            second.complete();
        }
        assertTrue(store.decisions(Decision.ReservationMoved.class).isEmpty());
        assertTrue(store.snapshot().sessions().stream().noneMatch(x -> x.sessionId().equals("s1")));
    }

    private static dev.tablease.kernel.Session session(RecordingStore store, String sessionId) {
        return store.snapshot().sessions().stream().filter(x -> x.sessionId().equals(sessionId)).findFirst()
                .orElseThrow();
    }

    @Test
    void leaseRevokedForMissedHeartbeats_refusesUseAndFencedWrites_withTheReason() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        RecordingStore store = store(fast().build(), clock::get);
        TabBroker broker = TabBroker.start(AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50)
                .withHeartbeatIntervalMillis(60_000), store); // the handle will not beat within this test
        toClose.add(broker);
        TabLease lease = broker.acquire("s1", "chat", "default");
        lease.setConversationUrl("http://127.0.0.1/c/1");
        clock.addAndGet(10_000); // far past lastBeat + 3 x 200 ms: the next tick revokes
        long end = System.currentTimeMillis() + 5_000;
        while (!lease.isRevoked() && System.currentTimeMillis() < end) {
            Thread.sleep(20);
        }
        LeaseRevokedException e = assertThrows(LeaseRevokedException.class, () -> lease.call(p -> p.title()));
        assertEquals(Optional.of(RevokeReason.HEARTBEAT_MISSED), e.reason());
        assertThrows(LeaseRevokedException.class, () -> lease.setConversationUrl("http://127.0.0.1/c/2"));
        assertEquals("http://127.0.0.1/c/1", store.snapshot().sessions().get(0).conversationUrl(), "fenced");
        lease.close(); // a revoked lease is only forgotten
    }

    @Test
    void release_reportsARefusedRelease_ofALeaseThatLapsedBeforeAnyTickSawIt() throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        RecordingStore store = store(fast().build(), clock::get);
        TabBroker broker = TabBroker.start(AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(60_000)
                .withHeartbeatIntervalMillis(60_000), store); // no tick, no beat within this test
        toClose.add(broker);
        TabLease lease = broker.acquire("s1", "chat", "default");
        clock.addAndGet(10_000); // lapsed; the release's own transition applies the due tick first
        LeaseRevokedException e = assertThrows(LeaseRevokedException.class,
                () -> lease.release(dev.tablease.kernel.Outcome.COMPLETED));
        assertEquals(Optional.of(RevokeReason.HEARTBEAT_MISSED), e.reason());
        assertTrue(lease.isRevoked());
        assertEquals(1, store.snapshot().sessions().size(), "not finished: the refused release changed nothing");
        assertThrows(LeaseRevokedException.class, () -> lease.release(dev.tablease.kernel.Outcome.DETACH),
                "a second release");

        TabLease live = broker.acquire("s2", "chat", "default");
        live.release(dev.tablease.kernel.Outcome.COMPLETED); // accepted: no exception
        assertTrue(store.snapshot().sessions().stream().noneMatch(s -> s.sessionId().equals("s2")));
        assertThrows(LeaseRevokedException.class, () -> live.release(dev.tablease.kernel.Outcome.COMPLETED));
    }

    @Test
    void whenEnded_tellsEachListenerOnce_theRevocationWithItsReason_aReleaseWithoutOne_andALateListenerAtOnce()
            throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        RecordingStore store = store(fast().globalMax(2).build(), clock::get);
        TabBroker broker = TabBroker.start(AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50)
                .withHeartbeatIntervalMillis(60_000), store); // the handles do not beat within this test
        toClose.add(broker);
        TabLease revoked = broker.acquire("s1", "chat", "default");
        TabLease released = broker.acquire("s2", "chat2", "default");
        java.util.List<LeaseRevokedException> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<LeaseRevokedException> toldReleased = new java.util.concurrent.CopyOnWriteArrayList<>();
        revoked.whenEnded(told::add);
        revoked.whenEnded(told::add);
        released.whenEnded(toldReleased::add);
        assertEquals(java.util.List.of(), told, "nothing before the end");

        released.complete();
        assertEquals(1, toldReleased.size(), "told by the release, on the releasing thread");
        assertEquals(Optional.empty(), toldReleased.get(0).reason());
        assertEquals(Optional.empty(), toldReleased.get(0).refusal());
        released.close();
        assertEquals(1, toldReleased.size(), "once");

        clock.addAndGet(10_000); // past the heartbeat timeout: the next tick revokes s1
        long end = System.currentTimeMillis() + 5_000;
        while (told.size() < 2 && System.currentTimeMillis() < end) {
            Thread.sleep(20);
        }
        assertEquals(2, told.size(), "each listener once: " + told);
        assertEquals(Optional.of(RevokeReason.HEARTBEAT_MISSED), told.get(0).reason());
        assertEquals(revoked.token(), told.get(0).token());
        java.util.List<LeaseRevokedException> late = new java.util.ArrayList<>();
        revoked.whenEnded(late::add);
        assertEquals(1, late.size(), "a listener after the end is told at once");
        assertEquals(Optional.of(RevokeReason.HEARTBEAT_MISSED), late.get(0).reason());
        revoked.close();
        Thread.sleep(200);
        assertEquals(2, told.size(), "never again");
    }

    @Test
    void queuedAcquire_honoursTheQueueDeadline_andCanBeCancelledOrInterrupted() throws Exception {
        RecordingStore store = store(fast().maxPerKey(1).globalMax(1).queueTimeoutMillis(700).build());
        TabBroker broker = broker(store);
        TabLease holder = broker.acquire("s1", "chat", "default");

        PendingLease cancelled = broker.request("s2", "chat", "default");
        assertTrue(cancelled.queueDeadline().isPresent(), "queued: the only tab is taken");
        assertEquals(Optional.empty(), cancelled.await(Duration.ofMillis(100)));
        cancelled.cancel();
        LeaseRejectedException c = assertThrows(LeaseRejectedException.class, cancelled::await);
        assertEquals(Optional.of(RejectReason.CANCELLED), c.reason());

        long start = System.currentTimeMillis();
        LeaseRejectedException t = assertThrows(LeaseRejectedException.class, () -> broker.acquire("s3", "chat", "default"));
        assertEquals(Optional.of(RejectReason.QUEUE_TIMEOUT), t.reason());
        assertTrue(System.currentTimeMillis() - start >= 600, "waited until the queue deadline");

        AtomicBoolean interrupted = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            try {
                broker.acquire("s4", "chat", "default");
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        waiter.start();
        Thread.sleep(200);
        waiter.interrupt();
        waiter.join(5_000);
        assertTrue(interrupted.get());
        assertTrue(store.snapshot().sessions().stream().noneMatch(s -> s.sessionId().equals("s4")),
                "the interrupted request was withdrawn (Cancel)");
        holder.complete();
    }

    @Test
    void connectMode_closesOnlyTheTabsTheKernelNames_neverTheUsersTabsNorTheBrowser() throws Exception {
        RecordingStore store = store(fast().poolTtlMillis(300).build());
        TabBroker broker = broker(store);
        TabLease lease = broker.acquire("s1", "chat", "default");
        String ours = lease.targetId();
        lease.complete(); // pooled; the pool TTL (300 ms) then closes it
        long end = System.currentTimeMillis() + 5_000;
        while (ourTabs().contains(ours) && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        assertFalse(ourTabs().contains(ours), "the expired pooled tab was closed");
        assertTrue(store.inputs(Input.TabClosed.class).stream().anyMatch(c -> c.targetId().equals(ours)));
        broker.close();
        assertTrue(pageTargetsFromOutside().containsAll(baseline), "the user's tabs are untouched");
        assertFalse(baseline.isEmpty());
    }
}
