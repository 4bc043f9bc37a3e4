package dev.tablease.adapter.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.PlaywrightException;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.FailureClassifier;
import dev.tablease.adapter.FailureClassifier.TargetPresence;
import dev.tablease.adapter.TabFailure;
import dev.tablease.kernel.GoneCause;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One Playwright connection to one browser, launched or connected over CDP. Playwright for Java is not
 * thread-safe: every method here must be called with {@link #lock} held. Playwright delivers browser events
 * only while some thread is inside a Playwright call; the handlers installed here only record the event and
 * hand it to the sink (which must not call Playwright).
 *
 * <p>Connect mode survives a lost connection: {@link #reconnect} connects again (a new <em>generation</em>; the
 * old connection's pages and late events are dropped) and {@link #pageFor} finds the tabs again by target id.
 * While the connection is lost, calls that need it throw {@link Unreachable} (liveness unknown) instead of an
 * answer that could be mistaken for a dead tab.
 */
final class Chrome implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Chrome.class.getName());
    /** How long {@link #close(Page)} waits for a closed tab to leave the browser's list of targets. */
    static final long CLOSE_WAIT_MILLIS = 5_000;

    /** Held around every Playwright call in the process. */
    final ReentrantLock lock = new ReentrantLock(true);

    /** The adapter's settings (mode, endpoint, timeouts). */
    private final AdapterConfig config;
    /** Where the handlers hand the events they saw. */
    private final Consumer<ChromeEvent> sink;
    /** The Playwright driver; kept across reconnects. */
    private final Playwright playwright;
    /** The current connection to the browser; replaced by {@link #reconnect()}. */
    private Browser browser;
    /** The context the broker opens its tabs in (connect mode: the browser's default context). */
    private BrowserContext context;
    /** Connect mode only: asks the CDP endpoint's HTTP side whether the browser answers. */
    private final HttpClient http;
    /** A browser-level CDP session of the current connection, opened on first use. */
    private CDPSession browserSession;
    /** Every raw CDP round trip goes through it: each ends by {@code navigationTimeoutMillis} (see its Javadoc). */
    private final BoundedCdp cdp;

    /**
     * The pages of the current connection by CDP target id (a reconnect starts afresh). Written under
     * {@link #lock}; concurrent so that {@link #trackedPage} can read it without the lock.
     */
    private final Map<String, Page> byTarget = new java.util.concurrent.ConcurrentHashMap<>();
    /** What the handlers saw per page of the current connection. */
    private final Map<Page, PageState> states = new IdentityHashMap<>();
    /** Counts connections: events of an older connection are ignored. */
    private volatile int generation;
    /** The current connection was lost (and, connect mode, is not re-established yet). */
    private volatile boolean disconnected;
    /** The browser is gone for good: the launched process exited, or reconnecting gave up (connect mode). */
    private volatile boolean gone;
    /** {@link #close()} started: events are no longer reported. */
    private volatile boolean closing;
    /**
     * Test seam: runs (chrome lock held) just before Playwright's {@code page.close()} is called (only for a page that
     * was never tracked, see {@link #close(Page)}). A test makes it block, as Playwright's close does for a page whose
     * navigation tracking another CDP client confused.
     */
    volatile Consumer<Page> beforePlaywrightPageClose = p -> { };

    /** What the handlers saw for one page. */
    static final class PageState {
        final String targetId;
        volatile boolean crashed;
        volatile boolean closed;
        volatile boolean closedByUs;

        PageState(String targetId) {
            this.targetId = targetId;
        }
    }

    private Chrome(AdapterConfig config, Consumer<ChromeEvent> sink) {
        this.config = config;
        this.sink = sink;
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Playwright pw = Playwright.create(new Playwright.CreateOptions().setEnv(env));
        this.playwright = pw;
        this.cdp = new BoundedCdp(config.navigationTimeoutMillis());
        this.http = config.mode() == AdapterConfig.Mode.CONNECT
                ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build() : null;
        try {
            if (config.mode() == AdapterConfig.Mode.LAUNCH) {
                Browser b = pw.chromium().launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(config.chromiumPath())
                        .setHeadless(config.headless())
                        .setArgs(config.launchArgs()));
                adopt(b, b.newContext());
            } else {
                connect(config.navigationTimeoutMillis());
            }
        } catch (RuntimeException e) {
            cdp.close();
            pw.close();
            throw e;
        }
    }

    /** Connect mode: one attempt to connect over CDP, bounded by {@code timeoutMillis}. */
    private void connect(long timeoutMillis) {
        Browser b = playwright.chromium().connectOverCDP(config.cdpEndpoint().toString(),
                new BrowserType.ConnectOverCDPOptions().setTimeout(timeoutMillis));
        List<BrowserContext> contexts = b.contexts();
        adopt(b, contexts.isEmpty() ? b.newContext() : contexts.get(0));
    }

    /** Makes {@code b} the current connection: a new generation, no pages known yet. */
    private void adopt(Browser b, BrowserContext c) {
        int mine = ++generation;
        browser = b;
        context = c;
        browserSession = null;
        byTarget.clear();
        states.clear();
        c.setDefaultTimeout(config.actionTimeoutMillis());
        c.setDefaultNavigationTimeout(config.navigationTimeoutMillis());
        b.onDisconnected(x -> {
            if (mine != generation) {
                return; // an old connection, dropped by a reconnect
            }
            disconnected = true;
            if (config.mode() == AdapterConfig.Mode.LAUNCH) {
                gone = true; // the launched browser is on a pipe: losing it means the process is gone
            }
            cdp.abandonInFlight(); // a browser-session send in flight is never answered now (BoundedCdp)
            if (!closing) {
                sink.accept(new ChromeEvent.BrowserDisconnected());
            }
        });
        disconnected = false;
    }

    /**
     * Connect mode, after the connection was lost: one attempt to connect again. On success the old connection's
     * pages are forgotten ({@link #pageFor} finds the tabs again by target id) and {@link #disconnected()} is
     * false again.
     *
     * @param timeoutMillis how long this attempt may take
     * @throws PlaywrightException when the browser cannot be reached (yet)
     */
    void reconnect(long timeoutMillis) {
        if (config.mode() != AdapterConfig.Mode.CONNECT) {
            throw new IllegalStateException("only a connect-mode broker reconnects; a launched browser that is lost is gone");
        }
        Browser old = browser;
        generation++; // the old connection's late events no longer count
        try {
            old.close(); // connect mode: only drops Playwright's side of the connection
        } catch (PlaywrightException e) {
            // already dropped
        }
        connect(timeoutMillis);
        gone = false; // a browser given up on is back at the endpoint
    }

    /** Connect mode: the broker gave up reconnecting; from now on the browser counts as gone. */
    void giveUp() {
        gone = true;
    }

    static Chrome open(AdapterConfig config, Consumer<ChromeEvent> sink) {
        return new Chrome(config, sink);
    }

    /**
     * Thrown instead of an answer while the connection is lost (connect mode, reconnecting): the tab's liveness is
     * unknown, so the caller reports nothing about it and tries again after the reconnect.
     */
    static final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String what) {
            super(what + ": the CDP connection to the browser is lost; reconnecting", null, false, false);
        }
    }

    /** @throws Unreachable while the connection is lost and not given up */
    void requireConnected(String what) {
        if (disconnected && !gone) {
            throw new Unreachable(what);
        }
    }

    /** Opens a new tab in the broker's context and starts watching it. */
    Page newPage() {
        requireConnected("open a tab");
        if (gone && config.mode() == AdapterConfig.Mode.LAUNCH) {
            throw new PlaywrightException("the launched browser is gone"); // it may be wedged, not exited: do not wait on it
        }
        return context.newPage();
    }

    /** @return the CDP target id of {@code page}, and starts watching the page under that id */
    String track(Page page) {
        PageState known = states.get(page);
        if (known != null) {
            return known.targetId;
        }
        CDPSession session = context.newCDPSession(page);
        String targetId;
        try {
            targetId = cdp.send(session, "Target.getTargetInfo", null).getAsJsonObject("targetInfo").get("targetId")
                    .getAsString();
        } finally {
            try {
                session.detach();
            } catch (PlaywrightException ignored) {
                // the page may be gone already; the caller's next use will tell
            }
        }
        PageState state = new PageState(targetId);
        states.put(page, state);
        byTarget.put(targetId, page);
        int mine = generation;
        page.onCrash(p -> {
            state.crashed = true;
            if (!closing && mine == generation) {
                sink.accept(new ChromeEvent.PageGone(targetId, GoneCause.RENDERER_CRASHED, p));
            }
        });
        page.onClose(p -> {
            state.closed = true;
            // a lost connection closes every page of it in Playwright: that says nothing about the tabs
            if (!closing && !disconnected && mine == generation && !state.closedByUs && !state.crashed) {
                sink.accept(new ChromeEvent.PageGone(targetId, GoneCause.TARGET_CLOSED, p));
            }
        });
        return targetId;
    }

    /**
     * @return the page of {@code targetId}, found among the pages this connection knows (pages opened by other
     * processes over the same CDP browser included); {@code null} when the browser has no such page
     * @throws Unreachable while the connection is lost, or when the browser does not answer whether it has the page
     */
    /**
     * The page already tracked for {@code targetId} on a connection that is up, without taking {@link #lock} and
     * without a round trip: the handover of a grant must not wait behind a timer's pump of Playwright's events
     * (a round trip that holds the lock). {@code null} when the page is not tracked (yet) or the connection is
     * down: then use {@link #pageFor} under the lock.
     *
     * @param targetId the CDP target id
     * @return the tracked page, or {@code null}
     */
    Page trackedPage(String targetId) {
        if (disconnected || gone) {
            return null;
        }
        return byTarget.get(targetId);
    }

    Page pageFor(String targetId) {
        requireConnected("find tab " + targetId);
        Page found;
        try {
            found = findPage(targetId);
        } catch (PlaywrightException e) {
            requireConnected("find tab " + targetId);
            throw e;
        }
        requireConnected("find tab " + targetId);
        if (found == null && http != null && presence(targetId) == TargetPresence.UNREACHABLE) {
            throw new Unreachable("find tab " + targetId); // not found, but not known to be missing either
        }
        return found;
    }

    private Page findPage(String targetId) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Page p = byTarget.get(targetId);
            if (p != null) {
                return p;
            }
            for (Page page : context.pages()) {
                if (!states.containsKey(page)) {
                    try {
                        track(page);
                    } catch (PlaywrightException e) {
                        // that page is going away; not the one we want, or gone anyway
                    }
                }
            }
            p = byTarget.get(targetId);
            if (p != null) {
                return p;
            }
            pumpQuietly(); // lets Playwright learn about targets attached since
        }
        return null;
    }

    /** @return whether {@code page} belongs to the current connection (a reconnect replaces every page) */
    boolean owns(Page page) {
        return states.containsKey(page);
    }

    /**
     * Closes a page this process decided to close (its close event is then not reported as a death), and waits, at
     * most {@link #CLOSE_WAIT_MILLIS}, until the browser no longer lists its target, so that the tabs that exist
     * never outnumber the ones the kernel counts.
     *
     * <p>The close is {@code Target.closeTarget} on the browser's CDP session, not Playwright's {@code page.close()}:
     * that one waits, with no timeout, until Playwright's own page has seen the target go, and for a page whose
     * navigation tracking another CDP client confused (a navigation it did not start, see {@code docs/adapter.md})
     * it never came back, which blocked the executor and every decision after it for good. A page that was never
     * tracked (no target id known) is closed by Playwright.
     *
     * @param page the page
     * @throws PlaywrightException when the browser refuses to close it (for instance, it has no such target)
     */
    void close(Page page) {
        PageState s = states.get(page);
        if (s == null) {
            beforePlaywrightPageClose.accept(page);
            page.close();
            return;
        }
        s.closedByUs = true;
        byTarget.remove(s.targetId, page);
        JsonObject params = new JsonObject();
        params.addProperty("targetId", s.targetId);
        browserSend("Target.closeTarget", params);
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        while (!s.closed && presence(s.targetId) == TargetPresence.PRESENT) {
            if (System.nanoTime() - end > 0) {
                LOG.log(System.Logger.Level.WARNING, "tab {0} is still listed {1} ms after it was closed",
                        s.targetId, CLOSE_WAIT_MILLIS);
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Best-effort close of a page that is dead or unusable, so it does not linger physically. */
    void closeQuietly(Page page, String targetId) {
        try {
            if (page != null) {
                close(page);
                return;
            }
        } catch (PlaywrightException e) {
            // fall through to CDP
        }
        closeTargetQuietly(targetId);
    }

    /** Closes a target through the browser's CDP session (for targets Playwright cannot drive). */
    void closeTargetQuietly(String targetId) {
        if (targetId == null || targetId.isEmpty()) {
            return;
        }
        try {
            JsonObject params = new JsonObject();
            params.addProperty("targetId", targetId);
            browserSend("Target.closeTarget", params);
        } catch (PlaywrightException e) {
            // already gone, or the browser is gone
        }
    }

    /**
     * Stops whatever navigation the page has in flight ({@code Page.stopLoading} on a CDP session of the page's own),
     * a navigation another CDP client started included; the round trip also delivers the events that were sent before
     * its reply, so Playwright has seen the navigations that committed meanwhile. Errors are ignored (a page between
     * two renderer processes answers "Not attached to an active page"): the navigation after it tells.
     *
     * @param page the page
     */
    void stopLoadingQuietly(Page page) {
        try {
            CDPSession session = context.newCDPSession(page);
            try {
                cdp.send(session, "Page.stopLoading", null);
            } finally {
                session.detach();
            }
        } catch (PlaywrightException e) {
            // the navigation that follows fails or succeeds on its own
        }
    }

    /** One round trip to the browser, so that pending events are delivered. */
    void pumpQuietly() {
        try {
            browserSend("Browser.getVersion", null);
        } catch (PlaywrightException e) {
            // the disconnect handler (if any) has run; classification looks at that
        }
    }

    /** @return the page targets of the browser ({@code Target.getTargets}, type page) */
    List<String> pageTargetIds() {
        JsonObject r = browserSend("Target.getTargets", null);
        List<String> ids = new java.util.ArrayList<>();
        for (JsonElement e : r.getAsJsonArray("targetInfos")) {
            JsonObject t = e.getAsJsonObject();
            if ("page".equals(t.get("type").getAsString())) {
                ids.add(t.get("targetId").getAsString());
            }
        }
        return ids;
    }

    /** @return what the browser says about {@code targetId} now */
    TargetPresence presence(String targetId) {
        try {
            JsonObject r = browserSend("Target.getTargets", null);
            for (JsonElement e : r.getAsJsonArray("targetInfos")) {
                if (targetId.equals(e.getAsJsonObject().get("targetId").getAsString())) {
                    return TargetPresence.PRESENT;
                }
            }
            return TargetPresence.ABSENT;
        } catch (PlaywrightException e) {
            if (http == null) {
                return TargetPresence.UNREACHABLE;
            }
            String list = httpGet("/json/list");
            if (list == null) {
                return TargetPresence.UNREACHABLE;
            }
            for (JsonElement e2 : com.google.gson.JsonParser.parseString(list).getAsJsonArray()) {
                JsonElement id = e2.getAsJsonObject().get("id");
                if (id != null && targetId.equals(id.getAsString())) {
                    return TargetPresence.PRESENT;
                }
            }
            return TargetPresence.ABSENT;
        }
    }

    /** @return whether the current connection to the browser is lost (and not re-established yet) */
    boolean disconnected() {
        return disconnected;
    }

    /**
     * @return whether the browser is gone for good: in launch mode a lost connection (the browser's pipe) means the
     * process is gone; in connect mode only after reconnecting gave up ({@link #giveUp()})
     */
    boolean browserGone() {
        return gone;
    }

    /** @return whether the connection is lost while the browser may still be there (connect mode, reconnecting) */
    boolean connectionLost() {
        return disconnected && !gone;
    }

    /** @return evidence for {@link FailureClassifier} about a failure on {@code page} */
    FailureClassifier.Evidence evidence(Page page, String targetId, boolean navigation) {
        return new FailureClassifier.Evidence() {
            private boolean settled;

            private void settle() {
                if (!settled) {
                    settled = true;
                    pumpQuietly(); // deliver the crash/close/disconnect events that explain the failure
                }
            }

            @Override
            public boolean navigation() {
                return navigation;
            }

            @Override
            public boolean browserGone() {
                settle();
                return Chrome.this.browserGone();
            }

            @Override
            public boolean connectionLost() {
                settle();
                return Chrome.this.connectionLost();
            }

            @Override
            public boolean rendererCrashed() {
                settle();
                PageState s = page == null ? null : states.get(page);
                return s != null && s.crashed;
            }

            @Override
            public boolean closeEventSeen() {
                settle();
                PageState s = page == null ? null : states.get(page);
                return s != null && s.closed && !s.closedByUs;
            }

            @Override
            public TargetPresence targetPresence() {
                return presence(targetId);
            }
        };
    }

    /** Classifies a failure on {@code page}. */
    TabFailure classify(Throwable error, Page page, String targetId, boolean navigation) {
        return FailureClassifier.classify(error, evidence(page, targetId, navigation));
    }

    private CDPSession browserSession() {
        if (browserSession == null) {
            browserSession = browser.newBrowserCDPSession();
        }
        return browserSession;
    }

    /**
     * A round trip on the browser's CDP session, bounded by {@link BoundedCdp}. A browser that leaves a browser-level
     * call unanswered for {@code navigationTimeoutMillis} while its connection looks up counts as lost: in launch
     * mode the browser is gone (every tab {@code TabGone(BROWSER_GONE)}, as when its process exits), in connect mode
     * the broker reconnects, exactly as after a dropped connection.
     */
    private JsonObject browserSend(String method, JsonObject params) {
        try {
            return cdp.send(browserSession(), method, params);
        } catch (BoundedCdp.Unanswered e) {
            if (!e.disconnected() && !disconnected) {
                LOG.log(System.Logger.Level.WARNING, "{0}; the connection to the browser counts as lost", e.getMessage());
                browserSession = null;
                disconnected = true;
                if (config.mode() == AdapterConfig.Mode.LAUNCH) {
                    gone = true;
                }
                if (!closing) {
                    sink.accept(new ChromeEvent.BrowserDisconnected());
                }
            }
            throw e;
        }
    }

    private String httpGet(String path) {
        try {
            URI base = config.cdpEndpoint();
            URI uri = new URI(base.getScheme().startsWith("ws") ? "http" : base.getScheme(), null, base.getHost(),
                    base.getPort(), path, null, null);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    /** @return the mode (launch or connect) */
    AdapterConfig.Mode mode() {
        return config.mode();
    }

    /**
     * Launch mode: closes the browser. Connect mode: only disconnects (never closes the user's browser or its
     * tabs). Then stops Playwright.
     *
     * <p>Bounded: it waits at most {@code navigationTimeoutMillis} for the lock. When a Playwright call (an agent's
     * action that never returns, say) holds it longer, it stops Playwright's driver under that call, which ends the
     * call with a {@code PlaywrightException} and, in launch mode, takes the browser down with the driver.
     */
    @Override
    public void close() {
        boolean locked = false;
        try {
            locked = lock.tryLock(config.navigationTimeoutMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closing = true;
        try {
            if (locked) {
                try {
                    browser.close();
                } catch (PlaywrightException e) {
                    // already gone
                }
            } else {
                LOG.log(System.Logger.Level.WARNING, "a Playwright call still holds the Chrome lock after {0} ms; "
                        + "stopping Playwright under it", config.navigationTimeoutMillis());
            }
            try {
                playwright.close();
            } catch (PlaywrightException e) {
                // already gone
            }
        } finally {
            cdp.close();
            if (locked) {
                lock.unlock();
            }
        }
    }
}
