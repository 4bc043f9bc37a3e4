package dev.tablease.serve;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve --launch}: the service starts Chromium itself with a DevTools port on 127.0.0.1 (Playwright's own
 * launch has none), its grants' CDP sockets drive the tabs, and closing the service stops that browser and
 * deletes its profile.
 */
class LaunchedChromiumTest {

    /** @return the running browsers whose profile is one the service launched */
    private static List<ProcessHandle> launchedBrowsers(Path profileParent) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(List::of).orElse(List.of()).stream()
                .anyMatch(a -> a.startsWith("--user-data-dir=" + profileParent.resolve("tablease-serve-chromium-"))))
                .filter(p -> p.parent().map(pp -> pp.pid() == ProcessHandle.current().pid()).orElse(false))
                .toList();
    }

    @Test
    @Timeout(90)
    void launchMode_startsChromiumOnALoopbackDevToolsPort_servesCdpSockets_andStopsItOnClose() throws Exception {
        Path dir = Files.createTempDirectory("tablease-serve-launch-");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (KernelStore store = new InMemoryKernelStore(ServeFixture.kernel().build(), MillisClock.system())) {
            LeaseServer server = LeaseServer.start(ServeConfig.loopback(dir.resolve("serve.token")),
                    AdapterConfig.launch().withPollIntervalMillis(50), store);
            List<ProcessHandle> browsers;
            try {
                browsers = launchedBrowsers(tmp);
                assertEquals(1, browsers.size(), "one browser, a child of this JVM: " + browsers);
                assertTrue(browsers.get(0).info().arguments().map(List::of).orElse(List.of())
                        .contains("--remote-debugging-address=127.0.0.1"));
                Api api = new Api(server.uri(), server.bearerToken());
                Api.Reply g = api.acquire("s1", "chatgpt", "agent-a", 20_000);
                assertEquals(200, g.status(), g.toString());
                try (AutoCloseable beating = api.beating("s1", g.num("token"));
                     CdpClient c = CdpClient.open(g.str("cdpUrl"), server.bearerToken())) {
                    assertEquals(2, c.evaluate("1+1").asInt());
                    assertEquals("about:blank", c.evaluate("location.href").asText());
                }
            } finally {
                server.close();
            }
            for (ProcessHandle b : browsers) {
                b.onExit().get(15, TimeUnit.SECONDS);
                assertFalse(b.isAlive(), "the launched browser is stopped with the service");
            }
            assertEquals(List.of(), launchedBrowsers(tmp));
        } finally {
            ServeFixture.deleteTree(dir);
        }
    }
}
