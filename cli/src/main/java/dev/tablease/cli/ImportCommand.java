package dev.tablease.cli;

import dev.tablease.kernel.InvalidStateException;
import dev.tablease.store.SqliteKernelStore;
import dev.tablease.store.StateFile;
import dev.tablease.store.StoreException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tablease import <state.json> [--store <tablease.db>]}: a new SQLite store whose log starts from a JSON
 * state file's state; the one-shot migration from the file store ({@code ~/.tablease/state.json}).
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
        return "<state.json> [--store <tablease.db>]";
    }

    @Override
    public String summary() {
        return "start a new SQLite store from a JSON state file (migration from the file store)";
    }

    @Override
    public String help() {
        return """
                Reads and fully validates the state file (format, version, config, and the kernel's invariants on
                its state), then creates a new SQLite store whose log starts from that state, with its config and
                time line anchor. Migration from the file store: stop the agents, run
                'tablease import ~/.tablease/state.json', point them at the new store. The state file is left as
                it is; an existing store is never overwritten.

                options:
                  --store <file>  the new SQLite store; default: $TABLEASE_STORE when set, else ~/.tablease/tablease.db

                exit codes:
                  0  imported
                  1  the state file is corrupt or its state inconsistent, or the store exists (nothing written)
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
        Path db = StoreLocation.resolve(a.get("store", null), env);
        if (Files.exists(db)) {
            err.println("tablease import: " + db + " exists; import creates a new store only (nothing was changed)");
            return FAILED;
        }
        try {
            StateFile.Contents contents = new StateFile().read(source);
            SqliteKernelStore.importState(db, contents.config(), contents.state(), contents.clock(),
                    SqliteKernelStore.Options.defaults());
            out.println("imported " + source + " into " + db + ": " + contents.state().tabs().size() + " tabs, "
                    + contents.state().sessions().size() + " sessions");
            return OK;
        } catch (StoreException | InvalidStateException | IllegalStateException e) {
            err.println("tablease import: " + e.getMessage());
            return FAILED;
        }
    }
}
