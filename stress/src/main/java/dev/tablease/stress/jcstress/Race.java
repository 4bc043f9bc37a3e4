package dev.tablease.stress.jcstress;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.stress.Facades;
import dev.tablease.stress.LeaseFacade;

import java.util.List;
import java.util.function.Predicate;

/**
 * Shared plumbing of the jcstress races: the facade under test (chosen by {@code -Dtablease.facade},
 * the real {@code SharedLeaseKernel} by default) and the result codes. An actor never throws: an
 * exception becomes {@link #THREW}, so a broken facade shows up as a FORBIDDEN outcome, not as a
 * harness error.
 */
final class Race {
    /** The actor's input was refused as malformed because its {@code now} was behind the kernel's clock. */
    static final int TIME_WENT_BACKWARDS = 3;
    /** The actor's call threw something else (only a broken facade does). */
    static final int THREW = 8;
    /** The step's decisions fit none of the expected shapes. */
    static final int UNEXPECTED = 9;

    private Race() {
    }

    static LeaseFacade facade(KernelConfig config) {
        return Facades.selected().create(config);
    }

    /** Applies one input and classifies its step; never throws. */
    static int apply(LeaseFacade f, Input input, Classifier classifier) {
        try {
            return classifier.classify(f.apply(input).decisions());
        } catch (InvalidInputException e) {
            return e.problem() == InvalidInputException.Problem.TIME_WENT_BACKWARDS ? TIME_WENT_BACKWARDS : THREW;
        } catch (Throwable e) {
            return THREW;
        }
    }

    /** Applies a setup input; the setup runs on one thread, before the actors. */
    static SharedLeaseKernel.Step setup(LeaseFacade f, Input input) {
        return f.apply(input);
    }

    /** @return a snapshot that satisfies every state invariant, or {@code null} (broken, or the snapshot threw) */
    static KernelState healthy(LeaseFacade f) {
        try {
            KernelState s = f.snapshot();
            List<InvariantChecker.Violation> v = InvariantChecker.check(f.config(), s);
            return v.isEmpty() ? s : null;
        } catch (Throwable e) {
            return null;
        }
    }

    static Session session(KernelState s, String id) {
        return s.sessions().stream().filter(x -> x.sessionId().equals(id)).findFirst().orElse(null);
    }

    static long count(List<Decision> ds, Predicate<Decision> p) {
        return ds.stream().filter(p).count();
    }

    static <T extends Decision> T only(List<Decision> ds, Class<T> type) {
        List<T> found = ds.stream().filter(type::isInstance).map(type::cast).toList();
        return found.size() == 1 ? found.get(0) : null;
    }

    /** Turns one step's decisions into a result code. */
    @FunctionalInterface
    interface Classifier {
        int classify(List<Decision> decisions);
    }
}
