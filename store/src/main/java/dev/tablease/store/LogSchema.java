package dev.tablease.store;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.StateFile.ClockAnchor;
import dev.tablease.store.StoreSchemaException.Problem;
import dev.tablease.trace.TraceCodec;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQLite store's schema, version {@value SqliteKernelStore#SCHEMA_VERSION} (see {@code docs/store.md}):
 * <pre>
 * tablease_meta     (key TEXT PRIMARY KEY, value TEXT NOT NULL)     format, schema_version, config
 * tablease_log      (seq INTEGER PRIMARY KEY, now INTEGER, input TEXT, decisions TEXT)   one row per input
 * tablease_snapshot (seq INTEGER PRIMARY KEY, state TEXT)           the state after row seq
 * tablease_clock    (id INTEGER PRIMARY KEY CHECK (id = 1), boot_id TEXT, boot_millis INTEGER, store_millis INTEGER)
 * </pre>
 */
final class LogSchema {

    /** The tables of a tablease store. */
    static final List<String> TABLES = List.of("tablease_clock", "tablease_log", "tablease_meta", "tablease_snapshot");

    private LogSchema() {
    }

    /**
     * Creates the schema in an empty database, or checks an existing one.
     *
     * @param c         the connection
     * @param file      the database file (named in errors)
     * @param requested the config the caller wants; {@code null} adopts the database's
     * @param codec     the codec of the config
     * @return the config of the store
     */
    static KernelConfig prepare(Connection c, Path file, KernelConfig requested, TraceCodec codec) {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            try {
                List<String> tables = tables(c);
                KernelConfig config;
                if (tables.isEmpty()) {
                    if (requested == null) {
                        throw new StoreSchemaException(file, Problem.FOREIGN_SCHEMA, "an empty database: no tablease store to adopt");
                    }
                    create(c, codec, requested);
                    config = requested;
                } else {
                    config = check(c, file, tables, requested, codec);
                }
                st.execute("COMMIT");
                return config;
            } catch (RuntimeException | SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // nothing to roll back
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreDatabaseException(file, "preparing the schema", false, e);
        }
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static void create(Connection c, TraceCodec codec, KernelConfig config) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE tablease_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            st.execute("CREATE TABLE tablease_log (seq INTEGER PRIMARY KEY, now INTEGER NOT NULL, input TEXT NOT NULL,"
                    + " decisions TEXT NOT NULL)");
            st.execute("CREATE TABLE tablease_snapshot (seq INTEGER PRIMARY KEY, state TEXT NOT NULL)");
            st.execute("CREATE TABLE tablease_clock (id INTEGER PRIMARY KEY CHECK (id = 1), boot_id TEXT NOT NULL,"
                    + " boot_millis INTEGER NOT NULL, store_millis INTEGER NOT NULL)");
        }
        LogMeta.write(c, codec, config);
    }

    private static KernelConfig check(Connection c, Path file, List<String> tables, KernelConfig requested,
                                      TraceCodec codec) throws SQLException {
        if (!tables.contains("tablease_meta")) {
            throw new StoreSchemaException(file, Problem.FOREIGN_SCHEMA, "tables " + tables + " but no tablease_meta");
        }
        Map<String, String> meta = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT key, value FROM tablease_meta")) {
            while (rs.next()) {
                meta.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw new StoreSchemaException(file, Problem.FOREIGN_SCHEMA, "tablease_meta is not (key, value): " + e.getMessage());
        }
        return LogMeta.check(meta, tables, TABLES, requested, codec, new LogMeta.Refusals() {
            @Override
            public StoreSchemaException schema(Problem problem, String detail) {
                return new StoreSchemaException(file, problem, detail);
            }

            @Override
            public LogCorruptException badConfig(String detail, Throwable cause) {
                return new LogCorruptException(file, "tablease_meta", 0, LogCorruptException.Problem.MALFORMED_ROW, detail, cause);
            }

            @Override
            public StoreConfigMismatchException mismatch(KernelConfig stored, KernelConfig requested) {
                return new StoreConfigMismatchException(file, stored, requested);
            }
        });
    }

    /** Reads the time line's anchor (one row or none). */
    static final String READ_CLOCK = "SELECT boot_id, boot_millis, store_millis FROM tablease_clock WHERE id = 1";
    /** Writes the time line's anchor: parameters boot_id, boot_millis, store_millis. */
    static final String WRITE_CLOCK = "INSERT INTO tablease_clock (id, boot_id, boot_millis, store_millis)"
            + " VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET boot_id = excluded.boot_id,"
            + " boot_millis = excluded.boot_millis, store_millis = excluded.store_millis";

    /** @return the time line's anchor, or {@code null} when none was written yet */
    static ClockAnchor readClock(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(READ_CLOCK)) {
            return rs.next() ? new ClockAnchor(rs.getString(1), rs.getLong(2), rs.getLong(3)) : null;
        }
    }

    /** Writes the time line's anchor. */
    static void writeClock(Connection c, ClockAnchor anchor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(WRITE_CLOCK)) {
            bindClock(ps, anchor);
            ps.executeUpdate();
        }
    }

    /** Binds {@code anchor} to a {@link #WRITE_CLOCK} statement. */
    static void bindClock(PreparedStatement ps, ClockAnchor anchor) throws SQLException {
        ps.setString(1, anchor.bootId());
        ps.setLong(2, anchor.bootMillis());
        ps.setLong(3, anchor.storeMillis());
    }
}
