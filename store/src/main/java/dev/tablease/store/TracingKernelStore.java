package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.trace.TraceWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * A {@link KernelStore} decorator that records every transition it applies as a trace (JSON Lines,
 * {@code docs/trace-format.md}): each input with the decisions the kernel made for it, in the order the
 * transitions happened, so that {@code tablease replay} can check the run afterwards.
 *
 * <p>A store transition may apply two inputs (a {@code Tick} first when something was due, then the input)
 * and returns their decisions together. To write one trace step per input with its own decisions, the
 * decorator keeps a <em>mirror</em>: a pure {@link LeaseKernel} on which it applies the same inputs. The
 * mirror's decisions must add up to the store's; when they do not (which would be a kernel bug, or a
 * transition applied to the store behind the decorator's back), {@link #divergences()} counts it and the
 * step is still written with the mirror's decisions, so that a replay reports it.
 *
 * <p>Requirements: the delegate starts empty ({@link KernelState#initial()}: a trace's header has the config
 * only) and every transition goes through this decorator (one process, e.g. an in-memory store shared by
 * several brokers). Transitions are serialised by the decorator's lock so that the file order is the
 * transition order. Each step is flushed when it is written.
 */
public final class TracingKernelStore extends ForwardingKernelStore {

    private final LeaseKernel mirror;
    private final TraceWriter writer;
    private final Object lock = new Object();
    private long divergences;
    private final List<String> firstDivergences = new ArrayList<>();
    private boolean closed;

    private TracingKernelStore(KernelStore delegate, TraceWriter writer) {
        super(delegate);
        this.writer = writer;
        this.mirror = new LeaseKernel(delegate.config());
    }

    /**
     * Wraps {@code delegate} and writes the trace to {@code traceFile} (created or truncated; its directory
     * is created when needed).
     *
     * @param delegate  the store that applies the transitions; it must hold the initial state
     * @param traceFile where the trace goes
     * @return the recording store
     * @throws IllegalArgumentException when the delegate's state is not the initial state
     * @throws UncheckedIOException     when the file cannot be written
     */
    public static TracingKernelStore open(KernelStore delegate, Path traceFile) {
        Objects.requireNonNull(delegate, "delegate");
        if (!delegate.snapshot().equals(KernelState.initial())) {
            throw new IllegalArgumentException("a trace starts from the initial state: the store is not empty");
        }
        try {
            Path dir = traceFile.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            BufferedWriter out = Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8);
            TraceWriter writer = new TraceWriter(out, delegate.config());
            writer.flush();
            return new TracingKernelStore(delegate, writer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trace " + traceFile, e);
        }
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        synchronized (lock) {
            SharedLeaseKernel.Step step;
            try {
                step = delegate.apply(input, inLogOrder);
            } catch (RuntimeException e) {
                catchUp();
                throw e;
            }
            record(step.inputs(), step.decisions());
            return step;
        }
    }

    /**
     * After a failed transition: a {@code SharedLeaseKernel} may have applied its {@code Tick} before the
     * input itself was refused. Record that tick, so that the mirror and the trace stay in step.
     */
    private void catchUp() {
        KernelState now = delegate.snapshot();
        KernelState mine = mirror.snapshot();
        if (now.equals(mine)) {
            return;
        }
        if (now.lastNow() >= mine.lastNow()) {
            LeaseKernel probe = LeaseKernel.restore(mirror.config(), mine);
            List<Decision> ds = probe.apply(new Input.Tick(now.lastNow()));
            if (probe.snapshot().equals(now)) {
                record(List.of(new Input.Tick(now.lastNow())), ds);
                return;
            }
        }
        diverged("the store changed outside the decorator (state at " + now.lastNow() + " differs from the mirror's)");
    }

    private void record(List<Input> inputs, List<Decision> decisions) {
        List<Decision> all = new ArrayList<>();
        for (Input in : inputs) {
            List<Decision> ds = mirror.apply(in);
            all.addAll(ds);
            write(in, ds);
        }
        if (!all.equals(decisions)) {
            diverged("the mirror decided " + all + " where the store decided " + decisions + " for " + inputs);
        }
    }

    private void write(Input in, List<Decision> ds) {
        if (closed) {
            return;
        }
        try {
            writer.write(in, ds);
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trace", e);
        }
    }

    private void diverged(String what) {
        divergences++;
        if (firstDivergences.size() < 5) {
            firstDivergences.add(what);
        }
    }

    /** @return how many transitions the mirror could not reproduce (0 in a sound run) */
    public long divergences() {
        synchronized (lock) {
            return divergences;
        }
    }

    /** @return the first few divergences, described */
    public List<String> firstDivergences() {
        synchronized (lock) {
            return List.copyOf(firstDivergences);
        }
    }

    /** @return how many steps the trace holds so far */
    public long steps() {
        synchronized (lock) {
            return writer.steps();
        }
    }

    /**
     * Stops recording and closes the trace file. The delegate stays open (the caller owns it); transitions
     * applied after this are passed through unrecorded.
     */
    public void closeTrace() {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                try {
                    writer.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot close the trace", e);
                }
            }
        }
    }

    /** Closes the trace file and the delegate. */
    @Override
    public void close() {
        closeTrace();
        delegate.close();
    }
}
