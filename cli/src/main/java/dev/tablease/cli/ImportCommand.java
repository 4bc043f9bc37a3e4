package dev.tablease.cli;

import dev.tablease.kernel.InvalidStateException;
import dev.tablease.store.StateFile;
import dev.tablease.store.StoreException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tablease import <state.json> [--store <tablease.db | postgresql://…>]}: a new store whose log starts from a
 * JSON state file's state; the one-shot migration from the removed file store ({@code ~/.tablease/state.json}).
 */
public final class ImportCommand implements Command {

    /** Where {@code --store} defaults from. */
    private final Map<String, String> env;

    public ImportCommand() {
        this(System.getenv());
    }

    /** An import command with its own environment (tests). */
    public ImportCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return "import";
    }

    @Override
    public String arguments() {
        return "<state.json> [--store <tablease.db | postgresql://…>]";
    }

    @Override
    public String summary() {
        return "start a new store from a JSON state file (migration from the removed file store)";
    }

    @Override
    public String help() {
        return """
                Reads and fully validates the state file (format, version, config, and the kernel's invariants on
                its state), then creates a new store whose log starts from that state, with its config (and, on
                SQLite, its time line anchor; PostgreSQL's time is the database's clock). Migration from the
                removed file store: stop the agents, run 'tablease import ~/.tablease/state.json', point them at
                the new store. The state file is left as it is; an existing store is never overwritten.

                options:
                  --store <store>  the new store: an SQLite file, or a PostgreSQL URL
                                   (postgresql://user@host:port/db; the password from the URL or $PGPASSWORD)
                                   whose schema is empty; default: $TABLEASE_STORE when set, else
                                   ~/.tablease/tablease.db

                exit codes:
                  0  imported
                  1  the state file is corrupt or its state inconsistent, the store exists, or the database
                     cannot be reached (nothing written)
                  2  wrong arguments, or no state file at that path
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = Args.parse(args, Set.of("store"), Set.of());
            a.positionalCount(1, 1, "one state file");
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        Path source = Path.of(a.positional().get(0));
        if (!Files.isRegularFile(source)) {
            err.println("tablease import: no state file at " + source);
            return USAGE;
        }
        StoreTarget store;
        try {
            store = StoreLocation.target(a.get("store", null), env);
        } catch (IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        if (store instanceof StoreTarget.Sqlite && store.exists()) {
            err.println("tablease import: " + store.describe() + " exists; import creates a new store only (nothing was changed)");
            return FAILED;
        }
        try {
            StateFile.Contents contents = new StateFile().read(source);
            store.importState(contents);
            out.println("imported " + source + " into " + store.describe() + ": " + contents.state().tabs().size() + " tabs, "
                    + contents.state().sessions().size() + " sessions");
            return OK;
        } catch (StoreException | InvalidStateException | IllegalStateException e) {
            err.println("tablease import: " + e.getMessage());
            return FAILED;
        }
    }
}
