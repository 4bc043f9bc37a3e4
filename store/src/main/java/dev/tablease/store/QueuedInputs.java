package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.SharedLeaseKernel;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One call's inputs in the group commit across processes ({@link PostgresKernelStore}, {@code docs/store.md},
 * "Group commit across processes"): their ids in {@code tablease_pending}, each one's verdict once known (a step or a
 * refusal), and the log rows replayed while they waited, from which the step of an input decided by another process
 * is rebuilt. Used by one thread at a time (the store's lock).
 */
final class QueuedInputs {

    /** This call's queued ids, ascending (the queue order); {@code null} until queued. */
    long[] ids;
    /** Each input's step, once decided. */
    private final SharedLeaseKernel.Step[] steps;
    /** Each input's refusal, once refused (or withdrawn). */
    private final RuntimeException[] refusals;
    /** A verdict read from {@code tablease_pending}: rows {@code first..seq} (first -1 when refused), or the refusal. */
    private record Verdict(long id, long first, long seq, String refused) {
    }

    /** A queued input a leader locked: its id and its input's JSON. */
    record Queued(long id, String input) {
    }

    /** Verdicts read from the database and not yet resolved. */
    private final List<Verdict> unresolved = new ArrayList<>();
    /** The log rows replayed during this call, by sequence number: each row's input and decisions. */
    final Map<Long, SharedLeaseKernel.Step> rows = new HashMap<>();
    /** The leader's queued inputs (its own and other processes'), locked, in queue order. */
    final List<Queued> queued = new ArrayList<>();
    /** The database's clock at the last attempt, ms since the epoch. */
    long dbNow;
    /** Whether the next look waits for a notification first ({@code false} right after leading or withdrawing). */
    boolean mayWait = true;

    /** @param size how many inputs this call queues */
    QueuedInputs(int size) {
        steps = new SharedLeaseKernel.Step[size];
        refusals = new RuntimeException[size];
    }

    /** Reads the ids {@code INSERT … RETURNING id} gave (ascending: the inputs' order). */
    void ids(ResultSet rs) throws SQLException {
        long[] got = new long[steps.length];
        int n = 0;
        try (rs) {
            while (rs.next()) {
                if (n == got.length) {
                    throw new SQLException("more queued ids than inputs", "XX000");
                }
                got[n++] = rs.getLong(1);
            }
        }
        if (n != got.length) {
            throw new SQLException(n + " queued ids for " + got.length + " inputs", "XX000");
        }
        Arrays.sort(got);
        ids = got;
    }

    /** @return the index of {@code id} among this call's inputs, or -1 when it is another process's */
    int indexOf(long id) {
        int i = ids == null ? -1 : Arrays.binarySearch(ids, id);
        return i >= 0 ? i : -1;
    }

    /** @return the ids of the inputs without a verdict yet */
    Long[] undecidedIds() {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (!decided(i)) {
                out.add(ids[i]);
            }
        }
        return out.toArray(new Long[0]);
    }

    /** @return how many inputs have no verdict yet */
    int undecided() {
        int n = 0;
        for (int i = 0; i < steps.length; i++) {
            if (!decided(i)) {
                n++;
            }
        }
        return n;
    }

    private boolean decided(int i) {
        return steps[i] != null || refusals[i] != null;
    }

    /** Keeps the verdicts {@code DELETE … RETURNING id, first_seq, seq, refused} gave, for {@link #resolve}. */
    void verdicts(ResultSet rs) throws SQLException {
        try (rs) {
            while (rs.next()) {
                long first = rs.getLong(2);
                if (rs.wasNull()) {
                    first = -1;
                }
                unresolved.add(new Verdict(rs.getLong(1), first, rs.getLong(3), rs.getString(4)));
            }
        }
    }

    /**
     * Turns the verdicts read into steps (from the rows replayed: every row of a verdict is committed with it, so it
     * was read by now) or refusals.
     *
     * @throws IllegalStateException when a verdict names rows that were not replayed during this call
     */
    void resolve() {
        for (Verdict v : unresolved) {
            int i = indexOf(v.id());
            if (i < 0) {
                throw new IllegalStateException("a verdict for queued input " + v.id() + ", not one of this call's");
            }
            if (v.refused() != null) {
                refusals[i] = refusal(v.refused());
                continue;
            }
            List<Input> inputs = new ArrayList<>(2);
            List<Decision> decisions = new ArrayList<>();
            for (long at = v.first(); at <= v.seq(); at++) {
                SharedLeaseKernel.Step row = rows.get(at);
                if (row == null) {
                    throw new IllegalStateException("queued input " + v.id() + " was decided at row " + at
                            + ", which this instance did not replay while it waited");
                }
                inputs.addAll(row.inputs());
                decisions.addAll(row.decisions());
            }
            steps[i] = new SharedLeaseKernel.Step(inputs, decisions);
        }
        unresolved.clear();
    }

    /** The verdict this instance reached as the leader. */
    void decide(int i, SharedLeaseKernel.Step step, RuntimeException refusal) {
        steps[i] = step;
        refusals[i] = refusal;
    }

    /** An input withdrawn from the queue (nothing decided): it fails with {@code why}. */
    void withdrawn(long id, RuntimeException why) {
        int i = indexOf(id);
        if (i >= 0) {
            refusals[i] = why;
        }
    }

    /**
     * @param alone whether the single input's refusal is thrown
     * @return every step, when none was refused
     * @throws RuntimeException         the refusal of a single input ({@code alone})
     * @throws GroupCommit.Verdicts     each input's step or refusal, when any of a group was refused
     */
    List<SharedLeaseKernel.Step> result(boolean alone) {
        boolean anyRefused = false;
        for (RuntimeException r : refusals) {
            anyRefused |= r != null;
        }
        if (!anyRefused) {
            return Arrays.asList(steps.clone());
        }
        if (alone && steps.length == 1) {
            throw refusals[0];
        }
        throw new GroupCommit.Verdicts(Arrays.asList(steps.clone()), Arrays.asList(refusals.clone()));
    }

    /** @return a refusal as stored in {@code tablease_pending.refused}: {@link #refusal} reads it back */
    static String refusalText(RuntimeException e) {
        if (e instanceof InvalidInputException i) {
            String prefix = i.problem() + ": ";
            String m = String.valueOf(i.getMessage());
            return "invalid\t" + i.problem().name() + "\t" + (m.startsWith(prefix) ? m.substring(prefix.length()) : m);
        }
        return "other\t" + e.getClass().getName() + "\t" + e.getMessage();
    }

    /** @return the refusal {@link #refusalText} stored: the same {@link InvalidInputException}, else an {@link IllegalStateException} */
    static RuntimeException refusal(String text) {
        String[] p = text.split("\t", 3);
        if (p.length == 3 && p[0].equals("invalid")) {
            try {
                return new InvalidInputException(InvalidInputException.Problem.valueOf(p[1]), p[2]);
            } catch (IllegalArgumentException unknown) {
                // a newer problem than this code knows: reported as it is, below
            }
        }
        return new IllegalStateException("the input was refused by the process that decided it: " + text.replace('\t', ' '));
    }
}
