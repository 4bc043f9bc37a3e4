package dev.tablease.demo;

import com.microsoft.playwright.Page;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.LeaseRejectedException;
import dev.tablease.adapter.LeaseRevokedException;
import dev.tablease.adapter.TabBroker;
import dev.tablease.adapter.TabFailureException;
import dev.tablease.adapter.TabLease;
import dev.tablease.testkit.Cdp;
import dev.tablease.testkit.ChatServer;
import dev.tablease.testkit.ChromiumProcess;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import dev.tablease.replay.ReplayFailedException;
import dev.tablease.replay.ReplaySummary;
import dev.tablease.replay.TraceReplayer;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.timeline.Timeline;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;
import dev.tablease.store.TracingKernelStore;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The live demo: headless Chromium, the fake chat app, and agents sharing 3 keys' tabs under caps 3/8
 * through {@link TabBroker}s on one in-memory store that records a trace.
 *
 * <p>The cast: regular agents (each loops: a new session with a {@code default} or {@code pro} request, send
 * a prompt, poll the streamed answer, complete), the first of which detaches after its first {@code send}
 * (the tab stays reserved) and leaves the session to the watcher; two agents that crash mid-command (each in
 * its own broker, a simulated process whose store connection freezes: no heartbeat, no release) — the
 * watcher takes over the first one's session on the same tab once its lease expires, the second one's
 * reservation is reclaimed by its deadline; one tab closed from outside (a second CDP client) in the middle
 * of a command, whose session recovers onto a new tab at its conversation URL; and the watcher.
 *
 * <p>Every store transition goes through a {@link TracingKernelStore}; at the end the demo replays its own
 * trace ({@link TraceReplayer}), renders its timeline, and checks that the physical tabs stayed within the
 * caps and that nothing leaked.
 */
public final class Demo {

    /** The kernel's settings for the demo: caps 3/8, beats every 500 ms, budgets of seconds. */
    public static final KernelConfig CONFIG = KernelConfig.builder()
            .maxPerKey(3).globalMax(8)
            .heartbeatIntervalMillis(500).missedHeartbeats(3)
            .requestClass("default", 15_000).requestClass("pro", 25_000).deadlineMarginMillis(1_000)
            .poolTtlMillis(4_000).queueCapacity(16).queueTimeoutMillis(20_000)
            .build();

    /** The vendor/profile keys. */
    public static final List<String> KEYS = List.of("chatgpt", "claude", "gemini");

    private static final long WORD_MILLIS = 100;
    private static final int DEFAULT_WORDS = 12;
    private static final int PRO_WORDS = 30;
    private static final int CRASH_WORDS = 40;
    private static final long POLL_TIMEOUT_MILLIS = 30_000;
    private static final long POLL_MILLIS = 250;
    /**
     * Regular agents per broker. Each broker is one Playwright connection with one lock (a process, in real
     * life); every connection over CDP attaches to every page of the browser, so on a small machine extra
     * connections cost more than the lock they relieve: all regular agents and the watcher share one.
     */
    private static final int AGENTS_PER_BROKER = 64;

    /**
     * What to run.
     *
     * @param agents       agents in all, at least 6: the watcher, two crashing agents, and regular agents
     * @param seconds      how long the agents keep starting new sessions; the run then drains
     * @param outDir       where the trace, the timeline and the log go
     * @param chromium     the browser
     * @param statusMillis how often the status line is printed
     * @param tty          overwrite the status line in place ({@code \r}) instead of printing a line each time
     * @param seed         the random seed (request classes, think times)
     */
    public record Settings(int agents, int seconds, Path outDir, Path chromium, long statusMillis, boolean tty,
                           long seed) {
        public Settings {
            if (agents < 6) {
                throw new IllegalArgumentException("at least 6 agents (the watcher, 2 crashing agents and 3 regular ones)");
            }
            if (seconds < 10) {
                throw new IllegalArgumentException("at least 10 seconds");
            }
        }
    }

