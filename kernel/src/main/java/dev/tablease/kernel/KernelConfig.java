package dev.tablease.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's settings: immutable, validated at construction. An impossible value is refused with an
 * {@link InvalidConfigException} that names the setting. All durations are in milliseconds.
 *
 * <p>The documented defaults ({@code docs/configuration.md}) are generated from {@link #settings()}
 * and a test checks them against this class, so the docs cannot go stale.
 *
 * @param maxPerKey                 cap on tabs of one key, in any state, unless overridden
 * @param maxPerKeyOverrides        per-key caps that replace {@code maxPerKey}
 * @param globalMax                 cap on all tabs, in any state
 * @param poolTtlMillis             how long an idle tab stays in the pool
 * @param heartbeatIntervalMillis   how often a driver is expected to heartbeat
 * @param missedHeartbeats          how many missed heartbeats make a driver dead
 * @param requestClassBudgetsMillis the deadline budget of each request class
 * @param deadlineMarginMillis      added to every budget: deadline = bind time + budget + margin
 * @param queueCapacity             bound of each key's queue and of each session's driver queue
 * @param queueTimeoutMillis        how long a request may wait before {@link RejectReason#QUEUE_TIMEOUT}
 */
public record KernelConfig(int maxPerKey, Map<String, Integer> maxPerKeyOverrides, int globalMax,
                           long poolTtlMillis, long heartbeatIntervalMillis, int missedHeartbeats,
                           Map<String, Long> requestClassBudgetsMillis, long deadlineMarginMillis,
                           int queueCapacity, long queueTimeoutMillis) {

    /** The name of the request class used when a caller does not choose one. */
    public static final String DEFAULT_CLASS = "default";

    /** One documented setting: its name, its default value, its unit and what it means. */
    public record Setting(String name, String defaultValue, String unit, String meaning) {
    }

    /**
     * Validates every setting and copies the maps.
     *
     * @param maxPerKey                 cap on tabs of one key, in any state, unless overridden
     * @param maxPerKeyOverrides        per-key caps that replace {@code maxPerKey}
     * @param globalMax                 cap on all tabs, in any state
     * @param poolTtlMillis             how long an idle tab stays in the pool
     * @param heartbeatIntervalMillis   how often a driver is expected to heartbeat
     * @param missedHeartbeats          how many missed heartbeats make a driver dead
     * @param requestClassBudgetsMillis the deadline budget of each request class
     * @param deadlineMarginMillis      added to every budget
     * @param queueCapacity             bound of each key's queue and of each session's driver queue
     * @param queueTimeoutMillis        how long a request may wait
     * @throws InvalidConfigException naming the first impossible setting
     */
    public KernelConfig {
        if (maxPerKeyOverrides == null) {
            throw new InvalidConfigException("maxPerKeyOverrides", "must not be null (use an empty map)");
        }
        if (requestClassBudgetsMillis == null) {
            throw new InvalidConfigException("requestClassBudgetsMillis", "must not be null");
        }
        for (String key : maxPerKeyOverrides.keySet()) {
            if (key == null) {
                throw new InvalidConfigException("maxPerKeyOverrides", "a key is null");
            }
        }
        for (String name : requestClassBudgetsMillis.keySet()) {
            if (name == null) {
                throw new InvalidConfigException("requestClassBudgetsMillis", "a request class name is null");
            }
        }
        maxPerKeyOverrides = Collections.unmodifiableMap(new TreeMap<>(maxPerKeyOverrides));
        requestClassBudgetsMillis = Collections.unmodifiableMap(new TreeMap<>(requestClassBudgetsMillis));
        atLeast("maxPerKey", maxPerKey, 1);
        atLeast("globalMax", globalMax, 1);
        for (Map.Entry<String, Integer> e : maxPerKeyOverrides.entrySet()) {
            String name = "maxPerKeyOverrides[" + e.getKey() + "]";
            if (e.getKey().isBlank()) {
                throw new InvalidConfigException("maxPerKeyOverrides", "a key is blank");
            }
            if (e.getValue() == null) {
                throw new InvalidConfigException(name, "is null");
            }
            atLeast(name, e.getValue(), 1);
        }
        atLeast("poolTtlMillis", poolTtlMillis, 1);
        atLeast("heartbeatIntervalMillis", heartbeatIntervalMillis, 1);
        atLeast("missedHeartbeats", missedHeartbeats, 1);
        atLeast("deadlineMarginMillis", deadlineMarginMillis, 0);
        atLeast("queueCapacity", queueCapacity, 1);
        atLeast("queueTimeoutMillis", queueTimeoutMillis, 1);
        if (requestClassBudgetsMillis.isEmpty()) {
            throw new InvalidConfigException("requestClassBudgetsMillis", "needs at least one request class");
        }
        if (!requestClassBudgetsMillis.containsKey(DEFAULT_CLASS)) {
            throw new InvalidConfigException("requestClassBudgetsMillis",
                    "needs the request class '" + DEFAULT_CLASS + "'");
        }
        for (Map.Entry<String, Long> e : requestClassBudgetsMillis.entrySet()) {
            if (e.getKey().isBlank()) {
                throw new InvalidConfigException("requestClassBudgetsMillis", "a request class name is blank");
            }
            if (e.getValue() == null) {
                throw new InvalidConfigException("requestClassBudgetsMillis[" + e.getKey() + "]", "is null");
            }
            atLeast("requestClassBudgetsMillis[" + e.getKey() + "]", e.getValue(), 1);
        }
        long timeout;
        try {
            timeout = Math.multiplyExact(heartbeatIntervalMillis, (long) missedHeartbeats);
        } catch (ArithmeticException overflow) {
            throw new InvalidConfigException("missedHeartbeats", "heartbeatIntervalMillis x missedHeartbeats overflows");
        }
        for (Map.Entry<String, Long> e : requestClassBudgetsMillis.entrySet()) {
            long shortest = e.getValue() + deadlineMarginMillis;
            if (timeout > shortest) {
                throw new InvalidConfigException("missedHeartbeats",
                        "the heartbeat timeout (heartbeatIntervalMillis x missedHeartbeats = " + timeout
                                + " ms) is longer than the deadline of request class '" + e.getKey() + "' ("
                                + shortest + " ms): a dead driver would never be detected before the deadline");
            }
        }
    }

    private static void atLeast(String setting, long value, long min) {
        if (value < min) {
            throw new InvalidConfigException(setting, "must be at least " + min + ", was " + value);
        }
    }

    /** @return the documented defaults: caps 3/8, pool TTL 30 min, beat 60 s x 3, default 15 min, pro 5400 s */
    public static KernelConfig defaults() {
        return builder().build();
    }

    /** @return a builder starting from the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from this config */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxPerKey = maxPerKey;
        b.maxPerKeyOverrides = new TreeMap<>(maxPerKeyOverrides);
        b.globalMax = globalMax;
        b.poolTtlMillis = poolTtlMillis;
        b.heartbeatIntervalMillis = heartbeatIntervalMillis;
        b.missedHeartbeats = missedHeartbeats;
        b.requestClassBudgetsMillis = new TreeMap<>(requestClassBudgetsMillis);
        b.deadlineMarginMillis = deadlineMarginMillis;
        b.queueCapacity = queueCapacity;
        b.queueTimeoutMillis = queueTimeoutMillis;
        return b;
    }

    /**
     * The cap of one key.
     *
     * @param key a vendor/profile key
     * @return its override, else {@code maxPerKey}
     */
    public int maxPerKey(String key) {
        return maxPerKeyOverrides.getOrDefault(key, maxPerKey);
    }

    /** @return after how long without a heartbeat a driver is dead: interval x missed beats, in milliseconds */
    public long heartbeatTimeoutMillis() {
        return heartbeatIntervalMillis * missedHeartbeats;
    }

    /**
     * @param requestClass a configured request class
     * @return the time from binding to deadline: budget + margin, in milliseconds
     * @throws InvalidInputException for an unknown request class
     */
    public long reservationMillis(String requestClass) {
        Long budget = requestClassBudgetsMillis.get(requestClass);
        if (budget == null) {
            throw new InvalidInputException(InvalidInputException.Problem.UNKNOWN_REQUEST_CLASS,
                    "request class '" + requestClass + "' is not one of " + requestClassBudgetsMillis.keySet());
        }
        return budget + deadlineMarginMillis;
    }

    /** @return every setting with its value in this config, in documentation order */
    public List<Setting> settings() {
        List<Setting> s = new ArrayList<>();
        s.add(new Setting("maxPerKey", Integer.toString(maxPerKey), "tabs",
                "Cap on the tabs of one key (vendor/profile), counting OPENING, POOLED, RESERVED and CLOSING."));
        s.add(new Setting("maxPerKeyOverrides", maxPerKeyOverrides.toString(), "tabs per key",
                "Per-key caps that replace maxPerKey."));
        s.add(new Setting("globalMax", Integer.toString(globalMax), "tabs",
                "Cap on all tabs, in every state."));
        s.add(new Setting("poolTtlMillis", Long.toString(poolTtlMillis), "ms",
                "How long an idle tab stays warm in the pool before it is closed."));
        s.add(new Setting("heartbeatIntervalMillis", Long.toString(heartbeatIntervalMillis), "ms",
                "How often a driver heartbeats its lease."));
        s.add(new Setting("missedHeartbeats", Integer.toString(missedHeartbeats), "beats",
                "Missed heartbeats after which a driver is dead: heartbeatTimeoutMillis = interval x this = "
                        + heartbeatTimeoutMillis() + " ms."));
        for (Map.Entry<String, Long> e : requestClassBudgetsMillis.entrySet()) {
            s.add(new Setting("requestClassBudgetsMillis[" + e.getKey() + "]", Long.toString(e.getValue()), "ms",
                    "Deadline budget of request class '" + e.getKey() + "'."));
        }
        s.add(new Setting("deadlineMarginMillis", Long.toString(deadlineMarginMillis), "ms",
                "Added to every budget: deadline = bind time + budget + margin."));
        s.add(new Setting("queueCapacity", Integer.toString(queueCapacity), "requests",
                "Bound of each key's queue of waiting sessions and of each session's queue of waiting drivers."));
        s.add(new Setting("queueTimeoutMillis", Long.toString(queueTimeoutMillis), "ms",
                "How long a request may wait before it is rejected with QUEUE_TIMEOUT."));
        return s;
    }

    /** Builds a {@link KernelConfig}; starts from the defaults. Not thread-safe. */
    public static final class Builder {
        private int maxPerKey = 3;
        private Map<String, Integer> maxPerKeyOverrides = new TreeMap<>();
        private int globalMax = 8;
        private long poolTtlMillis = 30 * 60_000L;
        private long heartbeatIntervalMillis = 60_000L;
        private int missedHeartbeats = 3;
        private Map<String, Long> requestClassBudgetsMillis = new TreeMap<>(Map.of(
                DEFAULT_CLASS, 15 * 60_000L,
                "pro", 5_400_000L));
        private long deadlineMarginMillis = 60_000L;
        private int queueCapacity = 16;
        private long queueTimeoutMillis = 5 * 60_000L;

        private Builder() {
        }

        /**
         * Sets {@code maxPerKey}.
         *
         * @param tabs cap on the tabs of one key, unless overridden
         * @return this builder
         */
        public Builder maxPerKey(int tabs) {
            this.maxPerKey = tabs;
            return this;
        }

        /**
         * Overrides the cap of one key ({@code maxPerKeyOverrides}).
         *
         * @param key  the key
         * @param tabs its cap
         * @return this builder
         */
        public Builder maxPerKey(String key, int tabs) {
            this.maxPerKeyOverrides.put(key, tabs);
            return this;
        }

        /**
         * Sets {@code globalMax}.
         *
         * @param tabs cap on all tabs
         * @return this builder
         */
        public Builder globalMax(int tabs) {
            this.globalMax = tabs;
            return this;
        }

        /**
         * Sets {@code poolTtlMillis}.
         *
         * @param millis how long an idle tab stays pooled
         * @return this builder
         */
        public Builder poolTtlMillis(long millis) {
            this.poolTtlMillis = millis;
            return this;
        }

        /**
         * Sets {@code heartbeatIntervalMillis}.
         *
         * @param millis how often a driver heartbeats
         * @return this builder
         */
        public Builder heartbeatIntervalMillis(long millis) {
            this.heartbeatIntervalMillis = millis;
            return this;
        }

        /**
         * Sets {@code missedHeartbeats}.
         *
         * @param beats missed beats after which a driver is dead
         * @return this builder
         */
        public Builder missedHeartbeats(int beats) {
            this.missedHeartbeats = beats;
            return this;
        }

        /**
         * Adds or replaces a request class ({@code requestClassBudgetsMillis}).
         *
         * @param name         the class name
         * @param budgetMillis its deadline budget
         * @return this builder
         */
        public Builder requestClass(String name, long budgetMillis) {
            this.requestClassBudgetsMillis.put(name, budgetMillis);
            return this;
        }

        /**
         * Sets {@code deadlineMarginMillis}.
         *
         * @param millis added to every budget
         * @return this builder
         */
        public Builder deadlineMarginMillis(long millis) {
            this.deadlineMarginMillis = millis;
            return this;
        }

        /**
         * Sets {@code queueCapacity}.
         *
         * @param requests bound of each key's and each session's queue
         * @return this builder
         */
        public Builder queueCapacity(int requests) {
            this.queueCapacity = requests;
            return this;
        }

        /**
         * Sets {@code queueTimeoutMillis}.
         *
         * @param millis how long a request may wait
         * @return this builder
         */
        public Builder queueTimeoutMillis(long millis) {
            this.queueTimeoutMillis = millis;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration
         * @throws InvalidConfigException naming the first impossible setting
         */
        public KernelConfig build() {
            return new KernelConfig(maxPerKey, maxPerKeyOverrides, globalMax, poolTtlMillis,
                    heartbeatIntervalMillis, missedHeartbeats, requestClassBudgetsMillis, deadlineMarginMillis,
                    queueCapacity, queueTimeoutMillis);
        }
    }
}
