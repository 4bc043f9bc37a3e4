package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
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
import java.util.function.Consumer;
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
 * {@code now} by the boot-clock rule of {@link #nowFor}; apply a {@code Tick} first when
 * something is due, then the input; append one row per input; write a snapshot every
 * {@link Options#snapshotEvery} rows; {@code COMMIT}. The database runs in WAL mode with
 * {@code synchronous=FULL}: a transition that returned is on disk. Any failure rolls the transaction back and
 * drops the in-memory kernel (it is rebuilt from the database), so the state never differs from the log.
 *
 * <p>Bad rows are refused with a {@link LogCorruptException} naming the row; a database of a newer schema or
 * someone else's is refused with a {@link StoreSchemaException}; one created with another config with a
 * {@link StoreConfigMismatchException} (unless opened with {@link #openExisting}). Nothing is ever overwritten.
 *
 * <p>Threads of one instance that call {@link #apply} together are committed together (group commit,
 * {@link GroupCommit}). An {@linkplain Options#exclusive exclusive} store is the database's only user while it is
 * open ({@link #processLocal()}); any other opener gets a {@link StoreLockedException}.
 *
 * <p>Thread-safe; any number of shared (not exclusive) instances, in any number of processes, may share one database
 * file.
 */
public final class SqliteKernelStore implements InputLogStore {

    /** The schema version this code writes and reads. */
    public static final int SCHEMA_VERSION = LogMeta.SCHEMA_VERSION;
    /** The value of {@code format} in {@code tablease_meta}: what tells a tablease store from other databases. */
    public static final String FORMAT = LogMeta.FORMAT;
    /** The first 16 bytes of every SQLite 3 database file. */
    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * How a store writes and keeps time.
     *
     * @param durable           {@code synchronous=FULL} (the default): a committed transition survives a crash of
     *                          the machine. {@code false} ({@code synchronous=NORMAL}) keeps every guarantee against
     *                          a crash of a process, not of the machine: for benchmarks and tests only
     * @param snapshotEvery     a snapshot of the state is written every this many log rows (bounds the replay of a
     *                          process that starts or fell behind), stretched for a state of more sessions than
     *                          this (see {@code docs/store.md}, "Snapshots"); at least 1
     * @param busyTimeoutMillis how long a transition waits for another connection's write lock before it fails
     *                          with a retryable {@link StoreDatabaseException}; positive
     * @param bootClock         the machine-wide clock that advances the time line ({@link BootClock#system()})
     * @param exclusive         this process is the only one that may use the database while the store is open
     *                          ({@code PRAGMA locking_mode=EXCLUSIVE}, taken at open): {@link SqliteKernelStore#processLocal()} is then
     *                          {@code true}, and any other opener fails at once with {@link StoreLockedException};
     *                          {@code false} (the default): shared by the processes of the host
     */
    public record Options(boolean durable, int snapshotEvery, long busyTimeoutMillis, BootClock bootClock,
                          boolean exclusive) {
        /**
         * Validates the options.
         *
         * @param durable           synchronous=FULL
         * @param snapshotEvery     rows between two snapshots, at least 1
         * @param busyTimeoutMillis how long to wait for the write lock, positive
         * @param bootClock         the machine-wide clock
         * @param exclusive         whether this process alone may use the database
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

        /**
         * Options of a store shared by processes (not exclusive).
         *
         * @param durable           synchronous=FULL
         * @param snapshotEvery     rows between two snapshots, at least 1
         * @param busyTimeoutMillis how long to wait for the write lock, positive
         * @param bootClock         the machine-wide clock
         */
        public Options(boolean durable, int snapshotEvery, long busyTimeoutMillis, BootClock bootClock) {
            this(durable, snapshotEvery, busyTimeoutMillis, bootClock, false);
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
            return new Options(on, snapshotEvery, busyTimeoutMillis, bootClock, exclusive);
        }

        /**
         * @param rows rows between two snapshots
         * @return a copy with another {@code snapshotEvery}
         */
        public Options withSnapshotEvery(int rows) {
            return new Options(durable, rows, busyTimeoutMillis, bootClock, exclusive);
        }

        /**
         * @param clock the machine-wide clock
         * @return a copy with another boot clock
         */
        public Options withBootClock(BootClock clock) {
            return new Options(durable, snapshotEvery, busyTimeoutMillis, clock, exclusive);
        }

        /**
         * @param on whether this process alone may use the database while the store is open (see {@link #exclusive})
         * @return a copy with another {@code exclusive}
         */
        public Options withExclusive(boolean on) {
            return new Options(durable, snapshotEvery, busyTimeoutMillis, bootClock, on);
        }
    }


    /** The database file. */
    private final Path database;
    /** The kernel configuration, the same as the database's. */
    private final KernelConfig config;
    /** The wall clock (sets the time line when there is no boot clock anchor). */
    private final MillisClock clock;
    /** Durability, snapshots, busy timeout, boot clock. */
    private final Options options;
    /** Reads the decisions column as a tree (the codec decodes each decision). */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** The one codec of inputs, decisions and states (the trace format). */
    private final TraceCodec codec = new TraceCodec();
    /** Checks and applies stored rows and snapshots ({@link LogReplay}). */
    private final LogReplay rows;
    /** Guards the connection and the in-memory kernel: one transition of this instance at a time. */
    private final ReentrantLock lock = new ReentrantLock(true);
    /** This instance's connection. */
    private final Connection connection;
    /** The hot statements, prepared once per connection (guarded by {@link #lock}). */
    private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>();
    /** Queues the threads' transitions and decides them in groups, under {@link #lock}. */
    private final GroupCommit group = new GroupCommit(lock, this::transaction);
    /**
     * The databases held {@linkplain Options#exclusive exclusively} by a store of this process. Another open of one
     * is refused before the file is touched: closing any descriptor of the file in this process would drop the
     * holder's POSIX locks (SQLite's locks), and with them the exclusion.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * How long the first read at open waits for a lock (ms, at most the busy timeout). In WAL mode no writer blocks
     * a reader; only a connection holding the database exclusively does (or, for a moment, the last connection of a
     * process checkpointing as it closes), so a wait longer than this means another process holds it exclusively.
     */
    static final long OPEN_WAIT_MILLIS = 2_000;
    /**
     * Pragmas run at open before {@code journal_mode} (a benchmark seam to try page sizes and WAL settings;
     * {@code page_size} takes effect only in a new database); empty by default.
     */
    static volatile List<String> tuning = List.of();
    /** This process's copy of the kernel, at {@link #seq}; {@code null} when it must be rebuilt. */
    private LeaseKernel kernel;
    /** The sequence number of the last log row applied to {@link #kernel}. */
    private long seq;
    /** Whether {@link #close()} was called. */
    private volatile boolean closed;

    private SqliteKernelStore(Path database, KernelConfig config, MillisClock clock, Options options, Connection c) {
        this.database = database;
        this.config = config;
        this.rows = new LogReplay(config, codec, (table, seq, problem, detail, cause)
                -> new LogCorruptException(database, table, seq, problem, detail, cause));
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
        hold(file, options);
        try {
            refuseNonDatabase(file);
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
        } catch (RuntimeException e) {
            if (options.exclusive()) {
                HELD.remove(file);
            }
            throw e;
        }
    }

    /**
     * Refuses a database a store of this process holds exclusively (before anything touches the file), and
     * records {@code file} as held when {@code options} ask for it exclusively.
     */
    private static void hold(Path file, Options options) {
        boolean held = options.exclusive() ? !HELD.add(file) : HELD.contains(file);
        if (held) {
            throw new StoreLockedException(file, options.exclusive(), "held by another store of this process", null);
        }
    }

    /**
     * Refuses an existing file that is not an SQLite database before SQLite touches it: a JSON state file (the
     * removed file store's, or an export) is {@link StoreSchemaException.Problem#STATE_FILE}, telling the user to
     * {@code tablease import} it; any other file is {@link StoreSchemaException.Problem#FOREIGN_SCHEMA}. An empty
     * file is left to SQLite (it becomes a new database).
     */
    private static void refuseNonDatabase(Path file) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(SQLITE_HEADER.length);
        } catch (java.io.IOException e) {
            throw new StoreIOException(file, "cannot read", e);
        }
        if (head.length == 0 || java.util.Arrays.equals(head, SQLITE_HEADER)) {
            return;
        }
        String start = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).strip();
        if (start.startsWith("{")) {
            throw new StoreSchemaException(file, StoreSchemaException.Problem.STATE_FILE,
                    "a JSON state file (the removed file store's format, or an export), not an SQLite database; "
                            + "make a store from it with 'tablease import " + file + " --store <new.db>'");
        }
        throw new StoreSchemaException(file, StoreSchemaException.Problem.FOREIGN_SCHEMA, "not an SQLite database");
    }

    /**
     * Tells an SQLite database file from other files (the CLI reads a JSON state file or a trace instead).
     *
     * @param file a path
     * @return whether {@code file} exists and starts with the SQLite 3 header
     */
    public static boolean isDatabaseFile(Path file) {
        if (HELD.contains(file.toAbsolutePath().normalize())) {
            return true; // held by this process: reading (then closing) the file would drop the holder's locks
        }
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(SQLITE_HEADER.length), SQLITE_HEADER);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Opens a connection and takes the database: WAL mode, the durability asked for, and with
     * {@link Options#exclusive} {@code locking_mode=EXCLUSIVE} before the first access (so the WAL index is kept in
     * this process's memory, with no {@code -shm} file) and a write transaction, so the exclusive lock is held from
     * here to {@link #close()}. The first read waits at most {@link #OPEN_WAIT_MILLIS} for a lock: in WAL mode only
     * an exclusive holder keeps a reader out, so a longer wait is a {@link StoreLockedException} (and an exclusive
     * open while another process has the database open is one at once), not a 30 s busy wait.
     */
    private static Connection connect(Path file, Options options) {
        Connection c;
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            SQLiteConfig sc = new SQLiteConfig();
            sc.setBusyTimeout((int) Math.min(OPEN_WAIT_MILLIS, options.busyTimeoutMillis()));
            sc.enforceForeignKeys(true);
            c = DriverManager.getConnection("jdbc:sqlite:" + file, sc.toProperties());
        } catch (SQLException e) {
            throw new StoreDatabaseException(file, "open", false, e);
        } catch (java.io.IOException e) {
            throw new StoreIOException(file, "cannot create the directory", e);
        }
        try {
            org.sqlite.BusyHandler.setHandler(c, new WriteLockWait(Math.min(OPEN_WAIT_MILLIS, options.busyTimeoutMillis())));
            try (Statement st = c.createStatement()) {
                if (options.exclusive()) {
                    st.execute("PRAGMA locking_mode=EXCLUSIVE"); // before the first access: no shared memory
                }
                for (String pragma : tuning) {
                    st.execute(pragma);
                }
                st.execute("PRAGMA journal_mode=WAL"); // the first read
                st.execute("PRAGMA synchronous=" + (options.durable() ? "FULL" : "NORMAL"));
                if (options.exclusive()) {
                    st.execute("BEGIN IMMEDIATE"); // a write: the exclusive lock is taken now and kept
                    st.execute("COMMIT");
                }
            }
            org.sqlite.BusyHandler.setHandler(c, new WriteLockWait(options.busyTimeoutMillis()));
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            int primary = e instanceof SQLiteException x ? x.getResultCode().code & 0xff : -1;
            if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
                throw new StoreLockedException(file, options.exclusive(), "still locked after "
                        + Math.min(OPEN_WAIT_MILLIS, options.busyTimeoutMillis()) + " ms: " + e.getMessage(), e);
            }
            throw new StoreDatabaseException(file, "open", false, e);
        }
    }

    /**
     * Creates a new store whose log starts from {@code state} (a snapshot at sequence number 0): the import of a
     * JSON state file ({@code tablease import}, and the migration from a file store). The state is validated by
     * the kernel first; nothing is created when it is refused.
     *
     * @param database the database file; must not exist
     * @param config   the kernel configuration
     * @param state    the state to start from
     * @param anchor   the time line's anchor to keep (from the state file), or {@code null}
     * @param options  durability, snapshots, busy timeout, boot clock
     * @throws IllegalStateException              when {@code database} exists already (nothing is overwritten)
     * @throws dev.tablease.kernel.InvalidStateException when the kernel refuses {@code state}
     * @throws StoreDatabaseException             when the database cannot be written
     */
    public static void importState(Path database, KernelConfig config, KernelState state, ClockAnchor anchor,
                                   Options options) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(options, "options");
        Path file = database.toAbsolutePath().normalize();
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists: import writes a new store only (nothing was changed)");
        }
        LeaseKernel.restore(config, state); // refuses an inconsistent state before anything is created
        TraceCodec codec = new TraceCodec();
        Connection c = connect(file, options);
        try (Statement st = c.createStatement()) {
            LogSchema.prepare(c, file, config, codec);
            st.execute("BEGIN IMMEDIATE");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tablease_snapshot (seq, state) VALUES (0, ?)")) {
                ps.setString(1, codec.toJson(state));
                ps.executeUpdate();
                if (anchor != null) {
                    LogSchema.writeClock(c, anchor);
                }
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            deleteQuietly(file); // a half-made store must not be mistaken for an empty one
            throw e instanceof SQLException s ? new StoreDatabaseException(file, "import", false, s) : (RuntimeException) e;
        } finally {
            closeQuietly(c);
        }
    }

    private static void deleteQuietly(Path file) {
        for (String suffix : new String[]{"", "-wal", "-shm", "-journal"}) {
            try {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            } catch (java.io.IOException e) {
                // best effort: the caller's error says what failed
            }
        }
    }

    /** The database file's path. */
    @Override
    public String location() {
        return database.toString();
    }

    /** @return the database file */
    public Path file() {
        return database;
    }

    /**
     * One transition: see the class comment. Threads of this instance that call it while a transaction is in flight
     * are decided together in the next one (group commit, {@link GroupCommit}): one {@code BEGIN IMMEDIATE}, one
     * {@code now}, one {@code COMMIT} (one fsync) for all of them, still one log row per input (and a {@code Tick}
     * first when one is due), applied in the order they were queued, each caller getting its own step. When any input
     * of such a group is refused or its function fails, the group is rolled back and each of its inputs is decided
     * alone, so a refused input still writes nothing and gets its own exception.
     *
     * @param input builds the input from the transition's {@code now} (under the lock: no I/O); may be called
     *              again when its group is decided anew
     * @return the inputs applied (a {@code Tick} first when one was due) and their decisions
     */
    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        return group.apply(input, inLogOrder);
    }

    /** @return how many transactions this instance committed (a test seam: fewer than inputs when groups formed) */
    long commits() {
        return group.commits();
    }

    /** @return how many transitions wait for the current transaction to end (a test seam) */
    int queued() {
        return group.queued();
    }

    /**
     * {@code true} for an {@linkplain Options#exclusive exclusive} store: its process holds SQLite's exclusive lock
     * on the database from open to {@link #close()}, so no other process (and no other store of this one) can read
     * or append a row meanwhile; every transition of the state is this store's, in order. A shared store answers
     * {@code false}.
     */
    @Override
    public boolean processLocal() {
        return options.exclusive();
    }

    /** The inputs in one transaction (the caller holds {@link #lock}): see {@link GroupCommit.Transactions#decide}. */
    private List<SharedLeaseKernel.Step> transaction(List<LongFunction<Input>> inputs, boolean alone) {
        requireOpen();
        begin("BEGIN IMMEDIATE");
        try {
            catchUp();
            ClockAnchor anchor = readClock();
            BootClock.Reading reading = options.bootClock().read();
            long now = nowFor(anchor, reading, clock.millis(), kernel.lastNow());
            List<SharedLeaseKernel.Step> steps = GroupCommit.applyAll(kernel, inputs, now, alone, this::append);
            if (steps == null) {
                rollbackQuietly(); // drops the kernel, which holds part of the group: rebuilt at the next transaction
                return null;
            }
            ClockAnchor next = reading == null ? null
                    : new ClockAnchor(reading.bootId(), reading.millis(), kernel.lastNow());
            if (next != null && !sameTimeLine(anchor, next)) { // else the row already gives every later now
                PreparedStatement clockRow = cached(LogSchema.WRITE_CLOCK);
                LogSchema.bindClock(clockRow, next);
                clockRow.executeUpdate();
            }
            commit();
            return steps;
        } catch (RuntimeException | Error e) {
            rollbackQuietly();
            throw e;
        } catch (SQLException e) {
            rollbackQuietly();
            throw translate("a transition", e);
        }
    }

    /** @return the time line's anchor, read with the cached statement */
    private ClockAnchor readClock() throws SQLException {
        try (ResultSet rs = cached(LogSchema.READ_CLOCK).executeQuery()) {
            return rs.next() ? new ClockAnchor(rs.getString(1), rs.getLong(2), rs.getLong(3)) : null;
        }
    }

    /** @return the connection's prepared statement for {@code sql}, made once (closed with the connection) */
    private PreparedStatement cached(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    /** Reads the rows appended since {@link #seq} and applies them, within the caller's transaction. */
    private void catchUp() throws SQLException {
        if (kernel == null) {
            load();
        } else if (options.exclusive()) {
            return; // no other connection can have appended a row since this store's last transaction
        }
        PreparedStatement ps = cached("SELECT seq, now, input, decisions FROM tablease_log WHERE seq > ? ORDER BY seq");
        ps.setLong(1, seq);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                replay(kernel, new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)), seq);
                seq++;
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
                    // the state the log starts from: the snapshot before the latest, else the empty state at 0 (a
                    // store imported from a state file starts from its snapshot at 0, with nothing before it to check)
                    LeaseKernel k = snapshots.size() > 1 ? restore(from, snapshotState(from))
                            : latest > 0 && firstLogSeq() == 1 ? new LeaseKernel(config) : null;
                    if (k != null) {
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
        rows.apply(k, row.seq(), row.now(), row.input(), row.decisions(), at);
    }

    private LeaseKernel restore(long at, String stateJson) {
        return rows.restore(at, stateJson);
    }

    /** Appends one row (and a snapshot when one is due) within the caller's transaction. */
    private void append(Input in, List<Decision> decisions) throws SQLException {
        long next = seq + 1;
        PreparedStatement ps = cached("INSERT INTO tablease_log (seq, now, input, decisions) VALUES (?, ?, ?, ?)");
        ps.setLong(1, next);
        ps.setLong(2, in.now());
        ps.setString(3, codec.toJson(in));
        ps.setString(4, codec.toJson(decisions));
        ps.executeUpdate();
        seq = next;
        if (SnapshotRule.snapshotAt(next, options.snapshotEvery(), kernel.sessionCount())) {
            try (PreparedStatement snap = connection.prepareStatement(
                    "INSERT INTO tablease_snapshot (seq, state) VALUES (?, ?)")) {
                snap.setLong(1, next);
                snap.setString(2, codec.toJson(kernel.snapshot()));
                snap.executeUpdate();
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
            return snapshotUnlocked();
        } finally {
            lock.unlock();
        }
    }

    /** {@link #snapshot()}, the lock held by the caller. */
    private KernelState snapshotUnlocked() {
        {
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
        }
    }

    /**
     * Reads rows of the input log (the trace of the store), in order.
     *
     * @param afterSeq the rows after this sequence number (0: from the first)
     * @param max      at most this many rows, at least 1
     * @return the rows, possibly fewer than {@code max}
     */
    @Override
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
    public long writeTrace(java.io.Writer out) throws java.io.IOException {
        lock.lock();
        try {
            requireOpen();
            try (Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM tablease_snapshot WHERE seq = 0")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    throw new IllegalStateException(database + " was imported from a state file: its log starts from "
                            + "that state, not from the empty state of a trace (export it with 'tablease export' instead)");
                }
            } catch (SQLException e) {
                throw translate("reading the snapshots", e);
            }
        } finally {
            lock.unlock();
        }
        return rows.writeTrace(out, this::log);
    }

    /** The store's time now, by the rule of {@link #nowFor} (for {@code tablease status}; no transition is made). */
    @Override
    public long now() {
        lock.lock();
        try {
            requireOpen();
            ClockAnchor anchor = LogSchema.readClock(connection);
            long lastNow = snapshotUnlocked().lastNow();
            return nowFor(anchor, options.bootClock().read(), clock.millis(), lastNow);
        } catch (SQLException e) {
            throw translate("reading the clock", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The store's time rule on one host (see {@code docs/store.md}, "Time"). On the boot of the anchor, the time
     * line advances by the boot clock: {@code anchor.storeMillis + (reading.millis - anchor.bootMillis)}; the wall
     * clock is ignored, so a wall-clock jump changes nothing. With no anchor (no boot clock when the anchor was
     * last written), on another boot (a reboot: every driver process died with it), or with no boot clock now,
     * the wall clock sets it. Either way the result is never below {@code lastNow}: the kernel refuses time going
     * backwards, so a clock behind the store's time waits at {@code lastNow}.
     *
     * @param anchor     the store's clock anchor, or {@code null}
     * @param reading    the boot clock now, or {@code null} when there is none
     * @param wallMillis the wall clock now
     * @param lastNow    the largest {@code now} the kernel has seen
     * @return the {@code now} of the next transition
     */
    public static long nowFor(ClockAnchor anchor, BootClock.Reading reading, long wallMillis, long lastNow) {
        long t;
        if (anchor != null && reading != null && anchor.bootId().equals(reading.bootId())) {
            t = anchor.storeMillis() + Math.max(0, reading.millis() - anchor.bootMillis());
        } else {
            t = wallMillis;
        }
        return Math.max(Math.max(0, t), lastNow);
    }

    /**
     * Whether {@code next} lies on the time line of {@code anchor}: the same boot, and {@code next}'s store time is
     * {@code anchor}'s advanced by exactly the boot clock's elapsed time. Then {@link #nowFor} gives the same
     * {@code now} from either for every later reading (both are clamped to {@code lastNow}, which is at least
     * {@code next.storeMillis()}), so the anchor row need not be rewritten: the usual transition (no reboot, no
     * wait at {@code lastNow}) writes one page fewer to the WAL.
     *
     * @param anchor the anchor read in this transaction, or {@code null}
     * @param next   the anchor this transition would write
     * @return whether writing {@code next} would change no future {@code now}
     */
    static boolean sameTimeLine(ClockAnchor anchor, ClockAnchor next) {
        return anchor != null && anchor.bootId().equals(next.bootId()) && next.bootMillis() >= anchor.bootMillis()
                && next.storeMillis() - anchor.storeMillis() == next.bootMillis() - anchor.bootMillis();
    }

    /** The time line's anchor kept in the database, or {@code null} (for {@code tablease export}). */
    @Override
    public ClockAnchor clockAnchor() {
        lock.lock();
        try {
            requireOpen();
            return LogSchema.readClock(connection);
        } catch (SQLException e) {
            throw translate("reading the clock", e);
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
                if (options.exclusive()) {
                    HELD.remove(database);
                }
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

    /** Opens a transaction with {@code sql} ({@code BEGIN} or {@code BEGIN IMMEDIATE}), prepared once. */
    private void begin(String sql) {
        try {
            cached(sql).execute();
        } catch (SQLException e) {
            throw translate(sql, e);
        }
    }

    /** Commits the caller's transaction (durable with {@code synchronous=FULL}), the statement prepared once. */
    private void commit() throws SQLException {
        cached("COMMIT").execute();
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


    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
