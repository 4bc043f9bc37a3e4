package dev.tablease.cli;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker.Invariant;
import dev.tablease.kernel.InvariantChecker.Violation;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.replay.InvariantChecks;
import dev.tablease.replay.TraceReplayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease replay}: exit codes, line numbers and output, on small hand-written traces. */
class ReplayCommandTest {

    static final String HEADER = "{\"format\":\"tablease-trace\",\"version\":2,\"config\":{\"maxPerKey\":3,"
            + "\"maxPerKeyOverrides\":{},\"globalMax\":8,\"poolTtlMillis\":1800000,\"heartbeatIntervalMillis\":60000,"
            + "\"missedHeartbeats\":3,\"requestClassBudgetsMillis\":{\"default\":900000,\"pro\":5400000},"
            + "\"deadlineMarginMillis\":60000,\"queueCapacity\":16,\"queueTimeoutMillis\":120000}}";
    static final String ACQUIRE = "{\"seq\":1,\"input\":{\"type\":\"Acquire\",\"now\":0,\"sessionId\":\"s1\","
            + "\"key\":\"chatgpt\",\"holder\":\"send\",\"requestClass\":\"default\"},\"decisions\":["
            + "{\"type\":\"OpenTab\",\"tabId\":1,\"key\":\"chatgpt\"},"
            + "{\"type\":\"Queued\",\"requestId\":1,\"sessionId\":\"s1\",\"holder\":\"send\",\"queueDeadline\":120000}]}";
    static final String OPENED = "{\"seq\":2,\"input\":{\"type\":\"TabOpened\",\"now\":500,\"tabId\":1,\"targetId\":\"T1\"},"
            + "\"decisions\":[{\"type\":\"Granted\",\"requestId\":1,\"sessionId\":\"s1\",\"holder\":\"send\",\"tabId\":1,"
            + "\"targetId\":\"T1\",\"token\":1,\"expiresAt\":180500,\"deadline\":960000}]}";
    static final String TICK = "{\"seq\":3,\"input\":{\"type\":\"Tick\",\"now\":1000},\"decisions\":[]}";

    @TempDir
    Path tmp;

