package dev.tablease.store;

import java.nio.file.Path;

/**
 * Command line for {@link FileKernelStore#recover}:
 * {@code java -cp cli/target/tablease-cli.jar dev.tablease.store.StoreRecovery <state.json>}, or
 * {@code ./tablease recover --store <state.json>}.
 * Exit 0: recovered (prints what was moved aside and restored); 1: nothing to recover or the last good
 * copy is unusable too (prints why); 2: wrong arguments. Run it while no tablease process is needed:
 * it takes the store's lock like any transition, so it is safe, but a process in the middle of a command
 * loses the transition that the bad file held.
 */
public final class StoreRecovery {

    private StoreRecovery() {
    }

    /**
     * Runs the recovery and exits with its status.
     *
     * @param args one argument: the state file
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: java -cp tablease-cli.jar " + StoreRecovery.class.getName() + " <state.json>");
            return 2;
        }
        try {
            FileKernelStore.Recovery r = FileKernelStore.recover(Path.of(args[0]), true);
            System.out.println("recovered " + r.stateFile() + " from " + r.restoredFrom()
                    + (r.movedAside() == null ? " (the state file was missing)" : "; the bad file is kept as " + r.movedAside())
                    + "; next token, tab id and request id raised by " + r.counterGap());
            return 0;
        } catch (IllegalStateException | StoreException e) {
            System.err.println("cannot recover: " + e.getMessage());
            return 1;
        }
    }
}
