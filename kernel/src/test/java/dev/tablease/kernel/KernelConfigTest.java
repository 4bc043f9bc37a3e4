package dev.tablease.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config is immutable and validated, and the documented defaults are the code's. */
class KernelConfigTest {

    static final Path DOC = Path.of("..", "docs", "configuration.md");
    static final String BEGIN = "<!-- settings:begin (generated from KernelConfig.settings(); do not edit) -->";
    static final String END = "<!-- settings:end -->";

    @Test
    void defaultsAreTheDocumentedProtocolDefaults() {
        KernelConfig c = KernelConfig.defaults();
        assertEquals(3, c.maxPerKey());
        assertEquals(8, c.globalMax());
        assertEquals(30 * 60_000, c.poolTtlMillis());
        assertEquals(60_000, c.heartbeatIntervalMillis());
        assertEquals(180_000, c.heartbeatTimeoutMillis());
        assertEquals(15 * 60_000, c.requestClassBudgetsMillis().get("default"));
        assertEquals(5_400_000, c.requestClassBudgetsMillis().get("pro"));
        assertEquals(5, c.toBuilder().maxPerKey("gemini", 5).build().maxPerKey("gemini"));
    }

    private static void assertNamed(String setting, Executable build) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, build);
        assertEquals(setting, e.setting(), e.getMessage());
        assertTrue(e.getMessage().startsWith(setting + ": "), e.getMessage());
    }

    @Test
    void impossibleValuesAreRefusedNamingTheSetting() {
        assertNamed("maxPerKey", () -> KernelConfig.builder().maxPerKey(0).build());
        assertNamed("globalMax", () -> KernelConfig.builder().globalMax(-1).build());
        assertNamed("maxPerKeyOverrides[gemini]", () -> KernelConfig.builder().maxPerKey("gemini", 0).build());
        assertNamed("poolTtlMillis", () -> KernelConfig.builder().poolTtlMillis(-5).build());
        assertNamed("heartbeatIntervalMillis", () -> KernelConfig.builder().heartbeatIntervalMillis(0).build());
        assertNamed("missedHeartbeats", () -> KernelConfig.builder().missedHeartbeats(0).build());
        assertNamed("deadlineMarginMillis", () -> KernelConfig.builder().deadlineMarginMillis(-1).build());
        assertNamed("queueCapacity", () -> KernelConfig.builder().queueCapacity(0).build());
        assertNamed("queueTimeoutMillis", () -> KernelConfig.builder().queueTimeoutMillis(0).build());
        assertNamed("requestClassBudgetsMillis[fast]", () -> KernelConfig.builder().requestClass("fast", -1).build());
        assertNamed("missedHeartbeats", () -> KernelConfig.builder().requestClass("quick", 60_000)
                .deadlineMarginMillis(0).build()); // heartbeat timeout 180 s > the 60 s deadline
        assertNamed("requestClassBudgetsMillis", () -> new KernelConfig(3, Map.of(), 8, 1, 1, 1,
                Map.of("pro", 10L), 0, 1, 1)); // no "default" class
        Map<String, Integer> withNull = new HashMap<>();
        withNull.put(null, 2);
        assertNamed("maxPerKeyOverrides", () -> new KernelConfig(3, withNull, 8, 1, 1, 1,
                Map.of("default", 10L), 0, 1, 1));
    }

    @Test
    void overridesCannotBeChangedAfterConstruction() {
        KernelConfig c = KernelConfig.builder().maxPerKey("gemini", 5).build();
        assertThrows(UnsupportedOperationException.class, () -> c.maxPerKeyOverrides().put("x", 1));
    }

    static String renderSettingsTable() {
        StringBuilder b = new StringBuilder(BEGIN).append('\n');
        b.append("| setting | default | unit | meaning |\n|---|---|---|---|\n");
        for (KernelConfig.Setting s : KernelConfig.defaults().settings()) {
            b.append("| `").append(s.name()).append("` | ").append(s.defaultValue()).append(" | ").append(s.unit())
                    .append(" | ").append(s.meaning()).append(" |\n");
        }
        return b.append(END).toString();
    }

    /**
     * The old system's help text said 15 min while its code said 30. Here docs/configuration.md holds a
     * table generated from {@link KernelConfig#settings()}; run with {@code -Ddocs.regenerate=true} to
     * rewrite it.
     */
    @Test
    void documentedDefaultsAreGeneratedFromTheCode() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int from = doc.indexOf(BEGIN);
        int to = doc.indexOf(END);
        assertTrue(from >= 0 && to > from, DOC + " lacks the generated settings block");
        String current = doc.substring(from, to + END.length());
        String expected = renderSettingsTable();
        if (Boolean.getBoolean("docs.regenerate")) {
            Files.writeString(DOC, doc.replace(current, expected), StandardCharsets.UTF_8);
            return;
        }
        assertEquals(expected, current, DOC + " is stale: run mvn -pl kernel test -Dtest=KernelConfigTest -Ddocs.regenerate=true");
    }
}
