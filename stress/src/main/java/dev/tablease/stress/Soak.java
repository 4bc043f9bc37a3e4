package dev.tablease.stress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.SharedLeaseKernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The soak: {@code threads} workers (default 8) drive random operations on one shared facade with a fast
 * fake clock, for a time or operation budget, checking the invariants all along; then every driver stops,
 * the clock jumps past every deadline and TTL, and nothing may be left.
 *
 * <p>Each worker plays, at random: new sessions ({@code send}), drivers coming back to known sessions
 * ({@code poll}, the watcher, recoveries after a tab death), the drivers holding leases (heartbeat when
 * due, fenced URL writes, release with DETACH or a finishing outcome), crashes (a driver that stops
 * heartbeating and never releases; a session abandoned after a detach), tab deaths ({@code TabGone} of a
 * random live tab), cancellations, ticks, and the adapter (answers {@code OpenTab} with
 * {@code TabOpened}, or {@code TabOpenFailed} 5% of the time, and {@code CloseTab} with
 * {@code TabClosed}). A grant may show up in any worker's step (a {@code TabOpened}, a release or a tick
 * hands the lease to a waiter): every decision goes to shared books and any worker can pick the lease up.
 *
 * <p>Checking modes ({@link Check}):
 * <ul>
 * <li>{@code STEP}: every step runs under the soak's own lock between two snapshots and is replayed on
 *     the pure {@link LeaseKernel} from the state before: the facade's decisions and state must equal the
 *     kernel's, every state invariant must hold after every input, {@code FencedWrites} on every input and
 *     {@code NothingOverdue} after every tick. Exhaustive, but the facade's own lock is uncontended.</li>
 * <li>{@code SNAPSHOT}: no soak lock; the workers contend for the facade's lock. After every operation
 *     the worker takes a (lock-consistent) snapshot and checks every state invariant on it, and
 *     {@code NothingOverdue} at its tick's time after a tick (valid on any later state: whatever is
 *     created later is due later).</li>
 * </ul>
 * Both modes also check, across the run, that fencing tokens and tab ids are never handed out twice.
 *
 * <p><b>Leaked</b>: after the workers stop, the adapter answers what is pending, then the clock is moved
 * past the longest deadline + queue timeout + pool TTL + heartbeat timeout and ticked (answering
 * {@code CloseTab}s) until nothing changes. Every session, tab (in any state) and lease still present is
 * leaked: the protocol promises that every reservation ends by its deadline and every idle tab by its
 * pool TTL, with nobody's help.
 *
 * <p>Run: {@code java -cp stress/target/jcstress.jar dev.tablease.stress.Soak --threads=8 --seconds=20}
 * ({@code --minutes=30}, {@code --ops=N}, {@code --seed=S}, {@code --check=step|snapshot},
 * {@code --facade=real|lost-update|unlocked}). Exit status 0 when there were no violations and nothing
 * leaked, 1 otherwise.
 */
public final class Soak {

    /** How the soak checks the invariants (see the class comment). */
    public enum Check {
        STEP, SNAPSHOT
    }

    /** What one soak run does. {@code maxOps <= 0} means no operation budget. */
    public record Settings(int threads, Duration duration, long maxOps, long seed, Check check, Facades facade) {
        public Settings {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
        }

        public static Settings defaults() {
            return new Settings(8, Duration.ofSeconds(20), 0, System.nanoTime(), Check.STEP, Facades.REAL);
        }

        public Settings withThreads(int n) {
            return new Settings(n, duration, maxOps, seed, check, facade);
        }

        public Settings withDuration(Duration d) {
            return new Settings(threads, d, maxOps, seed, check, facade);
        }

        public Settings withMaxOps(long n) {
            return new Settings(threads, duration, n, seed, check, facade);
        }

        public Settings withSeed(long s) {
            return new Settings(threads, duration, maxOps, s, check, facade);
        }

        public Settings withCheck(Check c) {
            return new Settings(threads, duration, maxOps, seed, c, facade);
        }

