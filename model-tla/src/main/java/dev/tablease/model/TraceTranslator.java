package dev.tablease.model;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 *
 * <p>Times are rebased: TLC's numbers are 32-bit and a real run records epoch milliseconds (about 1.8e12),
 * so every time that is not 0 (an input's {@code now}, {@code lastNow}, deadlines, expiries, lease beats,
 * queue deadlines, pool expiries) is written minus {@link Run#timeOffset()} (the run's earliest
 * {@code now} minus 1; 0 when it starts at 0). 0 (never bound, not pooled, no lease, the initial
 * {@code lastNow}) stays 0, below every rebased time. The spec only compares times with each other and
 * adds durations to {@code now}, so the shift changes no step (docs/conformance.md).
 */
final class TraceTranslator {

    /** The kernel a run is replayed on: the real one, or (tests) a deliberately broken variant. */
    interface Kernel {

        /**
         * @param input the input
         * @return the kernel's decisions for it
         */
        List<Decision> apply(Input input);

        /** @return the kernel's state now */
        KernelState snapshot();

        /**
         * @param config the configuration
         * @return the real kernel ({@link LeaseKernel}) with that configuration
         */
        static Kernel real(KernelConfig config) {
            LeaseKernel k = new LeaseKernel(config);
            return new Kernel() {
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
    }

    /**
     * One kernel run: the inputs and the kernel's snapshot after each.
     *
     * @param name   a name for reports (the trace file's name)
     * @param inputs the inputs, in order (step i is {@code inputs.get(i - 1)})
     * @param posts  the kernel's state after each input
     */
    record Run(String name, List<Input> inputs, List<KernelState> posts) {

        /** @return what is subtracted from every time that is not 0: the earliest {@code now} minus 1, at least 0 */
        long timeOffset() {
            long min = Long.MAX_VALUE;
            for (Input in : inputs) {
                min = Math.min(min, in.now());
            }
            return inputs.isEmpty() ? 0 : Math.max(0, min - 1);
        }

        /** @return the latest time in the run (an input's {@code now} or a time in a state), not rebased */
        long latestTime() {
            long max = 0;
            for (Input in : inputs) {
                max = Math.max(max, in.now());
            }
            for (KernelState st : posts) {
                max = Math.max(max, st.lastNow());
                for (Tab t : st.tabs()) {
                    max = Math.max(max, t.poolExpiresAt());
                }
                for (Session s : st.sessions()) {
                    max = Math.max(max, s.deadline());
                    if (s.lease() != null) {
                        max = Math.max(max, Math.max(s.lease().lastBeat(), s.lease().expiresAt()));
                    }
                    for (DriverWaiter w : s.drivers()) {
                        max = Math.max(max, w.queueDeadline());
                    }
                }
            }
            return max;
        }
    }

    /**
     * The kernel does not decide what the trace recorded at a step: the trace is not a run of this kernel
     * (tampered with, recorded by another version, or a transition that bypassed the recording).
     */
    static final class NotAKernelRunException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int step;
        private final transient Input input;
        private final String detail;

        NotAKernelRunException(int step, Input input, String detail) {
            super("step " + step + " (" + input + "): " + detail);
            this.step = step;
            this.input = input;
            this.detail = detail;
        }

        /** @return the step (1-based: the trace's seq) */
        int step() {
            return step;
        }

        /** @return the step's input */
        Input input() {
            return input;
        }

        /** @return what the kernel decides and what the trace recorded */
        String detail() {
            return detail;
        }
    }

    private TraceTranslator() {
    }

