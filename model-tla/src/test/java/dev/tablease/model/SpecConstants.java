package dev.tablease.model;

import dev.tablease.kernel.KernelConfig;

import java.util.Map;
import java.util.Set;

/**
 * The constants of TabLease.tla that the kernel's {@link KernelConfig} stands for, both ways.
 * {@code HeartbeatTimeout} is {@code heartbeatIntervalMillis x missedHeartbeats}; {@code DefaultBudget}
 * and {@code ProBudget} are the budgets of the request classes {@code "default"} and {@code "pro"}
 * (the spec knows only these two); per-key cap overrides are not modelled.
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
        OutOfModelException(String what) {
            super("outside the spec's model: " + what);
        }
    }
}
