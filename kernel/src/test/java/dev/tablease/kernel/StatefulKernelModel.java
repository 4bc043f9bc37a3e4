package dev.tablease.kernel;

import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import static org.quicktheories.generators.SourceDSL.lists;

/**
 * The command generator and the test-side world of {@link KernelStatefulPropertyTest}.
 *
 * <p>A generated sequence is a list of abstract {@link Step}s: a kind plus four selectors and a time
 * step. A {@link World} resolves each step against what the drivers and the adapter know at that
 * moment (the current token of a session, the tabs the kernel asked to open or close, the waiting
 * request ids …), so that every prefix and every shrunk list is still a meaningful sequence. The world
 * applies the resulting concrete {@link Input} to the kernel under test, checks every invariant after
 * every step (as {@link KernelHarness} does, but against a configurable checker config), checks that
 * the decisions agree with the state (a small model of the drivers and of a fair adapter), runs a quiet
 * period for liveness, and replays the concrete inputs on a fresh and on a restored kernel
 * (determinism).
 */
final class StatefulKernelModel {

    /** A small config so that things expire often. Heartbeat timeout 30 ms; deadlines 110 / 310 ms. */
    static final KernelConfig CONFIG = KernelConfig.builder()
            .maxPerKey(2)
            .maxPerKey("b", 1)
            .globalMax(3)
            .queueCapacity(2)
            .heartbeatIntervalMillis(10)
            .missedHeartbeats(3)
            .requestClass(KernelConfig.DEFAULT_CLASS, 100)
            .requestClass("pro", 300)
            .deadlineMarginMillis(10)
            .poolTtlMillis(50)
            .queueTimeoutMillis(40)
            .build();

    static final List<String> SESSIONS = List.of("s1", "s2", "s3", "s4");
    static final List<String> KEYS = List.of("a", "b", "c");
    static final List<String> HOLDERS = List.of("h1", "h2", "h3");
    static final List<String> CLASSES = List.of(KernelConfig.DEFAULT_CLASS, "pro");
    static final String UNKNOWN_CLASS = "enterprise";


    private StatefulKernelModel() {
    }

    // ------------------------------------------------------------------------------------ commands

    enum Kind {
        TICK, ACQUIRE, HEARTBEAT, RELEASE, UPDATE, CANCEL, OPENED, OPEN_FAILED, GONE, CLOSED, BAD_TIME, BAD_CLASS
    }

    /**
     * One abstract command: {@code kind}, four selectors in 0..99 (which session, holder, token, tab …
     * and whether to pick a valid or a wrong reference), and {@code dt}, the time that passes before it.
     */
    record Step(Kind kind, int a, int b, int c, int d, long dt) {
        @Override
        public String toString() {
            return kind + "(" + a + "," + b + "," + c + "," + d + ")+" + dt;
        }
    }

    static Gen<Kind> kinds() {
        return Generate.frequency(List.of(
                Pair.of(14, Generate.constant(Kind.TICK)),
                Pair.of(20, Generate.constant(Kind.ACQUIRE)),
                Pair.of(15, Generate.constant(Kind.HEARTBEAT)),
                Pair.of(8, Generate.constant(Kind.RELEASE)),
                Pair.of(6, Generate.constant(Kind.UPDATE)),
                Pair.of(4, Generate.constant(Kind.CANCEL)),
                Pair.of(14, Generate.constant(Kind.OPENED)),
                Pair.of(3, Generate.constant(Kind.OPEN_FAILED)),
                Pair.of(4, Generate.constant(Kind.GONE)),
                Pair.of(8, Generate.constant(Kind.CLOSED)),
                Pair.of(1, Generate.constant(Kind.BAD_TIME)),
                Pair.of(1, Generate.constant(Kind.BAD_CLASS))));
    }

    /** Time steps: mostly none or small, sometimes past the heartbeat timeout, a pool TTL or a deadline. */
    static Gen<Long> timeSteps() {
        return Generate.frequency(List.of(
                Pair.of(30, Generate.constant(0L)),
                Pair.of(50, Generate.longRange(1, 5)),
                Pair.of(15, Generate.longRange(6, 40)),
                Pair.of(5, Generate.longRange(41, 400))));
    }

