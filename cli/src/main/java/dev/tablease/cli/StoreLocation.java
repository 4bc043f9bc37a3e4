package dev.tablease.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the CLI finds the shared store when {@code --store} is not given: {@code $TABLEASE_STORE} when set and
 * not blank, else {@code ~/.tablease/tablease.db} (the SQLite store). Either may name an SQLite file or a PostgreSQL
 * URL ({@link StoreTarget}).
 */
final class StoreLocation {

    /** The environment variable naming the store. */
    static final String ENV = "TABLEASE_STORE";

    private StoreLocation() {
    }

    /** @return the store's path or URL: {@code explicit} when given, else from {@code env}, else the home default */
    static String resolve(String explicit, Map<String, String> env) {
        if (explicit != null) {
            return explicit;
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return Path.of(System.getProperty("user.home"), ".tablease", "tablease.db").toString();
    }

    /**
     * @return the store {@link #resolve} names
     * @throws IllegalArgumentException when it is a PostgreSQL URL without a host or a database
     */
    static StoreTarget target(String explicit, Map<String, String> env) {
        return StoreTarget.of(resolve(explicit, env), env);
    }
}
