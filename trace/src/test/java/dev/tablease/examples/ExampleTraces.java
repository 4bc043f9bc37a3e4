package dev.tablease.examples;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Decision.Granted;
import dev.tablease.kernel.Decision.Navigate;
import dev.tablease.kernel.Decision.OpenTab;
import dev.tablease.kernel.Decision.Queued;
import dev.tablease.kernel.Decision.Refused;
import dev.tablease.kernel.Decision.Rejected;
import dev.tablease.kernel.Decision.ReservationEnded;
import dev.tablease.kernel.Decision.ReservationMoved;
import dev.tablease.kernel.Decision.ResetTab;
import dev.tablease.kernel.Decision.Revoked;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input.Acquire;
import dev.tablease.kernel.Input.Heartbeat;
import dev.tablease.kernel.Input.Release;
import dev.tablease.kernel.Input.TabGone;
import dev.tablease.kernel.Input.TabOpened;
import dev.tablease.kernel.Input.Tick;
import dev.tablease.kernel.Input.UpdateSession;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelHarness;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.TabState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.tablease.examples.TraceRecorder.expect;
import static dev.tablease.examples.TraceRecorder.only;

/**
 * Generates {@code examples/traces/}: one trace per seed defect ({@code shared/seed}), each recorded
 * from a real {@link dev.tablease.kernel.LeaseKernel} with every invariant checked after every step.
 * Each scenario also checks the claim it illustrates, so a kernel change that breaks the story fails
 * generation. Times are milliseconds from the start of the scenario.
 */
final class ExampleTraces {
    private static final String DEFAULT = KernelConfig.DEFAULT_CLASS;

    /**
     * The config of every example, spelled out so that the examples do not move when a default does:
     * caps 3 per key and 8 in all, pool TTL 30 min, heartbeat 60 s x 3, budgets 15 min (default) and
     * 5400 s (pro) plus a 60 s margin, queues of 16 with a 120 s timeout.
     */
    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(3).globalMax(8).poolTtlMillis(30 * 60_000L)
            .heartbeatIntervalMillis(60_000).missedHeartbeats(3).requestClass(DEFAULT, 15 * 60_000L)
            .requestClass("pro", 5_400_000L).deadlineMarginMillis(60_000).queueCapacity(16)
            .queueTimeoutMillis(120_000).build();

    private ExampleTraces() {
    }

    /** @return file name to trace text, in defect order */
    static Map<String, String> generate() {
        Map<String, String> traces = new LinkedHashMap<>();
        traces.put("defect-1-check-then-use.jsonl", checkThenUse());
        traces.put("defect-2-binding-is-reservation.jsonl", bindingIsReservation());
        traces.put("defect-3-send-poll-mutex.jsonl", sendPollMutex());
        traces.put("defect-4-crashed-driver.jsonl", crashedDriver());
        traces.put("defect-5-admission.jsonl", admission());
        traces.put("defect-X-single-deadline.jsonl", singleDeadline());
        return traces;
    }

