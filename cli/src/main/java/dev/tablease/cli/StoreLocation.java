package dev.tablease.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the CLI finds the shared store when {@code --store} is not given: {@code $TABLEASE_STORE} when set and
 * not blank, else {@code ~/.tablease/tablease.db} (the SQLite store; a JSON state file of the file store is named
 * with {@code --store} or the variable).
 */
final class StoreLocation {

    /** The environment variable naming the state file. */
    static final String ENV = "TABLEASE_STORE";

    private StoreLocation() {
    }

    /** @return the store: {@code explicit} when given, else from {@code env}, else the home default */
    static Path resolve(String explicit, Map<String, String> env) {
        if (explicit != null) {
            return Path.of(explicit);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        return Path.of(System.getProperty("user.home"), ".tablease", "tablease.db");
    }
}
