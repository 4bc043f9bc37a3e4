package dev.tablease.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The tests' TLC runs ({@link Tlc} forks TLC): every run gets a fresh directory under
 * {@code target/tlc-runs/} into which the modules and configs are copied from {@code src/main/tla} (so TLC
 * never writes into {@code src/}); each run's figures are printed and appended to {@code target/tlc-stats.txt}.
 */
final class TlcRuns {

    private static final AtomicInteger RUNS = new AtomicInteger();

    private TlcRuns() {
    }

    /** @return the model-tla module directory (surefire sets {@code basedir}) */
    static Path moduleDir() {
        return Paths.get(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    /** @return where the new design's spec lives */
    static Path specDir() {
        return moduleDir().resolve("src/main/tla");
    }

    /** @return where the old design's models live */
    static Path oldDir() {
        return specDir().resolve("old");
    }

    /** @return where the conformance modules live (TraceSpec.tla, TabLeaseSim.tla) */
    static Path conformanceDir() {
        return specDir().resolve("conformance");
    }

    /** Runs TLC on {@code module}.tla with {@code cfg}, both copied from {@code sourceDir}. */
    static Tlc.Result run(String name, Path sourceDir, String module, String cfg, Duration timeout) {
        return run(name, sourceDir, module, cfg, null, null, timeout);
    }

    /**
     * Runs TLC on a copy of {@code module}.tla in which {@code original} (which must occur exactly once)
     * is replaced by {@code replacement}; {@code original == null} runs the module unchanged.
     */
    static Tlc.Result run(String name, Path sourceDir, String module, String cfg, String original, String replacement,
                          Duration timeout) {
        try {
            Path runDir = freshRunDir(name);
            try (Stream<Path> files = Files.list(sourceDir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String fn = f.getFileName().toString();
                    if (fn.endsWith(".tla") || fn.endsWith(".cfg")) {
                        Files.copy(f, runDir.resolve(fn));
                    }
                }
            }
            if (original != null) {
                Path spec = runDir.resolve(module + ".tla");
                String text = Files.readString(spec, StandardCharsets.UTF_8);
                int first = text.indexOf(original);
                if (first < 0 || text.indexOf(original, first + 1) >= 0) {
                    throw new IllegalStateException("the guard to weaken must occur exactly once in " + module
                            + ".tla (the spec changed?): " + original);
                }
                Files.writeString(spec, text.replace(original, replacement), StandardCharsets.UTF_8);
            }
            return runPrepared(name, runDir, List.of("-config", cfg, module + ".tla"), timeout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a fresh, empty run directory under {@code target/tlc-runs/} */
    static Path freshRunDir(String name) {
        try {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
            Path runDir = moduleDir().resolve("target/tlc-runs")
                    .resolve(name + "-" + stamp + "-" + RUNS.incrementAndGet());
            Files.createDirectories(runDir);
            return runDir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link Tlc#run} in {@code runDir} (already holding the modules), then {@link #log}. */
    static Tlc.Result runPrepared(String name, Path runDir, List<String> args, Duration timeout) {
        return log(Tlc.run(name, runDir, args, timeout));
    }

    /** Prints the run's figures and appends them to {@code target/tlc-stats.txt}. */
    static Tlc.Result log(Tlc.Result r) {
        System.out.println(r.stats());
        try {
            Files.createDirectories(moduleDir().resolve("target"));
            Files.writeString(moduleDir().resolve("target/tlc-stats.txt"), r.stats() + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return r;
    }
}