    /**
     * Defect 1: the tab dies mid-command. No liveness pre-check: the death is an event, TabGone, which
     * revokes the lease (TAB_GONE) and moves the reservation to exactly one replacement tab under the same
     * slot (ReservationMoved, recoveryCount 1); the next Acquire waits for it and is granted on it, navigated
     * to the conversation URL first, with the same deadline. The dead command's late write is refused.
     */
    static String checkThenUse() {
        TraceRecorder r = new TraceRecorder(CONFIG);
        String url = "https://chatgpt.com/c/67a1-defect-1";
        OpenTab open = only(r.apply(new Acquire(0, "s-1", "chatgpt", "send pid 4101", DEFAULT)), OpenTab.class);
        Granted g = only(r.apply(new TabOpened(800, open.tabId(), "T1")), Granted.class);
        r.apply(new UpdateSession(2_000, "s-1", g.token(), url));
        r.apply(new Heartbeat(60_000, "s-1", g.token()));

        List<Decision> d = r.apply(new TabGone(75_000, "T1", GoneCause.TARGET_CLOSED));
        expect(only(d, Revoked.class).reason() == RevokeReason.TAB_GONE, "Revoked(TAB_GONE)", d);
        ReservationMoved moved = only(d, ReservationMoved.class);
        OpenTab reopen = only(d, OpenTab.class);
        expect(moved.toTabId() == reopen.tabId() && moved.recoveryCount() == 1, "ReservationMoved to the new tab", d);

        d = r.apply(new Acquire(76_000, "s-1", "chatgpt", "send pid 4101", DEFAULT));
        only(d, Queued.class);
        d = r.apply(new TabOpened(77_000, reopen.tabId(), "T2"));
        Navigate nav = only(d, Navigate.class);
        Granted recovered = only(d, Granted.class);
        expect(nav.url().equals(url) && d.indexOf(nav) < d.indexOf(recovered), "Navigate(url) before Granted", d);
        expect(recovered.tabId() == reopen.tabId() && recovered.deadline() == g.deadline(),
                "the recovered session on the new tab with its old deadline", d);

        d = r.apply(new UpdateSession(78_000, "s-1", g.token(), url + "/stale"));
        expect(only(d, Refused.class).reason() == RefuseReason.STALE_TOKEN, "the dead command's write refused", d);
        r.apply(new Release(120_000, "s-1", recovered.token(), Outcome.COMPLETED));
        return r.text();
    }

    /**
     * Defect 2: binding a session to a tab is the reservation, in one transition. While s-1's tab is
     * still OPENING, its watcher waits on the session and s-2 gets a tab of its own; once s-1's send
     * detaches, its tab stays RESERVED (no process attached), a new session takes the pooled tab of
     * s-2 instead, and a later poll of s-1 reattaches to exactly s-1's tab.
     */
    static String bindingIsReservation() {
        TraceRecorder r = new TraceRecorder(CONFIG);
        OpenTab open1 = only(r.apply(new Acquire(0, "s-1", "chatgpt", "send pid 4201", DEFAULT)), OpenTab.class);
        List<Decision> d = r.apply(new Acquire(200, "s-1", "chatgpt", "watcher", DEFAULT));
        expect(d.size() == 1 && d.get(0) instanceof Queued, "the watcher waits on the session, no new tab", d);
        OpenTab open2 = only(r.apply(new Acquire(300, "s-2", "chatgpt", "send pid 4202", DEFAULT)), OpenTab.class);
        Granted send1 = only(r.apply(new TabOpened(500, open1.tabId(), "T1")), Granted.class);
        Granted send2 = only(r.apply(new TabOpened(600, open2.tabId(), "T2")), Granted.class);
        r.apply(new UpdateSession(1_000, "s-1", send1.token(), "https://chatgpt.com/c/67a2-defect-2"));

        d = r.apply(new Release(2_000, "s-1", send1.token(), Outcome.DETACH));
        Granted watcher = only(d, Granted.class);
        expect(watcher.tabId() == send1.tabId(), "the watcher on s-1's tab", d);
        r.apply(new Release(3_000, "s-1", watcher.token(), Outcome.DETACH));
        expect(r.harness().tab(send1.tabId()).state() == TabState.RESERVED, "s-1's tab RESERVED while detached", d);

        r.apply(new Release(4_000, "s-2", send2.token(), Outcome.COMPLETED));
        d = r.apply(new Acquire(5_000, "s-3", "chatgpt", "send pid 4203", DEFAULT));
        expect(only(d, Granted.class).tabId() == send2.tabId() && only(d, ResetTab.class).tabId() == send2.tabId(),
                "s-3 takes the pooled (reset) tab of s-2, never s-1's reserved tab", d);

        d = r.apply(new Acquire(6_000, "s-1", "chatgpt", "poll pid 4204", DEFAULT));
        expect(d.size() == 1 && only(d, Granted.class).tabId() == send1.tabId(), "the poll reattaches to s-1's tab", d);
        return r.text();
    }

