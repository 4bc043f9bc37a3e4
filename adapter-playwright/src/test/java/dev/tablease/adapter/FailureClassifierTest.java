package dev.tablease.adapter;

import com.microsoft.playwright.PlaywrightException;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.impl.TargetClosedError;
import dev.tablease.adapter.FailureClassifier.TargetPresence;
import dev.tablease.kernel.GoneCause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The classifier's rules, one by one, with fixed evidence (the real-Chromium cases are in FailureClassificationOnChromiumTest). */
@Timeout(10)
class FailureClassifierTest {

    private record Ev(boolean navigation, boolean browserGone, boolean connectionLost, boolean rendererCrashed,
                      boolean closeEventSeen, TargetPresence targetPresence) implements FailureClassifier.Evidence {
        Ev(boolean navigation, boolean browserGone, boolean rendererCrashed, boolean closeEventSeen,
           TargetPresence targetPresence) {
            this(navigation, browserGone, false, rendererCrashed, closeEventSeen, targetPresence);
        }
    }

    private static Ev alive() {
        return new Ev(false, false, false, false, TargetPresence.PRESENT);
    }

    @Test
    void targetClosedErrorWhileTheTargetStillExists_isDetached() {
        TabFailure f = FailureClassifier.classify(new TargetClosedError("Target page, context or browser has been closed"), alive());
        assertInstanceOf(TabFailure.Detached.class, f);
        assertEquals(Optional.of(GoneCause.DETACHED), f.goneCause());
    }

    @Test
    void theMessageTextDecidesNothing() {
        // a live tab whose failure message happens to say "Target closed" / "crash" is still alive
        TabFailure f = FailureClassifier.classify(new PlaywrightException("Target closed: page crashed"), alive());
        assertInstanceOf(TabFailure.ProtocolError.class, f);
        assertEquals(Optional.empty(), f.goneCause());
    }

    @Test
    void anyFailureOnATargetTheBrowserNoLongerHas_isTargetClosed() {
        TabFailure f = FailureClassifier.classify(new PlaywrightException("x"),
                new Ev(false, false, false, false, TargetPresence.ABSENT));
        assertInstanceOf(TabFailure.TargetClosed.class, f);
    }

    @Test
    void browserGoneWinsOverEverythingElse_thenTheCrash() {
        assertInstanceOf(TabFailure.BrowserGone.class, FailureClassifier.classify(new TimeoutError("t"),
                new Ev(true, true, true, true, TargetPresence.UNREACHABLE)));
        assertInstanceOf(TabFailure.RendererCrashed.class, FailureClassifier.classify(new TimeoutError("t"),
                new Ev(true, false, true, true, TargetPresence.PRESENT)));
    }

    @Test
    void timeouts_areNavigationOrOperationTimeouts_andLeaveTheTabAlive() {
        assertInstanceOf(TabFailure.NavigationTimeout.class, FailureClassifier.classify(new TimeoutError("t"),
                new Ev(true, false, false, false, TargetPresence.PRESENT)));
        TabFailure op = FailureClassifier.classify(new TimeoutError("t"), alive());
        assertInstanceOf(TabFailure.OperationTimeout.class, op);
        assertEquals(Optional.empty(), op.goneCause());
    }

    @Test
    void aBrowserThatDoesNotAnswer_isConnectionLost_notGone() {
        TabFailure f = FailureClassifier.classify(new PlaywrightException("x"),
                new Ev(false, false, false, false, TargetPresence.UNREACHABLE));
        assertInstanceOf(TabFailure.ConnectionLost.class, f);
        assertEquals(Optional.empty(), f.goneCause(), "liveness unknown: nothing is reported dead");
    }

    @Test
    void aLostConnection_winsOverCrashAndCloseEvents_butNotOverAGoneBrowser() {
        // the close events Playwright fires for every page when the connection drops say nothing about the tabs
        assertInstanceOf(TabFailure.ConnectionLost.class, FailureClassifier.classify(new TargetClosedError("closed"),
                new Ev(false, false, true, true, true, TargetPresence.UNREACHABLE)));
        assertInstanceOf(TabFailure.BrowserGone.class, FailureClassifier.classify(new TargetClosedError("closed"),
                new Ev(false, true, true, false, false, TargetPresence.UNREACHABLE)));
    }
}
