package dev.tablease.stress;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

import java.lang.reflect.Method;
import java.util.List;

/**
 * Lincheck budgets, from system properties (set by the pom; raised by {@code -Pstress-long}):
 * {@code lincheck.iterations} random scenarios per strategy, {@code lincheck.invocations} interleavings
 * per scenario under model checking, {@code lincheck.stress.invocations} runs per scenario under stress.
 * Both strategies also run two hand-written scenarios first: a binding race and the seed's race (a).
 */
final class LincheckBudget {
    private LincheckBudget() {
    }

    static int iterations() {
        return Integer.getInteger("lincheck.iterations", 6);
    }

    static ModelCheckingOptions modelChecking(Class<? extends LeaseOperations> test) {
        return new ModelCheckingOptions()
                .iterations(iterations())
                .invocationsPerIteration(Integer.getInteger("lincheck.invocations", 40))
                .threads(2).actorsPerThread(3).actorsBefore(3).actorsAfter(1)
                .addCustomScenario(twoSessionsForOnePooledTab(test))
                .addCustomScenario(sendAndPollOnOneDetachedSession(test))
                .sequentialSpecification(KernelSequentialSpecification.class);
    }

    static StressOptions stress(Class<? extends LeaseOperations> test) {
        return new StressOptions()
                .iterations(iterations())
                .invocationsPerIteration(Integer.getInteger("lincheck.stress.invocations", 2000))
                .threads(3).actorsPerThread(3).actorsBefore(3).actorsAfter(1)
                .addCustomScenario(twoSessionsForOnePooledTab(test))
                .addCustomScenario(sendAndPollOnOneDetachedSession(test))
                .sequentialSpecification(KernelSequentialSpecification.class);
    }

    /**
     * Binding race (the seed's defects 2 and 5): s1 finished, so tab 1 (key a, cap 1) is pooled; s1 again
     * and s3 both want a tab of key a at once. One binds tab 1, the other waits: never two grants on it.
     */
    static ExecutionScenario twoSessionsForOnePooledTab(Class<?> test) {
        return new ExecutionScenario(
                List.of(actor(test, "release", 1, 1, 1, 0)),
                List.of(List.of(actor(test, "acquire", 1, 1, 0)), List.of(actor(test, "acquire", 3, 2, 0))),
                List.of(actor(test, "heartbeat", 1, 3, 0)),
                null);
    }

    /** Race (a): s1 detached (reserved, not driven); two drivers ask for its lease at once; exactly one gets it. */
    static ExecutionScenario sendAndPollOnOneDetachedSession(Class<?> test) {
        return new ExecutionScenario(
                List.of(actor(test, "release", 1, 1, 0, 0)),
                List.of(List.of(actor(test, "acquire", 1, 1, 0)), List.of(actor(test, "acquire", 1, 2, 0))),
                List.of(actor(test, "heartbeat", 1, 3, 0)),
                null);
    }

    private static Actor actor(Class<?> test, String operation, Object... args) {
        for (Method m : test.getMethods()) {
            if (m.getName().equals(operation) && m.getParameterCount() == args.length) {
                return new Actor(m, List.of(args), false, false, false, false, false);
            }
        }
        throw new IllegalArgumentException("no operation " + operation + "/" + args.length + " on " + test);
    }
}
