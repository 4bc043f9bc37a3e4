package dev.tablease.store;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.StoreSchemaException.Problem;
import dev.tablease.trace.TraceCodec;

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
 * The PostgreSQL store's schema, version {@value PostgresKernelStore#SCHEMA_VERSION}, in the connection's current
 * schema (see {@code docs/store.md}, "PostgreSQL"):
 * <pre>
 * tablease_meta     (key text PRIMARY KEY, value text NOT NULL)              format, schema_version, config
 * tablease_log      (seq bigint PRIMARY KEY, now bigint, input text, decisions text)   one row per input
 * tablease_snapshot (seq bigint PRIMARY KEY, state text)                     the state after row seq
 * tablease_head     (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL) the last row's seq; its row lock
 *                                                                            serialises the transitions
 * tablease_pending  (id bigserial PRIMARY KEY, input text, first_seq bigint, seq bigint, refused text)
 *                                                                            inputs queued for the group commit
 *                                                                            across processes, and their verdicts
 * </pre>
 * {@code tablease_pending} is created when missing (a store created before it existed gets it at its next open):
 * it holds nothing a store needs to be read, only inputs in flight.
 * Creation runs under a transaction-scoped advisory lock, so processes that open an empty database at the same
 * time create the schema once.
 */
final class PostgresLogSchema {

    /** The tables of a tablease store. */
    static final List<String> TABLES = List.of("tablease_head", "tablease_log", "tablease_meta", "tablease_snapshot");
    /** The table of the inputs queued for the group commit across processes. */
    static final String PENDING = "tablease_pending";
    /** The advisory lock key that serialises schema creation ("tablease" in ASCII, as a number). */
    private static final long CREATE_LOCK = 0x7461626c65617365L;

    private PostgresLogSchema() {
    }

    /**
     * Creates the schema in an empty schema, or checks an existing one; commits.
     *
     * @param c         the connection, autocommit off
     * @param location  the database's location (named in errors)
     * @param requested the config the caller wants; {@code null} adopts the database's
     * @param codec     the codec of the config
     * @return the config of the store
     * @throws SQLException when the database fails (the caller translates it)
     */
    static KernelConfig prepare(Connection c, String location, KernelConfig requested, TraceCodec codec) throws SQLException {
        try {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + CREATE_LOCK + ")");
            }
            List<String> tables = tables(c);
            KernelConfig config;
            if (tables.isEmpty()) {
                if (requested == null) {
                    throw new StoreSchemaException(location, Problem.FOREIGN_SCHEMA, "an empty database: no tablease store to adopt");
                }
                create(c, codec, requested);
                config = requested;
            } else {
                config = check(c, location, tables, requested, codec);
                if (!tables.contains(PENDING)) {
                    createPending(c);
                }
            }
            c.commit();
            return config;
        } catch (RuntimeException | SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: nothing was created
            }
            throw e;
        }
    }

    /**
     * Creates the schema with a snapshot of {@code state} at sequence number 0 in an empty schema, in one
     * transaction: an import ({@link PostgresKernelStore#importState}). Rolls back on any failure.
     *
     * @param c        the connection, autocommit off
     * @param location the database's location (named in errors)
     * @param config   the kernel configuration
     * @param codec    the codec of the config and the state
     * @param state    the state the log starts from (validated by the caller)
     * @throws IllegalStateException when the schema holds tables already (nothing is changed)
     * @throws SQLException          when the database fails (the caller translates it)
     */
    static void createFrom(Connection c, String location, KernelConfig config, TraceCodec codec,
                           dev.tablease.kernel.KernelState state) throws SQLException {
        try {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + CREATE_LOCK + ")");
            }
            List<String> tables = tables(c);
            if (!tables.isEmpty()) {
                throw new IllegalStateException(location + " holds tables " + tables
                        + ": import writes a new store only, into an empty database or schema (nothing was changed)");
            }
            create(c, codec, config);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tablease_snapshot (seq, state) VALUES (0, ?)")) {
                ps.setString(1, codec.toJson(state));
                ps.executeUpdate();
            }
            c.commit();
        } catch (RuntimeException | SQLException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: nothing was created
            }
            throw e;
        }
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables"
                     + " WHERE table_schema = current_schema() ORDER BY table_name")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static void create(Connection c, TraceCodec codec, KernelConfig config) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE tablease_meta (key text PRIMARY KEY, value text NOT NULL)");
            st.execute("CREATE TABLE tablease_log (seq bigint PRIMARY KEY, now bigint NOT NULL, input text NOT NULL,"
                    + " decisions text NOT NULL)");
            st.execute("CREATE TABLE tablease_snapshot (seq bigint PRIMARY KEY, state text NOT NULL)");
            st.execute("CREATE TABLE tablease_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL)");
            st.execute("INSERT INTO tablease_head (id, seq) VALUES (1, 0)");
        }
        createPending(c);
        LogMeta.write(c, codec, config);
    }

    /** Creates {@value #PENDING}: a queued input has a verdict once {@code seq} (decided) or {@code refused} is set. */
    private static void createPending(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + PENDING + " (id bigserial PRIMARY KEY, input text NOT NULL, first_seq bigint,"
                    + " seq bigint, refused text)");
        }
    }

    private static KernelConfig check(Connection c, String location, List<String> tables, KernelConfig requested,
                                      TraceCodec codec) throws SQLException {
        if (!tables.contains("tablease_meta")) {
            throw new StoreSchemaException(location, Problem.FOREIGN_SCHEMA, "tables " + tables + " but no tablease_meta"
                    + " (use a database or schema of its own)");
        }
        Map<String, String> meta = new HashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT key, value FROM tablease_meta")) {
            while (rs.next()) {
                meta.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            if (!"42703".equals(e.getSQLState())) { // undefined column: someone else's tablease_meta
                throw e;
            }
            throw new StoreSchemaException(location, Problem.FOREIGN_SCHEMA, "tablease_meta is not (key, value): " + e.getMessage());
        }
        return LogMeta.check(meta, tables, TABLES, requested, codec, new LogMeta.Refusals() {
            @Override
            public StoreSchemaException schema(Problem problem, String detail) {
                return new StoreSchemaException(location, problem, detail);
            }

            @Override
            public LogCorruptException badConfig(String detail, Throwable cause) {
                return new LogCorruptException(location, "tablease_meta", 0, LogCorruptException.Problem.MALFORMED_ROW, detail, cause);
            }

            @Override
            public StoreConfigMismatchException mismatch(KernelConfig stored, KernelConfig requested) {
                return new StoreConfigMismatchException(location, stored, requested);
            }
        });
    }
}