        public Settings withFacade(Facades f) {
            return new Settings(threads, duration, maxOps, seed, check, f);
        }
    }

    /** The soak's figures. */
    public record Report(Settings settings, long ops, double seconds, long checks, long grants, long waits,
                         Map<RejectReason, Long> rejected, Map<RevokeReason, Long> revoked,
                         Map<EndReason, Long> reservationsEnded, Map<RefuseReason, Long> refused,
                         long crashesInjected, long abandonedSessions, long tabDeathsInjected,
                         long openFailuresInjected, long clockRetries, long fakeMillis,
                         long leakedSessions, long leakedTabs, long leakedLeases,
                         long violations, List<String> firstViolations) {

        public double opsPerSecond() {
            return seconds <= 0 ? 0 : ops / seconds;
        }

        /** Leases revoked because they ran out: missed heartbeats or the deadline. */
        public long expiries() {
            return revoked.getOrDefault(RevokeReason.HEARTBEAT_MISSED, 0L) + revoked.getOrDefault(RevokeReason.DEADLINE, 0L);
        }

        /** Reservations taken back by their deadline (crashed or abandoned sessions), not ended by their holder. */
        public long reclaimedReservations() {
            return reservationsEnded.getOrDefault(EndReason.DEADLINE, 0L);
        }

        /** Sessions, tabs and leases left after the drain (see the class comment); must be 0. */
        public long leakedReservations() {
            return leakedSessions + leakedTabs + leakedLeases;
        }

        public boolean passed() {
            return violations == 0 && leakedReservations() == 0;
        }

        public String render() {
            StringBuilder b = new StringBuilder();
            b.append("== tablease soak: ").append(settings.facade().id()).append(" facade, ").append(settings.threads())
                    .append(" threads, check=").append(settings.check().name().toLowerCase(Locale.ROOT))
                    .append(", seed=").append(settings.seed()).append(" ==\n");
            b.append(String.format(Locale.ROOT, "ops                    %d in %.1f s = %.0f ops/s (fake clock advanced %d ms)%n",
                    ops, seconds, opsPerSecond(), fakeMillis));
            b.append(String.format(Locale.ROOT, "invariant checks       %d%n", checks));
            b.append(String.format(Locale.ROOT, "grants                 %d%n", grants));
            b.append(String.format(Locale.ROOT, "waits (queued)         %d%n", waits));
            b.append(String.format(Locale.ROOT, "rejections             %s%n", rejected));
            b.append(String.format(Locale.ROOT, "expiries               %d  (revoked: %s)%n", expiries(), revoked));
            b.append(String.format(Locale.ROOT, "reservations ended     %s%n", reservationsEnded));
            b.append(String.format(Locale.ROOT, "reclaimed reservations %d  (ended by their deadline)%n", reclaimedReservations()));
            b.append(String.format(Locale.ROOT, "refused (stale/unknown) %s%n", refused));
            b.append(String.format(Locale.ROOT, "injected               %d driver crashes, %d abandoned sessions, %d tab deaths, %d open failures%n",
                    crashesInjected, abandonedSessions, tabDeathsInjected, openFailuresInjected));
            b.append(String.format(Locale.ROOT, "clock retries          %d  (TIME_WENT_BACKWARDS: a caller lost the race for the lock)%n", clockRetries));
            b.append(String.format(Locale.ROOT, "leaked reservations    %d  (sessions %d, tabs %d, leases %d left after the drain)%n",
                    leakedReservations(), leakedSessions, leakedTabs, leakedLeases));
            b.append(String.format(Locale.ROOT, "violations             %d%n", violations));
            for (String v : firstViolations) {
                b.append("  ").append(v).append('\n');
            }
            b.append(passed() ? "RESULT: PASSED\n" : "RESULT: FAILED\n");
            return b.toString();
        }
    }

