package dev.tablease.model;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.Session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The kernel as the conformance checks see it: apply an input, take a snapshot. The real kernel, and
 * deliberately wrong variants (test-only, built around the real kernel) that both directions must reject.
 */
interface KernelUnderTest extends TraceTranslator.Kernel {

    List<Decision> apply(Input input);

    KernelState snapshot();

    /** The real kernel with the spec's constants. */
    static KernelUnderTest real(KernelConfig config) {
        return of(new LeaseKernel(config));
    }

    /** The real kernel, rebuilt from a state. */
    static KernelUnderTest restoreReal(SpecConstants c, KernelState state) {
        return of(LeaseKernel.restore(c.kernelConfig(), state));
    }

    /** {@code k} as a kernel under test. */
    private static KernelUnderTest of(LeaseKernel k) {
        return new KernelUnderTest() {
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

    /** A variant: which kernel to build for a given spec constants. */
    enum Variant {
        /** The real kernel. */
        REAL(c -> real(c.kernelConfig())),
        /** Dispatch ignores the per-key cap: the kernel runs with maxPerKey + 1. */
        IGNORES_PER_KEY_CAP(c -> real(c.kernelConfig().toBuilder().maxPerKey(c.maxPerKey() + 1)
                .globalMax(Math.max(c.globalMax(), c.maxPerKey() + 1)).build())),
        /** A Heartbeat with a stale token is accepted: the token is rewritten to the current one. */
        HEARTBEAT_ACCEPTS_STALE_TOKEN(c -> staleHeartbeat(real(c.kernelConfig()))),
        /** A reservation forgets its deadline: after each step, every deadline is pushed far out. */
        RESERVATION_FORGETS_DEADLINE(c -> forgetsDeadline(c.kernelConfig()));

        private final Function<SpecConstants, KernelUnderTest> factory;

        Variant(Function<SpecConstants, KernelUnderTest> factory) {
            this.factory = factory;
        }

        KernelUnderTest build(SpecConstants c) {
            return factory.apply(c);
        }
    }

    private static KernelUnderTest staleHeartbeat(KernelUnderTest k) {
        return new KernelUnderTest() {
            @Override
            public List<Decision> apply(Input input) {
                if (input instanceof Input.Heartbeat h) {
                    for (Session s : k.snapshot().sessions()) {
                        if (s.sessionId().equals(h.sessionId()) && s.lease() != null && s.lease().token() != h.token()) {
                            return k.apply(new Input.Heartbeat(h.now(), h.sessionId(), s.lease().token()));
                        }
                    }
                }
                return k.apply(input);
            }

            @Override
            public KernelState snapshot() {
                return k.snapshot();
            }
        };
    }

    long FAR = 1_000_000;

    private static KernelUnderTest forgetsDeadline(KernelConfig config) {
        return new KernelUnderTest() {
            private LeaseKernel k = new LeaseKernel(config);

            @Override
            public List<Decision> apply(Input input) {
                List<Decision> out = k.apply(input);
                KernelState st = k.snapshot();
                List<Session> sessions = new ArrayList<>();
                boolean changed = false;
                for (Session s : st.sessions()) {
                    if (s.deadline() != 0 && s.deadline() < FAR) {
                        s = new Session(s.sessionId(), s.key(), s.requestClass(), s.tabId(), FAR, s.conversationUrl(),
                                s.lease(), s.drivers(), s.waitSeq(), s.recoveryCount());
                        changed = true;
                    }
                    sessions.add(s);
                }
                if (changed) {
                    k = LeaseKernel.restore(config, new KernelState(st.lastNow(), st.nextToken(), st.nextTabId(),
                            st.nextRequestId(), st.nextWaitSeq(), st.tabs(), sessions));
                }
                return out;
            }

            @Override
            public KernelState snapshot() {
                return k.snapshot();
            }
        };
    }
}
