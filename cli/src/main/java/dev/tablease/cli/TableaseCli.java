package dev.tablease.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tablease} command line: {@code tablease <command> [arguments]}. Subcommands are
 * {@link Command}s registered by name; {@code --help} prints the usage, wrong arguments print a short
 * usage to standard error and exit 2.
 */
public final class TableaseCli {

    /** Commands that were removed, and what to use instead (docs/cli.md). */
    static final Map<String, String> REMOVED = Map.of("recover",
            "it restored the file store's corrupt state.json from its last good copy, and the file store is gone."
                    + " A state.json (old or exported): 'tablease import <state.json> --store <new.db>' validates it and"
                    + " makes a store from it. A database store never overwrites a row: 'tablease status' checks every"
                    + " row and names a bad one; see docs/store.md, \"Corrupt rows\".");

    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final PrintStream out;
    private final PrintStream err;

    /** A CLI with every built-in command, writing to {@code out} and {@code err}. */
    public TableaseCli(PrintStream out, PrintStream err) {
        this(out, err, builtIn());
    }

    /** @return every built-in command, in the order the usage lists them */
    public static List<Command> builtIn() {
        return List.of(new DemoCommand(), new ReplayCommand(), new ValidateCommand(), new StatusCommand(),
                new StressCommand(), new CheckModelCommand(), new TimelineCommand(),
                new ExportCommand(), new ImportCommand(), new ServeCommand());
    }

    /** A CLI with the given commands (tests). */
    public TableaseCli(PrintStream out, PrintStream err, List<Command> commands) {
        this.out = out;
        this.err = err;
        for (Command c : commands) {
            this.commands.put(c.name(), c);
        }
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        int code = new TableaseCli(out, err).run(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** @return the exit code of running {@code args} */
    public int run(String... args) {
        if (args.length == 0) {
            err.println("tablease: no command given");
            err.print(shortUsage());
            return Command.USAGE;
        }
        String name = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
            Command c = rest.isEmpty() ? null : commands.get(rest.get(0));
            out.print(c != null ? commandHelp(c) : usage());
            out.flush();
            return Command.OK;
        }
        Command command = commands.get(name);
        if (command == null && REMOVED.containsKey(name)) {
            err.println("tablease: '" + name + "' was removed: " + REMOVED.get(name));
            return Command.USAGE;
        }
        if (command == null) {
            err.println("tablease: unknown command '" + name + "'");
            err.print(shortUsage());
            return Command.USAGE;
        }
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(commandHelp(command));
            out.flush();
            return Command.OK;
        }
        int code = command.run(rest, out, err);
        out.flush();
        return code;
    }

    /** @return the one-line usage of every command, for error messages */
    String shortUsage() {
        StringBuilder s = new StringBuilder();
        for (Command c : commands.values()) {
            s.append("usage: tablease ").append(c.name()).append(' ').append(c.arguments()).append('\n');
        }
        s.append("       tablease --help\n");
        return s.toString();
    }

    /** @return the full usage: every command with its summary, and the exit codes */
    String usage() {
        StringBuilder s = new StringBuilder("usage: tablease <command> [arguments]\n\ncommands:\n");
        for (Command c : commands.values()) {
            String head = c.name() + " " + c.arguments();
            if (head.length() <= 30) {
                s.append(String.format("  %-30s %s%n", head, c.summary()));
            } else {
                s.append("  ").append(head).append('\n').append(" ".repeat(33)).append(c.summary()).append('\n');
            }
        }
        s.append("\n'tablease help <command>' or 'tablease <command> --help' explains a command.\n")
                .append("exit codes: 0 success, 1 the command found a failure, 2 wrong arguments or unusable input\n");
        return s.toString();
    }

    private static String commandHelp(Command c) {
        return "usage: tablease " + c.name() + " " + c.arguments() + "\n\n" + c.help();
    }
}
