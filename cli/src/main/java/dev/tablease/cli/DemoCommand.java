package dev.tablease.cli;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.demo.ChromiumSetup;
import dev.tablease.demo.Demo;
import dev.tablease.demo.NodeDemo;
import dev.tablease.model.TraceValidationException;
import dev.tablease.model.TraceValidator;
import dev.tablease.model.TraceVerdict;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code tablease demo}: the live demo on real headless Chromium ({@link Demo}).
 */
public final class DemoCommand implements Command {

    private final Function<Path, ChromiumSetup> setup;
    private final Path defaultChromium;
    private final boolean console;
    private final TraceValidator validator = new TraceValidator();

    public DemoCommand() {
        this(AdapterConfig.DEFAULT_CHROMIUM, ChromiumSetup::system, System.console() != null);
    }

    /** A demo command with its own browser setup (tests). */
    public DemoCommand(Path defaultChromium, Function<Path, ChromiumSetup> setup, boolean console) {
        this.defaultChromium = defaultChromium;
        this.setup = setup;
        this.console = console;
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String arguments() {
        return "[--agents N | --agents=node [--client-dir <dir>]] [--seconds S] [--out <dir>] [--chromium <path>] [--seed S]"
                + " [--plain] [--validate]";
    }

    @Override
    public String summary() {
        return "run agents sharing tabs on real headless Chromium, live, and check the caps and leaks";
    }

    @Override
    public String help() {
        return """
                Starts headless Chromium and a fake chat app on 127.0.0.1, then runs agents over 3 keys
                (chatgpt, claude, gemini) with caps 3 per key and 8 in all, through TabBrokers on one
                store: regular agents (new sessions with 'default' or 'pro' requests: send a prompt, poll
                the streamed answer, complete), one detached 'send' whose session the watcher picks up later
                on the same tab, two agents that crash mid-command (their simulated process freezes: no
                heartbeat, no release; the watcher takes the first one's session over once its lease
                expires, the second one's reservation is reclaimed by its deadline), and one tab closed
                from outside by a second CDP client (its session recovers onto a new tab). Demo-scale
                timings: heartbeat 500 ms x 3, budgets default 15 s and pro 25 s (+1 s), pool TTL 4 s.

                A status line about once a second: tabs per key as counted by CDP (Target.getTargets),
                driver leases, reservations, waiters, grants, expiries. At the end a summary: grants, queue
                waits p50/p99, most physical tabs per key and in total, reclaimed reservations, leaked
                tabs. The run's trace (every store transition's input and decisions, JSON Lines) is
                replayed through the replay checks, drawn as a timeline, and both paths are printed.
                With --validate, the trace is then validated against the TLA+ spec with TLC (as
                'tablease validate <trace>' does): one more row gives the steps, the distinct states and
                TLC's time, or the first step that does not conform. With the defaults the demo takes
                about a minute and a half (--validate adds 10 to 15 s).

                Needs Debian's chromium at /usr/bin/chromium: when it is missing, the demo installs it
                (apt-get update && apt-get install -y chromium) if it runs as root, apt-get exists and
                TABLEASE_INSTALL_CHROMIUM is not 0; otherwise it says what to install and exits 2.

                With --agents=node, the same story with Node.js agent processes instead (clients/node: the
                tablease-client package and its agents send, poll, watcher, driver) through a tablease serve
                started in this process on the same headless Chromium: a send that detaches and exits, a
                later poll that reattaches to the same tab while a watcher waits queued behind it, a driver
                killed with SIGKILL whose lease lapses (its tab reset and navigated back to the conversation
                for the next acquire), a holder frozen with SIGSTOP past its expiry that wakes up to find its
                heartbeat, update, release and CDP socket refused. Every step is checked (about 30 s). Needs
                Node.js 18+ and npm; installs the client's one dependency (ws) with npm ci when missing.

                options:
                  --agents N         agents in all, 6 to 60 (default 20): the watcher, 2 crashing agents and
                                     N-3 regular agents
                  --agents=node      Node.js agents through tablease serve (see above); takes --out,
                                     --chromium and --client-dir only
                  --client-dir <dir> the Node client (default: clients/node of the checkout this command
                                     was built in, else of the current directory)
                  --seconds S        how long agents start new sessions, 10 to 3600 (default 45); then the
                                     run drains (about 15 s)
                  --out <dir>        where the trace, the timeline and the log go (default: a new
                                     directory tablease-demo-<time> in the temporary directory)
                  --chromium <path>  the browser (default /usr/bin/chromium)
                  --seed S           the random seed (request classes and think times)
                  --plain            one status line per second instead of a line updated in place
                  --validate         validate the trace against TabLease.tla with TLC after the run

                files written in the output directory:
                  demo-trace.jsonl    the trace (docs/trace-format.md): tablease replay <it>
                  demo-timeline.html  its timeline: tablease timeline <trace>
                  demo.log            the adapter's log and the agents' errors

                exit codes:
                  0  the caps held (physical tabs per key and in total), no tab leaked, the trace replays
                     (and, with --validate, conforms to the spec)
                  1  a cap was exceeded, a tab leaked, the trace does not replay, or (--validate) TLC
                     rejects the trace
                  2  wrong arguments, no browser (see above), or the demo could not start; with --validate,
                     also when the demo passed but the validation gave no verdict (TLC could not run)
                """;
    }

    /** {@code --agents=node}: the story with Node.js agents through an in-process service ({@link NodeDemo}). */
    private int runNode(Args a, PrintStream out, PrintStream err) throws Args.UsageException {
        for (String other : List.of("seconds", "seed", "plain", "validate")) {
            if (a.has(other)) {
                throw new Args.UsageException("--agents=node takes --out, --chromium and --client-dir only, not --" + other);
            }
        }
        Path outDir = (a.has("out") ? Path.of(a.get("out", null)) : Path.of(System.getProperty("java.io.tmpdir"),
                "tablease-demo-node-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
                .toAbsolutePath();
        Path chromium = a.has("chromium") ? Path.of(a.get("chromium", null)) : defaultChromium;
        Path clientDir = (a.has("client-dir") ? Path.of(a.get("client-dir", null)) : defaultClientDir()).toAbsolutePath().normalize();
        try {
            String problem = NodeDemo.problem(clientDir);
            if (problem != null) {
                err.println("tablease demo --agents=node: " + problem);
                return USAGE;
            }
            if (!setup.apply(defaultChromium).ensure(chromium, out, err)) {
                return USAGE;
            }
            return NodeDemo.run(new NodeDemo.Settings(clientDir, outDir, chromium), out) ? OK : FAILED;
        } catch (IOException e) {
            err.println("tablease demo --agents=node: could not start: " + e.getMessage());
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tablease demo --agents=node: interrupted");
            return FAILED;
        } catch (Exception e) {
            err.println("tablease demo --agents=node: failed: " + e);
            return FAILED;
        }
    }

    /**
     * @return {@code clients/node} of the checkout this command runs from (the jar is
     * {@code <checkout>/cli/target/tablease-cli.jar}, the classes {@code <checkout>/cli/target/classes}), else of
     * the current directory
     */
    static Path defaultClientDir() {
        try {
            Path code = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path cli = code.getParent() == null ? null : code.getParent().getParent(); // <checkout>/cli
            if (cli != null && cli.getParent() != null) {
                Path dir = cli.getParent().resolve("clients/node");
                if (Files.isRegularFile(dir.resolve("package.json"))) {
                    return dir;
                }
            }
        } catch (Exception e) {
            // no code source: the current directory
        }
        return Path.of("clients/node");
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Demo.Settings settings;
        boolean validate;
        try {
            Args a = Args.parse(args, Set.of("agents", "seconds", "out", "chromium", "seed", "client-dir"),
                    Set.of("plain", "validate"));
            a.positionalCount(0, 0, "no arguments");
            if ("node".equals(a.get("agents", null))) {
                return runNode(a, out, err);
            }
            if (a.has("client-dir")) {
                throw new Args.UsageException("--client-dir goes with --agents=node");
            }
            int agents = a.intValue("agents", 20, 6, 60);
            int seconds = a.intValue("seconds", 45, 10, 3600);
            long seed;
            try {
                seed = Long.parseLong(a.get("seed", String.valueOf(System.nanoTime())));
            } catch (NumberFormatException e) {
                throw new Args.UsageException("--seed must be an integer, was '" + a.get("seed", "") + "'");
            }
            Path out0 = a.has("out") ? Path.of(a.get("out", null)) : Path.of(System.getProperty("java.io.tmpdir"),
                    "tablease-demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Path chromium = a.has("chromium") ? Path.of(a.get("chromium", null)) : defaultChromium;
            settings = new Demo.Settings(agents, seconds, out0.toAbsolutePath(), chromium, 1_000,
                    console && !a.has("plain"), seed);
            validate = a.has("validate");
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        try {
            if (!setup.apply(defaultChromium).ensure(settings.chromium(), out, err)) {
                return USAGE;
            }
            Demo.Report report = Demo.run(settings, out);
            if (!validate) {
                out.print(report.render());
                out.flush();
                return report.passed() ? OK : FAILED;
            }
            String validation;
            int validated;
            if (!report.replayPassed() || report.traceDivergences() > 0) {
                validation = "not run: the trace does not replay";
                validated = FAILED;
            } else {
                out.println("validating the trace against TabLease.tla with TLC ...");
                out.flush();
                try {
                    TraceVerdict v = validator.validate(List.of(report.trace()));
                    validation = ValidateCommand.line(v);
                    validated = v.conforms() ? OK : FAILED;
                } catch (TraceValidationException e) {
                    validation = "NO VERDICT (" + ValidateCommand.describe(e.problem()) + "): " + e.getMessage();
                    validated = USAGE;
                }
            }
            out.print(report.render(validation, validated == OK));
            out.flush();
            return !report.passed() ? FAILED : validated;
        } catch (IOException e) {
            err.println("tablease demo: could not start: " + e.getMessage());
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tablease demo: interrupted");
            return FAILED;
        } catch (Exception e) {
            err.println("tablease demo: failed: " + e);
            return FAILED;
        }
    }
}
