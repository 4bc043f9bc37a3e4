package dev.tablease.model;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Code -> spec: turns a kernel run (inputs and the kernel's snapshot after each) into one element of
 * TraceSpec.tla's {@code Traces}: {@code << [input |-> [op |-> ..., now |-> ...], post |-> [tabs |-> ...,
 * sessions |-> ..., nextToken |-> ...]], ... >>}.
 *
 * <p>Values: ids (sessions, keys, holders, request classes) are TLA+ strings; {@code null} session is
 * the spec's {@code NoSession}; target ids and conversation URLs are mapped to positive numbers
 * injectively (a decimal string "n" > 0 to n, as in the spec's model where the target of tab t is t and
 * a URL is the writer's token; any other string to a number above every decimal one), {@code null} to
 * {@code NoTarget}/{@code NoUrl} = 0; a lease {@code null} is {@code NoLease}. Release outcomes are
 * passed as they are (the spec's Release treats every outcome but DETACH alike).
 */
final class TraceTranslator {

    /** One kernel run: the inputs and the kernel's snapshot after each. */
    record Run(String name, List<Input> inputs, List<KernelState> posts) {
    }

    private TraceTranslator() {
    }

    /**
     * Replays a trace file on a kernel and checks it fits the spec's model.
     *
     * @return the run, with the kernel's snapshot after every step
     * @throws SpecConstants.OutOfModelException when the configuration or a step is outside the model
     */
    static Run replayFile(Path file, KernelUnderTest kernel) throws Exception {
        List<Input> inputs = new ArrayList<>();
        try (TraceReader r = TraceReader.open(file)) {
            for (TraceStep s : r.readAll()) {
                inputs.add(s.input());
            }
        }
        return replay(file.getFileName().toString(), inputs, kernel, recordedDecisions(file));
    }

    private static List<List<Decision>> recordedDecisions(Path file) throws Exception {
        List<List<Decision>> out = new ArrayList<>();
        try (TraceReader r = TraceReader.open(file)) {
            for (TraceStep s : r.readAll()) {
                out.add(s.decisions());
            }
        }
        return out;
    }

    /**
     * Replays inputs on a kernel, recording its snapshots; checks the time model of the spec (see
     * docs/conformance.md): an input other than Tick must not find an overdue session (deadline at or
     * before its now), a rule of docs/protocol.md the spec leaves out because its model never needs it.
     * When {@code recorded} is given, the kernel must decide what the trace recorded.
     */
    static Run replay(String name, List<Input> inputs, KernelUnderTest kernel, List<List<Decision>> recorded) {
        List<KernelState> posts = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            if (!(in instanceof Input.Tick)) {
                for (Session s : kernel.snapshot().sessions()) {
                    if (s.deadline() != 0 && s.deadline() <= in.now()) {
                        throw new SpecConstants.OutOfModelException("step " + (i + 1) + " (" + in.name() + " at now="
                                + in.now() + ") finds session " + s.sessionId() + " overdue (deadline " + s.deadline()
                                + ") without a Tick in between (the overdue-session rule is not modelled)");
                    }
                }
            }
            List<Decision> d = kernel.apply(in);
            if (recorded != null && recorded.get(i) != null && !recorded.get(i).equals(d)) {
                throw new IllegalStateException("step " + (i + 1) + ": the kernel decides " + d
                        + " but the trace recorded " + recorded.get(i) + " (the trace is not a run of this kernel)");
            }
            posts.add(kernel.snapshot());
        }
        return new Run(name, inputs, posts);
    }

    /** @return the TLA+ sequence literal of one run */
    static String toTla(Run run) {
        Symbols sym = new Symbols();
        for (Input in : run.inputs()) {
            if (in instanceof Input.TabOpened o) {
                sym.targets.see(o.targetId());
            } else if (in instanceof Input.TabGone g) {
                sym.targets.see(g.targetId());
            } else if (in instanceof Input.TabClosed c) {
                sym.targets.see(c.targetId());
            } else if (in instanceof Input.UpdateSession u) {
                sym.urls.see(u.conversationUrl());
            }
        }
        for (KernelState st : run.posts()) {
            st.tabs().forEach(t -> sym.targets.see(t.targetId()));
            st.sessions().forEach(s -> sym.urls.see(s.conversationUrl()));
        }
        StringJoiner steps = new StringJoiner(",\n  ", "<<\n  ", "\n  >>");
        for (int i = 0; i < run.inputs().size(); i++) {
            steps.add("[input |-> " + input(run.inputs().get(i), sym) + ",\n   post |-> " + state(run.posts().get(i), sym) + "]");
        }
        return run.inputs().isEmpty() ? "<< >>" : steps.toString();
    }

    /** Injective map from strings to positive numbers (decimal strings to their value). */
    static final class Numbering {
        private final Map<String, Long> map = new HashMap<>();
        private final List<String> others = new ArrayList<>();
        private long maxDecimal;
        private boolean frozen;

        void see(String s) {
            if (s == null || map.containsKey(s) || others.contains(s)) {
                return;
            }
            if (s.matches("[1-9][0-9]{0,8}")) {
                map.put(s, Long.parseLong(s));
                maxDecimal = Math.max(maxDecimal, Long.parseLong(s));
            } else {
                others.add(s);
            }
        }

        long of(String s) {
            if (s == null) {
                return 0;
            }
            if (!frozen) {
                for (int i = 0; i < others.size(); i++) {
                    map.put(others.get(i), maxDecimal + 1 + i);
                }
                frozen = true;
            }
            Long n = map.get(s);
            if (n == null) {
                throw new IllegalStateException("unseen string " + s);
            }
            return n;
        }
    }

    static final class Symbols {
        final Numbering targets = new Numbering();
        final Numbering urls = new Numbering();
    }

    static String input(Input in, Symbols sym) {
        String head = "[op |-> " + TlaValue.quote(in.name()) + ", now |-> " + in.now();
        String rest;
        if (in instanceof Input.Acquire a) {
            rest = ", s |-> " + q(a.sessionId()) + ", k |-> " + q(a.key()) + ", h |-> " + q(a.holder())
                    + ", c |-> " + q(a.requestClass());
        } else if (in instanceof Input.Heartbeat h) {
            rest = ", s |-> " + q(h.sessionId()) + ", tok |-> " + h.token();
        } else if (in instanceof Input.Release r) {
            rest = ", s |-> " + q(r.sessionId()) + ", tok |-> " + r.token() + ", outcome |-> " + q(r.outcome().name());
        } else if (in instanceof Input.UpdateSession u) {
            rest = ", s |-> " + q(u.sessionId()) + ", tok |-> " + u.token() + ", url |-> " + sym.urls.of(u.conversationUrl());
        } else if (in instanceof Input.Cancel c) {
            rest = ", r |-> " + c.requestId();
        } else if (in instanceof Input.TabOpened o) {
            rest = ", t |-> " + o.tabId() + ", target |-> " + sym.targets.of(o.targetId());
        } else if (in instanceof Input.TabOpenFailed f) {
            rest = ", t |-> " + f.tabId();
        } else if (in instanceof Input.TabGone g) {
            rest = ", target |-> " + sym.targets.of(g.targetId());
        } else if (in instanceof Input.TabClosed c) {
            rest = ", target |-> " + sym.targets.of(c.targetId());
        } else {
            rest = "";
        }
        return head + rest + "]";
    }

    static String state(KernelState st, Symbols sym) {
        StringJoiner tabs = new StringJoiner(" @@ ", "(", ")");
        for (Tab t : st.tabs()) {
            tabs.add(t.tabId() + " :> [tabId |-> " + t.tabId() + ", targetId |-> " + sym.targets.of(t.targetId())
                    + ", key |-> " + q(t.key()) + ", state |-> " + q(t.state().name())
                    + ", sessionId |-> " + (t.sessionId() == null ? "NoSession" : q(t.sessionId()))
                    + ", poolExpiresAt |-> " + t.poolExpiresAt() + ", epoch |-> " + t.epoch()
                    + ", needsReset |-> " + (t.needsReset() ? "TRUE" : "FALSE") + "]");
        }
        StringJoiner sessions = new StringJoiner(" @@ ", "(", ")");
        for (Session s : st.sessions()) {
            DriverLease l = s.lease();
            StringJoiner drivers = new StringJoiner(", ", "<<", ">>");
            for (DriverWaiter w : s.drivers()) {
                drivers.add("[requestId |-> " + w.requestId() + ", holder |-> " + q(w.holder())
                        + ", queueDeadline |-> " + w.queueDeadline() + "]");
            }
            sessions.add(q(s.sessionId()) + " :> [sessionId |-> " + q(s.sessionId()) + ", key |-> " + q(s.key())
                    + ", requestClass |-> " + q(s.requestClass()) + ", tabId |-> " + s.tabId()
                    + ", deadline |-> " + s.deadline() + ", conversationUrl |-> " + sym.urls.of(s.conversationUrl())
                    + ", lease |-> " + (l == null ? "NoLease"
                    : "[holder |-> " + q(l.holder()) + ", token |-> " + l.token() + ", lastBeat |-> " + l.lastBeat()
                    + ", expiresAt |-> " + l.expiresAt() + "]")
                    + ", drivers |-> " + drivers + ", waitSeq |-> " + s.waitSeq() + "]");
        }
        return "[tabs |-> " + (st.tabs().isEmpty() ? "<<>>" : tabs.toString())
                + ", sessions |-> " + (st.sessions().isEmpty() ? "<<>>" : sessions.toString())
                + ", nextToken |-> " + st.nextToken() + ", nextTabId |-> " + st.nextTabId()
                + ", nextRequestId |-> " + st.nextRequestId() + ", nextWaitSeq |-> " + st.nextWaitSeq()
                + ", lastNow |-> " + st.lastNow() + "]";
    }

    private static String q(String s) {
        return TlaValue.quote(s);
    }
}
