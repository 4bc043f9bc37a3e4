package dev.tablease.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Shared inputs of the conformance tests: seeds, shapes, and the simulated behaviours (one TLC run). */
final class ConformanceFixtures {

    /** Base seed of the random traces; override with -Dconformance.seed=N to explore. */
    static final long SEED = Long.getLong("conformance.seed", 20_261_127L);
    /** Seed of TLC -simulate; override with -Dconformance.simSeed=N. */
    static final long SIM_SEED = Long.getLong("conformance.simSeed", 4L);
    static final int SIM_BEHAVIOURS = Integer.getInteger("conformance.behaviours", 1000);
    static final int SIM_DEPTH = Integer.getInteger("conformance.depth", 30);

    /** TabLeaseSafety.cfg's shape (2 keys share 1 tab) and TabLeaseLarge.cfg's (MaxPerKey 1 < GlobalMax 2). */
    static final SpecConstants SAFETY = SpecConstants.model(1, 1);
    static final SpecConstants LARGE = SpecConstants.model(1, 2);
    /** TabLeaseSim.cfg's constants. */
    static final SpecConstants SIM = SpecConstants.model(1, 2);

    private static List<ModelBasedReplay.Behaviour> behaviours;

    private ConformanceFixtures() {
    }

    /** @return {@code count} random runs of 50-200 steps of the kernel variant, seeds printed */
    static List<TraceTranslator.Run> randomRuns(String shape, long seed, int count, SpecConstants c,
                                                KernelUnderTest.Variant variant, int keys, int sessions) {
        Random r = new Random(seed);
        List<TraceTranslator.Run> runs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long s = r.nextLong();
            int steps = 50 + r.nextInt(151);
            runs.add(TraceGenerator.generate(shape + " seed " + s + " (" + steps + " steps)", s, variant.build(c),
                    keys, sessions, steps));
            System.out.println("conformance: random trace " + shape + " #" + (i + 1) + " seed " + s + ", " + steps + " steps");
        }
        return runs;
    }

    private static RuntimeException simFailure;

    static synchronized List<ModelBasedReplay.Behaviour> behaviours() {
        if (simFailure != null) {
            throw simFailure;
        }
        if (behaviours == null) {
          try {
            Path dir = TlcRuns.freshRunDir("sim");
            long t0 = System.nanoTime();
            List<Path> files = ModelBasedReplay.simulate(dir, SIM_BEHAVIOURS, SIM_DEPTH, SIM_SEED, Duration.ofMinutes(5));
            List<ModelBasedReplay.Behaviour> bs = new ArrayList<>();
            for (Path f : files) {
                bs.add(ModelBasedReplay.parse(f));
            }
            System.out.printf("conformance: TLC -simulate num=%d -depth %d -seed %d: %d behaviours parsed in %.1f s%n",
                    SIM_BEHAVIOURS, SIM_DEPTH, SIM_SEED, bs.size(), (System.nanoTime() - t0) / 1e9);
            behaviours = bs;
          } catch (RuntimeException | Error e) {
            simFailure = new IllegalStateException("TLC -simulate or the parse failed", e);
            throw e;
          }
        }
        return behaviours;
    }
}
