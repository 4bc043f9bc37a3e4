package dev.tablease.serve;

import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The base of the test classes that share one real headless Chromium per class: started before the class's first
 * test, closed after its last (the classes run one after the other in one JVM).
 */
abstract class OnChromium {

    /** The class's browser. */
    static ChromiumProcess chromium;

    @BeforeAll
    static void startChromium() throws Exception {
        chromium = ChromiumProcess.start();
    }

    @AfterAll
    static void stopChromium() {
        if (chromium != null) {
            chromium.close();
            chromium = null;
        }
    }
}
