package dev.tablease.adapter;

import dev.tablease.kernel.GoneCause;

import java.util.Optional;

/**
 * What went wrong when a tab was used: the typed taxonomy produced by {@link FailureClassifier}. A
 * failure whose {@link #goneCause()} is present means the tab is dead for the kernel (it becomes an
 * {@code Input.TabGone}); the others leave the tab alive (the command failed, the tab did not).
 *
 * <p>{@link #detail()} is the underlying message, for humans and logs only: nothing in tablease decides
 * anything by matching it.
 */
public sealed interface TabFailure {

    /** @return a human-readable description (never parsed) */
    String detail();

    /** @return the kernel's cause when the tab is dead; empty when the tab is still usable */
    Optional<GoneCause> goneCause();

    /** @return whether the tab is dead (same as {@code goneCause().isPresent()}) */
    default boolean tabGone() {
        return goneCause().isPresent();
    }

    /** The tab was closed (by another CDP client, the user, or the page itself); the target no longer exists. */
    record TargetClosed(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.of(GoneCause.TARGET_CLOSED);
        }
    }

    /** The tab's renderer crashed ({@code Page.crash}, {@code chrome://crash}, out of memory …). */
    record RendererCrashed(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.of(GoneCause.RENDERER_CRASHED);
        }
    }

    /** The target still exists, but Playwright's session to it is gone: it can no longer be driven. */
    record Detached(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.of(GoneCause.DETACHED);
        }
    }

    /**
     * The whole browser went away: the process the broker launched exited, or (connect mode) the broker could not
     * reconnect to its CDP endpoint within {@code reconnectTimeoutMillis}.
     */
    record BrowserGone(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.of(GoneCause.BROWSER_GONE);
        }
    }

    /**
     * The CDP connection to the browser is lost (connect mode) and the broker is reconnecting: whether the tab is
     * alive is <em>unknown</em>, so it is not reported dead. The lease and the session's reservation are kept; try
     * again after the reconnect (the broker re-probes every tab by target id and reports only the missing ones).
     */
    record ConnectionLost(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.empty();
        }
    }

    /** A navigation did not finish in time; the tab is alive. */
    record NavigationTimeout(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.empty();
        }
    }

    /** Another operation (a wait, a click …) did not finish in time; the tab is alive. */
    record OperationTimeout(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.empty();
        }
    }

    /** A command failed (script error, bad selector, CDP error …) while the browser reports the tab alive. */
    record ProtocolError(String detail) implements TabFailure {
        @Override
        public Optional<GoneCause> goneCause() {
            return Optional.empty();
        }
    }
}
