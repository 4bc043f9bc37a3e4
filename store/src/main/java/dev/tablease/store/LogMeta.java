package dev.tablease.store;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.StoreSchemaException.Problem;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tablease_meta} rows that both input-log schemas keep ({@link LogSchema} for SQLite,
 * {@link PostgresLogSchema} for PostgreSQL), and the one check of them: {@code format} = {@value #FORMAT},
 * {@code schema_version} = {@value #SCHEMA_VERSION}, every table of the schema there, and the stored {@code config}
 * (the trace codec's JSON) the one the caller asked for. The two schemas differ only in their SQL dialects and
 * tables, so only the reading of the tables and the rows stays with each.
 */
final class LogMeta {

    /** The value of {@code format}: what tells a tablease store from other databases. */
    static final String FORMAT = "tablease-log";
    /** The schema version this code writes and reads. */
    static final int SCHEMA_VERSION = 1;

    /** Builds the store's exceptions (SQLite names its database by file, PostgreSQL by location). */
    interface Refusals {
        /**
         * @param problem why the database is refused
         * @param detail  what was found
         * @return the exception to throw
         */
        StoreSchemaException schema(Problem problem, String detail);

        /**
         * @param detail what is wrong with the stored config
         * @param cause  the codec's error
         * @return the exception to throw (row 0 of {@code tablease_meta})
         */
        LogCorruptException badConfig(String detail, Throwable cause);

        /**
         * @param stored    the config recorded in the database
         * @param requested the config the caller asked for
         * @return the exception to throw
         */
        StoreConfigMismatchException mismatch(KernelConfig stored, KernelConfig requested);
    }

    private LogMeta() {
    }

    /**
     * Inserts the meta rows of a new store (the caller has created {@code tablease_meta} in its transaction).
     *
     * @param c      the connection
     * @param codec  the codec of the config
     * @param config the store's config
     * @throws SQLException when the database fails
     */
    static void write(Connection c, TraceCodec codec, KernelConfig config) throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("format", FORMAT);
        rows.put("schema_version", Integer.toString(SCHEMA_VERSION));
        rows.put("config", codec.toJson(config));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tablease_meta (key, value) VALUES (?, ?)")) {
            for (Map.Entry<String, String> e : rows.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setString(2, e.getValue());
                ps.executeUpdate();
            }
        }
    }

    /**
     * Checks an existing store's meta rows and tables.
     *
     * @param meta      the rows of {@code tablease_meta}
     * @param tables    the tables the database holds
     * @param required  the tables of the schema
     * @param requested the config the caller wants; {@code null} adopts the stored one
     * @param codec     the codec of the config
     * @param refusals  the store's exceptions
     * @return the store's config
     * @throws StoreSchemaException         another format, a newer or older version, missing tables
     * @throws LogCorruptException          a stored config the codec cannot read
     * @throws StoreConfigMismatchException another config than {@code requested}
     */
    static KernelConfig check(Map<String, String> meta, List<String> tables, List<String> required,
                              KernelConfig requested, TraceCodec codec, Refusals refusals) {
        if (!FORMAT.equals(meta.get("format"))) {
            throw refusals.schema(Problem.FOREIGN_SCHEMA, "tablease_meta.format is " + meta.get("format") + ", not " + FORMAT);
        }
        int version;
        try {
            version = Integer.parseInt(String.valueOf(meta.get("schema_version")));
        } catch (NumberFormatException e) {
            throw refusals.schema(Problem.FOREIGN_SCHEMA, "schema_version is " + meta.get("schema_version"));
        }
        if (version > SCHEMA_VERSION) {
            throw refusals.schema(Problem.NEWER_VERSION, "schema version " + version + "; this code reads " + SCHEMA_VERSION);
        }
        if (version < SCHEMA_VERSION) {
            throw refusals.schema(Problem.UNSUPPORTED_VERSION, "schema version " + version + "; this code reads " + SCHEMA_VERSION);
        }
        if (!tables.containsAll(required)) {
            List<String> missing = new ArrayList<>(required);
            missing.removeAll(tables);
            throw refusals.schema(Problem.FOREIGN_SCHEMA, "missing tables " + missing);
        }
        KernelConfig stored;
        try {
            stored = codec.decodeConfig(codec.parseObject(String.valueOf(meta.get("config"))));
        } catch (TraceFormatException e) {
            throw refusals.badConfig("config: " + e.getMessage(), e);
        }
        if (requested != null && !requested.equals(stored)) {
            throw refusals.mismatch(stored, requested);
        }
        return stored;
    }
}
