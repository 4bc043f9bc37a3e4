package dev.tablease.cli;

import dev.tablease.store.FileKernelStore;
import dev.tablease.store.StoreException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code tablease recover [--store <state.json>]}: {@link FileKernelStore#recover} (what
 * {@code dev.tablease.store.StoreRecovery} does): replaces a corrupt state file by its last good copy.
 */
public final class RecoverCommand implements Command {

    private final Map<String, String> env;

    public RecoverCommand() {
        this(System.getenv());
    }

    /** A recover command with its own environment (tests). */
    public RecoverCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return "recover";
    }

    @Override
    public String arguments() {
        return "[--store <state.json>] [--no-fsync]";
    }

    @Override
    public String summary() {
        return "restore a corrupt store from its last good copy";
    }

    @Override
    public String help() {
        return """
                Under the store's lock: refuses when the state file is valid; otherwise validates the last good
                copy (<state.json>.prev), moves the bad file aside to <state.json>.corrupt-<UTC time>, and
                writes the last good copy as the new state with the next token, tab id and request id raised
                by 1,000,000 (so that nothing the lost transition handed out is handed out again). The
                transition that the bad file held is lost. See docs/store.md, "Recovery".

                options:
                  --store <file>  the state file; default: $TABLEASE_STORE when set, else
                                  ~/.tablease/state.json. Only the file store has a last good copy to
                                  restore: an SQLite store refuses a corrupt row, naming it, and is repaired
                                  by hand (docs/store.md, Corrupt rows)
                  --no-fsync      skip the fsyncs (tests only)

                exit codes:
                  0  recovered (prints what was moved aside and restored)
                  1  nothing to recover (the state file is valid), or the last good copy is unusable too
                  2  wrong arguments, or no store at that path
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = Args.parse(args, Set.of("store"), Set.of("no-fsync"));
            a.positionalCount(0, 0, "no arguments");
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        Path file = StoreLocation.resolve(a.get("store", null), env);
        if (StoreFiles.isDatabase(file)) {
            err.println("tablease recover: " + file + " is an SQLite store; recover restores a file store's state file."
                    + " An SQLite store refuses a corrupt row and names it: see docs/store.md, Corrupt rows");
            return USAGE;
        }
        if (!java.nio.file.Files.exists(file) && !java.nio.file.Files.exists(file.resolveSibling(file.getFileName() + ".prev"))) {
            err.println("tablease recover: no store at " + file + " (neither it nor its last good copy "
                    + file.getFileName() + ".prev exists)");
            return USAGE;
        }
        try {
            FileKernelStore.Recovery r = FileKernelStore.recover(file, !a.has("no-fsync"));
            out.println("recovered " + r.stateFile() + " from " + r.restoredFrom()
                    + (r.movedAside() == null ? " (the state file was missing)" : "; the bad file is kept as " + r.movedAside())
                    + "; next token, tab id and request id raised by " + r.counterGap());
            return OK;
        } catch (IllegalStateException | StoreException e) {
            err.println("tablease recover: cannot recover: " + e.getMessage());
            return FAILED;
        }
    }
}
