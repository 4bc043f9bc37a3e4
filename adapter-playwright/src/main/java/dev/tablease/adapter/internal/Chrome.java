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
 */
final class Chrome implements AutoCloseable {

    /** Held around every Playwright call in the process. */
    final ReentrantLock lock = new ReentrantLock(true);

    private final AdapterConfig config;
    private final Consumer<ChromeEvent> sink;
    private final Playwright playwright;
    private final Browser browser;
    private final BrowserContext context;
    private final HttpClient http;
    private CDPSession browserSession;

    private final Map<String, Page> byTarget = new HashMap<>();
    private final Map<Page, PageState> states = new IdentityHashMap<>();
    private volatile boolean disconnected;
    private volatile boolean closing;

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
        try {
            if (config.mode() == AdapterConfig.Mode.LAUNCH) {
                browser = pw.chromium().launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(config.chromiumPath())
                        .setHeadless(config.headless())
                        .setArgs(config.launchArgs()));
                context = browser.newContext();
            } else {
                browser = pw.chromium().connectOverCDP(config.cdpEndpoint().toString());
                List<BrowserContext> contexts = browser.contexts();
                context = contexts.isEmpty() ? browser.newContext() : contexts.get(0);
            }
        } catch (RuntimeException e) {
            pw.close();
            throw e;
        }
        this.playwright = pw;
        context.setDefaultTimeout(config.actionTimeoutMillis());
        context.setDefaultNavigationTimeout(config.navigationTimeoutMillis());
        browser.onDisconnected(b -> {
            disconnected = true;
            if (!closing) {
                sink.accept(new ChromeEvent.BrowserDisconnected());
            }
        });
        this.http = config.mode() == AdapterConfig.Mode.CONNECT
                ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build() : null;
    }

    static Chrome open(AdapterConfig config, Consumer<ChromeEvent> sink) {
        return new Chrome(config, sink);
    }

    /** Opens a new tab in the broker's context and starts watching it. */
    Page newPage() {
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
            targetId = session.send("Target.getTargetInfo").getAsJsonObject("targetInfo").get("targetId").getAsString();
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
        page.onCrash(p -> {
            state.crashed = true;
            if (!closing) {
                sink.accept(new ChromeEvent.PageGone(targetId, GoneCause.RENDERER_CRASHED, p));
            }
        });
        page.onClose(p -> {
            state.closed = true;
            if (!closing && !state.closedByUs && !state.crashed) {
                sink.accept(new ChromeEvent.PageGone(targetId, GoneCause.TARGET_CLOSED, p));
            }
        });
        return targetId;
    }

    /**
     * @return the page of {@code targetId}, found among the pages this connection knows (pages opened by other
     * processes over the same CDP browser included); {@code null} when the browser has no such page
     */
    Page pageFor(String targetId) {
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

    /** Closes a page this process decided to close (its close event is then not reported as a death). */
    void close(Page page) {
        PageState s = states.get(page);
        if (s != null) {
            s.closedByUs = true;
        }
        page.close();
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
            browserSession().send("Target.closeTarget", params);
        } catch (PlaywrightException e) {
            // already gone, or the browser is gone
        }
    }

    /** One round trip to the browser, so that pending events are delivered. */
    void pumpQuietly() {
        try {
            browserSession().send("Browser.getVersion");
        } catch (PlaywrightException e) {
            // the disconnect handler (if any) has run; classification looks at that
        }
    }

    /** @return the page targets of the browser ({@code Target.getTargets}, type page) */
    List<String> pageTargetIds() {
        JsonObject r = browserSession().send("Target.getTargets");
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
            JsonObject r = browserSession().send("Target.getTargets");
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

    /** @return whether the connection to the browser was lost */
    boolean disconnected() {
        return disconnected;
    }

    /**
     * @return whether the browser itself is gone: the connection is lost and (connect mode) its CDP endpoint no
     * longer answers; in launch mode a lost connection means the browser process is gone
     */
    boolean browserGone() {
        if (!disconnected) {
            return false;
        }
        return http == null || httpGet("/json/version") == null;
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
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            try {
                browser.close();
            } catch (PlaywrightException e) {
                // already gone
            }
            try {
                playwright.close();
            } catch (PlaywrightException e) {
                // already gone
            }
        } finally {
            lock.unlock();
        }
    }
}