    private Path trace(String... lines) throws IOException {
        Path file = tmp.resolve("trace.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private CliRun replay(String... lines) throws IOException {
        return CliRun.run("replay", trace(lines).toString());
    }

    @Test
    void aValidTraceExitsZeroEchoesTheReplayedTraceAndSummarisesOnStderr() throws IOException {
        CliRun run = replay(HEADER, ACQUIRE, OPENED, TICK);
        assertEquals(0, run.exit(), run.toString());
        assertEquals(String.join("\n", HEADER, ACQUIRE, OPENED, TICK) + "\n", run.out());
        assertTrue(run.err().contains("3 steps, 3 decisions, 7 invariant checks passed (3 state, 3 step, 1 after-tick)"
                + ", recorded decisions matched on 3 of 3 steps"), run.err());
    }

    @Test
    void aTraceOfInputsOnlyIsFilledInWithTheKernelsDecisions() throws IOException {
        CliRun run = replay(HEADER, strip(ACQUIRE), strip(OPENED), strip(TICK));
        assertEquals(0, run.exit(), run.toString());
        assertEquals(String.join("\n", HEADER, ACQUIRE, OPENED, TICK) + "\n", run.out());
        assertTrue(run.err().contains("matched on 0 of 3 steps"), run.err());
    }

    @Test
    void aTamperedRecordedDecisionExitsOneWithItsLine() throws IOException {
        CliRun run = replay(HEADER, ACQUIRE, OPENED.replace("\"expiresAt\":180500", "\"expiresAt\":180501"), TICK);
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 3: decisions differ from the recorded ones at decisions[0]: recorded "
                + "{\"type\":\"Granted\""), run.err());
        assertTrue(run.err().contains("\"expiresAt\":180501") && run.err().contains("\"expiresAt\":180500"), run.err());
    }

    @Test
    void aMissingRecordedDecisionExitsOneWithItsLine() throws IOException {
        String oneDecision = ACQUIRE.replace(",{\"type\":\"Queued\",\"requestId\":1,\"sessionId\":\"s1\",\"holder\":\"send\","
                + "\"queueDeadline\":120000}", "");
        CliRun run = replay(HEADER, oneDecision, OPENED);
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 2: decisions differ from the recorded ones: recorded 1 decisions, "
                + "the kernel decided 2; unexpected decisions[1] {\"type\":\"Queued\""), run.err());
    }

    @Test
    void anExtraRecordedDecisionExitsOneWithItsLine() throws IOException {
        CliRun run = replay(HEADER, ACQUIRE, OPENED, TICK.replace("[]", "[{\"type\":\"ResetTab\",\"tabId\":1,\"targetId\":\"T1\"}]"));
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 4: decisions differ from the recorded ones: recorded 1 decisions, "
                + "the kernel decided 0; missing decisions[0] {\"type\":\"ResetTab\""), run.err());
    }

    @Test
    void theStepBeforeAMismatchIsEchoedAndTheMismatchingStepShowsWhatTheKernelDecided() throws IOException {
        CliRun run = replay(HEADER, ACQUIRE, OPENED.replace("\"token\":1", "\"token\":2"), TICK);
        assertEquals(1, run.exit(), run.toString());
        assertEquals(String.join("\n", HEADER, ACQUIRE, OPENED) + "\n", run.out());
    }

    @ParameterizedTest(name = "a violation of {0} exits 1 with the line of the step")
    @CsvSource({"check, 2", "checkStep, 3", "checkAfterTick, 4"})
    void aViolationReportedByTheCheckerExitsOneWithTheLineOfTheStep(String which, int line) throws IOException {
        Violation broken = new Violation(Invariant.OneReservationPerTab, "stub: tab 1 is bound twice");
        InvariantChecks stub = new InvariantChecks() {
            @Override
            public List<Violation> check(KernelConfig config, KernelState state) {
                return which.equals("check") && state.lastNow() == 0 ? List.of(broken) : List.of();
            }

            @Override
            public List<Violation> checkStep(KernelState before, Input input, List<Decision> decisions, KernelState after) {
                return which.equals("checkStep") && input instanceof Input.TabOpened ? List.of(broken) : List.of();
            }

            @Override
            public List<Violation> checkAfterTick(KernelState state, long now) {
                return which.equals("checkAfterTick") ? List.of(broken) : List.of();
            }
        };
        CliRun run = CliRun.run(List.of(new ReplayCommand(new TraceReplayer(stub))),
                "replay", trace(HEADER, ACQUIRE, OPENED, TICK).toString());
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line " + line + ": invariant violated after "), run.err());
        assertTrue(run.err().contains("OneReservationPerTab: stub: tab 1 is bound twice"), run.err());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            malformed JSON            | 3 | {"seq":2,"input":{"type":"TabOpened"                                                  | not valid JSON
            blank line                | 3 | ``                                                                                     | blank line
            not an object             | 3 | [1,2]                                                                                  | expected a JSON object
            unknown input type        | 3 | {"seq":2,"input":{"type":"Grab","now":5}}                                              | unknown input type 'Grab'
            unknown decision type     | 3 | {"seq":2,"input":{"type":"Tick","now":5},"decisions":[{"type":"Boom"}]}                | decisions[0]: unknown decision type 'Boom'
            missing input field       | 3 | {"seq":2,"input":{"type":"TabOpened","now":5,"tabId":1}}                               | input: TabOpened: missing field 'targetId'
            missing type              | 3 | {"seq":2,"input":{"now":5}}                                                            | input: missing field 'type'
            missing input             | 3 | {"seq":2}                                                                              | missing input
            missing seq               | 3 | {"input":{"type":"Tick","now":5}}                                                      | missing field 'seq'
            seq out of order          | 3 | {"seq":3,"input":{"type":"Tick","now":5}}                                              | seq is 3, expected 2
            unknown step field        | 3 | {"seq":2,"input":{"type":"Tick","now":5},"note":"x"}                                   | unknown step field 'note'
            unknown input field       | 3 | {"seq":2,"input":{"type":"Tick","now":5,"pid":4}}                                      | input: Tick: unknown field 'pid'
            wrong JSON type           | 3 | {"seq":2,"input":{"type":"Tick","now":"later"}}                                        | input: Tick:
            negative time             | 3 | {"seq":2,"input":{"type":"Tick","now":-5}}                                             | NEGATIVE_VALUE
            blank id                  | 3 | {"seq":2,"input":{"type":"TabClosed","now":5,"targetId":""}}                           | BLANK_FIELD: targetId is blank
            unknown enum constant     | 3 | {"seq":2,"input":{"type":"TabGone","now":5,"targetId":"T1","cause":"BOOM"}}            | input: TabGone: field 'cause'
            decisions not an array    | 3 | {"seq":2,"input":{"type":"Tick","now":5},"decisions":{}}                               | decisions must be a JSON array
            invalid recorded decision | 3 | {"seq":2,"input":{"type":"Tick","now":5},"decisions":[{"type":"OpenTab","tabId":1}]}   | decisions[0]: OpenTab: missing field 'key'
            unknown request class     | 3 | {"seq":2,"input":{"type":"Acquire","now":5,"sessionId":"s2","key":"k","holder":"h","requestClass":"gold"}} | UNKNOWN_REQUEST_CLASS
            """)
    void aMalformedStepExitsTwoWithItsLineAndReason(String kind, int line, String step, String reason) throws IOException {
        CliRun run = replay(HEADER, strip(ACQUIRE), step, strip(TICK));
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line " + line + ": "), run.err());
        assertTrue(run.err().contains(reason), run.err());
    }

    @Test
    void anInputTheKernelRefusesAsTimeGoingBackwardsExitsTwoWithItsLine() throws IOException {
        CliRun run = replay(HEADER, strip(ACQUIRE), strip(OPENED), "{\"seq\":3,\"input\":{\"type\":\"Tick\",\"now\":499}}");
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 4: input: Tick: refused by the kernel: TIME_WENT_BACKWARDS"), run.err());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            wrong format        | {"format":"other-trace","version":1,"config":{}}                    | unknown format 'other-trace'
            wrong version       | HEADER_VERSION_3                                                     | unsupported version 3 (this reader reads versions 1 to 2)
            version as text     | {"format":"tablease-trace","version":"1","config":{}}               | integer "version"
            no format           | {"version":1,"config":{}}                                             | line 1 must be the header
            a step on line 1    | {"seq":1,"input":{"type":"Tick","now":5}}                            | (found a step)
            missing config      | {"format":"tablease-trace","version":1}                              | config: missing config
            unknown header key  | {"format":"tablease-trace","version":1,"config":{},"by":"me"}        | unknown header field 'by'
            config field gone   | HEADER_NO_GLOBALMAX                                                  | config: missing field 'globalMax'
            impossible config   | HEADER_GLOBALMAX_0                                                   | config: invalid config: globalMax: must be at least 1
            malformed header    | {"format":                                                           | not valid JSON
            """)
    void aBadHeaderExitsTwoOnLineOne(String kind, String header, String reason) throws IOException {
        String line1 = switch (header) {
            case "HEADER_VERSION_3" -> HEADER.replace("\"version\":2", "\"version\":3");
            case "HEADER_NO_GLOBALMAX" -> HEADER.replace("\"globalMax\":8,", "");
            case "HEADER_GLOBALMAX_0" -> HEADER.replace("\"globalMax\":8", "\"globalMax\":0");
            default -> header;
        };
        CliRun run = replay(line1, ACQUIRE);
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 1: "), run.err());
        assertTrue(run.err().contains(reason), run.err());
        assertEquals("", run.out());
    }

    @Test
    void anEmptyFileExitsTwoOnLineOne() throws IOException {
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "");
        CliRun run = CliRun.run("replay", empty.toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("line 1: the trace is empty"), run.err());
    }

    @Test
    void anUnreadableFileExitsTwoNamingTheFile() {
        Path missing = tmp.resolve("no-such-trace.jsonl");
        CliRun run = CliRun.run("replay", missing.toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith(missing + ": cannot read: NoSuchFileException"), run.err());
    }

    @Test
    void aDirectoryIsAnUnreadableFile() {
        CliRun run = CliRun.run("replay", tmp.toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains("cannot read"), run.err());
    }

    /** @return the step without its recorded decisions */
    static String strip(String step) {
        int at = step.indexOf(",\"decisions\":");
        return at < 0 ? step : step.substring(0, at) + "}";
    }
}