    /** The soak's kernel settings, in fake milliseconds: 3 keys, caps 3/8, beats every 200 ms, deadlines of seconds. */
    public static final KernelConfig CONFIG = KernelConfig.builder()
            .maxPerKey(3).globalMax(8)
            .heartbeatIntervalMillis(200).missedHeartbeats(3)
            .requestClass("default", 3_000).requestClass("pro", 6_000).deadlineMarginMillis(200)
            .poolTtlMillis(2_000).queueCapacity(8).queueTimeoutMillis(1_500)
            .build();

    private static final String[] KEYS = {"chatgpt", "claude", "gemini"};
    private static final int RECENT = 64;

    // ---------------------------------------------------------------- run state

    private final Settings settings;
    private final LeaseFacade facade;
    private final ReentrantLock stepLock = new ReentrantLock();
    private final AtomicLong clock = new AtomicLong(1);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final LongAdder ops = new LongAdder();
    private final LongAdder checks = new LongAdder();

    /** Leases currently held by a (virtual) driver process; one worker at a time drives each. */
    private final ConcurrentLinkedQueue<Held> leases = new ConcurrentLinkedQueue<>();
    /** Decisions the adapter must carry out ({@code OpenTab}, {@code CloseTab}). */
    private final ConcurrentLinkedQueue<Decision> adapter = new ConcurrentLinkedQueue<>();
    /** Targets of tabs the adapter opened and did not close yet. */
    private final Set<String> liveTargets = ConcurrentHashMap.newKeySet();
    /** Requests queued and not yet granted or rejected. */
    private final Set<Long> queued = ConcurrentHashMap.newKeySet();
    /** Recently used session ids, for drivers that come back (poll, watcher, recovery). */
    private final AtomicReferenceArray<String[]> recent = new AtomicReferenceArray<>(RECENT);
    private final AtomicLong sessionSeq = new AtomicLong();
    private final AtomicLong holderSeq = new AtomicLong();
    private final AtomicLong targetSeq = new AtomicLong();

    private final Set<Long> tokensSeen = ConcurrentHashMap.newKeySet();
    private final Set<Long> tabIdsSeen = ConcurrentHashMap.newKeySet();

    private final LongAdder grants = new LongAdder();
    private final LongAdder waits = new LongAdder();
    private final Map<RejectReason, LongAdder> rejected = counters(RejectReason.class);
    private final Map<RevokeReason, LongAdder> revoked = counters(RevokeReason.class);
    private final Map<EndReason, LongAdder> ended = counters(EndReason.class);
    private final Map<RefuseReason, LongAdder> refused = counters(RefuseReason.class);
    private final LongAdder crashes = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder tabDeaths = new LongAdder();
    private final LongAdder openFailures = new LongAdder();
    private final LongAdder clockRetries = new LongAdder();
    private final LongAdder violations = new LongAdder();
    private final List<String> firstViolations = Collections.synchronizedList(new ArrayList<>());

    /** A lease a driver holds, with the plan of what that driver will do. */
    private static final class Held {
        final String sessionId;
        final long token;
        long lastBeat;
        int stepsLeft;
        final Plan plan;

        Held(String sessionId, long token, long lastBeat, int stepsLeft, Plan plan) {
            this.sessionId = sessionId;
            this.token = token;
            this.lastBeat = lastBeat;
            this.stepsLeft = stepsLeft;
            this.plan = plan;
        }
    }

    /** What a driver does when its work is done. */
    private enum Plan {
        /** releases with COMPLETED, FAILED or CANCELLED */
        FINISH,
        /** releases with DETACH (a send that exits; a poll comes back later, or nobody does) */
        DETACH,
        /** stops heartbeating and never releases (the process died) */
        CRASH,
        /** keeps heartbeating until the deadline revokes it */
        OVERRUN
    }

    private Soak(Settings settings) {
        this.settings = settings;
        this.facade = settings.facade().create(CONFIG);
    }

    /** Runs one soak and returns its report. */
    public static Report run(Settings settings) throws InterruptedException {
        return new Soak(settings).go();
    }

