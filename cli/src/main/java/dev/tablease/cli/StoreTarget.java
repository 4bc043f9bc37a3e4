package dev.tablease.cli;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.BootClock;
import dev.tablease.store.InputLogStore;
import dev.tablease.store.MillisClock;
import dev.tablease.store.PostgresKernelStore;
import dev.tablease.store.SqliteKernelStore;
import dev.tablease.store.StateFile;
import dev.tablease.store.StoreSchemaException;

import java.io.IOException;
import java.io.Writer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The store a {@code --store} value (or {@code $TABLEASE_STORE}, or the default) names: an SQLite database file,
 * or a PostgreSQL database given by URL ({@code postgresql://user[:password]@host:port/database[?params]} or the
 * same with {@code jdbc:}). The password comes from the URL (its user info or {@code ?password=}) or, when it has
 * none, from {@code $PGPASSWORD}. The CLI opens the database wherever it is (a server on another host is fine:
 * see {@code docs/deployment.md}); only {@code tablease serve}'s own HTTP listener is held to loopback.
 */
sealed interface StoreTarget {

    /** The variable the password of a PostgreSQL URL without one comes from (as for {@code psql}). */
    String PGPASSWORD = "PGPASSWORD";

    /**
     * An SQLite database file.
     *
     * @param file the database file (it may not exist yet)
     */
    record Sqlite(Path file) implements StoreTarget {
        /**
         * Checks the path.
         *
         * @param file the database file
         */
        public Sqlite {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String describe() {
            return file.toString();
        }

        @Override
        public boolean exists() {
            return Files.exists(file);
        }

        @Override
        public InputLogStore openExisting(MillisClock wall, BootClock boot) {
            return SqliteKernelStore.openExisting(file, wall, SqliteKernelStore.Options.defaults().withBootClock(boot));
        }

        @Override
        public InputLogStore open(KernelConfig config) {
            return SqliteKernelStore.open(file, config);
        }

        /** Exclusively: this process alone uses the file while it runs (see {@link StoreTarget#openServing}). */
        @Override
        public InputLogStore openServing(KernelConfig config) {
            return SqliteKernelStore.open(file, config, MillisClock.system(),
                    SqliteKernelStore.Options.defaults().withExclusive(true));
        }

        @Override
        public void importState(StateFile.Contents contents) {
            SqliteKernelStore.importState(file, contents.config(), contents.state(), contents.clock(),
                    SqliteKernelStore.Options.defaults());
        }
    }

    /**
     * A PostgreSQL database.
     *
     * @param jdbcUrl    the JDBC URL without user info ({@code jdbc:postgresql://host:port/database?…})
     * @param properties the user and password taken out of the URL or the environment (copied)
     * @param location   the URL without {@code jdbc:}, credentials or parameters: what the CLI prints
     */
    record Postgres(String jdbcUrl, Properties properties, String location) implements StoreTarget {
        /**
         * Checks and copies the parts.
         *
         * @param jdbcUrl    the JDBC URL without user info
         * @param properties the connection properties
         * @param location   the URL without credentials or parameters
         */
        public Postgres {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            Objects.requireNonNull(location, "location");
            Properties copy = new Properties();
            copy.putAll(Objects.requireNonNull(properties, "properties"));
            properties = copy;
        }

        @Override
        public String describe() {
            return location;
        }

        /** A server is always there to ask; whether it holds a store is {@link #openExisting}'s answer. */
        @Override
        public boolean exists() {
            return true;
        }

        @Override
        public InputLogStore openExisting(MillisClock wall, BootClock boot) {
            return PostgresKernelStore.openExisting(jdbcUrl, properties, wall, PostgresKernelStore.Options.defaults());
        }

        @Override
        public InputLogStore open(KernelConfig config) {
            return PostgresKernelStore.open(jdbcUrl, properties, config, MillisClock.system(),
                    PostgresKernelStore.Options.defaults());
        }

        @Override
        public void importState(StateFile.Contents contents) {
            PostgresKernelStore.importState(jdbcUrl, properties, contents.config(), contents.state(),
                    PostgresKernelStore.Options.defaults());
        }

        @Override
        public String toString() {
            return "Postgres[" + location + "]"; // never the password
        }
    }

    /** @return where the store is, as the CLI prints it (never a password) */
    String describe();

    /** @return whether there is something to open: the file exists, or (PostgreSQL) always */
    boolean exists();

    /**
     * Opens the store kept there and adopts its config.
     *
     * @param wall the wall clock
     * @param boot the boot clock (SQLite's time line)
     * @return the store
     * @throws StoreSchemaException when there is no tablease store there, or a JSON state file
     *                              ({@link StoreSchemaException.Problem#STATE_FILE}: import it)
     */
    InputLogStore openExisting(MillisClock wall, BootClock boot);

    /**
     * Opens the store kept there, creating it when there is none.
     *
     * @param config the kernel configuration; must be the store's when it exists
     * @return the store
     */
    InputLogStore open(KernelConfig config);

    /**
     * Opens the store as {@code tablease serve} does, creating it when there is none: an SQLite file
     * {@linkplain SqliteKernelStore.Options#withExclusive exclusively} (the service is its only user while it runs, so
     * the store is {@linkplain dev.tablease.store.KernelStore#processLocal() process-local} and pooled tabs are reset
     * ahead; any other process opening it gets a {@link dev.tablease.store.StoreLockedException}); a PostgreSQL
     * database as {@link #open} does (shared by hosts).
     *
     * @param config the kernel configuration; must be the store's when it exists
     * @return the store
     * @throws dev.tablease.store.StoreLockedException when another process has the SQLite file open
     */
    default InputLogStore openServing(KernelConfig config) {
        return open(config);
    }

    /**
     * Creates a new store there whose log starts from {@code contents}' state.
     *
     * @param contents a read and validated state file
     * @throws IllegalStateException when a store (or other tables) is there already: nothing is overwritten
     */
    void importState(StateFile.Contents contents);

    /** @return whether {@code spec} is a PostgreSQL URL ({@code postgresql://…} or {@code jdbc:postgresql://…}) */
    static boolean isPostgres(String spec) {
        return spec.startsWith("postgresql://") || spec.startsWith("jdbc:postgresql://")
                || spec.startsWith("postgres://");
    }

    /**
     * @param spec a file path or a PostgreSQL URL
     * @param env  the environment ({@link #PGPASSWORD})
     * @return the store it names
     * @throws IllegalArgumentException when a PostgreSQL URL has no host or no database
     */
    static StoreTarget of(String spec, Map<String, String> env) {
        if (!isPostgres(spec)) {
            return new Sqlite(Path.of(spec));
        }
        String s = spec.startsWith("jdbc:") ? spec.substring("jdbc:".length()) : spec;
        s = s.startsWith("postgres://") ? "postgresql://" + s.substring("postgres://".length()) : s;
        String rest = s.substring("postgresql://".length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String pathAndQuery = slash < 0 ? "" : rest.substring(slash);
        Properties props = new Properties();
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (!user.isEmpty()) {
                props.setProperty("user", URLDecoder.decode(user, StandardCharsets.UTF_8));
            }
            if (colon >= 0) {
                props.setProperty("password", URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
            }
        }
        int q = pathAndQuery.indexOf('?');
        String database = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        if (authority.isEmpty() || database.length() <= 1) {
            throw new IllegalArgumentException("a PostgreSQL store needs a host and a database: "
                    + "postgresql://user@host:port/database (got " + redact(spec) + ")");
        }
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        boolean passwordInQuery = ("&" + query).contains("&password=");
        String fromEnv = env.get(PGPASSWORD);
        if (!props.containsKey("password") && !passwordInQuery && fromEnv != null && !fromEnv.isEmpty()) {
            props.setProperty("password", fromEnv);
        }
        String jdbc = "jdbc:postgresql://" + authority + pathAndQuery;
        return new Postgres(jdbc, props, "postgresql://" + authority + database);
    }

    /** @return {@code spec} with any password replaced by {@code ***} (for error messages) */
    static String redact(String spec) {
        return spec.replaceAll("(//[^:/@]*):[^@/]*@", "$1:***@").replaceAll("([?&]password=)[^&]*", "$1***");
    }

    /**
     * The trace of a run is the store's log: a database (an SQLite file, or a PostgreSQL URL) given where a trace is
     * expected is written out as a temporary JSON Lines trace (deleted on exit); a trace file is returned as it is.
     *
     * @param arg a trace file, an SQLite store or a PostgreSQL URL
     * @param env the environment ({@link #PGPASSWORD})
     * @return a trace file
     * @throws IOException when the trace cannot be written
     */
    static Path asTrace(String arg, Map<String, String> env) throws IOException {
        StoreTarget target;
        if (isPostgres(arg)) {
            target = of(arg, env);
        } else {
            Path file = Path.of(arg);
            if (!SqliteKernelStore.isDatabaseFile(file)) {
                return file;
            }
            target = new Sqlite(file);
        }
        Path trace = Files.createTempFile("tablease-log-", ".jsonl");
        trace.toFile().deleteOnExit();
        try (InputLogStore store = target.openExisting(MillisClock.system(), BootClock.system());
             Writer out = Files.newBufferedWriter(trace, StandardCharsets.UTF_8)) {
            store.writeTrace(out);
        }
        return trace;
    }
}
