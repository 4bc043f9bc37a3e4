package dev.tablease.store;

import dev.tablease.kernel.Input;

import java.util.function.LongFunction;

/**
 * Moves an input to another {@code now}: the same input, every other field unchanged. The group commit across
 * processes ({@link PostgresKernelStore}, see {@code docs/store.md}, "Group commit across processes") queues an input
 * built at a provisional {@code now} in the database, and the process that decides it gives it the transaction's
 * {@code now}.
 */
final class InputAt {

    private InputAt() {
    }

    /**
     * @param in  an input
     * @param now the time to give it, in ms; not negative
     * @return {@code in} with {@code now}, every other field the same
     */
    static Input at(Input in, long now) {
        if (in.now() == now) {
            return in;
        }
        if (in instanceof Input.Acquire a) {
            return new Input.Acquire(now, a.sessionId(), a.key(), a.holder(), a.requestClass());
        }
        if (in instanceof Input.Heartbeat h) {
            return new Input.Heartbeat(now, h.sessionId(), h.token());
        }
        if (in instanceof Input.Release r) {
            return new Input.Release(now, r.sessionId(), r.token(), r.outcome());
        }
        if (in instanceof Input.UpdateSession u) {
            return new Input.UpdateSession(now, u.sessionId(), u.token(), u.conversationUrl());
        }
        if (in instanceof Input.Cancel c) {
            return new Input.Cancel(now, c.requestId());
        }
        if (in instanceof Input.TabOpened o) {
            return new Input.TabOpened(now, o.tabId(), o.targetId());
        }
        if (in instanceof Input.TabOpenFailed f) {
            return new Input.TabOpenFailed(now, f.tabId(), f.reason());
        }
        if (in instanceof Input.TabGone g) {
            return new Input.TabGone(now, g.targetId(), g.cause());
        }
        if (in instanceof Input.TabClosed c) {
            return new Input.TabClosed(now, c.targetId());
        }
        if (in instanceof Input.Tick) {
            return new Input.Tick(now);
        }
        throw new IllegalArgumentException("an input of an unknown type: " + in.getClass().getName());
    }

    /**
     * Builds the input of {@code f} at {@code provisional} and checks that {@code f} only puts {@code now} into it:
     * {@code f(provisional + 1)} must be {@link #at} {@code f(provisional)} moved by 1 ms. An input function that
     * derives anything else from {@code now} (a deadline, a choice of input) cannot be decided by another process.
     *
     * @param f           an input function
     * @param provisional the time to build it at, in ms; not negative
     * @return the input at {@code provisional}; {@code null} when {@code f} derives more than {@code now} from its
     *         argument
     * @throws RuntimeException what {@code f} throws
     */
    static Input movable(LongFunction<Input> f, long provisional) {
        Input in = f.apply(provisional);
        if (in == null) {
            throw new NullPointerException("the input function returned null");
        }
        Input later = f.apply(provisional + 1);
        return later != null && later.equals(at(in, provisional + 1)) ? in : null;
    }
}
