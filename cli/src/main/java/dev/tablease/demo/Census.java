package dev.tablease.demo;

import dev.tablease.testkit.Cdp;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Tab;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts the browser's tabs as CDP sees them ({@code Target.getTargets} over a second, raw CDP client),
 * attributed to keys through the kernel's state, and keeps the maxima. The browser's own first page
 * (there before the demo opened anything) is left out.
 */
final class Census {

    /** One count. {@code unattributed}: pages the kernel does not know (yet): a tab being opened, or a leak. */
    record Sample(Map<String, Integer> perKey, int total, int unattributed, KernelState state) {
    }

    private final URI browserWs;
    private final Set<String> baseline;
    private final KernelConfig config;
    private final Map<String, Integer> maxPerKey = new TreeMap<>();
    private int maxTotal;
    private int maxUnattributed;
    private long samples;
    private Sample last;

    Census(URI browserWs, Set<String> baseline, KernelConfig config, List<String> keys) {
        this.browserWs = browserWs;
        this.baseline = Set.copyOf(baseline);
        this.config = config;
        for (String k : keys) {
            maxPerKey.put(k, 0);
        }
    }

    /** Takes one sample: the targets first, then the kernel's state (so that a page is never older than its tab). */
    synchronized Sample sample(java.util.function.Supplier<KernelState> state) throws Exception {
        List<String> pages = Cdp.pageTargets(browserWs);
        KernelState s = state.get();
        Map<String, String> keyOf = new HashMap<>();
        for (Tab t : s.tabs()) {
            if (t.targetId() != null) {
                keyOf.put(t.targetId(), t.key());
            }
        }
        Map<String, Integer> perKey = new TreeMap<>();
        for (String k : maxPerKey.keySet()) {
            perKey.put(k, 0);
        }
        int total = 0;
        int unattributed = 0;
        for (String p : pages) {
            if (baseline.contains(p)) {
                continue;
            }
            total++;
            String key = keyOf.get(p);
            if (key == null) {
                unattributed++;
            } else {
                perKey.merge(key, 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> e : perKey.entrySet()) {
            maxPerKey.merge(e.getKey(), e.getValue(), Math::max);
        }
        maxTotal = Math.max(maxTotal, total);
        maxUnattributed = Math.max(maxUnattributed, unattributed);
        samples++;
        last = new Sample(perKey, total, unattributed, s);
        return last;
    }

    synchronized Sample last() {
        return last;
    }

    synchronized Map<String, Integer> maxPerKey() {
        return new TreeMap<>(maxPerKey);
    }

    synchronized int maxTotal() {
        return maxTotal;
    }

    synchronized int maxUnattributed() {
        return maxUnattributed;
    }

    synchronized long samples() {
        return samples;
    }

    /** @return whether every maximum stayed within the caps */
    synchronized boolean withinCaps() {
        if (maxTotal > config.globalMax()) {
            return false;
        }
        for (Map.Entry<String, Integer> e : maxPerKey.entrySet()) {
            if (e.getValue() > config.maxPerKey(e.getKey())) {
                return false;
            }
        }
        return true;
    }
}
