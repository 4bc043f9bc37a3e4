package dev.tablease.trace;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelHarness;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceCodecTest {

    private final TraceCodec codec = new TraceCodec();

    static Stream<Input> inputs() {
        return Samples.inputs().stream();
    }

    static Stream<Decision> decisions() {
        return Samples.decisions().stream();
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void everyInputTypeRoundTripsUnderItsSimpleName(Input input) throws TraceFormatException {
        String json = codec.toJson(input);
        assertTrue(json.startsWith("{\"type\":\"" + input.getClass().getSimpleName() + "\","), json);
        assertEquals(input, codec.decodeInput(codec.parseObject(json)));
    }

    @ParameterizedTest
    @MethodSource("decisions")
    void everyDecisionTypeRoundTripsUnderItsSimpleName(Decision decision) throws TraceFormatException {
        String json = codec.toJson(decision);
        assertTrue(json.startsWith("{\"type\":\"" + decision.getClass().getSimpleName() + "\","), json);
        assertEquals(decision, codec.decodeDecision(codec.parseObject(json)));
    }

    @Test
    void theSamplesAndTheCodecCoverEveryPermittedInputAndDecision() {
        assertEquals(simpleNames(Input.class.getPermittedSubclasses()), codec.inputTypeNames().stream().sorted().toList());
        assertEquals(simpleNames(Input.class.getPermittedSubclasses()),
                Samples.inputs().stream().map(i -> i.getClass().getSimpleName()).sorted().toList());
        assertEquals(simpleNames(Decision.class.getPermittedSubclasses()), codec.decisionTypeNames().stream().sorted().toList());
        assertEquals(simpleNames(Decision.class.getPermittedSubclasses()),
                Samples.decisions().stream().map(d -> d.getClass().getSimpleName()).sorted().toList());
    }

    @Test
    void fieldsAreWrittenInRecordOrderWithPlainUnitsAndEnumNames() {
        assertEquals("{\"type\":\"Acquire\",\"now\":1000,\"sessionId\":\"s1\",\"key\":\"chatgpt\","
                + "\"holder\":\"send pid 4242\",\"requestClass\":\"pro\"}", codec.toJson(Samples.inputs().get(0)));
        assertEquals("{\"type\":\"Release\",\"now\":3000,\"sessionId\":\"s1\",\"token\":7,\"outcome\":\"DETACH\"}",
                codec.toJson(Samples.inputs().get(2)));
    }

    @Test
    void kernelConfigRoundTripsWithItsMaps() throws TraceFormatException {
        KernelConfig config = Samples.config();
        String json = codec.toJson(config);
        assertTrue(json.contains("\"maxPerKeyOverrides\":{\"chatgpt\":5,\"claude\":1}"), json);
        assertTrue(json.contains("\"requestClassBudgetsMillis\":{\"deep\":3600000,\"default\":900000,\"pro\":5400000}"), json);
        assertEquals(config, codec.decodeConfig(codec.parseObject(json)));
        assertEquals(KernelConfig.defaults(), codec.decodeConfig(codec.toTree(KernelConfig.defaults())));
    }

    @Test
    void kernelStateRoundTripsWithTabsSessionsLeasesAndWaiters() throws TraceFormatException {
        KernelHarness h = new KernelHarness(KernelConfig.builder().maxPerKey(2).globalMax(4).build());
        Decision.Granted g = h.acquireOpened(0, "s1", "chatgpt", "send");
        h.update(100, "s1", g.token(), "https://chatgpt.com/c/1");
        h.acquire(200, "s1", "chatgpt", "poll");                       // waits for s1's lease
        h.acquireOpened(300, "s2", "chatgpt", "send");
        h.acquire(400, "s3", "chatgpt", "send");                       // waits for a tab (key cap)
        Decision.Granted g5 = h.acquireOpened(500, "s5", "gemini", "send", "pro");
        h.release(600, "s5", g5.token(), Outcome.COMPLETED);           // POOLED
        h.acquire(700, "s4", "claude", "send");                        // OPENING
        KernelState state = h.state();
        assertEquals(4, state.tabs().size());

        String json = codec.toJson(state);
        assertFalse(json.contains("\"bound\""), "derived Session accessors must not be written: " + json);
        assertEquals(state, codec.decodeState(codec.parseObject(json)));
    }

    @Test
    void anImpossibleConfigIsATypedInvalidConfigError() {
        ObjectNode config = codec.toTree(KernelConfig.defaults());
        config.put("globalMax", 0);
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> codec.decodeConfig(config));
        assertEquals(TraceError.INVALID_CONFIG, e.error());
        assertTrue(e.reason().contains("globalMax"), e.reason());
    }

    @Test
    void aConfigWithoutTheDefaultRequestClassIsAnInvalidConfigError() {
        ObjectNode config = codec.toTree(KernelConfig.defaults());
        ((ObjectNode) config.get("requestClassBudgetsMillis")).remove("default");
        assertEquals(TraceError.INVALID_CONFIG,
                assertThrows(TraceFormatException.class, () -> codec.decodeConfig(config)).error());
    }

    @Test
    void decodingErrorsAreTypedAndNameTheField() {
        assertError(TraceError.UNKNOWN_TYPE, "'Grab'", "{\"type\":\"Grab\",\"now\":1}");
        assertError(TraceError.MISSING_FIELD, "'type'", "{\"now\":1}");
        assertError(TraceError.MISSING_FIELD, "'holder'",
                "{\"type\":\"Acquire\",\"now\":1,\"sessionId\":\"s\",\"key\":\"k\",\"requestClass\":\"default\"}");
        assertError(TraceError.UNKNOWN_FIELD, "'pid'", "{\"type\":\"Tick\",\"now\":1,\"pid\":4}");
        assertError(TraceError.INVALID_VALUE, "now", "{\"type\":\"Tick\",\"now\":\"soon\"}");
        assertError(TraceError.INVALID_VALUE, "now", "{\"type\":\"Tick\",\"now\":1.5}");
        assertError(TraceError.INVALID_VALUE, "now", "{\"type\":\"Tick\",\"now\":null}");
        assertError(TraceError.INVALID_VALUE, "NEGATIVE_VALUE", "{\"type\":\"Tick\",\"now\":-1}");
        assertError(TraceError.INVALID_VALUE, "BLANK_FIELD", "{\"type\":\"TabClosed\",\"now\":1,\"targetId\":\" \"}");
        assertError(TraceError.INVALID_VALUE, "cause",
                "{\"type\":\"TabGone\",\"now\":1,\"targetId\":\"T\",\"cause\":\"EXPLODED\"}");
    }

    @Test
    void malformedJsonIsAMalformedJsonError() {
        for (String text : List.of("{\"type\":", "[1,2]", "", "{\"a\":1} x", "{\"a\":1,\"a\":2}")) {
            TraceFormatException e = assertThrows(TraceFormatException.class, () -> codec.parseObject(text), text);
            assertEquals(TraceError.MALFORMED_JSON, e.error(), text);
        }
    }

    private void assertError(TraceError kind, String mentioned, String json) {
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> codec.decodeInput(codec.parseObject(json)), json);
        assertEquals(kind, e.error(), json + " -> " + e.reason());
        assertTrue(e.reason().contains(mentioned), json + " -> " + e.reason());
    }

    private static List<String> simpleNames(Class<?>[] classes) {
        return Arrays.stream(classes).map(Class::getSimpleName).sorted().toList();
    }
}