    private Report go() throws InterruptedException {
        long start = System.nanoTime();
        long end = start + settings.duration().toNanos();
        List<Thread> workers = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(1);
        for (int i = 0; i < settings.threads(); i++) {
            SplittableRandom rnd = new SplittableRandom(settings.seed() * 31 + i);
            Thread t = new Thread(() -> {
                try {
                    ready.await();
                    while (!stop.get() && System.nanoTime() < end
                            && (settings.maxOps() <= 0 || ops.sum() < settings.maxOps())) {
                        oneOperation(rnd);
                    }
                } catch (Throwable e) {
                    violation("worker threw " + e);
                }
            }, "soak-" + i);
            workers.add(t);
            t.start();
        }
        ready.countDown();
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long runOps = ops.sum();
        long[] leaked = drain();
        return new Report(settings, runOps, seconds, checks.sum(), grants.sum(), waits.sum(),
                sums(rejected), sums(revoked), sums(ended), sums(refused), crashes.sum(), abandoned.sum(),
                tabDeaths.sum(), openFailures.sum(), clockRetries.sum(), clock.get(), leaked[0], leaked[1], leaked[2],
                violations.sum(), List.copyOf(firstViolations));
    }

    // ---------------------------------------------------------------- the workload

    private void oneOperation(SplittableRandom rnd) {
        int dice = rnd.nextInt(10_000);
        if (dice < 2000) {
            serveAdapter(rnd);                       // 20%   the adapter answers OpenTab / CloseTab
        } else if (dice < 3000) {
            acquire(rnd);                            // 10%   send, poll, watcher, recovery
        } else if (dice < 9000) {
            drive(rnd);                              // 60%   a driver heartbeats, writes, releases or crashes
        } else if (dice < 9015) {
            killTab(rnd);                            // 0.15%  a tab dies
        } else if (dice < 9200) {
            cancel(rnd);                             // 1.85%    a waiter gives up
        } else {
            apply(now -> new Input.Tick(now), rnd);  // 8%    a tick
        }
    }

    private void acquire(SplittableRandom rnd) {
        String[] known = recent.get(rnd.nextInt(RECENT));
        String holder = "h" + holderSeq.incrementAndGet();
        if (known != null && rnd.nextInt(100) < 35) {
            // a poll, the watcher, or a recovery after a tab death: the same session again
            apply(now -> new Input.Acquire(now, known[0], known[1], holder, known[2]), rnd);
        } else {
            String id = "s" + sessionSeq.incrementAndGet();
            String key = KEYS[rnd.nextInt(KEYS.length)];
            String cls = rnd.nextInt(100) < 20 ? "pro" : "default";
            recent.set(rnd.nextInt(RECENT), new String[]{id, key, cls});
            apply(now -> new Input.Acquire(now, id, key, holder, cls), rnd);
        }
    }

    private void drive(SplittableRandom rnd) {
        Held h = leases.poll();
        if (h == null) {
            apply(now -> new Input.Tick(now), rnd);
            return;
        }
        long now = clock.get();
        if (h.stepsLeft-- <= 0 && h.plan != Plan.OVERRUN) {
            switch (h.plan) {
                case CRASH -> crashes.increment(); // dropped: nobody heartbeats or releases it again
                case DETACH -> {
                    apply(t -> new Input.Release(t, h.sessionId, h.token, Outcome.DETACH), rnd);
                    if (rnd.nextInt(100) < 50) {
                        abandoned.increment(); // nobody comes back unless a poll happens to pick it
                    }
                }
                default -> {
                    Outcome o = switch (rnd.nextInt(3)) {
                        case 0 -> Outcome.COMPLETED;
                        case 1 -> Outcome.FAILED;
                        default -> Outcome.CANCELLED;
                    };
                    apply(t -> new Input.Release(t, h.sessionId, h.token, o), rnd);
                }
            }
            return;
        }
        List<Decision> ds;
        if (now - h.lastBeat >= CONFIG.heartbeatIntervalMillis()) {
            ds = apply(t -> new Input.Heartbeat(t, h.sessionId, h.token), rnd);
            Decision.Extended e = first(ds, Decision.Extended.class);
            if (e != null) {
                h.lastBeat = e.expiresAt() - CONFIG.heartbeatTimeoutMillis();
            }
        } else if (rnd.nextInt(100) < 30) {
            ds = apply(t -> new Input.UpdateSession(t, h.sessionId, h.token, "https://chat.example/c/" + h.sessionId + "/" + t), rnd);
        } else {
            ds = List.of(); // working on the tab; no kernel call
        }
        if (ds.stream().anyMatch(d -> d instanceof Decision.Refused)) {
            return; // the lease is gone (expired, revoked, tab died): the driver learns it and stops
        }
        leases.add(h);
    }

