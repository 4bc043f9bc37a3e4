package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.LogCorruptException.Problem;
import dev.tablease.store.StateFile.ClockAnchor;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * The kernel's state in an SQLite database shared by the processes of one host, kept as an <em>input log</em>
 * (see {@code docs/store.md}). The kernel is deterministic, so the durable record is the sequence of inputs
 * (each with its {@code now}, and its decisions for audit) plus periodic snapshots of the state; a process
 * keeps its kernel in memory between transitions and only applies the rows other processes appended since
 * it last looked, so the cost of a transition does not grow with the number of sessions.
 *
 * <p>One {@link #apply} is one database transaction: {@code BEGIN IMMEDIATE} (SQLite's write lock, held by one
 * connection at a time; others wait up to {@link Options#busyTimeoutMillis}); read and replay the rows appended
 * since this process last looked (each checked: no gap, valid input, the same decisions on replay); take
 * {@code now} by the boot-clock rule of {@link FileKernelStore#nowFor}; apply a {@code Tick} first when
 * something is due, then the input; append one row per input; write a snapshot every
 * {@link Options#snapshotEvery} rows; {@code COMMIT}. The database runs in WAL mode with
 * {@code synchronous=FULL}: a transition that returned is on disk. Any failure rolls the transaction back and
 * drops the in-memory kernel (it is rebuilt from the database), so the state never differs from the log.
 *
 * <p>Bad rows are refused with a {@link LogCorruptException} naming the row; a database of a newer schema or
 * someone else's is refused with a {@link StoreSchemaException}; one created with another config with a
 * {@link StoreConfigMismatchException} (unless opened with {@link #openExisting}). Nothing is ever overwritten.
 *
 * <p>Thread-safe; any number of instances, in any number of processes, may share one database file.
 */
public final class SqliteKernelStore implements KernelStore {

    /** The schema version this code writes and reads. */
    public static final int SCHEMA_VERSION = 1;
    /** The value of {@code format} in {@code tablease_meta}: what tells a tablease store from other databases. */
    public static final String FORMAT = "tablease-log";

    /**
     * How a store writes and keeps time.
     *
     * @param durable           {@code synchronous=FULL} (the default): a committed transition survives a crash of
     *                          the machine. {@code false} ({@code synchronous=NORMAL}) keeps every guarantee against
     *                          a crash of a process, not of the machine: for benchmarks and tests only
     * @param snapshotEvery     a snapshot of the state is written every this many log rows (bounds the replay of a
     *                          process that starts or fell behind); at least 1
     * @param busyTimeoutMillis how long a transition waits for another connection's write lock before it fails
     *                          with a retryable {@link StoreDatabaseException}; positive
     * @param bootClock         the machine-wide clock that advances the time line ({@link BootClock#system()})
     */
    public record Options(boolean durable, int snapshotEvery, long busyTimeoutMillis, BootClock bootClock) {
        /**
         * Validates the options.
         *
         * @param durable           synchronous=FULL
         * @param snapshotEvery     rows between two snapshots, at least 1
         * @param busyTimeoutMillis how long to wait for the write lock, positive
         * @param bootClock         the machine-wide clock
         */
        public Options {
            if (snapshotEvery < 1) {
                throw new IllegalArgumentException("snapshotEvery must be at least 1, was " + snapshotEvery);
            }
            if (busyTimeoutMillis <= 0 || busyTimeoutMillis > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("busyTimeoutMillis must be in 1.." + Integer.MAX_VALUE + ", was "
                        + busyTimeoutMillis);
            }
            Objects.requireNonNull(bootClock, "bootClock");
        }

        /** @return durable commits, a snapshot every 1,000 rows, a 30 s busy timeout, the system's boot clock */
        public static Options defaults() {
            return new Options(true, 1_000, 30_000, BootClock.system());
        }

        /**
         * @param on synchronous=FULL
         * @return a copy with another {@code durable}
         */
        public Options withDurable(boolean on) {
            return new Options(on, snapshotEvery, busyTimeoutMillis, bootClock);
        }

        /**
         * @param rows rows between two snapshots
         * @return a copy with another {@code snapshotEvery}
         */
        public Options withSnapshotEvery(int rows) {
            return new Options(durable, rows, busyTimeoutMillis, bootClock);
        }

        /**
         * @param clock the machine-wide clock
         * @return a copy with another boot clock
         */
        public Options withBootClock(BootClock clock) {
            return new Options(durable, snapshotEvery, busyTimeoutMillis, clock);
        }
    }

    /** One row of the input log, as stored. */
    public record LogRow(long seq, long now, String input, String decisions) {
    }

    /** The database file. */
    private final Path database;
    /** The kernel configuration, the same as the database's. */
    private final KernelConfig config;
    /** The wall clock (sets the time line when there is no boot clock anchor). */
    private final MillisClock clock;
    /** Durability, snapshots, busy timeout, boot clock. */
    private final Options options;
    /** The one codec of inputs, decisions and states (the trace format). */
    private final TraceCodec codec = new TraceCodec();
    /** Guards the connection and the in-memory kernel: one transition of this instance at a time. */
    private final ReentrantLock lock = new ReentrantLock(true);
    /** This instance's connection. */
    private final Connection connection;
    /** This process's copy of the kernel, at {@link #seq}; {@code null} when it must be rebuilt. */
    private LeaseKernel kernel;
    /** The sequence number of the last log row applied to {@link #kernel}. */
    private long seq;
    /** Whether {@link #close()} was called. */
    private volatile boolean closed;

    private SqliteKernelStore(Path database, KernelConfig config, MillisClock clock, Options options, Connection c) {
        this.database = database;
        this.config = config;
        this.clock = clock;
        this.options = options;
        this.connection = c;
    }

    /**
     * {@link #open(Path, KernelConfig, MillisClock, Options)} with the system clock and the default options.
     *
     * @param database the database file
     * @param config   the kernel configuration; must be the database's when it exists
     * @return the store
     */
    public static SqliteKernelStore open(Path database, KernelConfig config) {
        return open(database, config, MillisClock.system(), Options.defaults());
    }

    /**
     * Opens the store in {@code database}, creating the file and its schema when it does not exist (the
     * directory is created as needed), and checks the log: the latest snapshot against the replay of the rows
     * before it, then the rows after it.
     *
     * @param database the database file
     * @param config   the kernel configuration; must be the database's when it exists
     * @param clock    the wall clock
     * @param options  durability, snapshots, busy timeout, boot clock
     * @return the store
     * @throws StoreConfigMismatchException when the database was created with another config
     * @throws StoreSchemaException         when the database is of a newer schema or not a tablease store
     * @throws LogCorruptException          when a row cannot be used
     * @throws StoreDatabaseException       when the database cannot be opened
     */
    public static SqliteKernelStore open(Path database, KernelConfig config, MillisClock clock, Options options) {
        Objects.requireNonNull(config, "config");
        return openWith(database, config, clock, options);
    }

    /**
     * Opens an existing store and adopts the config recorded in it.
     *
     * @param database the database file
     * @param clock    the wall clock
     * @param options  durability, snapshots, busy timeout, boot clock
     * @return the store
     * @throws StoreSchemaException   when the file does not exist, or is not a tablease store this code reads
     * @throws LogCorruptException    when a row cannot be used
     * @throws StoreDatabaseException when the database cannot be opened
     */
    public static SqliteKernelStore openExisting(Path database, MillisClock clock, Options options) {
        Path file = database.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new StoreSchemaException(file, StoreSchemaException.Problem.FOREIGN_SCHEMA, "no such database file");
        }
        return openWith(database, null, clock, options);
    }

    private static SqliteKernelStore openWith(Path database, KernelConfig requested, MillisClock clock, Options options) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(options, "options");
        Path file = database.toAbsolutePath().normalize();
        Connection c = connect(file, options);
        try {
            KernelConfig config = LogSchema.prepare(c, file, requested, new TraceCodec());
            SqliteKernelStore store = new SqliteKernelStore(file, config, clock, options, c);
            store.verifyOnOpen();
            return store;
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private static Connection connect(Path file, Options options) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            SQLiteConfig sc = new SQLiteConfig();
            sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sc.setSynchronous(options.durable() ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
            sc.setBusyTimeout((int) options.busyTimeoutMillis());
            sc.enforceForeignKeys(true);
            return DriverManager.getConnection("jdbc:sqlite:" + file, sc.toProperties());
        } catch (SQLException e) {
            throw new StoreDatabaseException(file, "open", false, e);
        } catch (java.io.IOException e) {
            throw new StoreIOException(file, "cannot create the directory", false, e);
        }
    }

    /** @return the database file */
    public Path file() {
        return database;
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input) {
        Objects.requireNonNull(input, "input");
        lock.lock();
        try {
            requireOpen();
            begin("BEGIN IMMEDIATE");
            try {
                catchUp();
                ClockAnchor anchor = LogSchema.readClock(connection);
                BootClock.Reading reading = options.bootClock().read();
                long now = FileKernelStore.nowFor(anchor, reading, clock.millis(), kernel.lastNow());
                Input in = Objects.requireNonNull(input.apply(now), "the input function returned null");
                List<Input> inputs = new ArrayList<>(2);
                List<Decision> all = new ArrayList<>();
                if (now >= kernel.nextDueAt() && now >= kernel.lastNow() && !(in instanceof Input.Tick)) {
                    Input.Tick tick = new Input.Tick(now);
                    List<Decision> d = kernel.apply(tick);
                    append(tick, d);
                    inputs.add(tick);
                    all.addAll(d);
                }
                List<Decision> d = kernel.apply(in);
                append(in, d);
                inputs.add(in);
                all.addAll(d);
                if (reading != null) {
                    LogSchema.writeClock(connection, new ClockAnchor(reading.bootId(), reading.millis(), kernel.lastNow()));
                }
                commit();
                return new SharedLeaseKernel.Step(inputs, all);
            } catch (RuntimeException | Error e) {
                rollbackQuietly();
                throw e;
            } catch (SQLException e) {
                rollbackQuietly();
                throw translate("a transition", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Reads the rows appended since {@link #seq} and applies them, within the caller's transaction. */
    private void catchUp() throws SQLException {
        if (kernel == null) {
            load();
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT seq, now, input, decisions FROM tablease_log WHERE seq > ? ORDER BY seq")) {
            ps.setLong(1, seq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    replay(kernel, new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)), seq);
                    seq++;
                }
            }
        }
    }

    /** Rebuilds the kernel from the latest snapshot (or the initial state), within the caller's transaction. */
    private void load() throws SQLException {
        kernel = null;
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, state FROM tablease_snapshot ORDER BY seq DESC LIMIT 1")) {
            if (rs.next()) {
                long at = rs.getLong(1);
                kernel = restore(at, rs.getString(2));
                seq = at;
            } else {
                kernel = new LeaseKernel(config);
                seq = 0;
            }
        }
    }

    /**
     * At open: the latest snapshot must be the state the log reaches at its sequence number, replayed from the
     * snapshot before it (or from the empty state), and every row after it must replay.
     */
    private void verifyOnOpen() {
        lock.lock();
        try {
            begin("BEGIN");
            try {
                List<long[]> snapshots = new ArrayList<>();
                try (Statement st = connection.createStatement();
                     ResultSet rs = st.executeQuery("SELECT seq FROM tablease_snapshot ORDER BY seq DESC LIMIT 2")) {
                    while (rs.next()) {
                        snapshots.add(new long[]{rs.getLong(1)});
                    }
                }
                if (!snapshots.isEmpty()) {
                    long latest = snapshots.get(0)[0];
                    long from = snapshots.size() > 1 ? snapshots.get(1)[0] : 0;
                    LeaseKernel k = from == 0 ? new LeaseKernel(config) : restore(from, snapshotState(from));
                    if (from > 0 || firstLogSeq() == 1) {
                        replayRange(k, from, latest);
                        String expected = snapshotState(latest);
                        String replayed = codec.toJson(k.snapshot());
                        if (!codec.parseObject(expected).equals(codec.parseObject(replayed))) {
                            throw new LogCorruptException(database, "tablease_snapshot", latest, Problem.SNAPSHOT_DISAGREES,
                                    "the replay of rows " + (from + 1) + ".." + latest + " gives another state", null);
                        }
                    }
                }
                catchUp();
                commit();
            } catch (RuntimeException | Error e) {
                rollbackQuietly();
                kernel = null;
                throw e;
            } catch (SQLException | TraceFormatException e) {
                rollbackQuietly();
                kernel = null;
                throw e instanceof SQLException s ? translate("checking the log", s)
                        : new LogCorruptException(database, "tablease_snapshot", 0, Problem.MALFORMED_ROW, e.getMessage(), e);
            }
        } finally {
            lock.unlock();
        }
    }

    private long firstLogSeq() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT min(seq) FROM tablease_log")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String snapshotState(long at) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT state FROM tablease_snapshot WHERE seq = ?")) {
            ps.setLong(1, at);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private void replayRange(LeaseKernel k, long after, long upTo) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT seq, now, input, decisions FROM tablease_log WHERE seq > ? AND seq <= ? ORDER BY seq")) {
            ps.setLong(1, after);
            ps.setLong(2, upTo);
            long at = after;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    replay(k, new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)), at);
                    at++;
                }
            }
            if (at != upTo) {
                throw new LogCorruptException(database, "tablease_log", at + 1, Problem.SEQUENCE_GAP,
                        "row " + (at + 1) + " is missing before the snapshot at " + upTo, null);
            }
        }
    }

    /** Applies one stored row to {@code k} (at {@code at}), checking it; @throws LogCorruptException naming the row */
    private void replay(LeaseKernel k, LogRow row, long at) {
        if (row.seq() != at + 1) {
            throw new LogCorruptException(database, "tablease_log", at + 1, Problem.SEQUENCE_GAP,
                    "the next row after " + at + " is " + row.seq(), null);
        }
        Input in;
        try {
            in = codec.decodeInput(codec.parseObject(row.input()));
        } catch (TraceFormatException | RuntimeException e) {
            throw new LogCorruptException(database, "tablease_log", row.seq(), Problem.MALFORMED_ROW,
                    "input: " + e.getMessage(), e);
        }
        if (in.now() != row.now()) {
            throw new LogCorruptException(database, "tablease_log", row.seq(), Problem.MALFORMED_ROW,
                    "column now is " + row.now() + " but the input's now is " + in.now(), null);
        }
        List<Decision> decisions;
        try {
            decisions = k.apply(in);
        } catch (InvalidInputException e) {
            throw new LogCorruptException(database, "tablease_log", row.seq(), Problem.INCONSISTENT_STATE,
                    "the kernel refuses the input on replay: " + e.getMessage(), e);
        }
        String replayed = codec.toJson(decisions);
        if (!replayed.equals(row.decisions())) {
            throw new LogCorruptException(database, "tablease_log", row.seq(), Problem.DECISIONS_DISAGREE,
                    "recorded " + abbreviate(row.decisions()) + ", replayed " + abbreviate(replayed), null);
        }
    }

    private LeaseKernel restore(long at, String stateJson) {
        try {
            return LeaseKernel.restore(config, codec.decodeState(codec.parseObject(stateJson)));
        } catch (TraceFormatException e) {
            throw new LogCorruptException(database, "tablease_snapshot", at, Problem.MALFORMED_ROW, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new LogCorruptException(database, "tablease_snapshot", at, Problem.INCONSISTENT_STATE, e.getMessage(), e);
        }
    }

    /** Appends one row (and a snapshot when one is due) within the caller's transaction. */
    private void append(Input in, List<Decision> decisions) throws SQLException {
        long next = seq + 1;
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO tablease_log (seq, now, input, decisions) VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, next);
            ps.setLong(2, in.now());
            ps.setString(3, codec.toJson(in));
            ps.setString(4, codec.toJson(decisions));
            ps.executeUpdate();
        }
        seq = next;
        if (next % options.snapshotEvery() == 0) {
            try (PreparedStatement ps = connection.prepareStatement(
                    "INSERT INTO tablease_snapshot (seq, state) VALUES (?, ?)")) {
                ps.setLong(1, next);
                ps.setString(2, codec.toJson(kernel.snapshot()));
                ps.executeUpdate();
            }
        }
    }

    /**
     * A consistent snapshot: the state after every row committed so far (by any process).
     *
     * @return the state
     */
    @Override
    public KernelState snapshot() {
        lock.lock();
        try {
            requireOpen();
            begin("BEGIN");
            try {
                catchUp();
                commit();
                return kernel.snapshot();
            } catch (RuntimeException | Error e) {
                rollbackQuietly();
                throw e;
            } catch (SQLException e) {
                rollbackQuietly();
                throw translate("reading the log", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads rows of the input log (the trace of the store), in order.
     *
     * @param afterSeq the rows after this sequence number (0: from the first)
     * @param max      at most this many rows, at least 1
     * @return the rows, possibly fewer than {@code max}
     */
    public List<LogRow> log(long afterSeq, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        lock.lock();
        try {
            requireOpen();
            try (PreparedStatement ps = connection.prepareStatement(
                    "SELECT seq, now, input, decisions FROM tablease_log WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, max);
                List<LogRow> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
                    }
                }
                return rows;
            } catch (SQLException e) {
                throw translate("reading the log", e);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public KernelConfig config() {
        return config;
    }

    /** Closes this instance's connection; the database stays. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                closeQuietly(connection);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("store " + database + " is closed");
        }
    }

    private void begin(String sql) {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw translate(sql, e);
        }
    }

    private void commit() throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("COMMIT");
        }
    }

    /** Rolls back and drops the in-memory kernel: it may hold what the database does not. */
    private void rollbackQuietly() {
        kernel = null;
        try (Statement st = connection.createStatement()) {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            // no transaction was open, or the connection is gone: nothing was committed either way
        }
    }

    private StoreDatabaseException translate(String what, SQLException e) {
        int primary = e instanceof SQLiteException s ? s.getResultCode().code & 0xff : -1; // extended → primary code
        boolean retryable = primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code;
        return new StoreDatabaseException(database, what, retryable, e);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
