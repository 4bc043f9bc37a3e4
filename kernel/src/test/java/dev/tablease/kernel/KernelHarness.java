package dev.tablease.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Test driver for {@link LeaseKernel}: applies inputs and, after every step, runs the
 * {@link InvariantChecker} (state invariants, the {@code FencedWrites} step property and, after a
 * {@code Tick}, {@code NothingOverdue}). A violation fails the test at the step that caused it.
 * Keeps the last step's decisions and a log of every input for failure messages.
 */
public final class KernelHarness {
    private final LeaseKernel kernel;
    private final List<String> log = new ArrayList<>();
    private List<Decision> last = List.of();

    public KernelHarness(KernelConfig config) {
        this.kernel = new LeaseKernel(config);
    }

    public KernelHarness() {
        this(KernelConfig.defaults());
    }

    public LeaseKernel kernel() {
        return kernel;
    }

    public KernelConfig config() {
        return kernel.config();
    }

    public KernelState state() {
        return kernel.snapshot();
    }

    /** Applies one input, checks every invariant, and returns its decisions. */
    public List<Decision> apply(Input input) {
        KernelState before = kernel.snapshot();
        List<Decision> decisions = kernel.apply(input);
        KernelState after = kernel.snapshot();
        log.add(input + " -> " + decisions);
        List<InvariantChecker.Violation> v = new ArrayList<>(InvariantChecker.check(kernel.config(), after));
        v.addAll(InvariantChecker.checkStep(before, input, decisions, after));
        if (input instanceof Input.Tick) {
            v.addAll(InvariantChecker.checkAfterTick(after, input.now()));
        }
        if (!v.isEmpty()) {
            throw new AssertionError("invariant violated after " + input + ": " + v + "\nsteps:\n"
                    + String.join("\n", log) + "\nstate: " + after);
        }
        last = decisions;
        return decisions;
    }

    public List<Decision> acquire(long now, String session, String key, String holder) {
        return apply(new Input.Acquire(now, session, key, holder, KernelConfig.DEFAULT_CLASS));
    }

    public List<Decision> acquire(long now, String session, String key, String holder, String requestClass) {
        return apply(new Input.Acquire(now, session, key, holder, requestClass));
    }

    public List<Decision> heartbeat(long now, String session, long token) {
        return apply(new Input.Heartbeat(now, session, token));
    }

    public List<Decision> release(long now, String session, long token, Outcome outcome) {
        return apply(new Input.Release(now, session, token, outcome));
    }

    public List<Decision> update(long now, String session, long token, String url) {
        return apply(new Input.UpdateSession(now, session, token, url));
    }

    public List<Decision> opened(long now, long tabId, String targetId) {
        return apply(new Input.TabOpened(now, tabId, targetId));
    }

    public List<Decision> gone(long now, String targetId) {
        return apply(new Input.TabGone(now, targetId, GoneCause.TARGET_CLOSED));
    }

    public List<Decision> closed(long now, String targetId) {
        return apply(new Input.TabClosed(now, targetId));
    }

    public List<Decision> tick(long now) {
        return apply(new Input.Tick(now));
    }

    /**
     * Acquires a new session and, when the kernel decides to open a tab, answers {@code TabOpened} with
     * target {@code "T<tabId>"}.
     *
     * @return the grant
     */
    public Decision.Granted acquireOpened(long now, String session, String key, String holder, String requestClass) {
        List<Decision> d = acquire(now, session, key, holder, requestClass);
        Decision.OpenTab open = find(d, Decision.OpenTab.class);
        if (open != null) {
            d = opened(now, open.tabId(), "T" + open.tabId());
        }
        Decision.Granted g = find(d, Decision.Granted.class);
        if (g == null) {
            throw new AssertionError("no grant for " + session + ": " + d);
        }
        return g;
    }

    public Decision.Granted acquireOpened(long now, String session, String key, String holder) {
        return acquireOpened(now, session, key, holder, KernelConfig.DEFAULT_CLASS);
    }

    public List<Decision> last() {
        return last;
    }

    public static <T extends Decision> T find(List<Decision> decisions, Class<T> type) {
        return decisions.stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
    }

    public static <T extends Decision> List<T> all(List<Decision> decisions, Class<T> type) {
        return decisions.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public long count(Predicate<Tab> p) {
        return state().tabs().stream().filter(p).count();
    }

    public Session session(String id) {
        return state().sessions().stream().filter(s -> s.sessionId().equals(id)).findFirst().orElse(null);
    }

    public Tab tab(long tabId) {
        return state().tabs().stream().filter(t -> t.tabId() == tabId).findFirst().orElse(null);
    }
}