    private void killTab(SplittableRandom rnd) {
        List<String> targets = new ArrayList<>(liveTargets);
        if (targets.isEmpty()) {
            return;
        }
        String target = targets.get(rnd.nextInt(targets.size()));
        tabDeaths.increment();
        GoneCause cause = GoneCause.values()[rnd.nextInt(GoneCause.values().length)];
        List<Decision> ds = apply(now -> new Input.TabGone(now, target, cause), rnd);
        if (ds.stream().noneMatch(d -> d instanceof Decision.Refused)) {
            liveTargets.remove(target);
        }
    }

    private void cancel(SplittableRandom rnd) {
        List<Long> ids = new ArrayList<>(queued);
        if (!ids.isEmpty()) {
            long id = ids.get(rnd.nextInt(ids.size()));
            apply(now -> new Input.Cancel(now, id), rnd);
        }
    }

    /** The adapter: carries out one pending OpenTab / CloseTab. */
    private void serveAdapter(SplittableRandom rnd) {
        Decision d = adapter.poll();
        if (d instanceof Decision.OpenTab o) {
            if (rnd != null && rnd.nextInt(100) < 5) {
                openFailures.increment();
                apply(now -> new Input.TabOpenFailed(now, o.tabId(), "injected failure"), rnd);
            } else {
                String target = "T" + o.tabId() + "-" + targetSeq.incrementAndGet();
                List<Decision> ds = apply(now -> new Input.TabOpened(now, o.tabId(), target), rnd);
                if (ds.stream().noneMatch(x -> x instanceof Decision.Refused)) {
                    liveTargets.add(target);
                }
            }
        } else if (d instanceof Decision.CloseTab c) {
            List<Decision> ds = apply(now -> new Input.TabClosed(now, c.targetId()), rnd);
            if (ds.stream().noneMatch(x -> x instanceof Decision.Refused)) {
                liveTargets.remove(c.targetId());
            }
        }
    }

    // ---------------------------------------------------------------- applying and checking

    /**
     * Applies the input built for the current fake time (advanced by 0..2 ms per operation). In SNAPSHOT
     * mode the clock is read before the facade's lock, as a real caller would, and a caller that lost the
     * race to a later time retries with a fresh time (counted as a clock retry).
     */
    private List<Decision> apply(java.util.function.LongFunction<Input> make, SplittableRandom rnd) {
        long advance = rnd == null ? 0 : rnd.nextInt(3);
        if (settings.check() == Check.STEP) {
            stepLock.lock(); // STEP mode serialises the steps anyway: read the clock under the same lock
            try {
                Input input = make.apply(clock.addAndGet(advance));
                List<Decision> ds = applyChecked(input);
                ops.increment();
                observe(ds, input.now());
                return ds;
            } catch (InvalidInputException e) {
                violation("unexpected refusal: " + e.getMessage());
                return List.of();
            } finally {
                stepLock.unlock();
            }
        }
        long now = clock.addAndGet(advance);
        for (int attempt = 0; ; attempt++) {
            Input input = make.apply(now);
            try {
                List<Decision> ds = applyContended(input);
                ops.increment();
                observe(ds, input.now());
                return ds;
            } catch (InvalidInputException e) {
                if (e.problem() != InvalidInputException.Problem.TIME_WENT_BACKWARDS || attempt > 1000) {
                    violation("unexpected refusal of " + input + ": " + e.getMessage());
                    return List.of();
                }
                clockRetries.increment(); // another caller read a later time and took the lock first
                now = clock.get();
            }
        }
    }

