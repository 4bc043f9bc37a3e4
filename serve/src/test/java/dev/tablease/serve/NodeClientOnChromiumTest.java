package dev.tablease.serve;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.serve.internal.CdpFencing;
import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Node.js client ({@code clients/node}) tested with Node's own test runner against a real service on a real
 * headless Chromium: its error handling, the lease's CDP socket, and the old tool's flows as separate Node
 * processes (send → poll, a watcher behind a poll, a driver killed with SIGKILL, a frozen stale holder). The
 * runner's checks are shown to catch a service without fencing at the tab, and a run of no test is a failure.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NodeClientOnChromiumTest {

    /** The browser of every service here. */
    private static ChromiumProcess chromium;

    /**
     * The kernel of the Node tests: beats every 500 ms, dead after 4 missed (2 s: a killed driver's lease lapses
     * quickly, a Node process on a loaded machine still beats in time), one tab per key (every test uses keys of its
     * own), six in all, two waiters per key.
     */
    static KernelConfig kernel() {
        return KernelConfig.builder().maxPerKey(1).globalMax(6).heartbeatIntervalMillis(500).missedHeartbeats(4)
                .queueCapacity(2).queueTimeoutMillis(20_000).build();
    }

    @BeforeAll
    static void startChromium() throws Exception {
        NodeTests.requireNodeAndInstall();
        chromium = ChromiumProcess.start();
    }

    @AfterAll
    static void stopChromium() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @Test
    void theNodeClientsTestsPass_againstARealServiceOnRealChromium() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, kernel(), c -> c)) {
            NodeTests.Run run = NodeTests.run(f.server.uri(), f.dir.resolve("serve.token"), NodeTests.testFiles(), List.of());
            run.assertPassed();
            System.out.println("node --test: " + run.tests() + " tests, " + run.pass() + " passed in "
                    + NodeTests.testFiles().size() + " files");
        }
    }

    @Test
    void theStaleHolderFlow_catchesAServiceWhoseCdpSocketsOutliveTheirLease() throws Exception {
        // The broken variant: neither half of the fence at the tab (no check per frame, no close at the end).
        try (ServeFixture f = ServeFixture.start(chromium, kernel(), c -> c, new CdpFencing(false, false))) {
            NodeTests.Run run = NodeTests.run(f.server.uri(), f.dir.resolve("serve.token"),
                    List.of(NodeTests.CLIENT_DIR.resolve("test/flows.test.mjs")),
                    List.of("--test-name-pattern=a frozen holder"));
            assertNotEquals(0, run.exit(), run.output());
            assertEquals(1, run.ran(), run.output());
            assertEquals(1, run.fail(), run.output());
            assertTrue(run.output().contains("the service closed the stale holder's socket while it was frozen"), run.output());
            assertThrows(AssertionFailedError.class, run::assertPassed);
        }
    }

    @Test
    void aRunThatRanNoTest_isAFailureThoughTheRunnerExitsZero() throws Exception {
        try (ServeFixture f = ServeFixture.start(chromium, kernel(), c -> c)) {
            NodeTests.Run run = NodeTests.run(f.server.uri(), f.dir.resolve("serve.token"),
                    List.of(NodeTests.CLIENT_DIR.resolve("test/client.test.mjs")),
                    List.of("--test-name-pattern=no test has this name"));
            assertEquals(0, run.exit(), run.output());
            assertEquals(0, run.ran(), run.output());
            AssertionFailedError e = assertThrows(AssertionFailedError.class, run::assertPassed);
            assertTrue(e.getMessage().startsWith("ran no test"), e.getMessage());
        }
    }
}
