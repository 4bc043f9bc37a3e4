package dev.tablease.stress;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.stress.broken.LostUpdateLeaseFacade;
import dev.tablease.stress.broken.UnlockedLeaseFacade;

import java.util.Locale;
import java.util.function.Function;

/**
 * Chooses the facade under test. {@code -Dtablease.facade=real} (the default) is the production
 * {@link SharedLeaseKernel} itself, not a copy; {@code unlocked} and {@code lost-update} are the broken
 * variants of {@code dev.tablease.stress.broken}, used to show that the tools catch races.
 */
public enum Facades {
    /** The production facade: {@link SharedLeaseKernel}, delegated to as is. */
    REAL("real", Real::new),
    /** Broken: the same tick-then-apply logic with no lock at all. */
    UNLOCKED("unlocked", UnlockedLeaseFacade::new),
    /** Broken: check-then-act: reads the state under the lock, computes outside it, writes it back. */
    LOST_UPDATE("lost-update", LostUpdateLeaseFacade::new);

    /** The system property that selects the facade in jcstress forks, the soak and the tests. */
    public static final String PROPERTY = "tablease.facade";

    private final String id;
    private final Function<KernelConfig, LeaseFacade> factory;

    Facades(String id, Function<KernelConfig, LeaseFacade> factory) {
        this.id = id;
        this.factory = factory;
    }

    /** @return the name used in {@code -Dtablease.facade=...} */
    public String id() {
        return id;
    }

    /** @return a new facade of this kind over a fresh kernel */
    public LeaseFacade create(KernelConfig config) {
        return factory.apply(config);
    }

    /** @return the facade chosen by {@code -Dtablease.facade} (default {@code real}) */
    public static Facades selected() {
        return byId(System.getProperty(PROPERTY, REAL.id));
    }

    public static Facades byId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (Facades f : values()) {
            if (f.id.equals(wanted) || f.name().toLowerCase(Locale.ROOT).equals(wanted)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown facade '" + id + "' (real, unlocked, lost-update)");
    }

    /** The production facade, delegated to unchanged. */
    static final class Real implements LeaseFacade {
        private final SharedLeaseKernel shared;

        Real(KernelConfig config) {
            this.shared = new SharedLeaseKernel(config);
        }

        @Override
        public SharedLeaseKernel.Step apply(Input input) {
            return shared.apply(input);
        }

        @Override
        public KernelState snapshot() {
            return shared.snapshot();
        }

        @Override
        public KernelConfig config() {
            return shared.config();
        }
    }
}