    /** STEP mode: the step under the soak lock, replayed on the pure kernel, every input checked. */
    private List<Decision> applyChecked(Input input) {
        stepLock.lock();
        try {
            KernelState before = facade.snapshot();
            SharedLeaseKernel.Step step;
            try {
                step = facade.apply(input);
            } catch (InvalidInputException e) {
                KernelState after = facade.snapshot();
                if (!after.equals(before)) {
                    violation("a refused input changed the state: " + input);
                }
                throw e;
            }
            KernelState after = facade.snapshot();
            LeaseKernel replay = LeaseKernel.restore(CONFIG, before);
            List<Decision> expected = new ArrayList<>();
            KernelState prev = before;
            for (Input in : step.inputs()) {
                List<Decision> ds = replay.apply(in);
                expected.addAll(ds);
                KernelState mid = replay.snapshot();
                List<InvariantChecker.Violation> v = new ArrayList<>(InvariantChecker.check(CONFIG, mid));
                v.addAll(InvariantChecker.checkStep(prev, in, ds, mid));
                if (in instanceof Input.Tick) {
                    v.addAll(InvariantChecker.checkAfterTick(mid, in.now()));
                }
                checks.increment();
                if (!v.isEmpty()) {
                    violation("after " + in + ": " + v);
                }
                prev = mid;
            }
            if (!expected.equals(step.decisions())) {
                violation("the facade decided " + step.decisions() + " but the kernel " + expected + " for " + step.inputs());
            }
            if (!prev.equals(after)) {
                violation("the facade's state after " + step.inputs() + " differs from the kernel's");
            }
            if (step.inputs().size() == 2 && !(step.inputs().get(0) instanceof Input.Tick)) {
                violation("a two-input step that does not start with a Tick: " + step.inputs());
            }
            return step.decisions();
        } finally {
            stepLock.unlock();
        }
    }

    /** SNAPSHOT mode: the facade contended by every worker; a lock-consistent snapshot checked after each call. */
    private List<Decision> applyContended(Input input) {
        List<Decision> ds = facade.apply(input).decisions();
        KernelState s = facade.snapshot();
        List<InvariantChecker.Violation> v = new ArrayList<>(InvariantChecker.check(CONFIG, s));
        if (input instanceof Input.Tick) {
            v.addAll(InvariantChecker.checkAfterTick(s, input.now()));
        }
        checks.increment();
        if (!v.isEmpty()) {
            violation("after " + input + " (snapshot at " + s.lastNow() + "): " + v);
        }
        return ds;
    }

    /** Books every decision: stats, leases to drive, adapter work, and the run-wide uniqueness checks. */
    private void observe(List<Decision> ds, long now) {
        for (Decision d : ds) {
            if (d instanceof Decision.Granted g) {
                grants.increment();
                queued.remove(g.requestId());
                if (!tokensSeen.add(g.token())) {
                    violation("token " + g.token() + " granted twice (" + g + ")");
                }
                SplittableRandom r = new SplittableRandom(g.token() * 7919 + settings.seed());
                int p = r.nextInt(100);
                Plan plan = p < 55 ? Plan.FINISH : p < 75 ? Plan.DETACH : p < 90 ? Plan.CRASH : Plan.OVERRUN;
                leases.add(new Held(g.sessionId(), g.token(), now, 2 + r.nextInt(40), plan));
            } else if (d instanceof Decision.Queued q) {
                waits.increment();
                queued.add(q.requestId());
            } else if (d instanceof Decision.Rejected r) {
                rejected.get(r.reason()).increment();
                queued.remove(r.requestId());
            } else if (d instanceof Decision.Revoked r) {
                revoked.get(r.reason()).increment();
            } else if (d instanceof Decision.ReservationEnded e) {
                ended.get(e.reason()).increment();
            } else if (d instanceof Decision.Refused r) {
                refused.get(r.reason()).increment();
            } else if (d instanceof Decision.OpenTab o) {
                if (!tabIdsSeen.add(o.tabId())) {
                    violation("tab id " + o.tabId() + " opened twice");
                }
                adapter.add(o);
            } else if (d instanceof Decision.CloseTab c) {
                adapter.add(c);
            }
        }
    }

