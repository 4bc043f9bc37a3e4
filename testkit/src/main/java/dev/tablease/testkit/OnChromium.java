package dev.tablease.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The base of the test classes that share one real headless Chromium per class: started before the class's first
 * test, closed after its last (the classes run one after the other in one JVM).
 */
public abstract class OnChromium {

    /** The class's browser. */
    protected static ChromiumProcess chromium;

    /** For subclasses. */
    protected OnChromium() {
    }

    /**
     * Starts the class's browser.
     *
     * @throws Exception when Chromium does not start
     */
    @BeforeAll
    protected static void startChromium() throws Exception {
        chromium = ChromiumProcess.start();
    }

    /** Stops the class's browser. */
    @AfterAll
    protected static void stopChromium() {
        if (chromium != null) {
            chromium.close();
            chromium = null;
        }
    }
}