    static Gen<Step> steps() {
        Gen<int[]> selectors = Generate.intArrays(Generate.constant(4), Generate.range(0, 99));
        return kinds().zip(selectors, timeSteps(), (k, s, dt) -> new Step(k, s[0], s[1], s[2], s[3], dt));
    }

    static Gen<List<Step>> sequences(int maxLength) {
        return lists().of(steps()).ofSizeBetween(1, maxLength)
                .describedAs(l -> l.size() + " steps " + l);
    }

    // ------------------------------------------------------------------------------------ the system under test

    /** A kernel (or a deliberately broken wrapper of one) as the world sees it. */
    interface Sut {
        List<Decision> apply(Input input);

        KernelState snapshot();
    }

    /** Builds systems under test: a fresh one, and one restored from a snapshot (for the replay checks). */
    interface SutFactory {
        Sut fresh();

        Sut restored(KernelState state);
    }

    /** The real kernel, through {@link KernelHarness} (which checks every invariant itself as well). */
    static SutFactory realKernel(KernelConfig config) {
        return new SutFactory() {
            @Override
            public Sut fresh() {
                KernelHarness h = new KernelHarness(config);
                return new Sut() {
                    @Override
                    public List<Decision> apply(Input input) {
                        return h.apply(input);
                    }

                    @Override
                    public KernelState snapshot() {
                        return h.state();
                    }
                };
            }

            @Override
            public Sut restored(KernelState state) {
                return plain(LeaseKernel.restore(config, state));
            }
        };
    }

    static Sut plain(LeaseKernel k) {
        return new Sut() {
            @Override
            public List<Decision> apply(Input input) {
                return k.apply(input);
            }

            @Override
            public KernelState snapshot() {
                return k.snapshot();
            }
        };
    }

    // ------------------------------------------------------------------------------------ coverage

    /** Counts what the generated sequences reached, so that a test can insist the generator is not blind. */
    static final class Coverage {
        final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        void hit(String what) {
            counts.computeIfAbsent(what, k -> new LongAdder()).increment();
        }

        long count(String what) {
            LongAdder a = counts.get(what);
            return a == null ? 0 : a.sum();
        }

