package dev.tablease.cli;

import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.DriverWaiter;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import dev.tablease.store.BootClock;
import dev.tablease.store.InputLogStore;
import dev.tablease.store.LogCorruptException;
import dev.tablease.store.SqliteKernelStore;
import dev.tablease.store.StoreSchemaException;
import dev.tablease.store.StateFile;
import dev.tablease.store.StoreCorruptException;
import dev.tablease.store.StoreException;
import dev.tablease.store.StoreLockedException;
import dev.tablease.trace.TraceCodec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * {@code tablease status [--store <tablease.db | postgresql://… | state.json>] [--json]}: the durable store's tabs,
 * reservations, driver leases and waiters as tables. Read-only. A database store's log is replayed (each row
 * checked); a JSON state file (an export, or the removed file store's {@code state.json}) is read and changes
 * nothing.
 */
public final class StatusCommand implements Command {

    private final Map<String, String> env;
    private final LongSupplier wallClock;
    private final BootClock bootClock;

    public StatusCommand() {
        this(System.getenv(), System::currentTimeMillis, BootClock.system());
    }

    /** A status command with its own environment and clocks (tests). */
    public StatusCommand(Map<String, String> env, LongSupplier wallClock, BootClock bootClock) {
        this.env = env;
        this.wallClock = wallClock;
        this.bootClock = bootClock;
    }

    @Override
    public String name() {
        return "status";
    }

    @Override
    public String arguments() {
        return "[--store <tablease.db | postgresql://… | state.json>] [--json]";
    }

    @Override
    public String summary() {
        return "show the store's tabs, reservations, driver leases and waiters";
    }

    @Override
    public String help() {
        return """
                Reads the durable store (docs/store.md): an SQLite or PostgreSQL store (its log replayed,
                every row checked) or a JSON state file (an export, or the removed file store's state.json),
                and prints its tabs, reservations (sessions bound to a tab), driver leases and waiters as
                tables. Times are shown relative to the store's clock now ("in 12.0 s", "3.5 s ago").
                Read-only: it changes nothing.

                options:
                  --store <store>  an SQLite file, a PostgreSQL URL (postgresql://user@host:port/db; the
                                   password from the URL or $PGPASSWORD) or a state file; default:
                                   $TABLEASE_STORE when set, else ~/.tablease/tablease.db
                  --json           print the state as one line of JSON (the trace codec's encoding of
                                   KernelState) instead of tables

                exit codes:
                  0  the state was printed
                  1  the store is corrupt or inconsistent (a database names the row, a state file the
                     problem), or not a tablease store of this version
                  2  wrong arguments, no store at that path, or the database cannot be reached or
                     is held exclusively by another process (tablease serve --store <db>: ask the
                     service, GET /v1/status)
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = Args.parse(args, Set.of("store"), Set.of("json"));
            a.positionalCount(0, 0, "no arguments");
        } catch (Args.UsageException e) {
            return usageError(err, e.getMessage());
        }
        StoreTarget target;
        try {
            target = StoreLocation.target(a.get("store", null), env);
        } catch (IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        if (!target.exists()) {
            err.println("tablease status: no store at " + target.describe()
                    + (a.has("store") ? "" : " (set --store or $" + StoreLocation.ENV + ")"));
            return USAGE;
        }
        if (target instanceof StoreTarget.Sqlite sqlite && !SqliteKernelStore.isDatabaseFile(sqlite.file())) {
            return stateFile(sqlite.file(), a.has("json"), out, err);
        }
        return database(target, a.has("json"), out, err);
    }

    /** A JSON state file: read (fully validated), then the same tables. */
    private int stateFile(Path file, boolean json, PrintStream out, PrintStream err) {
        StateFile.Contents contents;
        try {
            contents = new StateFile().read(file);
        } catch (StoreCorruptException e) {
            err.println("tablease status: " + e.getMessage());
            return FAILED;
        } catch (StoreException e) {
            err.println("tablease status: cannot read " + file + ": " + e.getMessage());
            return USAGE;
        }
        if (json) {
            out.println(new TraceCodec().toJson(contents.state()));
            return OK;
        }
        KernelState s = contents.state();
        long now = SqliteKernelStore.nowFor(contents.clock(), bootClock.read(), wallClock.getAsLong(), s.lastNow());
        out.print(render(file + " (a JSON state file; 'tablease import' makes a store from it)", contents.config(), s, now));
        return OK;
    }

    /** A database store: its log replayed (every row checked), then the same tables. */
    private int database(StoreTarget target, boolean json, PrintStream out, PrintStream err) {
        try (InputLogStore store = target.openExisting(wallClock::getAsLong, bootClock)) {
            KernelState s = store.snapshot();
            if (json) {
                out.println(new TraceCodec().toJson(s));
                return OK;
            }
            out.print(render(target.describe(), store.config(), s, store.now()));
            return OK;
        } catch (LogCorruptException | StoreSchemaException e) {
            err.println("tablease status: " + e.getMessage());
            return FAILED;
        } catch (StoreLockedException e) {
            err.println("tablease status: cannot read " + target.describe() + ": " + e.getMessage());
            err.println("tablease status: when 'tablease serve' holds it, ask the service: GET /v1/status"
                    + " (e.g. curl -H \"Authorization: Bearer $(cat ~/.tablease/serve.token)\""
                    + " http://127.0.0.1:7311/v1/status)");
            return USAGE;
        } catch (StoreException e) {
            err.println("tablease status: cannot read " + target.describe() + ": " + e.getMessage());
            return USAGE;
        }
    }

    /** @return the tables for {@code state} at store time {@code now} */
    static String render(String store, KernelConfig config, KernelState state, long now) {
        StringBuilder b = new StringBuilder();
        b.append("store   ").append(store).append('\n');
        b.append(String.format(Locale.ROOT, "config  maxPerKey %d%s, globalMax %d, heartbeat %d ms x %d, budgets %s ms + %d ms margin,"
                        + " pool TTL %d ms, queue %d / %d ms%n",
                config.maxPerKey(), config.maxPerKeyOverrides().isEmpty() ? "" : " " + config.maxPerKeyOverrides(),
                config.globalMax(), config.heartbeatIntervalMillis(), config.missedHeartbeats(),
                config.requestClassBudgetsMillis(), config.deadlineMarginMillis(), config.poolTtlMillis(),
                config.queueCapacity(), config.queueTimeoutMillis()));
        b.append("now     ").append(now).append(" (store time; last transition ").append(ago(now, state.lastNow()))
                .append(")\n\n");

        Map<String, Integer> perKey = new TreeMap<>();
        for (Tab t : state.tabs()) {
            perKey.merge(t.key(), 1, Integer::sum);
        }
        List<String> keys = new ArrayList<>();
        perKey.forEach((k, n) -> keys.add(k + " " + n + "/" + config.maxPerKey(k)));
        b.append("TABS: ").append(state.tabs().size()).append(" of ").append(config.globalMax())
                .append(keys.isEmpty() ? "" : " (" + String.join(", ", keys) + ")").append('\n');
        Table tabs = new Table("TAB", "KEY", "STATE", "TARGET", "SESSION", "EPOCH", "NEEDS RESET", "POOL EXPIRES");
        for (Tab t : state.tabs()) {
            tabs.row(t.tabId(), t.key(), t.state(), t.targetId() == null ? "-" : t.targetId(),
                    t.sessionId() == null ? "-" : t.sessionId(), t.epoch(), t.needsReset() ? "yes" : "no",
                    t.state() == TabState.POOLED ? in(now, t.poolExpiresAt()) : "-");
        }
        tabs.appendTo(b);

        List<Session> bound = state.sessions().stream().filter(Session::isBound).toList();
        b.append("\nRESERVATIONS: ").append(bound.size()).append('\n');
        Table res = new Table("SESSION", "KEY", "CLASS", "TAB", "DEADLINE", "RECOVERIES", "CONVERSATION");
        for (Session s : bound) {
            res.row(s.sessionId(), s.key(), s.requestClass(), s.tabId(), in(now, s.deadline()), s.recoveryCount(),
                    s.conversationUrl() == null ? "-" : s.conversationUrl());
        }
        res.appendTo(b);
        List<Session> unbound = state.sessions().stream().filter(s -> !s.isBound() && !s.isWaiting()).toList();
        if (!unbound.isEmpty()) {
            b.append("  unbound (their tab could not be opened; the next acquire recovers them): ");
            b.append(String.join(", ", unbound.stream().map(Session::sessionId).toList())).append('\n');
        }

        List<Session> leased = state.sessions().stream().filter(s -> s.lease() != null).toList();
        b.append("\nDRIVER LEASES: ").append(leased.size()).append('\n');
        Table leases = new Table("SESSION", "HOLDER", "TOKEN", "LAST BEAT", "EXPIRES");
        for (Session s : leased) {
            DriverLease l = s.lease();
            leases.row(s.sessionId(), l.holder(), l.token(), ago(now, l.lastBeat()), in(now, l.expiresAt()));
        }
        leases.appendTo(b);

        Table waiters = new Table("WAITS FOR", "SESSION", "KEY", "HOLDER", "REQUEST", "QUEUE DEADLINE");
        int n = 0;
        for (Session s : state.sessions()) {
            for (DriverWaiter w : s.drivers()) {
                waiters.row(s.isWaiting() ? "a tab" : "the lease", s.sessionId(), s.key(), w.holder(), w.requestId(),
                        in(now, w.queueDeadline()));
                n++;
            }
        }
        b.append("\nWAITERS: ").append(n).append('\n');
        waiters.appendTo(b);
        return b.toString();
    }

    private static String in(long now, long at) {
        long d = at - now;
        return d >= 0 ? String.format(Locale.ROOT, "in %.1f s", d / 1000.0)
                : String.format(Locale.ROOT, "overdue by %.1f s", -d / 1000.0);
    }

    private static String ago(long now, long at) {
        long d = now - at;
        return d >= 0 ? String.format(Locale.ROOT, "%.1f s ago", d / 1000.0)
                : String.format(Locale.ROOT, "in %.1f s", -d / 1000.0);
    }

    /** A plain text table: columns padded to their widest cell; "(none)" when empty. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final int columns;

        Table(String... header) {
            rows.add(header);
            columns = header.length;
        }

        void row(Object... cells) {
            String[] r = new String[columns];
            for (int i = 0; i < columns; i++) {
                r[i] = String.valueOf(cells[i]);
            }
            rows.add(r);
        }

        void appendTo(StringBuilder b) {
            if (rows.size() == 1) {
                b.append("  (none)\n");
                return;
            }
            int[] w = new int[columns];
            for (String[] r : rows) {
                for (int i = 0; i < columns; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder("  ");
                for (int i = 0; i < columns; i++) {
                    line.append(r[i]);
                    if (i < columns - 1) {
                        line.append(" ".repeat(w[i] - r[i].length() + 2));
                    }
                }
                b.append(line.toString().stripTrailing()).append('\n');
            }
        }
    }
}
