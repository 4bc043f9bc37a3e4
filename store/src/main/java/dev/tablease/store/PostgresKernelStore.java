package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.LogCorruptException.Problem;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The kernel's state in a PostgreSQL database shared by agents on many hosts, kept as the same <em>input log</em>
 * as {@link SqliteKernelStore} (see {@code docs/store.md}, "PostgreSQL"): one row per input with its {@code now}
 * and its decisions, a snapshot of the state every {@link Options#snapshotEvery} rows. Each instance keeps its
 * kernel in memory and applies only the rows other instances appended since it last looked.
 *
 * <p>One {@link #apply} is one database transaction (READ COMMITTED): lock the head row
 * ({@code SELECT seq FROM tablease_head WHERE id = 1 FOR UPDATE}: one transition at a time across every host);
 * replay the rows after this instance's sequence number up to the head (each checked: no gap, valid input, the
 * same decisions); take {@code now} from the <em>database's</em> clock
 * ({@code clock_timestamp()}, in ms since the epoch), never below the kernel's {@code lastNow}; apply a
 * {@code Tick} first when something is due, then the input; append one row per input (and a snapshot when due);
 * move the head and {@code NOTIFY} channel {@value #CHANNEL} with the new head's sequence number; {@code COMMIT}.
 * A host's own clock is never used for {@code now}, so hosts with skewed clocks share one time line.
 * {@link #awaitChange} waits for the next commit on a dedicated listening connection, without polling.
 *
 * <p>Errors are typed: a lost connection, a server shutting down, a serialization failure, a deadlock or a lock
 * timeout is a {@link StoreDatabaseException} with {@code retryable() == true} (the next call reconnects);
 * a lost connection during {@code COMMIT} is also {@link StoreDatabaseException#inDoubt() in doubt}. Bad rows
 * are refused with a {@link LogCorruptException} naming the row; a newer or foreign schema with a
 * {@link StoreSchemaException}; another config with a {@link StoreConfigMismatchException}. Nothing is ever
 * overwritten.
 *
 * <p>Thread-safe; any number of instances, in any number of processes on any number of hosts, may share one
 * database.
 */
public final class PostgresKernelStore implements InputLogStore {

    /** The schema version this code writes and reads. */
    public static final int SCHEMA_VERSION = LogMeta.SCHEMA_VERSION;
    /** The value of {@code format} in {@code tablease_meta} (the same log format as the SQLite store's). */
    public static final String FORMAT = LogMeta.FORMAT;
    /** The channel every committed transition notifies, with the new head's sequence number as payload. */
    public static final String CHANNEL = "tablease_log";
    /**
     * How long an instance whose inputs are queued waits for a notification before it looks again, ms: a lock held
     * by a transaction that notifies nobody (a reader, an older version) ends without one.
     */
    static final long PENDING_POLL_MILLIS = 10;
    /** Verdicts this many rows older than the head are deleted by a leader: their process is gone. */
    static final long STALE_VERDICT_ROWS = 1_000_000;
    /** The database's clock in ms since the epoch, read inside the transaction (after the head row is locked). */
    static final String NOW_SQL = "SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint";

    /**
     * How a store connects and writes.
     *
     * @param durable               {@code synchronous_commit = on} (the default): a transition that returned is in
     *                              the server's flushed WAL. {@code false} ({@code off}) may lose the last
     *                              transitions of a crashed <em>server</em> (never a corrupt log): benchmarks only
     * @param snapshotEvery         a snapshot of the state is written every this many log rows, stretched for a
     *                              state of more sessions than this (see {@code docs/store.md}, "Snapshots"); at least 1
     * @param lockTimeoutMillis     how long a transition waits for the head row's lock before it fails with a
     *                              retryable {@link StoreDatabaseException}; positive
     * @param connectTimeoutSeconds how long opening a connection may take; positive
     * @param acrossProcesses       the group commit across processes (off by default: it measured no faster here,
     *                              see {@code docs/benchmarks.md}): an instance queues its inputs
     *                              in {@code tablease_pending}, and whichever instance holds the head row's lock
     *                              decides every queued input in its transaction (see {@code docs/store.md},
     *                              "Group commit across processes"); {@code false}: each instance decides only its
     *                              own inputs
     */
    public record Options(boolean durable, int snapshotEvery, long lockTimeoutMillis, int connectTimeoutSeconds,
                          boolean acrossProcesses) {
        /**
         * Validates the options.
         *
         * @param durable               synchronous_commit on
         * @param snapshotEvery         rows between two snapshots, at least 1
         * @param lockTimeoutMillis     how long to wait for the head row's lock, positive
         * @param connectTimeoutSeconds how long a connect may take, positive
         * @param acrossProcesses       the group commit across processes
         */
        public Options {
            if (snapshotEvery < 1) {
                throw new IllegalArgumentException("snapshotEvery must be at least 1, was " + snapshotEvery);
            }
            if (lockTimeoutMillis <= 0 || lockTimeoutMillis > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("lockTimeoutMillis must be in 1.." + Integer.MAX_VALUE + ", was "
                        + lockTimeoutMillis);
            }
            if (connectTimeoutSeconds <= 0) {
                throw new IllegalArgumentException("connectTimeoutSeconds must be positive, was " + connectTimeoutSeconds);
            }
        }

        /**
         * The options with the group commit across processes off.
         *
         * @param durable               synchronous_commit on
         * @param snapshotEvery         rows between two snapshots, at least 1
         * @param lockTimeoutMillis     how long to wait for the head row's lock, positive
         * @param connectTimeoutSeconds how long a connect may take, positive
         */
        public Options(boolean durable, int snapshotEvery, long lockTimeoutMillis, int connectTimeoutSeconds) {
            this(durable, snapshotEvery, lockTimeoutMillis, connectTimeoutSeconds, false);
        }

        /** @return durable commits, a snapshot every 1,000 rows, a 30 s lock timeout, a 10 s connect timeout, no group commit across processes */
        public static Options defaults() {
            return new Options(true, 1_000, 30_000, 10, false);
        }

        /**
         * @param on synchronous_commit on
         * @return a copy with another {@code durable}
         */
        public Options withDurable(boolean on) {
            return new Options(on, snapshotEvery, lockTimeoutMillis, connectTimeoutSeconds, acrossProcesses);
        }

        /**
         * @param rows rows between two snapshots
         * @return a copy with another {@code snapshotEvery}
         */
        public Options withSnapshotEvery(int rows) {
            return new Options(durable, rows, lockTimeoutMillis, connectTimeoutSeconds, acrossProcesses);
        }

        /**
         * @param millis how long to wait for the head row's lock
         * @return a copy with another {@code lockTimeoutMillis}
         */
        public Options withLockTimeoutMillis(long millis) {
            return new Options(durable, snapshotEvery, millis, connectTimeoutSeconds, acrossProcesses);
        }

        /**
         * @param on the group commit across processes
         * @return a copy with another {@code acrossProcesses}
         */
        public Options withAcrossProcesses(boolean on) {
            return new Options(durable, snapshotEvery, lockTimeoutMillis, connectTimeoutSeconds, on);
        }
    }


    /** The JDBC URL ({@code jdbc:postgresql:…}). */
    private final String url;
    /** The connection properties (user, password, ssl …), copied. */
    private final Properties properties;
    /** The database's location without credentials or parameters, named in errors. */
    private final String location;
    /** The kernel configuration, the same as the database's. */
    private final KernelConfig config;
    /** This host's wall clock: never used for {@code now}, only to report its skew ({@link #hostClockSkewMillis}). */
    private final MillisClock hostClock;
    /** Durability, snapshots, timeouts. */
    private final Options options;
    /** The one codec of inputs, decisions and states (the trace format). */
    private final TraceCodec codec = new TraceCodec();
    /** Checks and applies stored rows and snapshots ({@link LogReplay}). */
    private final LogReplay rows;
    /** Guards {@link #db}, the in-memory kernel and {@link #seq}: one transition of this instance at a time. */
    private final ReentrantLock lock = new ReentrantLock(true);
    /** Queues the threads' transitions and decides them in groups, under {@link #lock}. */
    private final GroupCommit group = new GroupCommit(lock, this::transaction);
    /** Guards {@link #listener}: one waiter at a time. */
    private final ReentrantLock listenLock = new ReentrantLock(true);
    /** The transition connection and its statements; {@code null} until (re)connected. */
    private Db db;
    /** The connection that {@code LISTEN}s on {@link #CHANNEL}; {@code null} until the first {@link #awaitChange}. */
    private volatile Connection listener;
    /** This instance's copy of the kernel, at {@link #seq}; {@code null} when it must be rebuilt. */
    private LeaseKernel kernel;
    /** The sequence number of the last log row applied to {@link #kernel}. */
    private long seq;
    /** This host's clock minus the database's at the last transition, ms (diagnostics only). */
    private volatile long skewMillis;
    /** How many queued inputs of other instances this instance decided ({@link #decidedForOthers}). */
    private final java.util.concurrent.atomic.AtomicLong decidedForOthers = new java.util.concurrent.atomic.AtomicLong();
    /** Whether {@link #close()} was called. */
    private volatile boolean closed;

    private PostgresKernelStore(String url, Properties properties, String location, KernelConfig config,
                                MillisClock hostClock, Options options) {
        this.url = url;
        this.properties = properties;
        this.location = location;
        this.config = config;
        this.rows = new LogReplay(config, codec, (table, seq, problem, detail, cause)
                -> new LogCorruptException(location, table, seq, problem, detail, cause));
        this.hostClock = hostClock;
        this.options = options;
    }

    /**
     * {@link #open(String, Properties, KernelConfig, MillisClock, Options)} with no extra properties, the system
     * clock and the default options.
     *
     * @param url    {@code jdbc:postgresql://host:port/database?user=…} (or the same without {@code jdbc:})
     * @param config the kernel configuration; must be the database's when it holds a store
     * @return the store
     */
    public static PostgresKernelStore open(String url, KernelConfig config) {
        return open(url, new Properties(), config, MillisClock.system(), Options.defaults());
    }

    /**
     * Opens the store in the database at {@code url}, creating the schema when the connection's current schema is
     * empty, and checks the log: the latest snapshot against the replay of the rows before it, then every row
     * after it up to the head.
     *
     * @param url        {@code jdbc:postgresql://host:port/database?…} (or the same without {@code jdbc:})
     * @param properties connection properties (user, password, ssl …); may be empty
     * @param config     the kernel configuration; must be the database's when it holds a store
     * @param hostClock  this host's wall clock: never used for {@code now} (only for {@link #hostClockSkewMillis})
     * @param options    durability, snapshots, timeouts
     * @return the store
     * @throws StoreConfigMismatchException when the database was created with another config
     * @throws StoreSchemaException         when the schema is newer or not a tablease store
     * @throws LogCorruptException          when a row cannot be used
     * @throws StoreDatabaseException       when the database cannot be reached or fails
     */
    public static PostgresKernelStore open(String url, Properties properties, KernelConfig config, MillisClock hostClock,
                                           Options options) {
        Objects.requireNonNull(config, "config");
        return openWith(url, properties, config, hostClock, options);
    }

    /**
     * Opens an existing store and adopts the config recorded in it.
     *
     * @param url        {@code jdbc:postgresql://host:port/database?…} (or the same without {@code jdbc:})
     * @param properties connection properties; may be empty
     * @param hostClock  this host's wall clock (only for {@link #hostClockSkewMillis})
     * @param options    durability, snapshots, timeouts
     * @return the store
     * @throws StoreSchemaException   when the database holds no tablease store this code reads (nothing is created)
     * @throws LogCorruptException    when a row cannot be used
     * @throws StoreDatabaseException when the database cannot be reached or fails
     */
    public static PostgresKernelStore openExisting(String url, Properties properties, MillisClock hostClock, Options options) {
        return openWith(url, properties, null, hostClock, options);
    }

    private static PostgresKernelStore openWith(String url, Properties properties, KernelConfig requested,
                                                MillisClock hostClock, Options options) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(hostClock, "hostClock");
        Objects.requireNonNull(options, "options");
        String jdbc = jdbcUrl(url);
        String location = location(jdbc);
        Properties props = new Properties();
        props.putAll(properties);
        props.putIfAbsent("connectTimeout", Integer.toString(options.connectTimeoutSeconds()));
        props.putIfAbsent("tcpKeepAlive", "true");
        props.putIfAbsent("ApplicationName", "tablease");
        Connection c = connect(jdbc, props, location, options);
        KernelConfig config;
        try {
            config = PostgresLogSchema.prepare(c, location, requested, new TraceCodec());
        } catch (SQLException e) {
            closeQuietly(c);
            throw translate(location, "preparing the schema", e, false);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        PostgresKernelStore store = new PostgresKernelStore(jdbc, props, location, config, hostClock, options);
        try {
            store.db = new Db(c);
        } catch (SQLException e) {
            closeQuietly(c);
            throw translate(location, "preparing statements", e, false);
        }
        try {
            store.verifyOnOpen();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /**
     * @param url a JDBC URL or the same without {@code jdbc:}
     * @return the JDBC URL
     */
    static String jdbcUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) {
            return url;
        }
        if (url.startsWith("postgresql:")) {
            return "jdbc:" + url;
        }
        throw new IllegalArgumentException("not a PostgreSQL URL (jdbc:postgresql://host:port/database): " + url);
    }

    /** @return the URL without {@code jdbc:}, credentials or parameters, e.g. {@code postgresql://127.0.0.1:5432/tablease} */
    private static String location(String jdbc) {
        String s = jdbc.substring("jdbc:".length());
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int at = s.indexOf('@');
        int slashes = s.indexOf("//");
        if (at >= 0 && slashes >= 0 && at > slashes) {
            s = s.substring(0, slashes + 2) + s.substring(at + 1);
        }
        return s;
    }

    private static Connection connect(String jdbc, Properties props, String location, Options options) {
        try {
            Connection c = DriverManager.getConnection(jdbc, props);
            try (Statement st = c.createStatement()) {
                st.execute("SET synchronous_commit = " + (options.durable() ? "on" : "off"));
                st.execute("SET lock_timeout = " + options.lockTimeoutMillis());
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            throw translate(location, "connecting", e, false);
        }
    }

    /** The database's location without credentials or parameters. */
    @Override
    public String location() {
        return location;
    }

    @Override
    public KernelConfig config() {
        return config;
    }

    /**
     * This host's wall clock minus the database's clock, as read at this instance's last transition: for
     * diagnostics only (e.g. warning about a host whose clock is an hour off). It changes nothing: {@code now}
     * is always the database's.
     *
     * @return the skew in ms (positive: this host's clock is ahead); 0 before the first transition
     */
    public long hostClockSkewMillis() {
        return skewMillis;
    }

    /**
     * One transition: see the class comment. Threads of this instance that call it while a transaction is in flight
     * are decided together in the next one (application-level group commit): one lock of the head row, one
     * {@code now}, one WAL flush for all of them, still one log row per input (and a {@code Tick} first when one is
     * due), applied in the order they were queued, each caller getting its own step. When any input of such a group
     * is refused or its function fails, the group is rolled back and each of its inputs is decided alone, as if
     * there had been no group, so a refused input still writes nothing and gets its own exception.
     *
     * @param input builds the input from the transition's {@code now} (under the lock: no I/O); may be called
     *              again when its group is decided anew
     * @return the inputs applied (a {@code Tick} first when one was due) and their decisions
     */
    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        return group.apply(input, inLogOrder);
    }

    /** @return how many queued inputs of other instances this instance decided as a leader (a test seam) */
    long decidedForOthers() {
        return decidedForOthers.get();
    }

    /** @return how many transactions this instance committed (a test seam: fewer than inputs when groups formed) */
    long commits() {
        return group.commits();
    }

    /** The inputs in one transaction (the caller holds {@link #lock}), each with the same {@code now}: see {@link GroupCommit.Transactions#decide}. */
    private List<SharedLeaseKernel.Step> transaction(List<LongFunction<Input>> inputs, boolean alone) {
        requireOpen();
        if (options.acrossProcesses() && kernel != null && db != null) {
            long provisional = Math.max(kernel.lastNow(), 0);
            List<Input> movable = new ArrayList<>(inputs.size());
            for (LongFunction<Input> f : inputs) {
                Input in;
                try {
                    in = InputAt.movable(f, provisional);
                } catch (RuntimeException e) {
                    if (alone) {
                        throw e;
                    }
                    return null; // nothing queued: each input is decided alone
                }
                if (in == null) {
                    movable = null; // the function derives more than now: this process decides the group itself
                    break;
                }
                movable.add(in);
            }
            if (movable != null) {
                return acrossProcesses(db(), movable, alone);
            }
        }
        Db d = db();
        boolean committing = false;
        try {
            long now = begin(d);
            long first = seq + 1;
            List<SharedLeaseKernel.Step> steps = GroupCommit.applyAll(kernel, inputs, now, alone,
                    (in, decisions) -> append(d, in, decisions));
            if (steps == null) {
                rollbackQuietly(d);
                return null;
            }
            committing = true; // from here a lost connection may have committed (the single row is sent with COMMIT)
            d.write(first, seq, location);
            d.connection.commit(); // nothing to do when write sent the COMMIT itself
            return steps;
        } catch (RuntimeException | Error e) {
            rollbackQuietly(d);
            throw e;
        } catch (SQLException e) {
            rollbackQuietly(d);
            throw lost(d, "a transition", e, committing);
        }
    }

    /**
     * The group commit across processes ({@code docs/store.md}, "Group commit across processes"): queues {@code own}
     * in {@code tablease_pending} and tries to take the head row's lock in the same round trip
     * ({@code FOR UPDATE SKIP LOCKED}). The instance that gets it is the leader: it decides every queued input, of
     * every process, in its transaction (one {@code now}, one flush) and writes each other process's verdict. An
     * instance that does not get it commits its queued inputs (no flush needed: they are not decisions), waits for the
     * next commit's notification (at most {@link #PENDING_POLL_MILLIS}), and looks again: either its inputs have
     * verdicts, or it tries to lead. Its rows are replayed as they come, so each own input's step is rebuilt from the
     * rows of its verdict.
     *
     * @param d     the transition connection
     * @param own   the inputs, at a provisional {@code now}
     * @param alone whether a refusal is thrown (one input) or reported with {@link GroupCommit.Verdicts}
     * @return each input's step
     */
    private List<SharedLeaseKernel.Step> acrossProcesses(Db d, List<Input> own, boolean alone) {
        QueuedInputs q = new QueuedInputs(own.size());
        boolean committed = false; // whether this call's queued inputs were committed (visible to other processes)
        boolean inFlight = false;  // whether a COMMIT of them is in flight
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.lockTimeoutMillis());
        try {
            String[] json = new String[own.size()];
            for (int i = 0; i < json.length; i++) {
                json[i] = codec.toJson(own.get(i));
            }
            PreparedStatement ps = d.submit;
            ps.setArray(1, d.connection.createArrayOf("text", json));
            ps.setLong(2, seq);
            ps.execute();
            q.ids(ps.getResultSet());
            while (true) {
                q.mayWait = true;
                boolean leader = attempt(d, ps, q);
                q.resolve();
                inFlight = true;
                if (leader) {
                    lead(d, q);
                } else if (q.undecided() == 0) {
                    d.commitDone.execute();
                    d.listening = false;
                } else {
                    d.commitAndListen.execute();
                    d.listening = true;
                }
                inFlight = false;
                committed = true;
                if (q.undecided() == 0) {
                    break;
                }
                if (q.mayWait) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        withdraw(d, q);
                        if (q.undecided() == 0) {
                            break;
                        }
                    } else {
                        d.connection.unwrap(PGConnection.class).getNotifications((int) Math.max(1,
                                Math.min(left, PENDING_POLL_MILLIS)));
                    }
                }
                ps = d.retry;
                ps.setArray(1, d.connection.createArrayOf("bigint", q.undecidedIds()));
                ps.setLong(2, seq);
                ps.execute();
                q.verdicts(ps.getResultSet());
            }
        } catch (RuntimeException | Error e) {
            rollbackQuietly(d);
            if (committed) {
                withdrawQuietly(d, q);
            }
            throw e;
        } catch (SQLException e) {
            rollbackQuietly(d);
            boolean gone = connectionLost(e) || isClosed(d.connection);
            // queued inputs not committed were rolled back with the transaction: only committed ones can be decided
            boolean inDoubt = gone ? committed || inFlight : committed && !withdrawQuietly(d, q);
            if (gone) {
                d.close();
                if (db == d) {
                    db = null;
                }
            }
            throw translate(location, "a transition", e, inDoubt);
        }
        return q.result(alone);
    }

    /**
     * Reads an attempt's results after the first one ({@link Db#ATTEMPT}): the head row if its lock was taken, the
     * database's clock, the rows after {@link #seq} (replayed, and kept in {@code q} for the steps), and, for a
     * leader, the queued inputs it locked.
     *
     * @return whether this instance holds the head row's lock (the leader)
     */
    private boolean attempt(Db d, PreparedStatement ps, QueuedInputs q) throws SQLException {
        long head = -1;
        next(ps, "the head");
        try (ResultSet rs = ps.getResultSet()) {
            if (rs.next()) {
                head = rs.getLong(1);
            }
        }
        next(ps, "the clock");
        q.dbNow = Db.singleOf(ps.getResultSet());
        next(ps, "the log's rows");
        if (head >= 0 && seq > head) {
            ps.getResultSet().close();
            throw new LogCorruptException(location, "tablease_head", head, Problem.SEQUENCE_GAP,
                    "the head is at " + head + " but the log and its snapshots reach " + seq, null);
        }
        try (ResultSet rs = ps.getResultSet()) {
            while (rs.next()) {
                long at = rs.getLong(1);
                q.rows.put(at, rows.apply(kernel, at, rs.getLong(2), rs.getString(3), rs.getString(4), seq));
                seq++;
            }
        }
        if (head >= 0 && seq != head) {
            throw new LogCorruptException(location, "tablease_log", seq + 1, Problem.SEQUENCE_GAP,
                    "row " + (seq + 1) + " is missing; the head is at " + head, null);
        }
        next(ps, "the queued inputs");
        q.queued.clear();
        try (ResultSet rs = ps.getResultSet()) {
            while (rs.next()) {
                q.queued.add(new QueuedInputs.Queued(rs.getLong(1), rs.getString(2)));
            }
        }
        return head >= 0;
    }

    private static void next(PreparedStatement ps, String what) throws SQLException {
        if (!ps.getMoreResults()) {
            throw new SQLException(what + ": the result is missing", "XX000");
        }
    }

    /**
     * The leader's work, under the head row's lock: decides each queued input in queue order at one {@code now}
     * ({@link GroupCommit#applyOne}: a {@code Tick} first when one is due), then appends the rows, writes the other
     * processes' verdicts, deletes this instance's queued inputs and moves the head, with the {@code COMMIT}.
     */
    private void lead(Db d, QueuedInputs q) throws SQLException {
        long now = Math.max(Math.max(q.dbNow, kernel.lastNow()), 0);
        skewMillis = hostClock.millis() - q.dbNow;
        long first = seq + 1;
        List<Long> verdictIds = new ArrayList<>();
        List<Long> verdictFirst = new ArrayList<>();
        List<Long> verdictSeq = new ArrayList<>();
        List<String> verdictRefused = new ArrayList<>();
        List<Long> ownDecided = new ArrayList<>();
        for (QueuedInputs.Queued row : q.queued) {
            long id = row.id();
            int mine = q.indexOf(id);
            long before = seq + 1;
            SharedLeaseKernel.Step step = null;
            RuntimeException refusal = null;
            try {
                Input in = InputAt.at(codec.decodeInput(codec.parseObject(row.input())), now);
                step = GroupCommit.applyOne(kernel, in, now, (in2, decisions) -> append(d, in2, decisions));
            } catch (TraceFormatException e) {
                refusal = new IllegalArgumentException("a queued input that is not an input: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                refusal = e;
            }
            if (mine >= 0) {
                ownDecided.add(id);
                q.decide(mine, step, refusal);
            } else {
                verdictIds.add(id);
                verdictFirst.add(step == null ? null : before);
                verdictSeq.add(seq);
                verdictRefused.add(refusal == null ? null : QueuedInputs.refusalText(refusal));
            }
        }
        boolean stale = d.snapshots > 0; // a snapshot is due: the leader also deletes stale verdicts
        if (d.snapshots > 0) {
            d.insertSnapshot.executeBatch();
            d.snapshots = 0;
        }
        boolean others = !verdictIds.isEmpty();
        PreparedStatement w = d.leadWrite(others, stale, d.listening);
        Long[] seqs = new Long[d.pending.size()];
        Long[] nows = new Long[seqs.length];
        String[] inputs = new String[seqs.length];
        String[] decisions = new String[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            LogRow r = d.pending.get(i);
            seqs[i] = r.seq();
            nows[i] = r.now();
            inputs[i] = r.input();
            decisions[i] = r.decisions();
        }
        d.pending.clear();
        Connection c = d.connection;
        int p = 1;
        w.setArray(p++, c.createArrayOf("bigint", seqs));
        w.setArray(p++, c.createArrayOf("bigint", nows));
        w.setArray(p++, c.createArrayOf("text", inputs));
        w.setArray(p++, c.createArrayOf("text", decisions));
        if (others) {
            w.setArray(p++, c.createArrayOf("bigint", verdictIds.toArray(new Long[0])));
            w.setArray(p++, c.createArrayOf("bigint", verdictFirst.toArray(new Long[0])));
            w.setArray(p++, c.createArrayOf("bigint", verdictSeq.toArray(new Long[0])));
            w.setArray(p++, c.createArrayOf("text", verdictRefused.toArray(new String[0])));
        }
        w.setArray(p++, c.createArrayOf("bigint", ownDecided.toArray(new Long[0])));
        if (stale) {
            w.setLong(p++, seq - STALE_VERDICT_ROWS);
        }
        w.setLong(p, seq);
        try {
            w.execute();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw new LogCorruptException(location, "tablease_log", first, Problem.SEQUENCE_GAP,
                        "a row after the head already exists (written outside the protocol): " + e.getMessage(), e);
            }
            throw e;
        }
        d.listening = false;
        decidedForOthers.addAndGet(verdictIds.size());
        q.mayWait = false; // what is still undecided was queued beyond this group: look again at once
    }

    /** Withdraws this instance's undecided queued inputs (they fail, retryable, not in doubt) and commits. */
    private void withdraw(Db d, QueuedInputs q) throws SQLException {
        PreparedStatement ps = d.withdraw;
        ps.setArray(1, d.connection.createArrayOf("bigint", q.undecidedIds()));
        ps.execute();
        d.listening = false;
        try (ResultSet rs = ps.getResultSet()) {
            while (rs.next()) {
                q.withdrawn(rs.getLong(1), new StoreDatabaseException(location, "a transition", true, false,
                        new SQLException("no verdict within the lock timeout of " + options.lockTimeoutMillis()
                                + " ms (the input was withdrawn: nothing was decided)", "55P03")));
            }
        }
        q.mayWait = false;
    }

    /** @return whether every undecided queued input of {@code q} was withdrawn (none can be decided any more) */
    private boolean withdrawQuietly(Db d, QueuedInputs q) {
        if (q.ids == null) {
            return true; // nothing was queued
        }
        try {
            d.connection.rollback();
            withdraw(d, q);
            return q.undecided() == 0;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Opens a transition: rebuilds the kernel when it was dropped, then locks the head, reads the clock and catches
     * up ({@link #lockReadNowAndCatchUp}).
     *
     * @return the transition's {@code now}: the database's clock, never below the kernel's {@code lastNow}
     */
    private long begin(Db d) throws SQLException {
        if (kernel == null) {
            load(d); // the latest snapshot; the rows after it are read under the lock, below
        }
        // one round trip: lock the head row, read the database's clock and the rows others appended
        long dbNow = lockReadNowAndCatchUp(d);
        skewMillis = hostClock.millis() - dbNow;
        return Math.max(Math.max(dbNow, kernel.lastNow()), 0);
    }

    /**
     * The first round trip of a transition ({@link Db#lockNowRows}): locks the head row, then (each statement after
     * the lock, with a snapshot that sees every transition committed before it) reads the database's clock and the
     * rows after {@link #seq} up to the head, and replays them onto {@link #kernel}. The head's row lock is held from
     * here to the commit, so the rows read are all the rows there are.
     *
     * @return the database's clock, ms since the epoch, read after the lock was granted
     */
    private long lockReadNowAndCatchUp(Db d) throws SQLException {
        PreparedStatement ps = d.lockNowRows;
        ps.setLong(1, seq);
        ps.execute();
        long head = Db.singleOf(ps.getResultSet());
        if (!ps.getMoreResults()) {
            throw new SQLException("the clock's result is missing", "XX000");
        }
        long dbNow = Db.singleOf(ps.getResultSet());
        if (!ps.getMoreResults()) {
            throw new SQLException("the log's rows are missing", "XX000");
        }
        if (seq > head) {
            ps.getResultSet().close();
            throw new LogCorruptException(location, "tablease_head", head, Problem.SEQUENCE_GAP,
                    "the head is at " + head + " but the log and its snapshots reach " + seq, null);
        }
        try (ResultSet rs = ps.getResultSet()) {
            while (rs.next()) {
                replay(kernel, new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)), seq);
                seq++;
            }
        }
        if (seq != head) {
            throw new LogCorruptException(location, "tablease_log", seq + 1, Problem.SEQUENCE_GAP,
                    "row " + (seq + 1) + " is missing; the head is at " + head, null);
        }
        return dbNow;
    }

    /** Adds one row (and a snapshot when one is due) to the caller's transaction; {@link Db#write} sends them. */
    private void append(Db d, Input in, List<Decision> decisions) throws SQLException {
        long next = seq + 1;
        d.add(next, in.now(), codec.toJson(in), codec.toJson(decisions));
        seq = next;
        if (SnapshotRule.snapshotAt(next, options.snapshotEvery(), kernel.sessionCount())) {
            d.insertSnapshot.setLong(1, next);
            d.insertSnapshot.setString(2, codec.toJson(kernel.snapshot()));
            d.insertSnapshot.addBatch();
            d.snapshots++;
        }
    }

    /**
     * Brings the kernel to {@code head}, within the caller's transaction: rebuilds it from the latest snapshot when
     * it was dropped, then replays the rows after {@link #seq} up to {@code head}.
     */
    private void catchUp(Db d, long head) throws SQLException {
        if (kernel == null) {
            load(d);
        }
        if (seq == head) {
            return;
        }
        if (seq > head) {
            throw new LogCorruptException(location, "tablease_head", head, Problem.SEQUENCE_GAP,
                    "the head is at " + head + " but the log and its snapshots reach " + seq, null);
        }
        replayRows(d.rowsUpTo, seq, head);
        if (seq != head) {
            throw new LogCorruptException(location, "tablease_log", seq + 1, Problem.SEQUENCE_GAP,
                    "row " + (seq + 1) + " is missing; the head is at " + head, null);
        }
    }

    /** Replays the rows {@code (after, upTo]} read by {@code ps} (parameters: after, upTo) onto {@link #kernel}. */
    private void replayRows(PreparedStatement ps, long after, long upTo) throws SQLException {
        ps.setLong(1, after);
        ps.setLong(2, upTo);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                replay(kernel, new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)), seq);
                seq++;
            }
        }
    }

    /** Rebuilds the kernel from the latest snapshot (or the initial state), within the caller's transaction. */
    private void load(Db d) throws SQLException {
        kernel = null;
        try (ResultSet rs = d.latestSnapshot.executeQuery()) {
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
     * At open, under a share lock on the head row: the latest snapshot must be the state the log reaches at its
     * sequence number (replayed from the snapshot before it, or from the empty state), and every row after it must
     * replay, up to the head and not beyond.
     */
    private void verifyOnOpen() {
        lock.lock();
        Db d = db;
        try {
            long head;
            try (Statement st = d.connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT seq FROM tablease_head WHERE id = 1 FOR SHARE")) {
                if (!rs.next()) {
                    throw new LogCorruptException(location, "tablease_head", 1, Problem.MALFORMED_ROW, "the head row is missing", null);
                }
                head = rs.getLong(1);
            }
            List<Long> snapshots = new ArrayList<>();
            try (Statement st = d.connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT seq FROM tablease_snapshot ORDER BY seq DESC LIMIT 2")) {
                while (rs.next()) {
                    snapshots.add(rs.getLong(1));
                }
            }
            if (!snapshots.isEmpty()) {
                long latest = snapshots.get(0);
                long from = snapshots.size() > 1 ? snapshots.get(1) : 0;
                // the state the log starts from: the snapshot before the latest, else the empty state at 0 (a store
                // imported from a state file starts from its snapshot at 0, with nothing before it to check)
                LeaseKernel start = snapshots.size() > 1 ? restore(from, snapshotState(d, from))
                        : latest > 0 && firstLogSeq(d) == 1 ? new LeaseKernel(config) : null;
                if (start != null) {
                    kernel = start;
                    seq = from;
                    replayRows(d.rowsUpTo, from, latest);
                    if (seq != latest) {
                        throw new LogCorruptException(location, "tablease_log", seq + 1, Problem.SEQUENCE_GAP,
                                "row " + (seq + 1) + " is missing before the snapshot at " + latest, null);
                    }
                    String replayed = codec.toJson(kernel.snapshot());
                    if (!codec.parseObject(snapshotState(d, latest)).equals(codec.parseObject(replayed))) {
                        throw new LogCorruptException(location, "tablease_snapshot", latest, Problem.SNAPSHOT_DISAGREES,
                                "the replay of rows " + (from + 1) + ".." + latest + " gives another state", null);
                    }
                }
            }
            kernel = null;
            load(d);
            replayRows(d.rowsUpTo, seq, Long.MAX_VALUE); // every row, so that a row beyond the head is seen
            if (seq != head) {
                throw new LogCorruptException(location, "tablease_head", head, Problem.SEQUENCE_GAP,
                        "the head is at " + head + " but the log runs to " + seq, null);
            }
            d.connection.commit();
        } catch (RuntimeException | Error e) {
            rollbackQuietly(d);
            throw e;
        } catch (TraceFormatException e) {
            rollbackQuietly(d);
            throw new LogCorruptException(location, "tablease_snapshot", 0, Problem.MALFORMED_ROW, e.getMessage(), e);
        } catch (SQLException e) {
            rollbackQuietly(d);
            throw lost(d, "checking the log", e, false);
        } finally {
            lock.unlock();
        }
    }

    private static long firstLogSeq(Db d) throws SQLException {
        try (Statement st = d.connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(min(seq), 0) FROM tablease_log")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String snapshotState(Db d, long at) throws SQLException {
        try (PreparedStatement ps = d.connection.prepareStatement("SELECT state FROM tablease_snapshot WHERE seq = ?")) {
            ps.setLong(1, at);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
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

    /**
     * A consistent snapshot: the state after every row committed so far (by any process on any host).
     *
     * @return the state
     */
    @Override
    public KernelState snapshot() {
        lock.lock();
        try {
            requireOpen();
            Db d = db();
            try {
                catchUp(d, d.head());
                d.connection.commit();
                return kernel.snapshot();
            } catch (RuntimeException | Error e) {
                rollbackQuietly(d);
                throw e;
            } catch (SQLException e) {
                rollbackQuietly(d);
                throw lost(d, "reading the log", e, false);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The sequence number of the last committed row (the head), read from the database.
     *
     * @return the head's sequence number; 0 for an empty log
     */
    public long headSeq() {
        lock.lock();
        try {
            requireOpen();
            Db d = db();
            try {
                long head = d.head();
                d.connection.commit();
                return head;
            } catch (SQLException e) {
                rollbackQuietly(d);
                throw lost(d, "reading the head", e, false);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, without polling, until a transition after {@code afterSeq} is committed (by any instance on any host),
     * using {@code LISTEN} on a dedicated connection of this instance: a queued driver calls it, then reads its
     * grant with {@link #snapshot()}. Returns at once when the head is already past {@code afterSeq}.
     *
     * @param afterSeq the last sequence number the caller knows of (e.g. {@link #headSeq()})
     * @param timeout  how long to wait at most
     * @return the head's sequence number: greater than {@code afterSeq}, or at most {@code afterSeq} when the
     *         timeout passed first
     * @throws StoreDatabaseException (retryable) when the listening connection is lost; the next call reconnects
     */
    public long awaitChange(long afterSeq, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        listenLock.lock();
        try {
            requireOpen();
            Connection l = listener();
            try {
                long head = readHead(l);
                while (head <= afterSeq) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return head;
                    }
                    PGNotification[] got = l.unwrap(PGConnection.class).getNotifications((int) Math.min(left, Integer.MAX_VALUE));
                    if (got != null && got.length > 0) {
                        head = readHead(l);
                    }
                }
                return head;
            } catch (SQLException e) {
                closeQuietly(l);
                listener = null;
                requireOpen();
                throw translate(location, "waiting for a change", e, false);
            }
        } finally {
            listenLock.unlock();
        }
    }

    private Connection listener() {
        Connection l = listener;
        if (l != null) {
            return l;
        }
        try {
            l = DriverManager.getConnection(url, properties);
            try (Statement st = l.createStatement()) {
                st.execute("LISTEN " + CHANNEL);
            }
            listener = l;
            return l;
        } catch (SQLException e) {
            if (l != null) {
                closeQuietly(l);
            }
            throw translate(location, "listening on " + CHANNEL, e, false);
        }
    }

    private static long readHead(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq FROM tablease_head WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : 0;
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
            Db d = db();
            try (PreparedStatement ps = d.connection.prepareStatement(
                    "SELECT seq, now, input, decisions FROM tablease_log WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, max);
                List<LogRow> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new LogRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
                    }
                }
                d.connection.commit();
                return rows;
            } catch (SQLException e) {
                rollbackQuietly(d);
                throw lost(d, "reading the log", e, false);
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
            Db d = db();
            try (Statement st = d.connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM tablease_snapshot WHERE seq = 0")) {
                rs.next();
                boolean imported = rs.getLong(1) > 0;
                d.connection.commit();
                if (imported) {
                    throw new IllegalStateException(location + " was imported from a state file: its log starts from "
                            + "that state, not from the empty state of a trace (export it with 'tablease export' instead)");
                }
            } catch (SQLException e) {
                rollbackQuietly(d);
                throw lost(d, "reading the snapshots", e, false);
            }
        } finally {
            lock.unlock();
        }
        return rows.writeTrace(out, this::log);
    }

    /**
     * The database's clock now, never below the last {@code now} of the log: what the next transition would take
     * (for {@code tablease status}; no transition is made).
     */
    @Override
    public long now() {
        lock.lock();
        try {
            requireOpen();
            Db d = db();
            try (Statement st = d.connection.createStatement(); ResultSet rs = st.executeQuery(NOW_SQL)) {
                rs.next();
                long dbNow = rs.getLong(1);
                d.connection.commit();
                return Math.max(Math.max(dbNow, snapshotLastNow()), 0);
            } catch (SQLException e) {
                rollbackQuietly(d);
                throw lost(d, "reading the database's clock", e, false);
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return the last {@code now} of the state; the caller holds {@link #lock} */
    private long snapshotLastNow() {
        return snapshot().lastNow();
    }

    /** {@code null}: PostgreSQL's time line is the database's clock, with no anchor to keep. */
    @Override
    public StateFile.ClockAnchor clockAnchor() {
        requireOpen();
        return null;
    }

    /**
     * Creates a new store whose log starts from {@code state} (a snapshot at sequence number 0, the head at 0): the
     * import of a JSON state file ({@code tablease import}) into PostgreSQL. The state is validated by the kernel
     * first; the schema and the snapshot are written in one transaction, so nothing is created when anything fails.
     * A time line anchor of the state file is not kept: on PostgreSQL {@code now} is the database's clock (never
     * below the state's {@code lastNow}).
     *
     * @param url        {@code jdbc:postgresql://host:port/database?…} (or the same without {@code jdbc:})
     * @param properties connection properties (user, password …); may be empty
     * @param config     the kernel configuration
     * @param state      the state to start from
     * @param options    durability, timeouts
     * @throws IllegalStateException                     when the database's current schema holds tables already
     * @throws dev.tablease.kernel.InvalidStateException when the kernel refuses {@code state}
     * @throws StoreDatabaseException                    when the database cannot be reached or fails
     */
    public static void importState(String url, Properties properties, KernelConfig config, KernelState state,
                                   Options options) {
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(options, "options");
        String jdbc = jdbcUrl(url);
        String location = location(jdbc);
        LeaseKernel.restore(config, state); // refuses an inconsistent state before anything is created
        Properties props = new Properties();
        props.putAll(properties);
        props.putIfAbsent("connectTimeout", Integer.toString(options.connectTimeoutSeconds()));
        Connection c = connect(jdbc, props, location, options);
        try {
            PostgresLogSchema.createFrom(c, location, config, new TraceCodec(), state);
        } catch (SQLException e) {
            throw translate(location, "importing", e, false);
        } finally {
            closeQuietly(c);
        }
    }

    /** Closes this instance's connections (a waiter in {@link #awaitChange} fails); the database stays. */
    @Override
    public void close() {
        closed = true;
        Connection l = listener;
        if (l != null) {
            closeQuietly(l); // without listenLock: wakes a waiter blocked in getNotifications
        }
        lock.lock();
        try {
            if (db != null) {
                db.close();
                db = null;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("store " + location + " is closed");
        }
    }

    /** @return the transition connection, reconnecting (and dropping the kernel) after a lost one */
    private Db db() {
        if (db == null) {
            kernel = null;
            Connection c = connect(url, properties, location, options);
            try {
                db = new Db(c);
            } catch (SQLException e) {
                closeQuietly(c);
                throw translate(location, "preparing statements", e, false);
            }
        }
        return db;
    }

    /** Rolls back and drops the in-memory kernel: it may hold what the database does not. */
    private void rollbackQuietly(Db d) {
        kernel = null;
        d.clearBatches();
        try {
            d.connection.rollback();
        } catch (SQLException e) {
            // the connection is gone: the server rolls back what was not committed
        }
    }

    /** Translates a failure of {@code d}; drops the connection when it is lost (the next call reconnects). */
    private StoreDatabaseException lost(Db d, String what, SQLException e, boolean committing) {
        boolean gone = connectionLost(e) || isClosed(d.connection);
        if (gone) {
            d.close();
            if (db == d) {
                db = null;
            }
        }
        return translate(location, what, e, committing && gone);
    }

    private static boolean isClosed(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /**
     * @param e a driver's error
     * @return whether it means the connection is gone: SQLSTATE class 08 (connection exception) or 57P01..57P03
     *         (the server is shutting down, crashed, or cannot accept connections yet)
     */
    static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }

    /**
     * @param e a driver's error
     * @return whether the same call may succeed when made again: a lost connection ({@link #connectionLost}),
     *         a serialization failure (40001), a deadlock (40P01), a lock timeout (55P03), a cancelled statement (57014)
     */
    static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        return connectionLost(e) || "40001".equals(state) || "40P01".equals(state) || "55P03".equals(state)
                || "57014".equals(state);
    }

    private static StoreDatabaseException translate(String location, String what, SQLException e, boolean inDoubt) {
        return new StoreDatabaseException(location, what, retryable(e), inDoubt, e);
    }


    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }

    /** A transition connection (autocommit off) and its prepared statements. */
    private static final class Db {
        /** The connection. */
        final Connection connection;
        /** Reads the head without a lock. */
        final PreparedStatement readHead;
        /** Rows (after, upTo], in order. */
        final PreparedStatement rowsUpTo;
        /** The latest snapshot. */
        final PreparedStatement latestSnapshot;
        /** Appends a log row (batched). */
        final PreparedStatement insertRow;
        /** Appends a snapshot (batched). */
        final PreparedStatement insertSnapshot;
        /** Moves the head and notifies {@link #CHANNEL}. */
        final PreparedStatement moveHead;
        /** Appends one log row, moves the head to it, notifies and commits, in one round trip. */
        final PreparedStatement appendOne;
        /**
         * Locks the head row, then reads the database's clock and the log's rows after a sequence number up to the
         * head: three statements in one round trip (the transition's first).
         */
        final PreparedStatement lockNowRows;
        /**
         * A try for the head row's lock and what its holder needs, four statements after the caller's first (parameter
         * 2: this instance's sequence number): the head row if its lock was free ({@code SKIP LOCKED}), the database's
         * clock, the log's rows after the sequence number up to the head, and, only for the lock's holder, the queued
         * inputs without a verdict, locked, in queue order (at most {@link GroupCommit#MAX_GROUP}; one being withdrawn,
         * locked by its process, is skipped).
         */
        static final String ATTEMPT = "; SELECT seq FROM tablease_head WHERE id = 1 FOR UPDATE SKIP LOCKED; " + NOW_SQL
                + "; SELECT seq, now, input, decisions FROM tablease_log"
                + " WHERE seq > ? AND seq <= (SELECT seq FROM tablease_head WHERE id = 1) ORDER BY seq"
                + "; SELECT p.id, p.input FROM tablease_pending p WHERE p.seq IS NULL"
                + " AND EXISTS (SELECT 1 FROM tablease_head h WHERE h.id = 1 FOR UPDATE SKIP LOCKED)"
                + " ORDER BY p.id LIMIT " + GroupCommit.MAX_GROUP + " FOR UPDATE OF p SKIP LOCKED";
        /** Queues inputs (parameter 1: their JSON, in order) and makes an {@link #ATTEMPT}. */
        final PreparedStatement submit;
        /** Takes the verdicts of queued inputs (parameter 1: their ids) and makes an {@link #ATTEMPT}. */
        final PreparedStatement retry;
        /**
         * Commits without waiting for the flush (the queued inputs, the verdicts taken: no decision of the log's) and
         * listens on {@link #CHANNEL} from then on, to wait for the next commit of any process.
         */
        final PreparedStatement commitAndListen;
        /** Commits the same way and stops listening: this instance's inputs have their verdicts. */
        final PreparedStatement commitDone;
        /** The leader's writes, by {@link #leadWrite}'s variant, prepared when first used. */
        private final PreparedStatement[] leadWrites = new PreparedStatement[8];
        /** Whether the connection {@code LISTEN}s on {@link #CHANNEL} ({@link #commitAndListen} committed). */
        boolean listening;
        /** Withdraws queued inputs without a verdict (parameter 1: their ids) and commits. */
        final PreparedStatement withdraw;
        /** The log rows of the current transition, not yet sent. */
        final List<LogRow> pending = new ArrayList<>(2);
        /** Snapshots in the current batch. */
        int snapshots;

        Db(Connection c) throws SQLException {
            connection = c;
            readHead = c.prepareStatement("SELECT seq FROM tablease_head WHERE id = 1");
            rowsUpTo = c.prepareStatement("SELECT seq, now, input, decisions FROM tablease_log WHERE seq > ? AND seq <= ?"
                    + " ORDER BY seq");
            latestSnapshot = c.prepareStatement("SELECT seq, state FROM tablease_snapshot ORDER BY seq DESC LIMIT 1");
            insertRow = c.prepareStatement("INSERT INTO tablease_log (seq, now, input, decisions) VALUES (?, ?, ?, ?)");
            insertSnapshot = c.prepareStatement("INSERT INTO tablease_snapshot (seq, state) VALUES (?, ?)");
            moveHead = c.prepareStatement("WITH moved AS (UPDATE tablease_head SET seq = ? WHERE id = 1 RETURNING seq)"
                    + " SELECT pg_notify('" + CHANNEL + "', seq::text) FROM moved");
            appendOne = c.prepareStatement("WITH appended AS (INSERT INTO tablease_log (seq, now, input, decisions)"
                    + " VALUES (?, ?, ?, ?) RETURNING seq),"
                    + " moved AS (UPDATE tablease_head SET seq = (SELECT seq FROM appended) WHERE id = 1 RETURNING seq)"
                    + " SELECT pg_notify('" + CHANNEL + "', seq::text) FROM moved; COMMIT");
            lockNowRows = c.prepareStatement("SELECT seq FROM tablease_head WHERE id = 1 FOR UPDATE; " + NOW_SQL
                    + "; SELECT seq, now, input, decisions FROM tablease_log"
                    + " WHERE seq > ? AND seq <= (SELECT seq FROM tablease_head WHERE id = 1) ORDER BY seq");
            submit = c.prepareStatement("INSERT INTO tablease_pending (input) SELECT x FROM unnest(?::text[])"
                    + " WITH ORDINALITY AS t(x, i) ORDER BY i RETURNING id" + ATTEMPT);
            retry = c.prepareStatement("DELETE FROM tablease_pending WHERE id = ANY(?) AND seq IS NOT NULL"
                    + " RETURNING id, first_seq, seq, refused" + ATTEMPT);
            commitAndListen = c.prepareStatement("LISTEN " + CHANNEL + "; SET LOCAL synchronous_commit TO off; COMMIT");
            commitDone = c.prepareStatement("UNLISTEN " + CHANNEL + "; SET LOCAL synchronous_commit TO off; COMMIT");
            withdraw = c.prepareStatement("DELETE FROM tablease_pending WHERE id = ANY(?) AND seq IS NULL RETURNING id"
                    + "; UNLISTEN " + CHANNEL + "; SET LOCAL synchronous_commit TO off; COMMIT");
        }


        /**
         * The leader's write, one round trip: the rows (4 arrays), the other processes' verdicts (4 arrays, only when
         * {@code others}), deletes its own queued inputs (an array) and, when {@code stale}, the verdicts older than a
         * sequence number; moves the head (a sequence number) and notifies; stops listening when {@code listening};
         * commits.
         */
        PreparedStatement leadWrite(boolean others, boolean stale, boolean listening) throws SQLException {
            int variant = (others ? 1 : 0) | (stale ? 2 : 0) | (listening ? 4 : 0);
            PreparedStatement ps = leadWrites[variant];
            if (ps == null) {
                ps = connection.prepareStatement("INSERT INTO tablease_log (seq, now, input, decisions)"
                        + " SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[])"
                        + (others ? "; UPDATE tablease_pending p SET first_seq = v.f, seq = v.s, refused = v.r"
                        + " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::text[]) AS v(id, f, s, r) WHERE p.id = v.id" : "")
                        + "; DELETE FROM tablease_pending WHERE id = ANY(?)"
                        + (stale ? "; DELETE FROM tablease_pending WHERE seq < ?" : "")
                        + "; WITH moved AS (UPDATE tablease_head SET seq = ? WHERE id = 1 RETURNING seq)"
                        + " SELECT pg_notify('" + CHANNEL + "', seq::text) FROM moved"
                        + (listening ? "; UNLISTEN " + CHANNEL : "") + "; COMMIT");
                leadWrites[variant] = ps;
            }
            return ps;
        }

        /** Adds a log row to the current transition's rows. */
        void add(long seq, long now, String input, String decisions) {
            pending.add(new LogRow(seq, now, input, decisions));
        }

        long head() throws SQLException {
            return single(readHead);
        }

        private static long single(PreparedStatement ps) throws SQLException {
            return singleOf(ps.executeQuery());
        }

        /** @return the first column of the only row of {@code rs}, which is closed */
        static long singleOf(ResultSet rs) throws SQLException {
            try (rs) {
                if (!rs.next()) {
                    throw new SQLException("no tablease_head row", "55000");
                }
                return rs.getLong(1);
            }
        }

        /**
         * Sends the transition's rows and snapshots, moves the head to {@code head} and notifies: one statement for
         * the usual single row, else a batch and an update. A row that already exists (a row beyond the head, written
         * outside the protocol) is refused as a {@link LogCorruptException} naming it.
         */
        void write(long firstRow, long head, String location) throws SQLException {
            try {
                if (pending.size() == 1 && snapshots == 0) {
                    LogRow r = pending.get(0);
                    appendOne.setLong(1, r.seq());
                    appendOne.setLong(2, r.now());
                    appendOne.setString(3, r.input());
                    appendOne.setString(4, r.decisions());
                    appendOne.execute(); // the append's row (the notification), then the COMMIT's update count
                    try (ResultSet rs = appendOne.getResultSet()) {
                        if (!rs.next()) {
                            throw new SQLException("no tablease_head row", "55000");
                        }
                    }
                    return;
                }
                for (LogRow r : pending) {
                    insertRow.setLong(1, r.seq());
                    insertRow.setLong(2, r.now());
                    insertRow.setString(3, r.input());
                    insertRow.setString(4, r.decisions());
                    insertRow.addBatch();
                }
                insertRow.executeBatch();
                if (snapshots > 0) {
                    insertSnapshot.executeBatch();
                }
                moveHead.setLong(1, head);
                expectOneRow(moveHead);
            } catch (SQLException e) {
                SQLException cause = e.getNextException() != null ? e.getNextException() : e;
                if ("23505".equals(e.getSQLState()) || "23505".equals(cause.getSQLState())) {
                    throw new LogCorruptException(location, "tablease_log", firstRow, Problem.SEQUENCE_GAP,
                            "a row after the head already exists (written outside the protocol): " + cause.getMessage(), cause);
                }
                throw e;
            } finally {
                pending.clear();
                snapshots = 0;
            }
        }

        private static void expectOneRow(PreparedStatement ps) throws SQLException {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no tablease_head row", "55000");
                }
            }
        }

        void clearBatches() {
            try {
                insertRow.clearBatch();
                insertSnapshot.clearBatch();
            } catch (SQLException e) {
                // the connection is gone
            }
            pending.clear();
            snapshots = 0;
        }

        void close() {
            closeQuietly(connection);
        }
    }
}
