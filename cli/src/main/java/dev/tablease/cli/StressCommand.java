package dev.tablease.cli;

import dev.tablease.stress.Soak;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code tablease stress [options]}: the soak ({@link Soak}): concurrent workers drive random operations on
 * one shared kernel facade with a fast fake clock, checking the invariants all along, then drain and count
 * what leaked.
 */
public final class StressCommand implements Command {

    private static final List<String> OPTIONS = List.of("threads", "seconds", "minutes", "ops", "seed", "check", "facade");

    @Override
    public String name() {
        return "stress";
    }

    @Override
    public String arguments() {
        return "[--threads N] [--seconds S | --minutes M | --ops N] [--seed S] [--check step|snapshot] [--facade real|lost-update|unlocked]";
    }

    @Override
    public String summary() {
        return "soak the kernel facade with concurrent workers, checking invariants and leaks";
    }

    @Override
    public String help() {
        return """
                Runs the soak (dev.tablease.stress.Soak): N worker threads play agents, the watcher, crashes,
                tab deaths and the adapter against one shared kernel facade with a fast fake clock (3 keys,
                caps 3/8, beats every 200 fake ms), checking the invariants all along. At the end every driver
                stops, the clock jumps past every deadline and TTL, and nothing may be left (leaks). Prints
                the soak's report (operations, checks, grants, waits, rejections, expiries, reclaimed
                reservations, injected faults, leaks, violations).

                options:
                  --threads N        worker threads (default 8)
                  --seconds S        run for S seconds (default 20); --minutes M likewise
                  --ops N            stop after N operations instead
                  --seed S           the random seed (default: from the clock; printed in the report)
                  --check MODE       step: every step replayed on the pure kernel and compared (default);
                                     snapshot: workers contend for the facade's lock, invariants checked on
                                     snapshots
                  --facade F         real (default); lost-update or unlocked: deliberately broken facades,
                                     which the soak must catch (exit 1)

                exit codes:
                  0  no invariant violated, nothing leaked
                  1  a violation or a leak (the report lists the first violations)
                  2  wrong arguments
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Soak.Settings settings;
        try {
            Args a = Args.parse(args, Set.copyOf(OPTIONS), Set.of());
            a.positionalCount(0, 0, "no arguments");
            a.intValue("threads", 8, 1, 1024);
            a.doubleValue("seconds", 20, 0.001, 1e9);
            a.doubleValue("minutes", 1, 0.0001, 1e7);
            if (a.has("ops")) {
                String v = a.get("ops", "");
                try {
                    if (Long.parseLong(v) < 1) {
                        throw new Args.UsageException("--ops must be at least 1, was " + v);
                    }
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--ops must be an integer, was '" + v + "'");
                }
            }
            if (a.has("seed")) {
                try {
                    Long.parseLong(a.get("seed", ""));
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--seed must be an integer, was '" + a.get("seed", "") + "'");
                }
            }
            String check = a.get("check", "step");
            if (!check.equals("step") && !check.equals("snapshot")) {
                throw new Args.UsageException("--check must be step or snapshot, was '" + check + "'");
            }
            String facade = a.get("facade", "real");
            if (!List.of("real", "lost-update", "unlocked").contains(facade)) {
                throw new Args.UsageException("--facade must be real, lost-update or unlocked, was '" + facade + "'");
            }
            List<String> soakArgs = new ArrayList<>();
            for (String o : OPTIONS) {
                if (a.has(o)) {
                    soakArgs.add("--" + o + "=" + a.get(o, ""));
                }
            }
            settings = Soak.parse(soakArgs.toArray(String[]::new));
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        } catch (IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        try {
            Soak.Report report = Soak.run(settings);
            out.print(report.render());
            return report.passed() ? OK : FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tablease stress: interrupted");
            return FAILED;
        }
    }
}