    /**
     * Defect 3: every command on a session holds its driver lease. The send holds it, the poll and the
     * watcher queue behind it (FIFO); when the send detaches the poll gets the lease, and the send's
     * late write of conversationUrl carries a stale token and is refused: only the holder can write.
     */
    static String sendPollMutex() {
        TraceRecorder r = new TraceRecorder(CONFIG);
        String url = "https://chatgpt.com/c/67a3-defect-3";
        OpenTab open = only(r.apply(new Acquire(0, "s-1", "chatgpt", "send pid 4301", DEFAULT)), OpenTab.class);
        Granted send = only(r.apply(new TabOpened(500, open.tabId(), "T1")), Granted.class);
        List<Decision> d = r.apply(new Acquire(1_000, "s-1", "chatgpt", "poll pid 4302", DEFAULT));
        Queued poll = only(d, Queued.class);
        expect(d.size() == 1, "the poll queues behind the send", d);
        Queued watcher = only(r.apply(new Acquire(1_500, "s-1", "chatgpt", "watcher", DEFAULT)), Queued.class);
        r.apply(new Heartbeat(60_000, "s-1", send.token()));
        r.apply(new UpdateSession(90_000, "s-1", send.token(), url));

        d = r.apply(new Release(100_000, "s-1", send.token(), Outcome.DETACH));
        Granted polling = only(d, Granted.class);
        expect(polling.requestId() == poll.requestId() && polling.tabId() == send.tabId(), "the poll, FIFO, same tab", d);
        d = r.apply(new UpdateSession(100_500, "s-1", send.token(), url + "?from=late-send"));
        expect(only(d, Refused.class).reason() == RefuseReason.STALE_TOKEN, "the stale holder's write refused", d);
        r.apply(new UpdateSession(101_000, "s-1", polling.token(), url + "?answer=1"));

        d = r.apply(new Release(110_000, "s-1", polling.token(), Outcome.COMPLETED));
        Rejected gone = only(d, Rejected.class);
        expect(gone.requestId() == watcher.requestId() && gone.reason() == RejectReason.SESSION_ENDED,
                "the watcher told the session ended", d);
        return r.text();
    }

    /**
     * Defect 4: a crashed driver cannot hold a tab forever, and no PID is involved. The send stops
     * heartbeating after its beat at 60 s; the watcher asks for the session and waits; the Tick at
     * 240 s (last beat + 3 x 60 s) revokes the lease with HEARTBEAT_MISSED, and the watcher gets the
     * same tab, reset first and navigated back to the conversation. The zombie's heartbeat is refused.
     */
    static String crashedDriver() {
        TraceRecorder r = new TraceRecorder(CONFIG);
        OpenTab open = only(r.apply(new Acquire(0, "s-1", "chatgpt", "send pid 4401", DEFAULT)), OpenTab.class);
        Granted send = only(r.apply(new TabOpened(500, open.tabId(), "T1")), Granted.class);
        r.apply(new UpdateSession(1_000, "s-1", send.token(), "https://chatgpt.com/c/67a4-defect-4"));
        r.apply(new Heartbeat(60_000, "s-1", send.token()));
        r.apply(new Acquire(200_000, "s-1", "chatgpt", "watcher", DEFAULT));
        List<Decision> d = r.apply(new Tick(239_999));
        expect(d.isEmpty(), "nothing revoked before lastBeat + 180 s", d);

        d = r.apply(new Tick(240_000));
        expect(only(d, Revoked.class).reason() == RevokeReason.HEARTBEAT_MISSED, "Revoked(HEARTBEAT_MISSED)", d);
        ResetTab reset = only(d, ResetTab.class);
        Granted watcher = only(d, Granted.class);
        expect(watcher.holder().equals("watcher") && watcher.tabId() == send.tabId() && reset.tabId() == send.tabId()
                && d.indexOf(reset) < d.indexOf(watcher), "the watcher on the same tab, after ResetTab", d);

        d = r.apply(new Heartbeat(250_000, "s-1", send.token()));
        expect(only(d, Refused.class).reason() == RefuseReason.STALE_TOKEN, "the zombie's heartbeat refused", d);
        r.apply(new Heartbeat(300_000, "s-1", watcher.token()));
        r.apply(new Release(400_000, "s-1", watcher.token(), Outcome.COMPLETED));
        return r.text();
    }

