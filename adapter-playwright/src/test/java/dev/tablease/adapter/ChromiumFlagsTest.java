package dev.tablease.adapter;

import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The testkit starts the Chromium that the adapter's tests and the demo attach to; it cannot depend on the
 * adapter (docs/architecture.md), so it keeps its own copy of the launch defaults. They must not drift.
 */
class ChromiumFlagsTest {

    @Test
    void theTestkitStartsChromiumWithTheAdaptersDefaults() {
        assertEquals(AdapterConfig.DEFAULT_CHROMIUM, ChromiumProcess.CHROMIUM);
        assertEquals(AdapterConfig.DEFAULT_ARGS, ChromiumProcess.HEADLESS_ARGS);
    }
}
