package dev.tablease.demo;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.ForwardingKernelStore;
import dev.tablease.store.KernelStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Counts the decisions of every transition that goes through it (grants, queued, rejections, expiries,
 * reservations ended by their deadline) and remembers the tabs each session was granted, for the demo's
 * status line and summary. Listeners see every decision (the demo prints the notable ones).
 */
final class CountingStore extends ForwardingKernelStore {

    final LongAdder grants = new LongAdder();
    final LongAdder queued = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder heartbeatExpiries = new LongAdder();
    final LongAdder deadlineExpiries = new LongAdder();
    final LongAdder tabGoneRevocations = new LongAdder();
    final LongAdder reclaimed = new LongAdder();
    final LongAdder resets = new LongAdder();
    final LongAdder navigations = new LongAdder();
    /** session → the target ids of its grants, in order */
    private final Map<String, List<String>> grantedTabs = new ConcurrentHashMap<>();
    private final List<Consumer<Decision>> listeners = new CopyOnWriteArrayList<>();

    CountingStore(KernelStore delegate) {
        super(delegate);
    }

    void onDecision(Consumer<Decision> listener) {
        listeners.add(listener);
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        SharedLeaseKernel.Step step = delegate.apply(input, inLogOrder);
        for (Decision d : step.decisions()) {
            if (d instanceof Decision.Granted g) {
                grants.increment();
                grantedTabs.computeIfAbsent(g.sessionId(), k -> new CopyOnWriteArrayList<>()).add(g.targetId());
            } else if (d instanceof Decision.Queued) {
                queued.increment();
            } else if (d instanceof Decision.Rejected) {
                rejected.increment();
            } else if (d instanceof Decision.Revoked r) {
                if (r.reason() == RevokeReason.HEARTBEAT_MISSED) {
                    heartbeatExpiries.increment();
                } else if (r.reason() == RevokeReason.DEADLINE) {
                    deadlineExpiries.increment();
                } else {
                    tabGoneRevocations.increment();
                }
            } else if (d instanceof Decision.ReservationEnded e && e.reason() == EndReason.DEADLINE) {
                reclaimed.increment();
            } else if (d instanceof Decision.ResetTab) {
                resets.increment();
            } else if (d instanceof Decision.Navigate) {
                navigations.increment();
            }
            for (Consumer<Decision> l : listeners) {
                l.accept(d);
            }
        }
        return step;
    }

    /** @return the target ids of every grant of {@code sessionId}, in order */
    List<String> grantedTabs(String sessionId) {
        return new ArrayList<>(grantedTabs.getOrDefault(sessionId, List.of()));
    }

    long expiries() {
        return heartbeatExpiries.sum() + deadlineExpiries.sum();
    }
}