    /** A session left for the watcher: a detached send, or a crashed driver's session. */
    private record Pickup(String sessionId, String key, String requestClass, String targetId, long notBefore,
                          String why) {
    }

    /** The outcome of a run. */
    public record Report(Settings settings, double seconds, long grants, long queued, long rejected,
                         List<Long> waitsMillis, Map<String, Integer> maxTabsPerKey, int maxTabsTotal,
                         int maxUnattributed, long censusSamples, boolean withinCaps, long heartbeatExpiries,
                         long deadlineExpiries, long reclaimed, long sessionsCompleted, long recoveries,
                         List<String> crashes, String crashTakenOver, String crashReclaimed,
                         String killedTab, String killedRecovery, String detachedPickup,
                         long leakedPages, long leakedKernelTabs, long leftSessions, long agentErrors,
                         List<String> firstErrors, Path trace, long traceSteps, long traceDivergences,
                         String replay, boolean replayPassed, Path timeline, String timelineProblem, Path log) {

        /** @return the tabs left behind: physical pages and kernel tabs after the drain, and sessions never ended */
        public long leakedTabs() {
            return leakedPages + leakedKernelTabs + leftSessions;
        }

        /** @return whether the caps held, nothing leaked, and the trace replays */
        public boolean passed() {
            return withinCaps && leakedTabs() == 0 && replayPassed && traceDivergences == 0;
        }

        /** @return the summary table */
        public String render() {
            return render(null, true);
        }

        /**
         * The summary table with the row of the trace's validation by TLC ({@code --validate}).
         *
         * @param validation the validation's one-line result, or {@code null} when it was not asked for
         * @param conforms   whether the trace conforms to the spec (ignored when {@code validation} is null)
         * @return the summary table; its RESULT line fails when the trace does not conform
         */
        public String render(String validation, boolean conforms) {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%n== tablease demo: %d agents over %d keys, caps %d per key and %d in all, %.1f s ==%n",
                    settings.agents(), KEYS.size(), CONFIG.maxPerKey(), CONFIG.globalMax(), seconds));
            row(b, "grants", grants + "  (" + sessionsCompleted + " sessions completed, " + queued + " requests queued, "
                    + rejected + " rejected)");
            row(b, "queue waits", String.format(Locale.ROOT, "p50 %s  p99 %s  max %s  (request to lease in hand, %d waits)",
                    secs(percentile(50)), secs(percentile(99)), secs(percentile(100)), waitsMillis.size()));
            StringBuilder keys = new StringBuilder();
            for (Map.Entry<String, Integer> e : maxTabsPerKey.entrySet()) {
                keys.append(e.getKey()).append(' ').append(e.getValue()).append('/').append(CONFIG.maxPerKey(e.getKey())).append("  ");
            }
            row(b, "most tabs per key", keys.toString().strip() + "  (physical, CDP Target.getTargets, " + censusSamples + " samples)");
            row(b, "most tabs in total", maxTabsTotal + "/" + CONFIG.globalMax() + (withinCaps ? "  (never above the caps)"
                    : "  ABOVE THE CAPS") + (maxUnattributed > 0 ? "; at most " + maxUnattributed + " being opened at once" : ""));
            row(b, "expiries", (heartbeatExpiries + deadlineExpiries) + "  (" + heartbeatExpiries + " missed heartbeats, "
                    + deadlineExpiries + " deadlines)");
            row(b, "reclaimed reservations", reclaimed + "  (ended by their deadline, nobody released them)");
            row(b, "crashed agents", crashes.size() + (crashes.isEmpty() ? "" : "  (" + String.join("; ", crashes) + ")"));
            row(b, "  taken over", crashTakenOver);
            row(b, "  reclaimed", crashReclaimed);
            row(b, "tab killed from outside", killedTab);
            row(b, "  recovery", killedRecovery);
            row(b, "detached send", detachedPickup);
            row(b, "recoveries", recoveries + "  (sessions moved onto a new tab after their tab died)");
            row(b, "agent errors", agentErrors + (firstErrors.isEmpty() ? "" : "  (first: " + String.join("; ", firstErrors) + ")"));
            row(b, "leaked tabs", leakedTabs() + "  (after the drain: " + leakedPages + " pages in the browser, "
                    + leakedKernelTabs + " tabs in the kernel, " + leftSessions + " sessions)");
            row(b, "trace", trace + "  (" + traceSteps + " steps"
                    + (traceDivergences > 0 ? ", " + traceDivergences + " DIVERGENCES" : "") + ")");
            row(b, "replay", replay);
            row(b, "timeline", timeline != null ? timeline.toString() : "not written: " + timelineProblem);
            row(b, "adapter log", log.toString());
            if (validation != null) {
                row(b, "validation (TLC)", validation);
            }
            b.append(passed() && (validation == null || conforms) ? "RESULT: PASSED\n" : "RESULT: FAILED\n");
            return b.toString();
        }

        long percentile(int p) {
            if (waitsMillis.isEmpty()) {
                return 0;
            }
            List<Long> sorted = new ArrayList<>(waitsMillis);
            Collections.sort(sorted);
            int rank = (int) Math.ceil(p / 100.0 * sorted.size());
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
        }

        private static String secs(long millis) {
            return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
        }

        private static void row(StringBuilder b, String name, String value) {
            b.append(String.format(Locale.ROOT, "%-24s %s%n", name, value));
        }
    }

    private final Settings settings;
    private final PrintStream out;
    private final Object console = new Object();
    private final long start = System.nanoTime();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final BlockingQueue<Pickup> pickups = new LinkedBlockingQueue<>();
    private final AtomicInteger pickupsPending = new AtomicInteger();
    private final List<Long> waits = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder completed = new LongAdder();
    private final LongAdder recoveries = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final List<String> firstErrors = new CopyOnWriteArrayList<>();
    private final List<String> crashes = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> crashTakenOver = new AtomicReference<>("-");
    private final AtomicReference<String> crashReclaimed = new AtomicReference<>("-");
    private final AtomicReference<String> killedTab = new AtomicReference<>("-");
    private final AtomicReference<String> killedSession = new AtomicReference<>();
    private final AtomicReference<String> detachedPickup = new AtomicReference<>("-");
    private final AtomicReference<String> abandonedSession = new AtomicReference<>();
    private volatile String statusLine = "";

    private Demo(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs the demo.
     *
     * @throws IOException when Chromium, the chat app or the output files cannot be set up
     * @throws Exception   when the browser stops answering CDP
     */
    public static Report run(Settings settings, PrintStream out) throws Exception {
        return new Demo(settings, out).run();
    }

    // ------------------------------------------------------------------------------------------ the run

    private Report run() throws Exception {
        Files.createDirectories(settings.outDir());
        Path tracePath = settings.outDir().resolve("demo-trace.jsonl");
        Path logPath = settings.outDir().resolve("demo.log");
        Logs logs = Logs.redirect(logPath);
        try (ChromiumProcess chromium = ChromiumProcess.start(settings.chromium(),
                ChromiumProcess.NO_BACKGROUND_THROTTLING);
             ChatServer app = new ChatServer(WORD_MILLIS, DEFAULT_WORDS, 500)) {
            List<String> baseline = Cdp.pageTargets(chromium.browserWebSocket());
            say(String.format(Locale.ROOT, "chromium %s (pid %d, CDP %s), fake chat app %s",
                    settings.chromium(), chromium.pid(), chromium.httpEndpoint(), app.base()));
            say(String.format(Locale.ROOT, "%d agents over %s, caps %d per key and %d in all, heartbeat %d ms x %d, budgets %s ms + %d ms;"
                            + " agents start sessions for %d s, then the run drains",
                    settings.agents(), KEYS, CONFIG.maxPerKey(), CONFIG.globalMax(), CONFIG.heartbeatIntervalMillis(),
                    CONFIG.missedHeartbeats(), CONFIG.requestClassBudgetsMillis(), CONFIG.deadlineMarginMillis(),
                    settings.seconds()));

            InMemoryKernelStore memory = new InMemoryKernelStore(CONFIG, MillisClock.system());
            TracingKernelStore tracing = TracingKernelStore.open(memory, tracePath);
            CountingStore store = new CountingStore(tracing);
            store.onDecision(this::notice);
            CrashableStore crashStore1 = new CrashableStore(store);
            CrashableStore crashStore2 = new CrashableStore(store);
            Census census = new Census(chromium.browserWebSocket(), new HashSet<>(baseline), CONFIG, KEYS);

            AdapterConfig base = AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(100)
                    .withNavigationTimeoutMillis(10_000).withActionTimeoutMillis(10_000);
            int regular = settings.agents() - 3;
            int groups = (regular + AGENTS_PER_BROKER - 1) / AGENTS_PER_BROKER;
            List<java.util.concurrent.Future<TabBroker>> starting = new ArrayList<>();
            java.util.concurrent.ExecutorService starter = java.util.concurrent.Executors.newFixedThreadPool(3);
            for (int g = 1; g <= groups; g++) {
                AdapterConfig c = base.withHolder("agents-" + g);
                starting.add(starter.submit(() -> TabBroker.start(c, store)));
            }
            java.util.concurrent.Future<TabBroker> crashing1 = starter.submit(() ->
                    TabBroker.start(base.withHolder("crash-1"), crashStore1));
            java.util.concurrent.Future<TabBroker> crashing2 = starter.submit(() ->
                    TabBroker.start(base.withHolder("crash-2"), crashStore2));
            starter.shutdown();
            List<TabBroker> brokers = new ArrayList<>();
            for (java.util.concurrent.Future<TabBroker> f : starting) {
                brokers.add(get(f));
            }
            TabBroker crashBroker1 = get(crashing1);
            TabBroker crashBroker2 = get(crashing2);
            TabBroker broker = brokers.get(0);
            say(groups + " broker" + (groups == 1 ? "" : "s") + " for the agents and the watcher, and one for each"
                    + " crashing agent (a simulated process each), connected over CDP; go");
            long t0 = System.nanoTime();

            List<Thread> agents = new ArrayList<>();
            SplittableRandom seeds = new SplittableRandom(settings.seed());
            for (int i = 1; i <= regular; i++) {
                int id = i;
                long seed = seeds.nextLong();
                TabBroker mine = brokers.get((i - 1) / AGENTS_PER_BROKER);
                agents.add(thread("agent-" + i, () -> regularAgent(mine, app, id, new SplittableRandom(seed), id == 1)));
            }
            long crashAt1 = settings.seconds() * 1000L / 5;
            long crashAt2 = settings.seconds() * 1000L * 3 / 10;
            agents.add(thread("crash-1", () -> crashingAgent(crashBroker1, crashStore1, app, "crash-1", KEYS.get(1),
                    crashAt1, true)));
            agents.add(thread("crash-2", () -> crashingAgent(crashBroker2, crashStore2, app, "crash-2", KEYS.get(2),
                    crashAt2, false)));
            Thread watcher = thread("watcher", () -> watcher(broker));
            Thread killer = thread("tab-killer", () -> killATab(chromium, store, settings.seconds() * 1000L * 2 / 5));
            Thread sampler = thread("census", () -> sample(census, store));
            for (Thread t : agents) {
                t.start();
                Thread.sleep(50);
            }
            watcher.start();
            killer.start();
            sampler.start();

            Thread.sleep(Math.max(0, settings.seconds() * 1000L - millisSince(t0)));
            stop.set(true);
            say("time is up: no new sessions; the agents finish what they drive, the watcher its pickups");
            for (Thread t : agents) {
                t.join(60_000);
            }
            killer.interrupt();
            killer.join(10_000);
            watcher.join(60_000);
            say("agents done; waiting for every reservation to end and every pooled tab to expire (pool TTL "
                    + CONFIG.poolTtlMillis() + " ms)");
            long drainLimit = System.currentTimeMillis() + 40_000;
            while (System.currentTimeMillis() < drainLimit) {
                KernelState s = store.snapshot();
                if (s.sessions().isEmpty() && s.tabs().isEmpty()) {
                    break;
                }
                Thread.sleep(200);
            }
            Thread.sleep(500); // let the last CloseTab reach the browser
            sampler.interrupt();
            sampler.join(10_000);
            Census.Sample last = census.sample(store::snapshot);
            KernelState end = store.snapshot();
            double seconds = millisSince(t0) / 1000.0;
            printStatus(census, store, last);
            endStatus();

            crashStore1.bury();
            crashStore2.bury();
            crashBroker1.close();
            crashBroker2.close();
            for (TabBroker b : brokers) {
                b.close();
            }
            tracing.closeTrace();
            logs.restore();

            // the trace, replayed through the replay code
            String replay;
            boolean replayPassed;
            try (TraceReader reader = TraceReader.open(tracePath)) {
                ReplaySummary summary = new TraceReplayer().replay(reader, step -> { });
                replay = "passed: " + summary.describe();
                replayPassed = true;
            } catch (ReplayFailedException | TraceFormatException e) {
                replay = "FAILED: " + e.getMessage();
                replayPassed = false;
            }
            Path timeline = settings.outDir().resolve("demo-timeline.html");
            String timelineProblem = null;
            try {
                Files.writeString(timeline, Timeline.renderHtml(tracePath), StandardCharsets.UTF_8);
            } catch (TraceFormatException | IOException | RuntimeException e) {
                timeline = null;
                timelineProblem = e.toString();
            }

            long leftSessions = end.sessions().size();
            String killedRecovery = "-";
            if (killedSession.get() != null) {
                List<String> tabs = store.grantedTabs(killedSession.get());
                killedRecovery = "session " + killedSession.get() + " was granted tabs " + tabs
                        + (tabs.size() >= 2 && !tabs.get(tabs.size() - 1).equals(tabs.get(0))
                        ? ": recovered onto a new tab at its conversation URL" : ": NOT recovered");
            }
            return new Report(settings, seconds, store.grants.sum(), store.queued.sum(), store.rejected.sum(),
                    List.copyOf(waits), census.maxPerKey(), census.maxTotal(), census.maxUnattributed(), census.samples(),
                    census.withinCaps(), store.heartbeatExpiries.sum(), store.deadlineExpiries.sum(), store.reclaimed.sum(),
                    completed.sum(), recoveries.sum(), List.copyOf(crashes), crashTakenOver.get(), crashReclaimed.get(),
                    killedTab.get(), killedRecovery, detachedPickup.get(), last.total(), end.tabs().size(), leftSessions,
                    errors.sum(), List.copyOf(firstErrors), tracePath, tracing.steps(), tracing.divergences(), replay,
                    replayPassed, timeline, timelineProblem, logPath);
        } catch (Exception e) {
            logs.restore();
            throw e;
        }
    }

    // ------------------------------------------------------------------------------------------ the cast

    /** A regular agent: new sessions until the time is up; the first one's first session is a detached send. */
    private void regularAgent(TabBroker broker, ChatServer app, int id, SplittableRandom rnd, boolean detachFirst) {
        String key = KEYS.get((id - 1) % KEYS.size());
        int n = 0;
        while (!stop.get()) {
            n++;
            String session = String.format(Locale.ROOT, "a%02d-s%d", id, n);
            boolean pro = rnd.nextInt(10) < 3;
            String cls = pro ? "pro" : "default";
            String prompt = "/words " + (pro ? PRO_WORDS : DEFAULT_WORDS) + " question " + n + " of agent " + id;
            long asked = System.nanoTime();
            try {
                if (detachFirst && n == 1) {
                    TabLease lease = broker.acquire(session, key, cls);
                    waits.add(millisSince(asked));
                    send(lease, app.base(), prompt);
                    String target = lease.targetId();
                    lease.detach();
                    say("agent a" + two(id) + " sent " + session + " and exited (detached): its tab " + shortId(target)
                            + " stays reserved while the app keeps generating; the watcher picks it up later");
                    pickupsPending.incrementAndGet();
                    pickups.add(new Pickup(session, key, cls, target, System.currentTimeMillis() + 2_500, "detached"));
                } else {
                    AtomicReference<String> firstTab = new AtomicReference<>();
                    broker.withSession(session, key, cls, Outcome.COMPLETED, 2, lease -> {
                        if (firstTab.get() == null) {
                            firstTab.set(lease.targetId());
                            waits.add(millisSince(asked));
                        } else if (!firstTab.get().equals(lease.targetId())) {
                            recoveries.increment();
                            say("agent a" + two(id) + " recovered " + session + " onto a new tab " + shortId(lease.targetId())
                                    + " at " + lease.call(p -> p.url()));
                        }
                        String url = lease.call(p -> p.url());
                        if (!url.contains("/c/")) {
                            send(lease, app.base(), prompt);
                        }
                        poll(lease);
                        return null;
                    });
                    completed.increment();
                }
            } catch (LeaseRejectedException e) {
                sleep(Math.max(200, Math.min(2_000, e.retryAfterMillis())));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                error("agent a" + two(id) + " " + session, e);
            }
            sleep(100 + rnd.nextInt(500));
        }
    }

    /** An agent that crashes mid-command: sends, polls a little, then its process freezes with the lease held. */
    private void crashingAgent(TabBroker broker, CrashableStore store, ChatServer app, String session, String key,
                               long atMillis, boolean watcherTakesOver) {
        sleep(atMillis);
        try {
            long asked = System.nanoTime();
            TabLease lease = broker.acquire(session, key, "default");
            waits.add(millisSince(asked));
            send(lease, app.base(), "/words " + CRASH_WORDS + " a long question of " + session);
            for (int i = 0; i < 3; i++) {
                lease.call(p -> p.evaluate("() => document.getElementById('status').textContent"));
                sleep(150);
            }
            store.crash();
            String target = lease.targetId();
            crashes.add(session + " on tab " + shortId(target) + " with token " + lease.token());
            say("agent " + session + " CRASHED mid-command holding token " + lease.token() + " on tab " + shortId(target)
                    + ": no more heartbeats, no release" + (watcherTakesOver ? "; the watcher waits for its session"
                    : "; nobody comes back for it"));
            if (watcherTakesOver) {
                pickupsPending.incrementAndGet();
                pickups.add(new Pickup(session, key, "default", target, 0, "crashed"));
            } else {
                abandonedSession.set(session);
            }
            // the thread ends here, as the process did: the lease is never closed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            error("agent " + session, e);
        }
    }

    /** The watcher: picks up detached and crashed sessions, polls their answers to the end, completes them. */
    private void watcher(TabBroker broker) {
        while (!(stop.get() && pickupsPending.get() == 0)) {
            Pickup p;
            try {
                p = pickups.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (p == null) {
                continue;
            }
            try {
                long wait = p.notBefore() - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                long asked = System.nanoTime();
                TabLease lease = broker.acquire(p.sessionId(), p.key(), p.requestClass());
                long waited = millisSince(asked);
                boolean same = lease.targetId().equals(p.targetId());
                String what = String.format(Locale.ROOT, "%s: the watcher got token %d on %s tab %s after %.2f s",
                        p.sessionId(), lease.token(), same ? "the same" : "ANOTHER", shortId(lease.targetId()), waited / 1000.0);
                if (p.why().equals("crashed")) {
                    what += " (the dead driver's lease expired: " + CONFIG.missedHeartbeats() + " missed beats of "
                            + CONFIG.heartbeatIntervalMillis() + " ms)";
                    crashTakenOver.set(what);
                } else {
                    detachedPickup.set(what + " (reattached: the reservation outlived the sending process)");
                }
                say(what);
                String answer = poll(lease);
                lease.complete();
                completed.increment();
                say("watcher completed " + p.sessionId() + ": \"" + abbreviate(answer) + "\"");
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                error("watcher " + p.sessionId(), e);
            } finally {
                pickupsPending.decrementAndGet();
            }
        }
    }

    /** Closes one driven tab from outside (a second CDP client), in the middle of a command. */
    private void killATab(ChromiumProcess chromium, CountingStore store, long atMillis) {
        sleep(atMillis);
        while (!stop.get()) {
            KernelState s = store.snapshot();
            // a session being driven, with its conversation known and time left to recover before its deadline:
            // after its tab dies it queues for a new tab like any request
            List<Session> candidates = new ArrayList<>(s.sessions());
            candidates.sort(java.util.Comparator.comparingLong(Session::deadline).reversed());
            for (Session session : candidates) {
                if (session.sessionId().startsWith("a") && !session.sessionId().equals("a01-s1") && session.lease() != null
                        && session.conversationUrl() != null && session.isBound()) {
                    Tab tab = s.tabs().stream().filter(t -> t.tabId() == session.tabId()).findFirst().orElse(null);
                    boolean timeLeft = session.deadline() - s.lastNow() > 12_000;
                    if (tab != null && tab.state() == TabState.RESERVED && tab.targetId() != null && timeLeft) {
                        try {
                            killedSession.set(session.sessionId());
                            Cdp.closeTarget(chromium, tab.targetId());
                            killedTab.set("tab " + shortId(tab.targetId()) + " of " + session.sessionId()
                                    + " closed by a second CDP client while " + session.lease().holder() + " polled it");
                            say("KILLED tab " + shortId(tab.targetId()) + " from outside (Target.closeTarget) while "
                                    + session.sessionId() + " was polling its answer");
                        } catch (Exception e) {
                            error("tab killer", e);
                        }
                        return;
                    }
                }
            }
            sleep(100);
        }
    }

    /**
     * Opens the app, sends {@code prompt} and records the conversation URL (a fenced write). The prompt is set
     * and the button pressed in one script call rather than with Playwright's {@code fill}/{@code click}:
     * those wait for animation frames, which a background tab of a headless browser hardly gets.
     */
    private static String send(TabLease lease, URI base, String prompt) {
        String url = lease.call(page -> {
            page.navigate(base.toString());
            page.evaluate("t => { document.getElementById('prompt').value = t; document.getElementById('send').click(); }",
                    prompt);
            page.waitForURL("**/c/*", new Page.WaitForURLOptions().setTimeout(10_000));
            return page.url();
        });
        lease.setConversationUrl(url);
        return url;
    }

    /** Polls the streamed answer until it is complete: one short Playwright call every {@value #POLL_MILLIS} ms. */
    private static String poll(TabLease lease) throws InterruptedException {
        long end = System.currentTimeMillis() + POLL_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < end) {
            Object r = lease.call(p -> p.evaluate("() => { const s = document.getElementById('status');"
                    + " const a = document.getElementById('answer'); return s && a ? [s.textContent, a.textContent] : null; }"));
            if (r instanceof List<?> l && l.size() == 2 && "done".equals(l.get(0))) {
                return String.valueOf(l.get(1));
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("the answer did not complete in " + POLL_TIMEOUT_MILLIS + " ms");
    }

    private static TabBroker get(java.util.concurrent.Future<TabBroker> f) throws Exception {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private void sample(Census census, CountingStore store) {
        long nextPrint = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Census.Sample s = census.sample(store::snapshot);
                long now = System.currentTimeMillis();
                if (now >= nextPrint) {
                    printStatus(census, store, s);
                    nextPrint = now + settings.statusMillis();
                }
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                error("census", e);
                sleep(500);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ output

    /** Prints what deserves a line of its own: expiries, reclaimed reservations. */
    private void notice(Decision d) {
        if (d instanceof Decision.Revoked r && r.reason() != RevokeReason.TAB_GONE) {
            say("kernel: revoked " + r.sessionId() + " token " + r.token() + " (" + r.reason() + ")");
        } else if (d instanceof Decision.Revoked r) {
            say("kernel: revoked " + r.sessionId() + " token " + r.token() + " (TAB_GONE: its tab died)");
        } else if (d instanceof Decision.ReservationEnded e && e.reason() == EndReason.DEADLINE) {
            String what = "reservation of " + e.sessionId() + " on tab " + e.tabId() + " ended by its deadline";
            if (e.sessionId().equals(abandonedSession.get())) {
                crashReclaimed.set(what + " (the tab is reset and pooled)");
            }
            say("kernel: " + what + " (reclaimed)");
        }
    }

    private void printStatus(Census census, CountingStore store, Census.Sample s) {
        KernelState k = s.state();
        long leases = k.sessions().stream().filter(x -> x.lease() != null).count();
        long reservations = k.tabs().stream().filter(t -> t.state() == TabState.RESERVED).count();
        long waiters = k.sessions().stream().mapToLong(x -> x.drivers().size()).sum();
        StringBuilder tabs = new StringBuilder();
        for (Map.Entry<String, Integer> e : s.perKey().entrySet()) {
            tabs.append(e.getKey()).append(' ').append(e.getValue()).append(' ');
        }
        String line = String.format(Locale.ROOT, "%5.1fs  tabs (CDP) %s= %d/%d | leases %d | reservations %d | waiters %d | grants %d | expiries %d",
                millisSince(start) / 1000.0, tabs, s.total(), CONFIG.globalMax(), leases, reservations, waiters,
                store.grants.sum(), store.expiries());
        synchronized (console) {
            statusLine = line;
            if (settings.tty()) {
                out.print("\r\033[K" + line);
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    private void endStatus() {
        synchronized (console) {
            if (settings.tty()) {
                out.println();
            }
            statusLine = "";
        }
    }

    private void say(String message) {
        synchronized (console) {
            String line = String.format(Locale.ROOT, "%5.1fs  %s", millisSince(start) / 1000.0, message);
            if (settings.tty()) {
                out.print("\r\033[K" + line + "\n" + statusLine);
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    private void error(String who, Throwable e) {
        errors.increment();
        String what = who + ": " + describe(e);
        if (firstErrors.size() < 3) {
            firstErrors.add(what);
        }
        say("error: " + what);
        Logger.getLogger("dev.tablease.demo").log(Level.WARNING, what, e);
    }

    private static String describe(Throwable e) {
        if (e instanceof TabFailureException f) {
            return "tab failure " + f.failure();
        }
        if (e instanceof LeaseRevokedException r) {
            return "lease revoked " + r.reason().map(Enum::name).orElse(r.refusal().map(Enum::name).orElse("?"));
        }
        return e.toString();
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, "demo-" + name);
        t.setDaemon(true);
        return t;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String two(int id) {
        return String.format(Locale.ROOT, "%02d", id);
    }

    private static String shortId(String targetId) {
        return targetId == null ? "-" : targetId.substring(0, Math.min(8, targetId.length()));
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Sends the adapter's log (and uncaught exceptions of its threads) to a file for the run's duration. */
    private static final class Logs {
        private final Logger logger = Logger.getLogger("dev.tablease");
        private final Handler file;
        private final boolean parents;
        private final Level level;
        private final Thread.UncaughtExceptionHandler uncaught;

        private Logs(Handler file) {
            this.file = file;
            this.parents = logger.getUseParentHandlers();
            this.level = logger.getLevel();
            this.uncaught = Thread.getDefaultUncaughtExceptionHandler();
            logger.setUseParentHandlers(false);
            logger.setLevel(Level.ALL);
            logger.addHandler(file);
            Thread.setDefaultUncaughtExceptionHandler((t, e) ->
                    logger.log(Level.WARNING, "uncaught in thread " + t.getName(), e));
        }

        static Logs redirect(Path file) throws IOException {
            FileHandler h = new FileHandler(file.toString(), false);
            h.setFormatter(new SimpleFormatter());
            h.setEncoding(StandardCharsets.UTF_8.name());
            return new Logs(h);
        }

        private boolean restored;

        void restore() {
            if (restored) {
                return;
            }
            restored = true;
            logger.removeHandler(file);
            file.close();
            logger.setUseParentHandlers(parents);
            logger.setLevel(level);
            Thread.setDefaultUncaughtExceptionHandler(uncaught);
        }
    }
}
