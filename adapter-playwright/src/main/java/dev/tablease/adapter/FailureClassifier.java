package dev.tablease.adapter;

import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.impl.TargetClosedError;

import java.util.Objects;

/**
 * The one place where a failure seen on a tab becomes a {@link TabFailure}. It never matches message
 * text: it decides from the exception's <em>type</em> and from <em>evidence</em> about the tab (the
 * browser's events and, after the failure, the browser's own answer on whether the target still exists).
 * There are no liveness pre-checks anywhere in the adapter: a tab is used, and only a failure triggers
 * this classification (defect 1 of the seed analysis).
 *
 * <p>Order of the rules (first match wins):
 * <ol>
 *   <li>the browser is gone (the launched process exited, or connect mode gave up reconnecting) →
 *       {@link TabFailure.BrowserGone};</li>
 *   <li>the connection to the browser is lost and being re-established → {@link TabFailure.ConnectionLost}
 *       (liveness unknown: nothing is reported dead);</li>
 *   <li>the tab's renderer crashed (a {@code crash} event was seen) → {@link TabFailure.RendererCrashed};</li>
 *   <li>a Playwright {@link TimeoutError} → {@link TabFailure.NavigationTimeout} for a navigation, else
 *       {@link TabFailure.OperationTimeout};</li>
 *   <li>a {@code close} event was seen for the tab → {@link TabFailure.TargetClosed};</li>
 *   <li>the browser says the target no longer exists → {@link TabFailure.TargetClosed};</li>
 *   <li>the browser does not answer about the target → {@link TabFailure.ConnectionLost};</li>
 *   <li>the target exists but Playwright reports it closed ({@code TargetClosedError}) → {@link TabFailure.Detached};</li>
 *   <li>otherwise → {@link TabFailure.ProtocolError} (the tab is alive; the command failed).</li>
 * </ol>
 */
public final class FailureClassifier {

    /** What the browser says about a target when asked after a failure. */
    public enum TargetPresence {
        /** The target is listed by {@code Target.getTargets}. */
        PRESENT,
        /** The target is not listed: it no longer exists. */
        ABSENT,
        /** The browser did not answer: whether the target exists is unknown. */
        UNREACHABLE
    }

    /**
     * Evidence about the tab on which an operation failed. Implementations may gather it lazily (for
     * example deliver pending browser events first); each method is asked at most once per classification.
     */
    public interface Evidence {
        /** @return whether the failed operation was a navigation */
        boolean navigation();

        /**
         * @return whether the browser is gone: the process the broker launched exited, or (connect mode) the broker
         * gave up reconnecting
         */
        boolean browserGone();

        /** @return whether the connection to the browser is lost while the broker reconnects (liveness unknown) */
        boolean connectionLost();

        /** @return whether a renderer crash was reported for this tab */
        boolean rendererCrashed();

        /** @return whether a close event was reported for this tab */
        boolean closeEventSeen();

        /** @return the browser's answer about the target, asked now */
        TargetPresence targetPresence();
    }

    private FailureClassifier() {
    }

    /**
     * @param error    what the operation threw (any exception; only its type is looked at)
     * @param evidence what is known about the tab
     * @return the typed failure
     */
    public static TabFailure classify(Throwable error, Evidence evidence) {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(evidence, "evidence");
        String detail = describe(error);
        if (evidence.browserGone()) {
            return new TabFailure.BrowserGone(detail);
        }
        if (evidence.connectionLost()) {
            return new TabFailure.ConnectionLost(detail);
        }
        if (evidence.rendererCrashed()) {
            return new TabFailure.RendererCrashed(detail);
        }
        if (error instanceof TimeoutError) {
            return evidence.navigation() ? new TabFailure.NavigationTimeout(detail) : new TabFailure.OperationTimeout(detail);
        }
        if (evidence.closeEventSeen()) {
            return new TabFailure.TargetClosed(detail);
        }
        switch (evidence.targetPresence()) {
            case ABSENT:
                return new TabFailure.TargetClosed(detail);
            case UNREACHABLE:
                return new TabFailure.ConnectionLost(detail);
            default:
                return error instanceof TargetClosedError ? new TabFailure.Detached(detail) : new TabFailure.ProtocolError(detail);
        }
    }

    private static String describe(Throwable error) {
        String message = error.getMessage();
        String type = error.getClass().getSimpleName();
        if (message == null) {
            return type;
        }
        int newline = message.indexOf('\n');
        return type + ": " + (newline < 0 ? message : message.substring(0, newline));
    }
}