        @Override
        public String toString() {
            return new TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().sum())
                    .collect(Collectors.joining(", "));
        }
    }

    // ------------------------------------------------------------------------------------ the world

    /** One applied input: its decisions, or the problem of the {@link InvalidInputException} it raised. */
    record Applied(Input input, List<Decision> decisions, InvalidInputException.Problem problem, KernelState after) {
    }

    /**
     * The drivers, a fair adapter and the clock around one kernel under test. Not thread-safe; one per
     * generated sequence.
     */
    static final class World {
        static final long QUIET_TICK = 5;

        private final SutFactory factory;
        private final Sut sut;
        private final KernelConfig kernelConfig;
        private final KernelConfig checkConfig;
        private final Coverage coverage;
        private final List<Applied> log = new ArrayList<>();
        private long now;

        // what the adapter knows, from OpenTab / CloseTab decisions and its own answers
        private final Set<Long> opening = new TreeSet<>();
        private final Set<String> closing = new TreeSet<>();
        private final Set<String> live = new TreeSet<>();
        private final Map<String, Long> tabOfTarget = new HashMap<>();
        private final Set<Long> dirty = new TreeSet<>(); // tabs that must be reset before the next grant

        // what the drivers know, from Granted / Queued / Rejected / Revoked / Released decisions
        private final Map<String, Long> leases = new TreeMap<>();
        private final Map<String, Long> leaseTab = new HashMap<>();
        private final Map<String, Long> lastTab = new HashMap<>();
        private final Map<String, String> urls = new HashMap<>();
        private final Map<String, List<Long>> tokenHistory = new HashMap<>();
        private final Set<Long> waiting = new TreeSet<>();
        private final Set<Long> answered = new HashSet<>();
        private final Map<Long, Long> queueDeadlines = new HashMap<>();
        private long maxToken;
        private long maxRequestId;
        private long maxTabId;

        World(SutFactory factory, KernelConfig kernelConfig, KernelConfig checkConfig, Coverage coverage) {
            this.factory = factory;
            this.sut = factory.fresh();
            this.kernelConfig = kernelConfig;
            this.checkConfig = checkConfig;
            this.coverage = coverage;
        }

        /** Runs a whole generated sequence: the steps, the quiet period, then the determinism replays. */
        void run(List<Step> steps) {
            for (Step s : steps) {
                step(s);
            }
            quietPeriod();
            checkDeterminism();
        }

        // ------------------------------------------------------------------ one step

        void step(Step s) {
            now += s.dt();
            KernelState state = sut.snapshot();
            switch (s.kind()) {
                case TICK -> apply(new Input.Tick(now));
                case ACQUIRE -> apply(acquire(s, state));
                case HEARTBEAT -> apply(new Input.Heartbeat(now, driven(s), token(s)));
                case RELEASE -> apply(new Input.Release(now, driven(s), token(s),
                        Outcome.values()[s.b() % Outcome.values().length]));
                case UPDATE -> apply(new Input.UpdateSession(now, driven(s), token(s),
                        "https://chat.example/c/" + (s.b() % 5)));
                case CANCEL -> apply(new Input.Cancel(now, pick(waiting, s, 1 + s.d() % (maxRequestId + 3))));
                case OPENED -> apply(tabOpened(s));
                case OPEN_FAILED -> apply(new Input.TabOpenFailed(now, pick(opening, s, 1 + s.d() % (maxTabId + 3)),
                        "net::ERR_ABORTED"));
                case GONE -> apply(new Input.TabGone(now, pick(live, s, wrongTarget(s)),
                        GoneCause.values()[s.b() % GoneCause.values().length]));
                case CLOSED -> apply(new Input.TabClosed(now, pick(closing, s,
                        s.b() % 2 == 0 && !live.isEmpty() ? nth(live, s.d()) : wrongTarget(s))));
                case BAD_TIME -> badTime(s, state);
                case BAD_CLASS -> bad(new Input.Acquire(now, session(s), KEYS.get(s.b() % KEYS.size()),
                        HOLDERS.get(s.d() % HOLDERS.size()), UNKNOWN_CLASS), InvalidInputException.Problem.UNKNOWN_REQUEST_CLASS);
            }
        }

        private static String session(Step s) {
            return SESSIONS.get(s.a() % SESSIONS.size());
        }

        private Input acquire(Step s, KernelState state) {
            String id = session(s);
            String holder = HOLDERS.get(s.d() % HOLDERS.size());
            Session existing = state.sessions().stream().filter(x -> x.sessionId().equals(id)).findFirst().orElse(null);
            String key = KEYS.get(s.b() % KEYS.size());
            String cls = CLASSES.get(s.c() % CLASSES.size());
            if (existing != null && s.c() % 10 < 8) { // mostly a driver of the session as it is; else a mismatch
                key = existing.key();
                cls = existing.requestClass();
            }
            return new Input.Acquire(now, id, key, holder, cls);
        }

        /** Mostly a session the drivers hold a lease of (when there is one), else any session id. */
        private String driven(Step s) {
            return s.c() % 10 < 7 && !leases.isEmpty() ? nth(leases.keySet(), s.a()) : session(s);
        }

        /** The current token (mostly), a stale one of the session, or a random one. */
        private long token(Step s) {
            String id = driven(s);
            int choice = s.c() % 10;
            Long current = leases.get(id);
            if (choice < 7 && current != null) {
                return current;
            }
            List<Long> history = tokenHistory.getOrDefault(id, List.of());
            if (choice < 9 && !history.isEmpty()) {
                return history.get(s.d() % history.size());
            }
            return 1 + s.d() % (maxToken + 3);
        }

        private Input tabOpened(Step s) {
            long tabId = pick(opening, s, 1 + s.d() % (maxTabId + 3));
            String target = "T" + tabId;
            if (s.b() % 10 == 0 && !live.isEmpty()) {
                target = nth(live, s.d()); // a target another tab already has
            }
            return new Input.TabOpened(now, tabId, target);
        }

        private String wrongTarget(Step s) {
            return s.b() % 3 == 0 ? "X" + s.d() : "T" + (1 + s.d() % (maxTabId + 3));
        }

        /** Mostly (selector c) a valid element of {@code valid}, else {@code wrong}. */
        private <T> T pick(Set<T> valid, Step s, T wrong) {
            if (s.c() % 10 < 8 && !valid.isEmpty()) {
                return nth(valid, s.a());
            }
            return wrong;
        }

        private static <T> T nth(Set<T> set, int i) {
            int n = i % set.size();
            for (T t : set) {
                if (n-- == 0) {
                    return t;
                }
            }
            throw new AssertionError();
        }

        private void badTime(Step s, KernelState state) {
            long last = state.lastNow();
            if (last == 0) {
                return; // nothing to go back from
            }
            long past = Math.max(0, last - 1 - s.a() % 20);
            Input in = switch (s.b() % 4) {
                case 0 -> new Input.Tick(past);
                case 1 -> new Input.Acquire(past, session(s), KEYS.get(s.c() % KEYS.size()), "h1", KernelConfig.DEFAULT_CLASS);
                case 2 -> new Input.Heartbeat(past, session(s), Math.max(1, leases.getOrDefault(session(s), 1L)));
                default -> new Input.TabClosed(past, closing.isEmpty() ? "T1" : nth(closing, s.d()));
            };
            bad(in, InvalidInputException.Problem.TIME_WENT_BACKWARDS);
        }

        /** Applies a malformed input: it must raise {@code problem} and leave the state exactly as it was. */
        private void bad(Input in, InvalidInputException.Problem problem) {
            KernelState before = sut.snapshot();
            try {
                List<Decision> d = sut.apply(in);
                fail(in + " should have been refused with " + problem + " but gave " + d);
            } catch (InvalidInputException e) {
                if (e.problem() != problem) {
                    fail(in + " raised " + e.problem() + ", expected " + problem + ": " + e.getMessage());
                }
            }
            KernelState after = sut.snapshot();
            if (!before.equals(after)) {
                fail(in + " was refused with " + problem + " but changed the state:\nbefore " + before + "\nafter  " + after);
            }
            log.add(new Applied(in, null, problem, after));
            coverage.hit("bad:" + problem);
        }

        // ------------------------------------------------------------------ applying and checking

        List<Decision> apply(Input in) {
            KernelState before = sut.snapshot();
            List<Decision> decisions;
            try {
                decisions = sut.apply(in);
            } catch (AssertionError e) {
                throw new AssertionError("kernel harness: " + e.getMessage() + "\n" + describe(), e);
            } catch (RuntimeException e) {
                throw new AssertionError("kernel threw on a well-formed input " + in + ": " + e + "\n" + describe(), e);
            }
            KernelState after = sut.snapshot();
            log.add(new Applied(in, decisions, null, after));

            List<InvariantChecker.Violation> v = new ArrayList<>(InvariantChecker.check(checkConfig, after));
            v.addAll(InvariantChecker.checkStep(before, in, decisions, after));
            if (in instanceof Input.Tick) {
                v.addAll(InvariantChecker.checkAfterTick(after, in.now()));
            }
            if (!v.isEmpty()) {
                fail("invariant violated after " + in + ": " + v);
            }
            observe(in, decisions, before);
            agree(after);
            count(in, decisions);
            return decisions;
        }

        /** Updates what the drivers and the adapter know from one step's decisions, checking them as it goes. */
        private void observe(Input in, List<Decision> decisions, KernelState before) {
            Long goneTab = null;
            boolean refused = decisions.stream().anyMatch(d -> d instanceof Decision.Refused);
            if (refused && decisions.size() != 1) {
                fail(in + " was refused but also decided " + decisions);
            }
            if (!refused) {
                if (in instanceof Input.TabOpened o) {
                    opening.remove(o.tabId());
                    live.add(o.targetId());
                    tabOfTarget.put(o.targetId(), o.tabId());
                } else if (in instanceof Input.TabOpenFailed f) {
                    opening.remove(f.tabId());
                } else if (in instanceof Input.TabGone g) {
                    goneTab = tabOfTarget.get(g.targetId());
                    forgetTarget(g.targetId());
                } else if (in instanceof Input.TabClosed c) {
                    forgetTarget(c.targetId());
                }
            }
            Map<Long, String> navigatedTo = new HashMap<>();
            for (Decision d : decisions) {
                if (d instanceof Decision.ReservationMoved m) {
                    if (goneTab == null || m.fromTabId() != goneTab || m.recoveryCount() <= 0) {
                        fail("ReservationMoved from a tab that did not just die: " + m + " (gone: " + goneTab + ")");
                    }
                }
                if (d instanceof Decision.OpenTab o) {
                    if (o.tabId() <= maxTabId || !opening.add(o.tabId())) {
                        fail("OpenTab of a tab id that is not fresh: " + o);
                    }
                    maxTabId = o.tabId();
                } else if (d instanceof Decision.CloseTab c) {
                    if (!live.contains(c.targetId()) || !closing.add(c.targetId())) {
                        fail("CloseTab of a tab that is not open or already closing: " + c);
                    }
                } else if (d instanceof Decision.ResetTab r) {
                    dirty.remove(r.tabId());
                } else if (d instanceof Decision.Navigate n) {
                    navigatedTo.put(n.tabId(), n.url());
                } else if (d instanceof Decision.Granted g) {
                    if (dirty.contains(g.tabId())) {
                        fail("Granted on tab " + g.tabId() + ", which needs a reset, without a ResetTab first: " + g);
                    }
                    String url = urls.get(g.sessionId());
                    Long previous = lastTab.get(g.sessionId());
                    if (url != null && (previous == null || previous != g.tabId())
                            && !url.equals(navigatedTo.get(g.tabId()))) {
                        fail("Granted session " + g.sessionId() + " on a new tab " + g.tabId()
                                + " without Navigate to its conversation " + url + " first: " + decisions);
                    }
                    if (leases.containsKey(g.sessionId())) {
                        fail("Granted a second lease to " + g.sessionId() + ": " + g);
                    }
                    if (g.token() <= maxToken) {
                        fail("token " + g.token() + " is not fresh (largest so far " + maxToken + ")");
                    }
                    if (g.expiresAt() > g.deadline() || g.expiresAt() <= now) {
                        fail("Granted a lease expiring at " + g.expiresAt() + " (deadline " + g.deadline() + ", now " + now + ")");
                    }
                    maxToken = g.token();
                    leases.put(g.sessionId(), g.token());
                    leaseTab.put(g.sessionId(), g.tabId());
                    lastTab.put(g.sessionId(), g.tabId());
                    tokenHistory.computeIfAbsent(g.sessionId(), k -> new ArrayList<>()).add(g.token());
                    answer(g.requestId(), d);
                } else if (d instanceof Decision.Queued q) {
                    if (answered.contains(q.requestId()) || !waiting.add(q.requestId())) {
                        fail("Queued a request that was already answered or queued: " + q);
                    }
                    if (q.queueDeadline() != now + kernelConfig.queueTimeoutMillis()) {
                        fail("Queued with queue deadline " + q.queueDeadline() + " at now " + now);
                    }
                    queueDeadlines.put(q.requestId(), q.queueDeadline());
                    maxRequestId = Math.max(maxRequestId, q.requestId());
                } else if (d instanceof Decision.Rejected r) {
                    answer(r.requestId(), d);
                } else if (d instanceof Decision.Revoked r) {
                    endLease(r.sessionId(), r.token(), d);
                    if (r.reason() != RevokeReason.TAB_GONE) {
                        dirty.add(leaseTab.get(r.sessionId())); // the driver vanished mid-command
                    }
                } else if (d instanceof Decision.Released r) {
                    endLease(r.sessionId(), r.token(), d);
                } else if (d instanceof Decision.Extended e) {
                    if (!Objects.equals(leases.get(e.sessionId()), e.token())) {
                        fail("Extended a lease the drivers do not hold: " + e);
                    }
                } else if (d instanceof Decision.Updated u) {
                    urls.put(u.sessionId(), ((Input.UpdateSession) in).conversationUrl());
                } else if (d instanceof Decision.ReservationEnded e) {
                    if (e.reason() == EndReason.FINISHED || e.reason() == EndReason.DEADLINE) {
                        boolean wasOpening = opening.contains(e.tabId()) || before.tabs().stream()
                                .anyMatch(t -> t.tabId() == e.tabId() && t.state() == TabState.OPENING);
                        if (e.tabId() != 0 && !wasOpening) { // a tab that never opened for it is fresh
                            dirty.add(e.tabId()); // pooled after serving a session: reset before the next one
                        }
                    }
                    if (e.reason() != EndReason.OPEN_FAILED) { // the session ended: a later Acquire starts anew
                        urls.remove(e.sessionId());
                        lastTab.remove(e.sessionId());
                        tokenHistory.remove(e.sessionId());
                    }
                }
            }
            if (goneTab != null) {
                dirty.remove(goneTab); // the dead tab is gone, whatever the decisions said of it
            }
            if (in instanceof Input.Acquire || in instanceof Input.Cancel) {
                maxRequestId = Math.max(maxRequestId, requestIdOf(decisions));
            }
            if (in instanceof Input.TabOpened o && !refused
                    && decisions.stream().noneMatch(d -> d instanceof Decision.Granted g && g.tabId() == o.tabId())) {
                // the tab opened for a session with a conversation but no driver to navigate it: the next
                // grant on it must reset and navigate it
                before.tabs().stream().filter(t -> t.tabId() == o.tabId() && t.sessionId() != null)
                        .map(Tab::sessionId).findFirst()
                        .filter(urls::containsKey)
                        .ifPresent(sessionId -> dirty.add(o.tabId()));
            }
        }

        private static long requestIdOf(List<Decision> decisions) {
            long id = 0;
            for (Decision d : decisions) {
                if (d instanceof Decision.Granted g) {
                    id = Math.max(id, g.requestId());
                } else if (d instanceof Decision.Rejected r) {
                    id = Math.max(id, r.requestId());
                }
            }
            return id;
        }

        private void forgetTarget(String target) {
            live.remove(target);
            closing.remove(target);
            Long tab = tabOfTarget.remove(target);
            if (tab != null) {
                dirty.remove(tab);
            }
        }

        private void answer(long requestId, Decision d) {
            if (!answered.add(requestId)) {
                fail("request " + requestId + " answered twice: " + d);
            }
            waiting.remove(requestId);
            Long deadline = queueDeadlines.get(requestId);
            if (deadline != null && d instanceof Decision.Rejected r && r.reason() == RejectReason.QUEUE_TIMEOUT
                    && now < deadline) {
                fail("request " + requestId + " timed out at " + now + " before its queue deadline " + deadline);
            }
        }

        private void endLease(String sessionId, long token, Decision d) {
            if (!Objects.equals(leases.get(sessionId), token)) {
                fail(d + " ends a lease the drivers do not know of (they know " + leases.get(sessionId) + ")");
            }
            leases.remove(sessionId);
        }

        /** The decisions seen so far must agree with the state: the adapter's and the drivers' view is the kernel's. */
        private void agree(KernelState s) {
            Set<Long> openingNow = new TreeSet<>();
            Set<String> closingNow = new TreeSet<>();
            Set<String> liveNow = new TreeSet<>();
            Set<Long> dirtyNow = new TreeSet<>();
            for (Tab t : s.tabs()) {
                if (t.state() == TabState.OPENING) {
                    openingNow.add(t.tabId());
                }
                if (t.state() == TabState.CLOSING) {
                    closingNow.add(t.targetId());
                }
                if (t.targetId() != null) {
                    liveNow.add(t.targetId());
                }
                if (t.needsReset()) {
                    dirtyNow.add(t.tabId());
                }
            }
            Map<String, Long> leasesNow = new TreeMap<>();
            Set<Long> waitingNow = new TreeSet<>();
            for (Session x : s.sessions()) {
                if (x.lease() != null) {
                    leasesNow.put(x.sessionId(), x.lease().token());
                }
                x.drivers().forEach(w -> waitingNow.add(w.requestId()));
            }
            same("OPENING tabs vs OpenTab decisions not yet answered", openingNow, opening);
            same("CLOSING tabs vs CloseTab decisions not yet answered", closingNow, closing);
            same("targets in the state vs targets the adapter has open", liveNow, live);
            same("tabs with needsReset vs tabs the decisions left unreset", dirtyNow, dirty);
            same("leases vs Granted minus Released/Revoked", leasesNow, leases);
            same("waiting drivers vs Queued minus Granted/Rejected", waitingNow, waiting);
        }

        private void same(String what, Object state, Object model) {
            if (!state.equals(model)) {
                fail(what + ": state has " + state + ", decisions say " + model);
            }
        }

        private void count(Input in, List<Decision> decisions) {
            boolean refused = decisions.stream().anyMatch(d -> d instanceof Decision.Refused);
            coverage.hit("input:" + in.name() + (refused ? ":refused" : ""));
            for (Decision d : decisions) {
                String reason = "";
                if (d instanceof Decision.Rejected r) {
                    reason = ":" + r.reason();
                } else if (d instanceof Decision.Refused r) {
                    reason = ":" + r.reason();
                } else if (d instanceof Decision.Revoked r) {
                    reason = ":" + r.reason();
                } else if (d instanceof Decision.ReservationEnded r) {
                    reason = ":" + r.reason();
                } else if (d instanceof Decision.CloseTab c) {
                    reason = ":" + c.reason();
                } else if (d instanceof Decision.Released r) {
                    reason = ":" + r.outcome();
                }
                coverage.hit("decision:" + d.name() + reason);
            }
        }

        // ------------------------------------------------------------------ liveness

        /**
         * The drivers stop (no more acquires or heartbeats); a fair adapter answers every pending OpenTab
         * with TabOpened and every CloseTab with TabClosed; Ticks run every few milliseconds until past the
         * longest deadline + queue timeout + pool TTL. Then nothing may be left: no lease, no session, no
         * waiter, no tab (OPENING, RESERVED, POOLED or CLOSING).
         */
        void quietPeriod() {
            long quietStart = now;
            long longestDeadline = kernelConfig.requestClassBudgetsMillis().values().stream().mapToLong(Long::longValue)
                    .max().orElseThrow() + kernelConfig.deadlineMarginMillis();
            long horizon = quietStart + kernelConfig.queueTimeoutMillis() + longestDeadline
                    + kernelConfig.poolTtlMillis() + kernelConfig.heartbeatTimeoutMillis() + 2 * QUIET_TICK;
            Map<String, Long> leaseDue = new HashMap<>();
            for (Session x : sut.snapshot().sessions()) {
                if (x.lease() != null) {
                    leaseDue.put(x.sessionId(), x.lease().expiresAt());
                }
            }
            while (now <= horizon) {
                answerAdapter();
                now += QUIET_TICK;
                apply(new Input.Tick(now));
                // every waiter is answered by its queue deadline (give or take one tick), every silent lease ends
                for (Long id : waiting) {
                    if (queueDeadlines.getOrDefault(id, Long.MAX_VALUE) + QUIET_TICK <= now) {
                        fail("request " + id + " still waits at " + now + ", past its queue deadline " + queueDeadlines.get(id));
                    }
                }
            }
            answerAdapter();
            now += QUIET_TICK;
            apply(new Input.Tick(now));
            KernelState end = sut.snapshot();
            List<String> leaks = new ArrayList<>();
            for (Session x : end.sessions()) {
                leaks.add("session " + x);
            }
            for (Tab t : end.tabs()) {
                leaks.add("tab " + t);
            }
            if (!leases.isEmpty() || !waiting.isEmpty() || !opening.isEmpty() || !closing.isEmpty() || !live.isEmpty()) {
                leaks.add("drivers/adapter still hold leases " + leases + ", waiters " + waiting + ", opening "
                        + opening + ", closing " + closing + ", open targets " + live);
            }
            if (!leaks.isEmpty()) {
                fail("liveness: after a quiet period from " + quietStart + " to " + now + " something leaked: " + leaks);
            }
            coverage.hit("quiet-period-clean");
        }

        /** The fair adapter: answers every OpenTab (TabOpened) and every CloseTab (TabClosed) it was given. */
        private void answerAdapter() {
            // each round answers every pending request once; answers may cause new OpenTab/CloseTab (dispatch)
            for (int round = 0; round < 10 && !(opening.isEmpty() && closing.isEmpty()); round++) {
                List<Long> opens = new ArrayList<>(opening);
                List<String> closes = new ArrayList<>(closing);
                for (long tabId : opens) {
                    apply(new Input.TabOpened(now, tabId, "T" + tabId));
                }
                for (String target : closes) {
                    if (closing.contains(target)) {
                        apply(new Input.TabClosed(now, target));
                    }
                }
                if (opening.equals(new TreeSet<>(opens)) && closing.equals(new TreeSet<>(closes))) {
                    break; // no progress: the kernel did not take the answers; the liveness check will tell
                }
            }
        }

        // ------------------------------------------------------------------ determinism

        /**
         * The same inputs on a fresh kernel give the same decisions (or the same refusal) and the same state
         * after every step; and a kernel restored from the snapshot in the middle of the sequence continues
         * exactly as the original did.
         */
        void checkDeterminism() {
            replay(factory.fresh(), 0, "a fresh kernel");
            int mid = log.size() / 2;
            if (mid > 0) {
                replay(factory.restored(log.get(mid - 1).after()), mid, "a kernel restored after step " + mid);
            }
        }

        private void replay(Sut other, int from, String what) {
            for (int i = from; i < log.size(); i++) {
                Applied a = log.get(i);
                if (a.problem() != null) {
                    try {
                        other.apply(a.input());
                        fail("determinism: on " + what + ", step " + (i + 1) + " " + a.input() + " was accepted, but refused with "
                                + a.problem() + " the first time");
                    } catch (InvalidInputException e) {
                        if (e.problem() != a.problem()) {
                            fail("determinism: on " + what + ", step " + (i + 1) + " raised " + e.problem() + ", first " + a.problem());
                        }
                    }
                } else {
                    List<Decision> d = other.apply(a.input());
                    if (!d.equals(a.decisions())) {
                        fail("determinism: on " + what + ", step " + (i + 1) + " " + a.input() + " decided\n  " + d
                                + "\nthe first time\n  " + a.decisions());
                    }
                }
                KernelState s = other.snapshot();
                if (!s.equals(a.after())) {
                    fail("determinism: on " + what + ", the state after step " + (i + 1) + " " + a.input() + " is\n  " + s
                            + "\nthe first time\n  " + a.after());
                }
            }
        }

        // ------------------------------------------------------------------ reporting

        private void fail(String message) {
            throw new AssertionError(message + "\n" + describe());
        }

        /** The concrete inputs so far with their decisions, and the current state: the failing sequence. */
        String describe() {
            StringBuilder b = new StringBuilder("concrete inputs (" + log.size() + "):\n");
            int from = Math.max(0, log.size() - 400);
            if (from > 0) {
                b.append("  … ").append(from).append(" earlier steps\n");
            }
            for (int i = from; i < log.size(); i++) {
                Applied a = log.get(i);
                int j = i;
                while (j + 1 < log.size() && quietTick(log.get(j)) && quietTick(log.get(j + 1))) {
                    j++;
                }
                if (j > i) { // a run of Ticks that decided nothing: one line
                    b.append("  ").append(i + 1).append('-').append(j + 1).append(". Tick[now=").append(a.input().now())
                            .append("..").append(log.get(j).input().now()).append("] -> []\n");
                    i = j;
                    continue;
                }
                b.append("  ").append(i + 1).append(". ").append(a.input()).append(" -> ")
                        .append(a.problem() != null ? "InvalidInputException " + a.problem() : a.decisions()).append('\n');
            }
            b.append("state: ").append(sut.snapshot());
            return b.toString();
        }

        private static boolean quietTick(Applied a) {
            return a.input() instanceof Input.Tick && a.decisions() != null && a.decisions().isEmpty();
        }

        List<Applied> log() {
            return log;
        }
    }
}
