package dev.tablease.serve.internal;

import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The read-only status: a consistent snapshot of the kernel's state (keys, tabs, sessions, queues) shaped for
 * clients. It shows, never decides: nothing is applied to the kernel, so nothing expires by being looked at.
 * <b>It carries no token</b>: the driver leases appear with their holder, last beat and expiry only.
 */
final class StatusView {

    private StatusView() {
    }

    /** The holder names the clients gave, for the kernel's holder names and request ids. */
    interface Names {
        /** @return the client's holder name of the lease the kernel names {@code kernelHolder}, or {@code null} */
        String ofLease(String kernelHolder);

        /** @return the client's holder name of the waiting request {@code requestId}, or {@code null} */
        String ofRequest(long requestId);
    }

    private static String orElse(String a, String b) {
        return a != null ? a : b;
    }

    /**
     * The status document.
     *
     * @param now      the kernel's last {@code now} (absolute milliseconds of the store's clock)
     * @param config   the limits the kernel enforces
     * @param keys     per key: its cap, its tabs by state, its queue length
     * @param tabs     every tab
     * @param sessions every session
     * @param queues   per key: the sessions waiting for a tab, oldest first
     */
    record Document(long now, Limits config, List<KeyView> keys, List<TabView> tabs, List<SessionView> sessions,
                    List<QueueView> queues) {
    }

    /**
     * The kernel's limits.
     *
     * @param maxPerKey               the default cap per key
     * @param globalMax               the cap over all tabs
     * @param heartbeatIntervalMillis how often a holder must heartbeat
     * @param heartbeatTimeoutMillis  after how long without a beat a lease lapses
     * @param queueCapacity           the bound of each queue
     * @param queueTimeoutMillis      how long a request may wait
     * @param requestClasses          each request class's budget in milliseconds (the deadline adds a margin)
     */
    record Limits(int maxPerKey, int globalMax, long heartbeatIntervalMillis, long heartbeatTimeoutMillis,
                  int queueCapacity, long queueTimeoutMillis, Map<String, Long> requestClasses) {
    }

    /**
     * One key.
     *
     * @param key       the vendor/profile key
     * @param maxTabs   its cap
     * @param tabs      its tabs by state (every state counts against the caps)
     * @param queued    how many sessions wait for a tab of this key
     */
    record KeyView(String key, int maxTabs, Map<TabState, Integer> tabs, int queued) {
    }

    /**
     * One tab.
     *
     * @param tabId         the kernel's id
     * @param targetId      Chrome's CDP target id (absent while OPENING)
     * @param key           its key
     * @param state         OPENING, POOLED, RESERVED or CLOSING
     * @param sessionId     the session it is reserved for or opening on behalf of (absent when none)
     * @param poolExpiresAt when a POOLED tab is closed (0 otherwise)
     */
    record TabView(long tabId, String targetId, String key, TabState state, String sessionId, long poolExpiresAt) {
    }

    /**
     * One session.
     *
     * @param sessionId       the session
     * @param key             its key
     * @param requestClass    its request class
     * @param tabId           the bound tab (0: none)
     * @param deadline        when its reservation ends at the latest (0 before it was first bound)
     * @param conversationUrl where a recovery navigates a new tab (absent when none)
     * @param recoveryCount   how many times its reservation moved to a replacement tab
     * @param waitingForTab   whether it waits in its key's queue
     * @param lease           its driver lease (absent when detached)
     * @param drivers         the drivers waiting for its lease, oldest first
     */
    record SessionView(String sessionId, String key, String requestClass, long tabId, long deadline,
                       String conversationUrl, long recoveryCount, boolean waitingForTab, LeaseView lease,
                       List<WaiterView> drivers) {
    }

    /**
     * A driver lease, without its token.
     *
     * @param holder    the holder named in the acquire (or the kernel's holder name when the lease is not held
     *                  through this service)
     * @param lastBeat  its last heartbeat
     * @param expiresAt when it lapses unless beaten before
     */
    record LeaseView(String holder, long lastBeat, long expiresAt) {
    }

    /**
     * A waiting driver.
     *
     * @param requestId     the request
     * @param holder        the holder named in the acquire (or the kernel's holder name)
     * @param queueDeadline when it is rejected if it still waits
     */
    record WaiterView(long requestId, String holder, long queueDeadline) {
    }

    /**
     * One key's queue.
     *
     * @param key      the key
     * @param sessions the sessions waiting for a tab of it, oldest first
     */
    record QueueView(String key, List<String> sessions) {
    }

    /**
     * Shapes a snapshot.
     *
     * @param state        the snapshot
     * @param config       the kernel's config
     * @param names        the holder names the clients gave
     * @return the document
     */
    static Document of(KernelState state, KernelConfig config, Names names) {
        TreeSet<String> keyNames = new TreeSet<>();
        state.tabs().forEach(t -> keyNames.add(t.key()));
        state.sessions().forEach(s -> keyNames.add(s.key()));
        Map<String, List<Session>> waiting = new TreeMap<>();
        for (Session s : state.sessions()) {
            if (s.isWaiting()) {
                waiting.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(s);
            }
        }
        waiting.values().forEach(l -> l.sort(Comparator.comparingLong(Session::waitSeq)));
        List<KeyView> keys = new ArrayList<>();
        for (String k : keyNames) {
            Map<TabState, Integer> byState = new EnumMap<>(TabState.class);
            for (TabState st : TabState.values()) {
                byState.put(st, 0);
            }
            state.tabs().stream().filter(t -> t.key().equals(k)).forEach(t -> byState.merge(t.state(), 1, Integer::sum));
            keys.add(new KeyView(k, config.maxPerKey(k), byState, waiting.getOrDefault(k, List.of()).size()));
        }
        List<TabView> tabs = state.tabs().stream().sorted(Comparator.comparingLong(Tab::tabId))
                .map(t -> new TabView(t.tabId(), t.targetId(), t.key(), t.state(), t.sessionId(), t.poolExpiresAt()))
                .toList();
        List<SessionView> sessions = state.sessions().stream().sorted(Comparator.comparing(Session::sessionId))
                .map(s -> new SessionView(s.sessionId(), s.key(), s.requestClass(), s.tabId(), s.deadline(),
                        s.conversationUrl(), s.recoveryCount(), s.isWaiting(),
                        s.lease() == null ? null
                                : new LeaseView(orElse(names.ofLease(s.lease().holder()), s.lease().holder()), s.lease().lastBeat(), s.lease().expiresAt()),
                        s.drivers().stream().map((DriverWaiter w) -> new WaiterView(w.requestId(),
                                orElse(names.ofRequest(w.requestId()), w.holder()),
                                w.queueDeadline())).toList()))
                .toList();
        List<QueueView> queues = waiting.entrySet().stream()
                .map(e -> new QueueView(e.getKey(), e.getValue().stream().map(Session::sessionId).toList())).toList();
        Limits limits = new Limits(config.maxPerKey(), config.globalMax(), config.heartbeatIntervalMillis(),
                config.heartbeatTimeoutMillis(), config.queueCapacity(), config.queueTimeoutMillis(),
                new TreeMap<>(config.requestClassBudgetsMillis()));
        return new Document(state.lastNow(), limits, keys, tabs, sessions, queues);
    }
}
