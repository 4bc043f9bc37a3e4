package dev.tablease.adapter.internal;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
import dev.tablease.adapter.LeaseRevokedException;
import dev.tablease.adapter.PageAction;
import dev.tablease.adapter.TabFailure;
import dev.tablease.adapter.TabFailureException;
import dev.tablease.adapter.TabLease;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.SharedLeaseKernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;

/** A lease handed out by {@link TabBrokerImpl}. Thread-safe. */
final class TabLeaseImpl implements TabLease {

    /** Why the lease ended (revoked, refused, or released). */
    private record End(RevokeReason reason, RefuseReason refusal, String detail) {
    }

    private final TabBrokerImpl broker;
    private final String sessionId;
    private final String key;
    private final String holder;
    private final long token;
    private final String targetId;
    private final long deadline;
    /** When the lease lapses unless beaten before, as of its grant or last accepted beat (ms). */
    private volatile long expiresAt;
    /** The page handed over with the grant; after a reconnect the tab is found again by target id. */
    private volatile Page page;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile End end;
    /** The listeners of {@link #whenEnded}, until the end; {@code null} once they were told. */
    private List<Consumer<LeaseRevokedException>> endListeners = new ArrayList<>();

    TabLeaseImpl(TabBrokerImpl broker, String sessionId, String key, String holder, long token, String targetId,
                 long deadline, long expiresAt, Page page) {
        this.broker = broker;
        this.expiresAt = expiresAt;
        this.sessionId = sessionId;
        this.key = key;
        this.holder = holder;
        this.token = token;
        this.targetId = targetId;
        this.deadline = deadline;
        this.page = page;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public long expiresAt() {
        return expiresAt;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String holder() {
        return holder;
    }

    @Override
    public long token() {
        return token;
    }

    @Override
    public String targetId() {
        return targetId;
    }

    @Override
    public long deadline() {
        return deadline;
    }

    @Override
    public Page page() {
        ensureHeld();
        broker.chrome.lock.lock();
        try {
            return currentPage();
        } catch (Chrome.Unreachable e) {
            throw new TabFailureException(new TabFailure.ConnectionLost(e.getMessage()), null);
        } finally {
            broker.chrome.lock.unlock();
        }
    }

    /**
     * The tab's page on the current connection (chrome lock held): the handed-over page until a reconnect
     * replaced it, then the page found by target id.
     *
     * @throws Chrome.Unreachable while the connection is lost
     */
    private Page currentPage() {
        broker.chrome.requireConnected("use tab " + targetId);
        if (page.isClosed() || !broker.chrome.owns(page)) {
            Page again = broker.chrome.pageFor(targetId);
            if (again != null) {
                page = again;
            }
        }
        return page;
    }

    @Override
    public <T> T call(PageAction<T> action) {
        Objects.requireNonNull(action, "action");
        ensureHeld();
        TabFailure failure = null;
        PlaywrightException cause = null;
        Page used = null;
        broker.chrome.lock.lock();
        try {
            used = currentPage();
            return action.apply(used);
        } catch (Chrome.Unreachable e) {
            failure = new TabFailure.ConnectionLost(e.getMessage());
        } catch (PlaywrightException e) {
            cause = e;
            failure = broker.chrome.classify(e, used, targetId, false);
        } finally {
            broker.chrome.lock.unlock();
            broker.drainEventsLater();
        }
        if (failure.tabGone()) {
            markRevoked(RevokeReason.TAB_GONE, null, failure.toString());
            broker.reportGone(used, targetId, failure.goneCause().get());
        }
        throw new TabFailureException(failure, cause);
    }

    @Override
    public void setConversationUrl(String url) {
        ensureHeld();
        SharedLeaseKernel.Step step = broker.apply(now -> new Input.UpdateSession(now, sessionId, token, url));
        checkAccepted(step, Decision.Updated.class);
    }

    @Override
    public void heartbeat() {
        ensureHeld();
        SharedLeaseKernel.Step step = broker.apply(now -> new Input.Heartbeat(now, sessionId, token));
        checkAccepted(step, Decision.Extended.class);
    }

    /** The timer's beat: a refusal only marks the lease revoked. */
    void beatQuietly() {
        if (end != null || closed.get()) {
            return;
        }
        try {
            heartbeat();
        } catch (LeaseRevokedException e) {
            // recorded by markRevoked
        }
    }

    private void checkAccepted(SharedLeaseKernel.Step step, Class<? extends Decision> accepted) {
        for (Decision d : step.decisions()) {
            if (d instanceof Decision.Revoked r && r.token() == token) {
                markRevoked(r.reason(), null, null);
            }
        }
        Decision last = step.decisions().get(step.decisions().size() - 1);
        if (accepted.isInstance(last)) {
            if (last instanceof Decision.Extended e) {
                expiresAt = e.expiresAt();
            }
            return;
        }
        if (last instanceof Decision.Refused r) {
            markRevoked(null, r.reason(), r.detail());
        }
        ensureHeld();
    }

    @Override
    public boolean isRevoked() {
        return end != null;
    }

    void markRevoked(RevokeReason reason, RefuseReason refusal, String detail) {
        endRevoked(reason, refusal, detail);
        tellEnded();
    }

    /**
     * Ends the lease (it refuses use from now on) without telling the {@link #whenEnded} listeners: for the broker,
     * under the store's lock, which tells them with {@link #tellEnded} once the lock is released.
     */
    void endRevoked(RevokeReason reason, RefuseReason refusal, String detail) {
        synchronized (this) {
            if (end == null || (end.reason == null && reason != null)) {
                end = new End(reason, refusal, detail);
            }
        }
        broker.forget(this);
    }

    @Override
    public void whenEnded(Consumer<LeaseRevokedException> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            if (endListeners != null) {
                endListeners.add(listener);
                return;
            }
        }
        tell(listener);
    }

    /** Tells the listeners of {@link #whenEnded} once, outside the monitor (nothing before the lease ended). */
    void tellEnded() {
        List<Consumer<LeaseRevokedException>> toTell;
        synchronized (this) {
            if (end == null || endListeners == null) {
                return;
            }
            toTell = endListeners;
            endListeners = null;
        }
        for (Consumer<LeaseRevokedException> l : toTell) {
            tell(l);
        }
    }

    private void tell(Consumer<LeaseRevokedException> listener) {
        End e = end;
        try {
            listener.accept(new LeaseRevokedException(sessionId, token, e.reason, e.refusal, e.detail));
        } catch (RuntimeException x) {
            System.getLogger(TabLeaseImpl.class.getName()).log(System.Logger.Level.WARNING,
                    "a listener of the end of " + this + " failed", x);
        }
    }

    private void ensureHeld() {
        End e = end;
        if (e != null) {
            throw new LeaseRevokedException(sessionId, token, e.reason, e.refusal, e.detail);
        }
    }

    @Override
    public void release(Outcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        if (!closed.compareAndSet(false, true)) {
            ensureHeld();
            throw new LeaseRevokedException(sessionId, token, null, null, "released already");
        }
        broker.forget(this);
        ensureHeld();
        SharedLeaseKernel.Step step = broker.apply(now -> new Input.Release(now, sessionId, token, outcome));
        Decision last = step.decisions().get(step.decisions().size() - 1);
        for (Decision d : step.decisions()) {
            if (d instanceof Decision.Revoked r && r.token() == token) {
                markRevoked(r.reason(), null, null); // a tick before the release revoked it
            }
        }
        if (last instanceof Decision.Refused r) {
            markRevoked(null, r.reason(), r.detail());
        }
        synchronized (this) {
            if (end == null) {
                end = new End(null, null, "released " + outcome);
            }
        }
        tellEnded();
        if (last instanceof Decision.Refused) {
            ensureHeld();
        }
    }

    @Override
    public void complete() {
        closeWith(Outcome.COMPLETED);
    }

    @Override
    public void fail() {
        closeWith(Outcome.FAILED);
    }

    @Override
    public void cancelSession() {
        closeWith(Outcome.CANCELLED);
    }

    @Override
    public void detach() {
        closeWith(Outcome.DETACH);
    }

    @Override
    public void close() {
        closeWith(Outcome.DETACH);
    }

    /** Releases with {@code outcome}; idempotent; a revoked lease is only forgotten. */
    void closeWith(Outcome outcome) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        broker.forget(this);
        if (end != null) {
            return;
        }
        try {
            SharedLeaseKernel.Step step = broker.apply(now -> new Input.Release(now, sessionId, token, outcome));
            synchronized (this) {
                if (end == null) {
                    end = new End(null, null, "released " + outcome);
                }
            }
            tellEnded();
        } catch (RuntimeException e) {
            System.getLogger(TabLeaseImpl.class.getName()).log(System.Logger.Level.WARNING,
                    "release of session " + sessionId + " failed", e);
            synchronized (this) {
                if (end == null) {
                    end = new End(null, null, "release failed: " + e.getMessage());
                }
            }
            tellEnded();
        }
    }

    @Override
    public String toString() {
        return "TabLease[" + sessionId + ", token " + token + ", target " + targetId + (end != null ? ", ended" : "") + "]";
    }
}
