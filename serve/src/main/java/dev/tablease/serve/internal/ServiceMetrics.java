package dev.tablease.serve.internal;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service's metrics in the Prometheus text format (version 0.0.4), served at {@code GET /metrics}. Counters
 * count the kernel's decisions of this process's transitions (every transition of the service's store goes
 * through {@link ObservedStore}); gauges are read from the kernel's state when scraped; the two histograms time
 * a store transition and a granted acquire's wait. Thread-safe; recording never blocks.
 *
 * <p>Names: {@code tablease_tabs{key,state}}, {@code tablease_sessions}, {@code tablease_leases},
 * {@code tablease_waiters{key}}, {@code tablease_grants_total}, {@code tablease_rejects_total{reason}},
 * {@code tablease_revokes_total{reason}}, {@code tablease_transitions_total},
 * {@code tablease_transition_seconds} and {@code tablease_queue_wait_seconds} (histograms). Units are seconds,
 * as Prometheus expects, although everything else in tablease is milliseconds.
 */
final class ServiceMetrics {

    /** Upper bounds of the transition histogram's buckets, in seconds. */
    static final double[] TRANSITION_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5};
    /** Upper bounds of the queue wait histogram's buckets, in seconds. */
    static final double[] WAIT_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300};

    /** Grants decided. */
    private final LongAdder grants = new LongAdder();
    /** Rejections decided, by reason. */
    private final Map<RejectReason, LongAdder> rejects = new EnumMap<>(RejectReason.class);
    /** Revocations decided, by reason. */
    private final Map<RevokeReason, LongAdder> revokes = new EnumMap<>(RevokeReason.class);
    /** How long a store transition took. */
    private final Histogram transitions = new Histogram(TRANSITION_BUCKETS);
    /** How long a granted acquire waited, from its request to its handover. */
    private final Histogram queueWaits = new Histogram(WAIT_BUCKETS);

    ServiceMetrics() {
        for (RejectReason r : RejectReason.values()) {
            rejects.put(r, new LongAdder());
        }
        for (RevokeReason r : RevokeReason.values()) {
            revokes.put(r, new LongAdder());
        }
    }

    /**
     * Records one store transition of this process.
     *
     * @param nanos     how long it took
     * @param decisions what the kernel decided in it
     */
    void transition(long nanos, List<Decision> decisions) {
        transitions.observe(nanos / 1e9);
        for (Decision d : decisions) {
            if (d instanceof Decision.Granted) {
                grants.increment();
            } else if (d instanceof Decision.Rejected r) {
                rejects.get(r.reason()).increment();
            } else if (d instanceof Decision.Revoked r) {
                revokes.get(r.reason()).increment();
            }
        }
    }

    /** @param nanos how long a granted acquire waited, from its request to its handover */
    void queueWait(long nanos) {
        queueWaits.observe(nanos / 1e9);
    }

    /**
     * @param state the kernel's state now (the gauges)
     * @return the metrics, Prometheus text format 0.0.4
     */
    String render(KernelState state) {
        StringBuilder out = new StringBuilder(4096);
        Map<String, Map<TabState, Integer>> tabs = new TreeMap<>();
        for (Tab t : state.tabs()) {
            tabs.computeIfAbsent(t.key(), k -> new EnumMap<>(TabState.class)).merge(t.state(), 1, Integer::sum);
        }
        header(out, "tablease_tabs", "gauge", "tabs by key and state");
        for (Map.Entry<String, Map<TabState, Integer>> e : tabs.entrySet()) {
            for (TabState s : TabState.values()) {
                sample(out, "tablease_tabs", "key=\"" + label(e.getKey()) + "\",state=\"" + s + "\"",
                        e.getValue().getOrDefault(s, 0));
            }
        }
        int leases = 0;
        Map<String, Integer> waiters = new TreeMap<>();
        for (Session s : state.sessions()) {
            if (s.lease() != null) {
                leases++;
            }
            if (!s.drivers().isEmpty()) {
                waiters.merge(s.key(), s.drivers().size(), Integer::sum);
            }
        }
        header(out, "tablease_sessions", "gauge", "sessions the kernel knows (bound, or waiting for a tab)");
        sample(out, "tablease_sessions", null, state.sessions().size());
        header(out, "tablease_leases", "gauge", "driver leases held");
        sample(out, "tablease_leases", null, leases);
        header(out, "tablease_waiters", "gauge", "acquires waiting (for a tab or for the session's driver), by key");
        for (Map.Entry<String, Integer> e : waiters.entrySet()) {
            sample(out, "tablease_waiters", "key=\"" + label(e.getKey()) + "\"", e.getValue());
        }
        header(out, "tablease_grants_total", "counter", "leases granted");
        sample(out, "tablease_grants_total", null, grants.sum());
        header(out, "tablease_rejects_total", "counter", "acquires rejected, by reason");
        for (Map.Entry<RejectReason, LongAdder> e : rejects.entrySet()) {
            sample(out, "tablease_rejects_total", "reason=\"" + e.getKey() + "\"", e.getValue().sum());
        }
        header(out, "tablease_revokes_total", "counter", "leases revoked, by reason");
        for (Map.Entry<RevokeReason, LongAdder> e : revokes.entrySet()) {
            sample(out, "tablease_revokes_total", "reason=\"" + e.getKey() + "\"", e.getValue().sum());
        }
        transitions.render(out, "tablease_transition_seconds", "one store transition (lock, apply, commit)");
        queueWaits.render(out, "tablease_queue_wait_seconds", "a granted acquire's wait, from its request to its handover");
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (labels != null) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.9g", v);
    }

    /** @return {@code s} escaped as a label value (backslash, quote, newline) */
    static String label(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A cumulative histogram with fixed buckets; observations are in seconds. */
    static final class Histogram {
        /** The buckets' upper bounds, ascending; the {@code +Inf} bucket is implicit. */
        private final double[] bounds;
        /** Observations per bucket (not cumulative), the last one for {@code +Inf}. */
        private final AtomicLongArray counts;
        /** The sum of the observations, in nanoseconds (so that it can be a long). */
        private final LongAdder sumNanos = new LongAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds.clone();
            this.counts = new AtomicLongArray(bounds.length + 1);
        }

        void observe(double seconds) {
            int i = 0;
            while (i < bounds.length && seconds > bounds[i]) {
                i++;
            }
            counts.incrementAndGet(i);
            sumNanos.add((long) (seconds * 1e9));
        }

        void render(StringBuilder out, String name, String help) {
            header(out, name, "histogram", help);
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts.get(i);
                sample(out, name + "_bucket", "le=\"" + bounds[i] + "\"", cumulative);
            }
            cumulative += counts.get(bounds.length);
            sample(out, name + "_bucket", "le=\"+Inf\"", cumulative);
            sample(out, name + "_sum", null, sumNanos.sum() / 1e9);
            sample(out, name + "_count", null, cumulative);
        }
    }
}
