package dev.tablease.model;

import dev.tablease.kernel.KernelConfig;

import java.util.Map;
import java.util.Set;

/**
 * The constants of TabLease.tla that the kernel's {@link KernelConfig} stands for, both ways.
 * {@code HeartbeatTimeout} is {@code heartbeatIntervalMillis x missedHeartbeats}; {@code DefaultBudget}
 * and {@code ProBudget} are the budgets of the request classes {@code "default"} and {@code "pro"}
 * (the spec knows only these two); per-key cap overrides are not modelled. Durations are in the
 * trace's time unit (milliseconds for real runs, the model's ticks for the model's shapes).
 *
 * @param maxPerKey        tabs per key ({@code MaxPerKey})
 * @param globalMax        tabs in all ({@code GlobalMax})
 * @param queueCapacity    waiters per key queue and per session ({@code QueueCapacity})
 * @param heartbeatTimeout how long a lease lives without a heartbeat ({@code HeartbeatTimeout})
 * @param defaultBudget    the reservation budget of request class "default" ({@code DefaultBudget})
 * @param proBudget        the reservation budget of request class "pro" ({@code ProBudget})
 * @param deadlineMargin   added to every budget ({@code DeadlineMargin})
 * @param poolTtl          how long an idle tab stays pooled ({@code PoolTtl})
 * @param queueTimeout     how long a waiter may wait ({@code QueueTimeout})
 */
record SpecConstants(int maxPerKey, int globalMax, int queueCapacity, long heartbeatTimeout, long defaultBudget,
                     long proBudget, long deadlineMargin, long poolTtl, long queueTimeout) {

    /** The durations of every model cfg (TabLeaseSafety.cfg, TabLeaseLarge.cfg ...) with the given caps. */
    static SpecConstants model(int maxPerKey, int globalMax) {
        return new SpecConstants(maxPerKey, globalMax, 1, 2, 3, 5, 0, 2, 2);
    }

    /** @return the kernel configuration with exactly these constants (heartbeat interval 1 x the timeout) */
    KernelConfig kernelConfig() {
        return KernelConfig.builder().maxPerKey(maxPerKey).globalMax(globalMax).queueCapacity(queueCapacity)
                .heartbeatIntervalMillis(1).missedHeartbeats((int) heartbeatTimeout)
                .requestClass("default", defaultBudget).requestClass("pro", proBudget)
                .deadlineMarginMillis(deadlineMargin).poolTtlMillis(poolTtl).queueTimeoutMillis(queueTimeout).build();
    }

    /**
     * @return the spec's constants for a kernel configuration
     * @throws OutOfModelException when the configuration uses what the spec does not model
     */
    static SpecConstants of(KernelConfig c) {
        long[] durations = {c.heartbeatTimeoutMillis(), c.deadlineMarginMillis(), c.poolTtlMillis(), c.queueTimeoutMillis()};
        for (long d : durations) {
            requireTlcNumber(d, "a duration");
        }
        for (long b : c.requestClassBudgetsMillis().values()) {
            requireTlcNumber(b + c.deadlineMarginMillis(), "a budget");
        }
        if (!c.maxPerKeyOverrides().isEmpty()) {
            throw new OutOfModelException("per-key cap overrides " + c.maxPerKeyOverrides() + " (MaxPerKeyOf(k) is one constant)");
        }
        Map<String, Long> budgets = c.requestClassBudgetsMillis();
        if (!Set.of("default", "pro").containsAll(budgets.keySet())) {
            throw new OutOfModelException("request classes " + budgets.keySet() + " (the spec knows \"default\" and \"pro\")");
        }
        long def = budgets.get("default");
        return new SpecConstants(c.maxPerKey(), c.globalMax(), c.queueCapacity(), c.heartbeatTimeoutMillis(), def,
                budgets.getOrDefault("pro", def), c.deadlineMarginMillis(), c.poolTtlMillis(), c.queueTimeoutMillis());
    }

    /** The largest number TLC handles: its integers are 32-bit ("TLC can't handle a number this big"). */
    static final long TLC_MAX = Integer.MAX_VALUE;

    private static void requireTlcNumber(long v, String what) {
        if (v > TLC_MAX) {
            throw new OutOfModelException(what + " of " + v + " (TLC's numbers end at " + TLC_MAX + ")");
        }
    }

    /** @return the longest duration the spec adds to a time (a reservation, a lease, a pool TTL, a queue wait) */
    long longestDuration() {
        return Math.max(Math.max(heartbeatTimeout, Math.max(defaultBudget, proBudget) + deadlineMargin),
                Math.max(poolTtl, queueTimeout));
    }

    /** @return the CONSTANTS lines of a cfg for TraceSpec (the sets are unused by the actions it calls) */
    String cfgConstants() {
        return String.join("\n",
                "    Keys = {}", "    SessionIds = {}", "    Holders = {}",
                "    RequestClasses = {\"default\", \"pro\"}",
                "    NoSession = NoSession",
                "    MaxPerKey = " + maxPerKey, "    GlobalMax = " + globalMax, "    QueueCapacity = " + queueCapacity,
                "    HeartbeatTimeout = " + heartbeatTimeout, "    DefaultBudget = " + defaultBudget,
                "    ProBudget = " + proBudget, "    DeadlineMargin = " + deadlineMargin, "    PoolTtl = " + poolTtl,
                "    QueueTimeout = " + queueTimeout,
                "    MaxTime = 2000000000", "    MaxRequests = 0", "");
    }

    /** The trace or configuration uses something the spec does not model. */
    static final class OutOfModelException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutOfModelException(String what) {
            super("outside the spec's model: " + what);
        }
    }
}