    /**
     * Replays a trace file on a kernel and checks it fits the spec's model.
     *
     * @param file   the trace (JSON Lines, docs/trace-format.md)
     * @param kernel a fresh kernel with the trace's configuration
     * @return the run, with the kernel's snapshot after every step
     * @throws TraceFormatException                 when the file is unreadable or malformed
     * @throws SpecConstants.OutOfModelException    when a step is outside the model
     * @throws NotAKernelRunException               when the kernel decides otherwise than the trace recorded
     * @throws dev.tablease.kernel.InvalidInputException when the kernel refuses an input as malformed
     */
    static Run replayFile(Path file, Kernel kernel) throws TraceFormatException {
        List<Input> inputs = new ArrayList<>();
        List<List<Decision>> recorded = new ArrayList<>();
        try (TraceReader r = TraceReader.open(file)) {
            for (TraceStep s : r.readAll()) {
                inputs.add(s.input());
                recorded.add(s.decisions());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
        return replay(file.getFileName().toString(), inputs, kernel, recorded);
    }

    /**
     * Replays inputs on a kernel, recording its snapshots; checks the time model of the spec (see
     * docs/conformance.md): an input other than Tick must not find an overdue session (deadline at or
     * before its now), a rule of docs/protocol.md the spec leaves out because its model never needs it.
     * When {@code recorded} is given, the kernel must decide what the trace recorded.
     *
     * @param name     a name for reports
     * @param inputs   the inputs, in order
     * @param kernel   a fresh kernel
     * @param recorded the decisions the trace recorded for each step ({@code null} for none, or a {@code null}
     *                 element for a step that recorded none)
     * @return the run
     * @throws SpecConstants.OutOfModelException when an input other than Tick finds an overdue session
     * @throws NotAKernelRunException            when the kernel decides otherwise than recorded
     */
    static Run replay(String name, List<Input> inputs, Kernel kernel, List<List<Decision>> recorded) {
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
                throw new NotAKernelRunException(i + 1, in, "the kernel decides " + d + " but the trace recorded "
                        + recorded.get(i) + " (the trace is not a run of this kernel)");
            }
            posts.add(kernel.snapshot());
        }
        return new Run(name, inputs, posts);
    }

    /**
     * The renamings of a run, over all its steps (so that every piece of it uses the same numbers).
     *
     * @param run       the run
     * @param constants the spec's constants (their durations are added to the rebased times by the spec)
     * @return the targets' and URLs' numbers and the time offset ({@link Run#timeOffset()})
     * @throws SpecConstants.OutOfModelException when a rebased time, plus the longest duration, is beyond
     *                                           TLC's numbers (a run of more than about 24 days)
     */
    static Symbols symbols(Run run, SpecConstants constants) {
        long offset = run.timeOffset();
        long latest = run.latestTime() - offset + constants.longestDuration();
        if (latest > SpecConstants.TLC_MAX) {
            throw new SpecConstants.OutOfModelException("the run spans " + (run.latestTime() - offset)
                    + " time units (plus durations up to " + constants.longestDuration() + "); TLC's numbers end at "
                    + SpecConstants.TLC_MAX);
        }
        Symbols sym = new Symbols(offset);
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
        return sym;
    }

    /**
     * @param run  the run
     * @param from the steps after this many (0: from the start)
     * @param to   up to and including step {@code to}
     * @param sym  the run's renamings ({@link #symbols})
     * @param defs the module's named values, to which the steps' records are added
     * @return the TLA+ sequence literal of steps {@code from + 1 .. to}, its states referring to names in
     *         {@code defs}
     */
    static String steps(Run run, int from, int to, Symbols sym, Definitions defs) {
        StringJoiner steps = new StringJoiner(",\n  ", "<<\n  ", "\n  >>");
        for (int i = from; i < to; i++) {
            steps.add("[input |-> " + input(run.inputs().get(i), sym) + ",\n   post |-> " + state(run.posts().get(i), sym, defs) + "]");
        }
        return from == to ? "<< >>" : steps.toString();
    }

