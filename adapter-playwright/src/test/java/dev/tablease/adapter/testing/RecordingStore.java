package dev.tablease.adapter.testing;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.ForwardingKernelStore;
import dev.tablease.store.KernelStore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/** A {@link KernelStore} decorator that records every step this process applied (tests look at inputs and decisions). */
public final class RecordingStore extends ForwardingKernelStore {

    private final List<SharedLeaseKernel.Step> steps = new ArrayList<>();

    public RecordingStore(KernelStore delegate) {
        super(delegate);
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        return delegate.apply(input, s -> {
            synchronized (steps) { // in log order
                steps.add(s);
            }
            inLogOrder.accept(s);
        });
    }

    /** @return every input applied so far, in order */
    public List<Input> inputs() {
        synchronized (steps) {
            return steps.stream().flatMap(s -> s.inputs().stream()).toList();
        }
    }

    /** @return every decision so far, in order */
    public List<Decision> decisions() {
        synchronized (steps) {
            return steps.stream().flatMap(s -> s.decisions().stream()).toList();
        }
    }

    /** @return the inputs of one type */
    public <T extends Input> List<T> inputs(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Input i : inputs()) {
            if (type.isInstance(i)) {
                out.add(type.cast(i));
            }
        }
        return out;
    }

    /** @return the decisions of one type */
    public <T extends Decision> List<T> decisions(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Decision d : decisions()) {
            if (type.isInstance(d)) {
                out.add(type.cast(d));
            }
        }
        return out;
    }
}
