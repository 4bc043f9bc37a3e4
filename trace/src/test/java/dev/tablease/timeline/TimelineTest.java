package dev.tablease.timeline;

import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.trace.TraceError;
import dev.tablease.trace.TraceFormatException;
import dev.tablease.trace.TraceHeader;
import dev.tablease.trace.TraceReader;
import dev.tablease.trace.TraceStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The timeline of every example trace draws what the trace says, counted independently ({@link TraceFacts}). */
class TimelineTest {

    static Stream<Path> examples() {
        return TraceFacts.examples();
    }

    @ParameterizedTest
    @MethodSource("examples")
    void drawsOneDrivenBarPerGrantOnItsTabAndOneMarkPerEvent(Path trace) throws Exception {
        TraceFacts facts = TraceFacts.of(trace);
        String html = Timeline.renderHtml(trace);

        assertEquals(facts.grantsPerTab(), perTab(html, "<rect class=\"bar driven\" data-tab=\"(\\d+)\""), "driven bars per tab");
        assertEquals(facts.tabsOpened(), count(html, "<g class=\"tab\" data-tab="), "tab rows");
        assertEquals(facts.tabDeaths(), count(html, "<g class=\"mark gone\" data-tab="), "death marks");
        assertEquals(facts.revoked(), count(html, "<g class=\"mark revoked\" data-tab="), "revocation marks");
        assertEquals(facts.expiries(), count(html, "<g class=\"mark revoked\" data-tab=\"\\d+\" data-reason=\"(HEARTBEAT_MISSED|DEADLINE)\""),
                "expiry marks");
        assertEquals(facts.resets(), count(html, "<g class=\"mark reset\" data-tab="), "reset marks");
        assertEquals(facts.navigations(), count(html, "<g class=\"mark navigate\" data-tab="), "navigation marks");
        assertEquals(facts.queued(), count(html, "<rect class=\"bar waiting "), "waiting bars");
        assertEquals(facts.grantsPerTab().values().stream().mapToInt(Integer::intValue).sum(),
                Integer.parseInt(countShown(html, "grants")), "the header's grant count");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void aTraceWithoutItsDecisionsIsReplayedAndDrawnTheSame(Path trace) throws Exception {
        TraceHeader header;
        List<TraceStep> steps;
        try (TraceReader reader = TraceReader.open(trace)) {
            header = reader.header();
            steps = reader.readAll();
        }
        List<TraceStep> inputsOnly = steps.stream().map(s -> new TraceStep(s.seq(), s.input(), null)).toList();
        assertEquals(Timeline.renderHtml(header, steps), Timeline.renderHtml(header, inputsOnly));
    }

    @ParameterizedTest
    @MethodSource("examples")
    void thePageIsSelfContained(Path trace) throws Exception {
        String html = Timeline.renderHtml(trace);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertEquals(1, count(html, "<svg class=\"timeline\""));
        for (String external : List.of("<script", "<link", "<img", "<iframe", " src=", " href=", "url(", "@import")) {
            assertFalse(html.contains(external), "the page must not contain " + external);
        }
        assertTrue(html.contains(trace.getFileName().toString()), "titled with the file name");
    }

    @Test
    void userDataIsEscapedEverywhere() throws Exception {
        String evil = "<script>alert(\"x\")</script>&'";
        String escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";
        List<Input> inputs = List.of(
                new Input.Acquire(0, evil + "session", evil + "key", evil + "holder", "default"),
                new Input.TabOpened(100, 1, evil + "target"),
                new Input.UpdateSession(200, evil + "session", 1, "https://x.test/?" + evil),
                new Input.Release(300, evil + "session", 1, Outcome.DETACH),
                new Input.Acquire(400, evil + "session", evil + "key", evil + "watcher", "default"),
                new Input.TabGone(500, evil + "target", GoneCause.RENDERER_CRASHED));
        String html = Timeline.renderHtml(TraceHeader.of(KernelConfig.defaults()), steps(inputs), evil + "title");

        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains(evil), html);
        for (String what : List.of("session", "key", "holder", "target", "watcher", "title")) {
            assertTrue(html.contains(escaped + what), "shows the escaped " + what);
        }
        assertEquals(Map.of(1L, 2), perTab(html, "<rect class=\"bar driven\" data-tab=\"(\\d+)\""));
        assertEquals(1, count(html, "<g class=\"mark gone\" data-tab=\"1\""));
    }

    @Test
    void anInputsOnlyTraceTheKernelRefusesIsATraceFormatError() {
        List<Input> inputs = List.of(new Input.Tick(1000), new Input.Tick(999));
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> Timeline.renderHtml(TraceHeader.of(KernelConfig.defaults()), steps(inputs)));
        assertEquals(TraceError.INVALID_VALUE, e.error());
        assertEquals(3, e.line(), e.getMessage());
    }

    @Test
    void anEmptyTraceIsAnEmptyTimeline() throws Exception {
        String html = Timeline.renderHtml(TraceHeader.of(KernelConfig.defaults()), List.of());
        assertEquals(0, count(html, "<g class=\"tab\""));
        assertEquals("0", countShown(html, "steps"));
    }

    @Test
    void ticksAreRoundNumbersOfSeconds() {
        assertEquals(1, SvgRenderer.niceStep(0.9));
        assertEquals(2, SvgRenderer.niceStep(1.1));
        assertEquals(50, SvgRenderer.niceStep(30));
        assertEquals(0.5, SvgRenderer.niceStep(0.3), 1e-12);
        assertEquals(1000, SvgRenderer.niceStep(700));
    }

    private static List<TraceStep> steps(List<Input> inputs) {
        List<TraceStep> steps = new ArrayList<>();
        for (Input input : inputs) {
            steps.add(new TraceStep(steps.size() + 1, input, null));
        }
        return steps;
    }

    static Map<Long, Integer> perTab(String html, String regex) {
        Map<Long, Integer> counts = new TreeMap<>();
        Matcher m = Pattern.compile(regex).matcher(html);
        while (m.find()) {
            counts.merge(Long.parseLong(m.group(1)), 1, Integer::sum);
        }
        return counts;
    }

    static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String countShown(String html, String name) {
        Matcher m = Pattern.compile("<li data-count=\"" + name + "\">" + name + " <b>([^<]*)</b>").matcher(html);
        assertTrue(m.find(), "the header shows " + name);
        return m.group(1);
    }
}