    /**
     * @return TraceSpec's {@code Starts} element for steps {@code from + 1 ..}: {@code << >>} (the spec's
     *         {@code Init}) for the first step, else {@code << s >>} with the kernel's state after step
     *         {@code from}
     */
    static String start(Run run, int from, Symbols sym, Definitions defs) {
        return from == 0 ? "<< >>" : "<< " + state(run.posts().get(from - 1), sym, defs) + " >>";
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

    /** The per-run renamings: targets and URLs to numbers, times shifted by the run's offset. */
    static final class Symbols {
        final Numbering targets = new Numbering();
        final Numbering urls = new Numbering();
        final long timeOffset;

        Symbols(long timeOffset) {
            this.timeOffset = timeOffset;
        }

        /** @return {@code t} rebased: 0 stays 0, any other time minus the offset (still above 0) */
        long time(long t) {
            if (t == 0) {
                return 0;
            }
            if (t <= timeOffset) {
                throw new SpecConstants.OutOfModelException("time " + t + " is before the run's first input ("
                        + (timeOffset + 1) + ")");
            }
            return t - timeOffset;
        }
    }

    static String input(Input in, Symbols sym) {
        String head = "[op |-> " + TlaValue.quote(in.name()) + ", now |-> " + sym.time(in.now());
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

    /**
     * @param st   a kernel state
     * @param sym  the run's renamings
     * @param defs where each distinct tab, session, tabs function and sessions function is named once
     * @return the state as the record TraceSpec's {@code PostIs} compares with the spec's variables
     */
    static String state(KernelState st, Symbols sym, Definitions defs) {
        StringJoiner tabs = new StringJoiner(" @@ ", "(", ")");
        for (Tab t : st.tabs()) {
            tabs.add(t.tabId() + " :> " + defs.name("Tab", "[tabId |-> " + t.tabId() + ", targetId |-> "
                    + sym.targets.of(t.targetId()) + ", key |-> " + q(t.key()) + ", state |-> " + q(t.state().name())
                    + ", sessionId |-> " + (t.sessionId() == null ? "NoSession" : q(t.sessionId()))
                    + ", poolExpiresAt |-> " + sym.time(t.poolExpiresAt()) + ", epoch |-> " + t.epoch()
                    + ", needsReset |-> " + (t.needsReset() ? "TRUE" : "FALSE") + "]"));
        }
        StringJoiner sessions = new StringJoiner(" @@ ", "(", ")");
        for (Session s : st.sessions()) {
            DriverLease l = s.lease();
            StringJoiner drivers = new StringJoiner(", ", "<<", ">>");
            for (DriverWaiter w : s.drivers()) {
                drivers.add("[requestId |-> " + w.requestId() + ", holder |-> " + q(w.holder())
                        + ", queueDeadline |-> " + sym.time(w.queueDeadline()) + "]");
            }
            sessions.add(q(s.sessionId()) + " :> " + defs.name("Ses", "[sessionId |-> " + q(s.sessionId())
                    + ", key |-> " + q(s.key())
                    + ", requestClass |-> " + q(s.requestClass()) + ", tabId |-> " + s.tabId()
                    + ", deadline |-> " + sym.time(s.deadline()) + ", conversationUrl |-> " + sym.urls.of(s.conversationUrl())
                    + ", lease |-> " + (l == null ? "NoLease"
                    : "[holder |-> " + q(l.holder()) + ", token |-> " + l.token() + ", lastBeat |-> " + sym.time(l.lastBeat())
                    + ", expiresAt |-> " + sym.time(l.expiresAt()) + "]")
                    + ", drivers |-> " + drivers + ", waitSeq |-> " + s.waitSeq()
                    + ", recoveryCount |-> " + s.recoveryCount() + "]"));
        }
        return "[tabs |-> " + (st.tabs().isEmpty() ? "<<>>" : defs.name("Tabs", tabs.toString()))
                + ", sessions |-> " + (st.sessions().isEmpty() ? "<<>>" : defs.name("Sessions", sessions.toString()))
                + ", nextToken |-> " + st.nextToken() + ", nextTabId |-> " + st.nextTabId()
                + ", nextRequestId |-> " + st.nextRequestId() + ", nextWaitSeq |-> " + st.nextWaitSeq()
                + ", lastNow |-> " + sym.time(st.lastNow()) + "]";
    }

    /**
     * Named values shared by the steps of a batch. Consecutive kernel states differ in a tab or a session at
     * most (a heartbeat changes one lease, most Ticks nothing but {@code lastNow}), so writing every state in
     * full makes a demo trace a TLA+ module of about 6 KB per step, which SANY cannot parse in TLC's heap;
     * each distinct record and function is instead defined once ({@code Tab12 == [tabId |-> ...]}) and a
     * state refers to it by name. TLC evaluates such constant definitions once, so this changes no value.
     */
    static final class Definitions {
        private final Map<String, String> names = new HashMap<>();
        private final Map<String, Integer> counts = new HashMap<>();
        private final StringBuilder text = new StringBuilder();

        /**
         * @param kind  the name's prefix, e.g. {@code Tab}
         * @param value a TLA+ value
         * @return the name of the definition of {@code value} (made on first use)
         */
        String name(String kind, String value) {
            String key = kind + ":" + value;
            String name = names.get(key);
            if (name == null) {
                name = kind + counts.merge(kind, 1, Integer::sum);
                names.put(key, name);
                text.append(name).append(" == ").append(value).append('\n');
            }
            return name;
        }

        /** @return the definitions, one per line, in the order they were made (each before its first use) */
        String text() {
            return text.toString();
        }

        /** @return how many values are defined */
        int size() {
            return names.size();
        }
    }

    private static String q(String s) {
        return TlaValue.quote(s);
    }
}
