package dev.tablease.model;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import dev.tablease.kernel.GoneCause;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random kernel runs that fit the spec's model (docs/conformance.md): every input but Tick at
 * {@code now = lastNow}, {@code Tick(lastNow + 1)} only (a time jump is a run of Ticks), the target of
 * tab t is "t", a URL is the writer's token, the kernel configured with the spec's constants. The
 * environment: drivers that acquire (also with a wrong key or class now and then), heartbeat, write,
 * release with every outcome, crash (a holder that stops heartbeating for good), stale tokens on
 * Heartbeat, Release and UpdateSession, cancels, an adapter that opens, fails to open, closes, and
 * tabs that die.
 */
final class TraceGenerator {

    private final Random rnd;
    private final KernelUnderTest kernel;
    private final int keys;
    private final int sessions;
    private final List<Input> inputs = new ArrayList<>();
    private final List<KernelState> posts = new ArrayList<>();
    private final Set<Long> crashed = new HashSet<>();
    private final Set<Long> seenTokens = new HashSet<>();

    TraceGenerator(long seed, KernelUnderTest kernel, int keys, int sessions) {
        this.rnd = new Random(seed);
        this.kernel = kernel;
        this.keys = keys;
        this.sessions = sessions;
    }

    static TraceTranslator.Run generate(String name, long seed, KernelUnderTest kernel, int keys, int sessions, int steps) {
        TraceGenerator g = new TraceGenerator(seed, kernel, keys, sessions);
        while (g.inputs.size() < steps) {
            g.step();
        }
        return new TraceTranslator.Run(name, List.copyOf(g.inputs.subList(0, steps)), List.copyOf(g.posts.subList(0, steps)));
    }

    private void apply(Input in) {
        kernel.apply(in);
        KernelState st = kernel.snapshot();
        inputs.add(in);
        posts.add(st);
        for (Session s : st.sessions()) {
            if (s.lease() != null && seenTokens.add(s.lease().token()) && rnd.nextInt(5) == 0) {
                crashed.add(s.lease().token()); // this driver crashes: it never sends anything again
            }
        }
    }

    private void step() {
        KernelState st = kernel.snapshot();
        long now = st.lastNow();
        int dice = rnd.nextInt(100);
        List<Session> leased = new ArrayList<>();
        for (Session s : st.sessions()) {
            if (s.lease() != null && !crashed.contains(s.lease().token())) {
                leased.add(s);
            }
        }
        long tokens = st.nextToken() - 1;
        if (dice < 14) {
            int n = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(4) : 1;   // sometimes a time jump
            for (int i = 0; i < n; i++) {
                apply(new Input.Tick(kernel.snapshot().lastNow() + 1));
            }
        } else if (dice < 34) {
            int s = rnd.nextInt(sessions);
            String key = "k" + (rnd.nextInt(20) == 0 ? 1 + rnd.nextInt(keys) : 1 + s % keys);
            String cls = rnd.nextInt(20) == 0 ? (s % 2 == 0 ? "pro" : "default") : (s % 2 == 0 ? "default" : "pro");
            apply(new Input.Acquire(now, "s" + (s + 1), key, "h" + (1 + rnd.nextInt(2)), cls));
        } else if (dice < 50) {
            if (!leased.isEmpty() && rnd.nextInt(6) != 0) {
                Session s = leased.get(rnd.nextInt(leased.size()));
                apply(new Input.Heartbeat(now, s.sessionId(), s.lease().token()));
            } else if (tokens > 0) {
                apply(new Input.Heartbeat(now, "s" + (1 + rnd.nextInt(sessions)), 1 + rnd.nextInt((int) tokens)));
            }
        } else if (dice < 60) {
            Outcome o = Outcome.values()[rnd.nextInt(Outcome.values().length)];
            if (!leased.isEmpty() && rnd.nextInt(6) != 0) {
                Session s = leased.get(rnd.nextInt(leased.size()));
                apply(new Input.Release(now, s.sessionId(), s.lease().token(), o));
            } else if (tokens > 0) {
                apply(new Input.Release(now, "s" + (1 + rnd.nextInt(sessions)), 1 + rnd.nextInt((int) tokens), o));
            }
        } else if (dice < 68) {
            long tok;
            String sid;
            if (!leased.isEmpty() && rnd.nextInt(3) != 0) {
                Session s = leased.get(rnd.nextInt(leased.size()));
                sid = s.sessionId();
                tok = s.lease().token();
            } else if (tokens > 0) {
                sid = "s" + (1 + rnd.nextInt(sessions));
                tok = 1 + rnd.nextInt((int) tokens);   // mostly stale
            } else {
                return;
            }
            apply(new Input.UpdateSession(now, sid, tok, String.valueOf(tok)));
        } else if (dice < 72) {
            if (st.nextRequestId() > 1) {
                apply(new Input.Cancel(now, 1 + rnd.nextInt((int) st.nextRequestId() - 1)));
            }
        } else if (dice < 96) {
            if (st.tabs().isEmpty()) {
                return;
            }
            Tab t = st.tabs().get(rnd.nextInt(st.tabs().size()));
            String target = String.valueOf(t.tabId());
            int what = rnd.nextInt(10);
            if (t.state() == TabState.OPENING) {
                if (what < 8) {
                    apply(new Input.TabOpened(now, t.tabId(), target));
                } else {
                    apply(new Input.TabOpenFailed(now, t.tabId(), "net::ERR_FAILED"));
                }
            } else if (t.state() == TabState.CLOSING && what < 8) {
                apply(new Input.TabClosed(now, target));
            } else if (what < 3) {
                apply(new Input.TabGone(now, target, GoneCause.values()[rnd.nextInt(GoneCause.values().length)]));
            } else if (what < 4) {
                apply(new Input.TabOpened(now, t.tabId(), target));   // refused: not OPENING
            } else if (what < 5) {
                apply(new Input.TabClosed(now, target));              // refused unless CLOSING
            }
        } else {
            // an adapter message about a tab the kernel does not know
            apply(new Input.TabGone(now, String.valueOf(st.nextTabId() + 5), GoneCause.OTHER));
        }
    }
}