    /**
     * Defect 5: admission control over all tabs. 13 concurrent sends (5 chatgpt, 4 claude, 4 gemini)
     * under caps 3 per key and 8 in all: 8 OpenTab (3 + 3 + 2), the other 5 Queued, never a 9th tab.
     * A finished session's tab goes to the oldest chatgpt waiter (reset, no new tab); the waiters left
     * are rejected with QUEUE_TIMEOUT at their queue deadline (120 s).
     */
    static String admission() {
        TraceRecorder r = new TraceRecorder(CONFIG);
        String[] keys = {"chatgpt", "chatgpt", "chatgpt", "chatgpt", "chatgpt", "claude", "claude", "claude", "claude",
                "gemini", "gemini", "gemini", "gemini"};
        List<OpenTab> opens = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            String session = String.format("s-%02d", i + 1);
            List<Decision> d = r.apply(new Acquire(i * 100L, session, keys[i], "send pid " + (4501 + i), DEFAULT));
            expect(KernelHarness.find(d, Queued.class) != null, "every request queued or opening", d);
            opens.addAll(KernelHarness.all(d, OpenTab.class));
        }
        expect(opens.size() == 8, "8 OpenTab for 13 requests", List.copyOf(opens));
        Map<Long, Granted> grants = new LinkedHashMap<>();
        for (OpenTab open : opens) {
            Granted g = only(r.apply(new TabOpened(2_000 + open.tabId() * 100, open.tabId(), "T" + open.tabId())),
                    Granted.class);
            grants.put(g.tabId(), g);
        }
        Granted first = grants.get(opens.get(0).tabId());
        List<Decision> d = r.apply(new Release(30_000, first.sessionId(), first.token(), Outcome.COMPLETED));
        Granted next = only(d, Granted.class);
        expect(next.sessionId().equals("s-04") && next.tabId() == first.tabId() && KernelHarness.find(d, OpenTab.class) == null,
                "the oldest chatgpt waiter takes the freed tab, no new tab", d);

        d = r.apply(new Tick(121_200));
        expect(KernelHarness.all(d, Rejected.class).size() == 4
                        && KernelHarness.all(d, Rejected.class).stream().allMatch(x -> x.reason() == RejectReason.QUEUE_TIMEOUT),
                "the 4 remaining waiters rejected with QUEUE_TIMEOUT", d);
        return r.text();
    }

    /**
     * Defect X: one deadline. A pro session (5400 s budget + 60 s margin) heartbeats every 60 s and
     * keeps its lease for the whole budget: Ticks at the old TTLs (2 min command heartbeat, 35 min
     * session lock, 3600 s old pro budget) change nothing. At the deadline the lease is revoked with
     * DEADLINE and the reservation ends; the holder's next heartbeat is refused.
     */
    static String singleDeadline() {
        TraceRecorder r = new TraceRecorder(CONFIG);
        OpenTab open = only(r.apply(new Acquire(0, "s-1", "chatgpt", "send pid 4601", "pro")), OpenTab.class);
        Granted g = only(r.apply(new TabOpened(1_000, open.tabId(), "T1")), Granted.class);
        expect(g.deadline() == 5_460_000, "deadline = 5400 s + 60 s margin", List.of(g));
        List<Long> oldTtls = List.of(120_000L, 2_100_000L, 3_600_000L);
        for (long now = 60_000; now <= 5_400_000; now += 60_000) {
            List<Decision> d = r.apply(new Heartbeat(now, "s-1", g.token()));
            expect(d.size() == 1 && d.get(0) instanceof Decision.Extended, "the heartbeat accepted", d);
            if (oldTtls.contains(now)) {
                d = r.apply(new Tick(now));
                expect(d.isEmpty(), "nothing expires at an old TTL", d);
            }
        }
        List<Decision> d = r.apply(new Tick(5_460_000));
        expect(only(d, Revoked.class).reason() == RevokeReason.DEADLINE
                && only(d, ReservationEnded.class).reason() == EndReason.DEADLINE, "revoked at the deadline", d);
        d = r.apply(new Heartbeat(5_470_000, "s-1", g.token()));
        expect(only(d, Refused.class).reason() == RefuseReason.UNKNOWN_SESSION, "the ended session refuses", d);
        return r.text();
    }
}
