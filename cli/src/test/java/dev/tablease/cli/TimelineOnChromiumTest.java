package dev.tablease.cli;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.BoundingBox;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.timeline.ShowcaseTrace;
import dev.tablease.timeline.Timeline;
import dev.tablease.timeline.TraceFacts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Renders timelines in Debian's headless chromium and checks what is drawn by querying the DOM: one driven
 * bar per grant on each tab, one death mark per {@code TabGone}, a visible SVG, nothing wider than the
 * viewport, no network request. Screenshots go to {@code target/timeline-<trace>.png}.
 */
@Timeout(120)
class TimelineOnChromiumTest {

    private static Playwright playwright;
    private static Browser browser;

    @BeforeAll
    static void launch() {
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Paths.get("/usr/bin/chromium"))
                .setHeadless(true)
                .setArgs(AdapterConfig.DEFAULT_ARGS));
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    /** Every example (among them defect-4-crashed-driver and defect-5-admission). */
    static Stream<Path> examples() {
        return TraceFacts.examples();
    }

    /** The README's picture: {@code cp cli/target/timeline-showcase.png docs/timeline.png}. */
    @Test
    void theShowcaseIsDrawnWithEveryKindOfMark() throws Exception {
        String html = Timeline.renderHtml(ShowcaseTrace.HEADER, ShowcaseTrace.steps(), "showcase: 2 keys, caps 3/8");
        try (Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 200))) {
            page.setContent(html);
            Files.createDirectories(Path.of("target"));
            page.screenshot(new Page.ScreenshotOptions().setFullPage(true).setPath(Path.of("target", "timeline-showcase.png")));
            for (String kind : List.of("gone", "revoked", "reset", "navigate", "refused")) {
                assertTrue(page.locator("svg.timeline .mark." + kind).count() > 0, "a " + kind + " mark");
            }
            assertTrue(page.locator("svg.timeline rect.bar.waiting[data-outcome=rejected]").count() > 0, "a rejected waiter");
            assertTrue(page.locator("svg.timeline rect.seg.pooled").count() > 0, "an idle tab");
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void chromiumDrawsOneDrivenBarPerGrantAndFitsTheViewport(Path trace) throws Exception {
        String name = trace.getFileName().toString();
        TraceFacts facts = TraceFacts.of(trace);
        String html = Timeline.renderHtml(trace);

        try (Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 200))) {
            List<String> requests = new ArrayList<>();
            page.onRequest(r -> requests.add(r.url()));
            page.setContent(html);

            for (Map.Entry<Long, Integer> grants : facts.grantsPerTab().entrySet()) {
                assertEquals(grants.getValue(), page.locator("svg.timeline rect.bar.driven[data-tab=\"" + grants.getKey() + "\"]").count(),
                        "driven bars of tab " + grants.getKey());
            }
            assertEquals(facts.grantsPerTab().values().stream().mapToInt(Integer::intValue).sum(),
                    page.locator("svg.timeline rect.bar.driven").count(), "driven bars in all");
            assertEquals(facts.tabsOpened(), page.locator("svg.timeline g.tab").count(), "tab rows");
            assertEquals(facts.tabDeaths(), page.locator("svg.timeline .mark.gone").count(), "death marks");
            assertEquals(facts.revoked(), page.locator("svg.timeline .mark.revoked").count(), "revocation marks");
            assertEquals(facts.queued(), page.locator("svg.timeline rect.bar.waiting").count(), "waiting bars");

            BoundingBox svg = page.locator("svg.timeline").boundingBox();
            assertTrue(svg.width > 600 && svg.height > 100, "the SVG is drawn: " + svg.width + "x" + svg.height);
            BoundingBox bar = page.locator("svg.timeline rect.bar.driven").first().boundingBox();
            assertTrue(bar.width >= 1 && bar.height >= 8, "a driven bar is visible: " + bar.width + "x" + bar.height);

            Object overflowing = page.evaluate("() => { const w = document.documentElement.clientWidth;"
                    + " return [...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect();"
                    + " return r.width > 0 && (r.right > w + 0.5 || r.left < -0.5); })"
                    + ".map(e => e.tagName + '.' + e.getAttribute('class')).slice(0, 10); }");
            assertEquals(List.of(), overflowing, "elements wider than the viewport");
            assertEquals(Boolean.TRUE, page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
                    "no horizontal scrolling");
            assertEquals(List.of(), requests, "the page loads nothing");

            Path target = Path.of("target");
            Files.createDirectories(target);
            page.screenshot(new Page.ScreenshotOptions().setFullPage(true)
                    .setPath(target.resolve("timeline-" + name.replace(".jsonl", ".png"))));
        }
    }
}
