package dev.tablease.cli;

import dev.tablease.store.BootClock;
import dev.tablease.store.InputLogStore;
import dev.tablease.store.MillisClock;
import dev.tablease.store.StateFile;
import dev.tablease.store.StoreException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tablease export [--store <tablease.db | postgresql://…>] [--out <state.json>]}: the store's current state as
 * a JSON state file ({@code docs/store.md}, "Export, import and migration"): config, time line anchor, state.
 * Read-only.
 */
public final class ExportCommand implements Command {

    /** Where {@code --store} defaults from. */
    private final Map<String, String> env;

    public ExportCommand() {
        this(System.getenv());
    }

    /** An export command with its own environment (tests). */
    public ExportCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return "export";
    }

    @Override
    public String arguments() {
        return "[--store <tablease.db | postgresql://…>] [--out <state.json>]";
    }

    @Override
    public String summary() {
        return "write the store's state as a JSON state file";
    }

    @Override
    public String help() {
        return """
                Replays the store's log (every row checked) and writes the state it reaches as a JSON state
                file: {"format":"tablease-state","version":2,"config":...,"clock":...,"state":...}. The file
                can be read by 'tablease import' (into a new store) and by 'tablease status'.

                options:
                  --store <store>  an SQLite file or a PostgreSQL URL (postgresql://user@host:port/db; the
                                   password from the URL or $PGPASSWORD); default: $TABLEASE_STORE when
                                   set, else ~/.tablease/tablease.db
                  --out <file>     where to write; default: standard output. An existing file is not
                                   overwritten.

                exit codes:
                  0  exported
                  1  the store is corrupt, not a tablease store, or cannot be reached (nothing written)
                  2  wrong arguments, no store at that path, or --out exists
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = Args.parse(args, Set.of("store", "out"), Set.of());
            a.positionalCount(0, 0, "no arguments");
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        StoreTarget store;
        try {
            store = StoreLocation.target(a.get("store", null), env);
        } catch (IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        if (!store.exists()) {
            err.println("tablease export: no store at " + store.describe());
            return USAGE;
        }
        Path target = a.has("out") ? Path.of(a.get("out", null)) : null;
        if (target != null && Files.exists(target)) {
            err.println("tablease export: " + target + " exists; not overwritten");
            return USAGE;
        }
        byte[] bytes;
        try (InputLogStore open = store.openExisting(MillisClock.system(), BootClock.system())) {
            bytes = new StateFile().encode(new StateFile.Contents(open.config(), open.clockAnchor(), open.snapshot()));
        } catch (StoreException e) {
            err.println("tablease export: " + e.getMessage());
            return FAILED;
        }
        try {
            if (target == null) {
                out.write(bytes);
                out.flush();
            } else {
                Files.write(target, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
                err.println("exported " + store.describe() + " to " + target);
            }
        } catch (IOException e) {
            err.println("tablease export: cannot write " + target + ": " + e);
            return USAGE;
        }
        return OK;
    }
}
