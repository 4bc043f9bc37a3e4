package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Application-level group commit of one store instance's threads, shared by {@link SqliteKernelStore} and
 * {@link PostgresKernelStore} (see {@code docs/store.md}, "Group commit"). A thread that calls {@link #apply} queues
 * its request, then takes the store's lock; the thread that holds it (the leader) takes every queued request, at
 * most {@link #MAX_GROUP}, and decides them in one database transaction ({@link Transactions#decide}): one
 * {@code now}, each input applied in queue order with its own {@code Tick} first when one is due, one log row per
 * input, one commit (one flush) for the group. Each caller gets its own step. When an input of a group is refused or
 * its function throws, the store rolls the transaction back and drops its in-memory kernel (it is rebuilt from the
 * database at the next transaction), and each input of the group is decided alone, so a refused input writes nothing
 * and fails only its own caller. A database error fails every caller of the group.
 *
 * <p>After a transaction commits, the leader hands each step of it to its caller's {@code inLogOrder}, in log order,
 * still holding the lock ({@link KernelStore#apply(LongFunction, Consumer)}).
 */
final class GroupCommit {

    /** The most inputs one transaction decides (bounds the time the database's write lock is held). */
    static final int MAX_GROUP = 64;

    /** One database transaction of a store. */
    interface Transactions {
        /**
         * Decides {@code inputs} in one transaction, in order, with one {@code now} (the caller holds the store's
         * lock), typically by {@link #applyAll}.
         *
         * @param inputs the input functions, at least one
         * @param alone  {@code true}: a single input, whose failure is thrown; {@code false}: a group
         * @return each input's step, in order; {@code null} (only when not {@code alone}) when an input was refused
         *         or its function threw: the transaction was then rolled back, nothing written, and the store's
         *         in-memory kernel dropped
         * @throws Verdicts when not {@code alone}, the group committed and some of its inputs were refused (the group
         *                  commit across processes): each input's step or refusal
         */
        List<SharedLeaseKernel.Step> decide(List<LongFunction<Input>> inputs, boolean alone);
    }

    /** Appends one applied input and its decisions to the current transaction. */
    interface Appender {
        /**
         * @param in        the input applied
         * @param decisions its decisions
         * @throws SQLException when the database fails
         */
        void append(Input in, List<Decision> decisions) throws SQLException;
    }

    /** A transition asked for by one thread, waiting in {@link #queued} until a transaction decides it. */
    private static final class Request {
        /** Builds the input from {@code now}. */
        final LongFunction<Input> input;
        /** Told of the step once it is committed, under the lock. */
        final Consumer<? super SharedLeaseKernel.Step> inLogOrder;
        /** Whether {@link #step} or {@link #failure} is set (written and read under the store's lock). */
        boolean done;
        /** The caller's step, once decided. */
        SharedLeaseKernel.Step step;
        /** What the caller throws instead: a {@link RuntimeException} or an {@link Error}. */
        Throwable failure;

        Request(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
            this.input = input;
            this.inLogOrder = inLogOrder;
        }

        /** Sets the committed step and tells {@link #inLogOrder} of it (the caller holds the lock). */
        void decided(SharedLeaseKernel.Step decided) {
            step = decided;
            try {
                inLogOrder.accept(decided);
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            done = true;
        }
    }

    /** The store's lock: one transaction of the instance at a time. */
    private final ReentrantLock lock;
    /** The store's transaction. */
    private final Transactions transactions;
    /** The requests of this instance's threads not yet taken by a transaction. */
    private final ConcurrentLinkedQueue<Request> queued = new ConcurrentLinkedQueue<>();
    /** How many transactions committed (a test seam: fewer than inputs when groups formed). */
    private final AtomicLong commits = new AtomicLong();

    /**
     * @param lock         the store's lock, also held by its other operations
     * @param transactions the store's transaction
     */
    GroupCommit(ReentrantLock lock, Transactions transactions) {
        this.lock = lock;
        this.transactions = transactions;
    }

    /**
     * One transition, decided alone or in a group with the requests other threads queued meanwhile.
     *
     * @param input      builds the input from the transaction's {@code now}; may be called again when its group is
     *                   decided anew
     * @param inLogOrder told of the step after its commit, in log order, under the lock (possibly by another thread)
     * @return the inputs applied and their decisions
     */
    SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(inLogOrder, "inLogOrder");
        Request request = new Request(input, inLogOrder);
        queued.add(request);
        lock.lock();
        try {
            while (!request.done) { // the previous leader did not take it: lead a group that holds it
                List<Request> group = new ArrayList<>();
                for (Request q; group.size() < MAX_GROUP && (q = queued.poll()) != null; ) {
                    group.add(q);
                }
                decide(group);
            }
        } finally {
            lock.unlock();
        }
        if (request.failure instanceof RuntimeException e) {
            throw e;
        }
        if (request.failure instanceof Error e) {
            throw e;
        }
        return request.step;
    }

    /** @return how many requests wait for a leader now (a test seam) */
    int queued() {
        return queued.size();
    }

    /** @return how many transactions committed so far (a test seam) */
    long commits() {
        return commits.get();
    }

    /** Decides {@code group} (the caller holds the lock) and completes every request in it; never throws. */
    private void decide(List<Request> group) {
        if (group.size() > 1) {
            List<LongFunction<Input>> inputs = new ArrayList<>(group.size());
            for (Request q : group) {
                inputs.add(q.input);
            }
            try {
                List<SharedLeaseKernel.Step> steps = transactions.decide(inputs, false);
                if (steps != null) {
                    commits.incrementAndGet();
                    for (int i = 0; i < group.size(); i++) {
                        group.get(i).decided(steps.get(i));
                    }
                    return;
                }
                // an input was refused or its function failed: each is decided alone, below
            } catch (Verdicts v) {
                commits.incrementAndGet();
                for (int i = 0; i < group.size(); i++) {
                    Request q = group.get(i);
                    if (v.refusals.get(i) != null) {
                        q.failure = v.refusals.get(i);
                        q.done = true;
                    } else {
                        q.decided(v.steps.get(i));
                    }
                }
                return;
            } catch (RuntimeException | Error e) {
                for (Request q : group) {
                    q.failure = e;
                    q.done = true;
                }
                return;
            }
        }
        for (Request q : group) {
            SharedLeaseKernel.Step step;
            try {
                step = transactions.decide(List.of(q.input), true).get(0);
                commits.incrementAndGet();
            } catch (RuntimeException | Error e) {
                q.failure = e;
                q.done = true;
                continue;
            }
            q.decided(step);
        }
    }

    /**
     * Applies each input function's input to {@code kernel} at {@code now}, in order, each with a {@code Tick}
     * first when something is due, appending a row for each input applied: the body of a transaction.
     *
     * @param kernel the store's in-memory kernel (changed)
     * @param inputs the input functions
     * @param now    the transaction's {@code now}
     * @param alone  whether a failure is thrown ({@code true}) or answered by {@code null}
     * @param append appends a row to the transaction
     * @return each input's step; {@code null} when not {@code alone} and an input was refused or its function threw
     *         (the caller rolls back and drops {@code kernel}, which may hold part of the group)
     * @throws SQLException when the database fails
     */
    static List<SharedLeaseKernel.Step> applyAll(LeaseKernel kernel, List<LongFunction<Input>> inputs, long now,
                                                 boolean alone, Appender append) throws SQLException {
        List<SharedLeaseKernel.Step> steps = new ArrayList<>(inputs.size());
        for (LongFunction<Input> f : inputs) {
            try {
                steps.add(applyOne(kernel, Objects.requireNonNull(f.apply(now), "the input function returned null"),
                        now, append));
            } catch (RuntimeException e) {
                if (alone) {
                    throw e;
                }
                return null;
            }
        }
        return steps;
    }

    /**
     * Applies one input to {@code kernel} at {@code now}, with a {@code Tick} first when something is due, appending
     * a row for each input applied.
     *
     * @param kernel the store's in-memory kernel (changed)
     * @param in     the input, at {@code now}
     * @param now    the transaction's {@code now}
     * @param append appends a row to the transaction
     * @return the step: the {@code Tick} (when one was due) and the input, and their decisions
     * @throws RuntimeException when the kernel refuses the input: the {@code Tick} before it, if any, stays applied
     *                          and appended
     * @throws SQLException     when the database fails
     */
    static SharedLeaseKernel.Step applyOne(LeaseKernel kernel, Input in, long now, Appender append) throws SQLException {
        List<Input> applied = new ArrayList<>(2);
        List<Decision> all = new ArrayList<>();
        if (now >= kernel.nextDueAt() && now >= kernel.lastNow() && !(in instanceof Input.Tick)) {
            Input.Tick tick = new Input.Tick(now);
            List<Decision> decisions = kernel.apply(tick);
            append.append(tick, decisions);
            applied.add(tick);
            all.addAll(decisions);
        }
        List<Decision> decisions = kernel.apply(in);
        append.append(in, decisions);
        applied.add(in);
        all.addAll(decisions);
        return new SharedLeaseKernel.Step(applied, all);
    }

    /**
     * What {@link Transactions#decide} throws for a group that committed although some of its inputs were refused
     * (the group commit across processes cannot roll back what another process decided): each input's step, or its
     * refusal.
     */
    static final class Verdicts extends RuntimeException {
        private static final long serialVersionUID = 1L;
        /** Each input's step; {@code null} where {@link #refusals} holds the refusal. */
        final transient List<SharedLeaseKernel.Step> steps;
        /** Each input's refusal; {@code null} where {@link #steps} holds the step. */
        final transient List<RuntimeException> refusals;

        /**
         * @param steps    each input's step, {@code null} for a refused one
         * @param refusals each input's refusal, {@code null} for a decided one
         */
        Verdicts(List<SharedLeaseKernel.Step> steps, List<RuntimeException> refusals) {
            super("a group with refused inputs", null, false, false);
            this.steps = steps;
            this.refusals = refusals;
        }
    }
}