    private void violation(String what) {
        violations.increment();
        synchronized (firstViolations) {
            if (firstViolations.size() < 10) {
                firstViolations.add(what);
            }
        }
    }

    // ---------------------------------------------------------------- the drain and the leak count

    /**
     * Stops everything: no driver heartbeats or releases any more. The adapter answers what is pending;
     * then the clock jumps past every deadline, queue timeout, pool TTL and heartbeat timeout and ticks,
     * the adapter answering the CloseTabs, until a tick changes nothing.
     *
     * @return {sessions, tabs, leases} left
     */
    private long[] drain() {
        leases.clear();
        long longest = CONFIG.requestClassBudgetsMillis().values().stream().mapToLong(Long::longValue).max().orElse(0)
                + CONFIG.deadlineMarginMillis() + CONFIG.queueTimeoutMillis() + CONFIG.poolTtlMillis()
                + CONFIG.heartbeatTimeoutMillis() + 1;
        for (int round = 0; round < 20; round++) {
            while (!adapter.isEmpty()) {
                serveAdapter(null);
            }
            clock.addAndGet(longest);
            List<Decision> ds = apply(now -> new Input.Tick(now), null);
            leases.clear(); // nobody drives the leases a tick hands to waiters
            KernelState s = facade.snapshot();
            if (ds.isEmpty() && adapter.isEmpty() && s.sessions().isEmpty() && s.tabs().isEmpty()) {
                break;
            }
        }
        KernelState s = facade.snapshot();
        long leased = s.sessions().stream().filter(x -> x.lease() != null).count();
        return new long[]{s.sessions().size(), s.tabs().size(), leased};
    }

    // ---------------------------------------------------------------- helpers

    private static <E extends Enum<E>> Map<E, LongAdder> counters(Class<E> type) {
        Map<E, LongAdder> m = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            m.put(e, new LongAdder());
        }
        return m;
    }

    private static <E extends Enum<E>> Map<E, Long> sums(Map<E, LongAdder> m) {
        Map<E, Long> out = new EnumMap<>(m.keySet().iterator().next().getDeclaringClass());
        m.forEach((k, v) -> {
            if (v.sum() > 0) {
                out.put(k, v.sum());
            }
        });
        return out;
    }

    private static <T extends Decision> T first(List<Decision> ds, Class<T> type) {
        return ds.stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
    }

    /** @return settings from {@code --threads= --seconds= --minutes= --ops= --seed= --check= --facade=} */
    public static Settings parse(String[] args) {
        Settings s = Settings.defaults();
        for (String a : args) {
            String[] kv = a.replaceFirst("^--", "").split("=", 2);
            String v = kv.length > 1 ? kv[1] : "";
            switch (kv[0]) {
                case "threads" -> s = s.withThreads(Integer.parseInt(v));
                case "seconds" -> s = s.withDuration(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
                case "minutes" -> s = s.withDuration(Duration.ofMillis((long) (Double.parseDouble(v) * 60_000)));
                case "ops" -> s = s.withMaxOps(Long.parseLong(v)).withDuration(
                        s.duration().equals(Settings.defaults().duration()) ? Duration.ofDays(1) : s.duration());
                case "seed" -> s = s.withSeed(Long.parseLong(v));
                case "check" -> s = s.withCheck(Check.valueOf(v.toUpperCase(Locale.ROOT)));
                case "facade" -> s = s.withFacade(Facades.byId(v));
                default -> throw new IllegalArgumentException("unknown option " + a
                        + " (--threads=N --seconds=S --minutes=M --ops=N --seed=S --check=step|snapshot --facade=real|lost-update|unlocked)");
            }
        }
        return s;
    }

    public static void main(String[] args) throws InterruptedException {
        Report r = run(parse(args));
        System.out.print(r.render());
        System.exit(r.passed() ? 0 : 1);
    }
}
