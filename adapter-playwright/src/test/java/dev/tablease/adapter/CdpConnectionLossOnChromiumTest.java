package dev.tablease.adapter;

import dev.tablease.adapter.testing.ChatAgent;
import dev.tablease.adapter.testing.RecordingStore;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.testkit.Cdp;
import dev.tablease.testkit.ChatServer;
import dev.tablease.testkit.ChromiumProcess;
import dev.tablease.testkit.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lost CDP connection is not a dead browser (issue 19, part 1): a real headless chromium reached in connect mode
 * through a {@link TcpProxy} that the test cuts and restores while the browser and its tabs stay up. While the
 * connection is lost the tabs' liveness is unknown: nothing is revoked for it, no reservation dropped, no tab opened
 * or closed; the broker reconnects and re-probes the tabs by target id; only a tab really missing afterwards (or a
 * browser unreachable for longer than {@code reconnectTimeoutMillis}) is reported gone.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CdpConnectionLossOnChromiumTest {

    private ChromiumProcess chromium;
    private ChatServer chat;
    private TcpProxy proxy;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void startBrowserBehindAProxy() throws Exception {
        chromium = ChromiumProcess.start();
        chat = new ChatServer(50, 10);
        proxy = TcpProxy.inFrontOf(chromium.browserWebSocket());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        proxy.close();
        chat.close();
        chromium.close();
    }

    /** Heartbeats every 200 ms, a lease lapses after 3 missed (600 ms): far shorter than the outages below. */
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

    /** A connect-mode broker whose CDP connection goes through the proxy. */
    private TabBroker broker(RecordingStore store, AdapterConfig tweak) {
        TabBroker b = TabBroker.start(tweak, store);
        toClose.add(b);
        return b;
    }

    private AdapterConfig throughProxy() {
        return AdapterConfig.connect(proxy.through(chromium.browserWebSocket())).withPollIntervalMillis(50)
                .withReconnect(20_000, 300);
    }

    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("not within " + timeoutMillis + " ms: " + what);
            }
            Thread.sleep(25);
        }
    }

    /** Uses the tab until a call goes through (the broker has reconnected). */
    private static void awaitUsable(TabLease lease) throws InterruptedException {
        await("the lease's tab answers again", 20_000, () -> {
            try {
                Object two = lease.call(p -> p.evaluate("1 + 1"));
                return two instanceof Number n && n.intValue() == 2;
            } catch (TabFailureException e) {
                assertInstanceOf(TabFailure.ConnectionLost.class, e.failure(), e.toString());
                return false;
            }
        });
    }

    private static Session session(RecordingStore store, String id) {
        return store.snapshot().sessions().stream().filter(s -> s.sessionId().equals(id)).findFirst().orElseThrow();
    }

    private List<String> physicalTabs() throws Exception {
        return Cdp.pageTargets(chromium.browserWebSocket()); // asked directly, not through the proxy
    }

    @Test
    void aTwoSecondCut_revokesNothing_dropsNoReservation_andTheBrokerWorksAfterIt() throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store, throughProxy());
        TabLease driving = broker.acquire("s1", "chat", "default");
        ChatAgent.send(driving, chat.base(), "through the outage");
        TabLease parked = broker.acquire("s2", "chat", "default");
        String parkedTab = parked.targetId();
        parked.detach(); // a reservation with no process attached
        int connections = proxy.forwarded();

        proxy.cut();
        long cutAt = System.currentTimeMillis();
        await("the broker noticed the cut", 5_000, () -> {
            try {
                driving.call(p -> p.title());
                return false;
            } catch (TabFailureException e) {
                return e.failure() instanceof TabFailure.ConnectionLost;
            }
        });
        assertFalse(driving.isRevoked(), "liveness unknown is not gone");
        Thread.sleep(Math.max(0, 2_000 - (System.currentTimeMillis() - cutAt))); // > 3 heartbeat timeouts
        proxy.restore();

        awaitUsable(driving);
        assertEquals(chat.fullAnswer("through the outage"), ChatAgent.poll(driving, 15_000), "the same lease, the same tab");
        assertTrue(proxy.forwarded() > connections, "reconnected through the proxy");
        assertEquals(List.of(), store.inputs(Input.TabGone.class), "no tab reported gone");
        assertEquals(List.of(), store.decisions(Decision.Revoked.class), "no lease revoked");
        assertEquals(List.of(), store.decisions(Decision.ReservationEnded.class), "no reservation dropped");
        assertTrue(physicalTabs().containsAll(List.of(driving.targetId(), parkedTab)), "both tabs still open");

        TabLease back = broker.acquire("s2", "chat", "default");
        assertEquals(parkedTab, back.targetId(), "the parked session finds its own tab");
        assertEquals(2, ((Number) back.call(p -> p.evaluate("1 + 1"))).intValue());
        back.complete();
        driving.complete();
        TabLease fresh = broker.acquire("s3", "chat", "default");
        assertEquals(2, ((Number) fresh.call(p -> p.evaluate("1 + 1"))).intValue(), "the broker is usable");
        fresh.complete();
        assertEquals(List.of(), store.inputs(Input.TabOpenFailed.class));
    }

    @Test
    void anOutageLongerThanTheHeartbeatTimeout_letsAnUnbeatenLeaseLapseAsUsual_andKeepsItsReservation()
            throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        RecordingStore store = store(fast().build(), clock::get);
        TabBroker broker = broker(store, throughProxy().withHeartbeatIntervalMillis(60_000)); // this holder never beats
        TabLease lease = broker.acquire("s1", "chat", "default");
        String tab = lease.targetId();
        int connections = proxy.forwarded();

        proxy.cut();
        Thread.sleep(300);
        clock.addAndGet(10_000); // the outage outlasts the lease's heartbeat timeout (3 x 200 ms) many times
        await("the unbeaten lease lapsed during the outage", 5_000, lease::isRevoked);
        LeaseRevokedException e = assertThrows(LeaseRevokedException.class, () -> lease.call(p -> p.title()));
        assertEquals(Optional.of(RevokeReason.HEARTBEAT_MISSED), e.reason());
        Thread.sleep(1_000);
        proxy.restore();

        await("reconnected", 20_000, () -> proxy.forwarded() > connections);
        TabLease again = broker.acquire("s1", "chat", "default");
        assertEquals(2, ((Number) again.call(p -> p.evaluate("1 + 1"))).intValue());
        assertEquals(tab, again.targetId(), "the reservation outlived its lapsed lease");
        assertEquals(List.of(), store.inputs(Input.TabGone.class));
        assertEquals(List.of(), store.decisions(Decision.ReservationEnded.class));
        again.complete();
    }

    @Test
    void aTabClosedDuringTheOutage_isTabGoneTargetClosedAfterTheReconnect_andNoOtherTabIs() throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store, throughProxy());
        TabLease doomed = broker.acquire("s1", "chat", "default");
        String doomedTab = doomed.targetId();
        doomed.detach();
        TabLease survivor = broker.acquire("s2", "chat", "default");

        proxy.cut();
        Thread.sleep(300);
        Cdp.closeTarget(chromium, doomedTab); // by another CDP client, while the broker cannot see it
        Thread.sleep(700);
        assertEquals(List.of(), store.inputs(Input.TabGone.class), "nothing reported while the connection is lost");
        proxy.restore();

        await("the re-probe found the closed tab", 20_000, () -> !store.inputs(Input.TabGone.class).isEmpty());
        awaitUsable(survivor);
        List<Input.TabGone> gone = store.inputs(Input.TabGone.class);
        assertEquals(1, gone.size(), gone.toString());
        assertEquals(doomedTab, gone.get(0).targetId());
        assertEquals(GoneCause.TARGET_CLOSED, gone.get(0).cause());
        assertFalse(survivor.isRevoked());
        assertEquals(survivor.targetId(), store.snapshot().tabs().stream()
                .filter(t -> t.tabId() == session(store, "s2").tabId()).findFirst().orElseThrow().targetId());
        survivor.complete();
    }

    @Test
    void aBrowserUnreachableForLongerThanTheReconnectTimeout_isBrowserGone_andReachableAgainLater() throws Exception {
        RecordingStore store = store(fast().build());
        TabBroker broker = broker(store, throughProxy().withReconnect(1_500, 200));
        TabLease lease = broker.acquire("s1", "chat", "default");

        proxy.cut();
        long cutAt = System.currentTimeMillis();
        await("every tab reported BROWSER_GONE", 10_000, () -> store.inputs(Input.TabGone.class).stream()
                .anyMatch(g -> g.cause() == GoneCause.BROWSER_GONE));
        assertTrue(System.currentTimeMillis() - cutAt >= 1_500, "not before reconnectTimeoutMillis");
        await("the lease learned it", 5_000, lease::isRevoked);
        LeaseRevokedException e = assertThrows(LeaseRevokedException.class, () -> lease.call(p -> p.title()));
        assertEquals(Optional.of(RevokeReason.TAB_GONE), e.reason());

        proxy.restore();
        TabLease fresh = broker.acquire("s2", "chat", "default");
        assertEquals(2, ((Number) fresh.call(p -> p.evaluate("1 + 1"))).intValue(),
                "a new acquire reaches the browser again: the broker is not stuck");
        fresh.complete();
    }
}
