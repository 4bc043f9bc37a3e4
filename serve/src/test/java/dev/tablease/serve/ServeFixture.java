package dev.tablease.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.serve.internal.CdpFencing;
import dev.tablease.serve.internal.JettyLeaseServer;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.testkit.ChromiumProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One service under test: an in-memory store, a {@link LeaseServer} on 127.0.0.1 (ephemeral port) connected over
 * CDP to a real headless Chromium, and a client. Closing it stops the server (and its broker) and deletes its
 * temporary directory; the Chromium belongs to the test class.
 */
final class ServeFixture implements AutoCloseable {

    /** The kernel settings of the tests: beats every 200 ms, dead after 4 missed (800 ms); 1 tab per key, 2 in all. */
    static KernelConfig.Builder kernel() {
        return KernelConfig.builder().maxPerKey(1).globalMax(2).heartbeatIntervalMillis(200).missedHeartbeats(4)
                .queueCapacity(1).queueTimeoutMillis(20_000);
    }

    final KernelStore store;
    final LeaseServer server;
    final Api api;
    final Path dir;

    private ServeFixture(KernelStore store, LeaseServer server, Path dir) {
        this.store = store;
        this.server = server;
        this.dir = dir;
        this.api = new Api(server.uri(), server.bearerToken());
    }

    static ServeFixture start(ChromiumProcess chromium) throws Exception {
        return start(chromium, kernel().build(), c -> c);
    }

    static ServeFixture start(ChromiumProcess chromium, KernelConfig kernel, UnaryOperator<ServeConfig> serve)
            throws Exception {
        return start(chromium, kernel, serve, CdpFencing.ENFORCED);
    }

    /** A service whose CDP sockets enforce {@code fencing} (the fencing tests' broken variants). */
    static ServeFixture start(ChromiumProcess chromium, KernelConfig kernel, UnaryOperator<ServeConfig> serve,
                              CdpFencing fencing) throws Exception {
        return start(chromium, serve, fencing, dir -> new InMemoryKernelStore(kernel, MillisClock.system()));
    }

    /** A service on the store {@code open} makes in the fixture's temporary directory (the benchmark's SQLite store). */
    static ServeFixture start(ChromiumProcess chromium, UnaryOperator<ServeConfig> serve, CdpFencing fencing,
                              java.util.function.Function<Path, KernelStore> open) throws Exception {
        Path dir = Files.createTempDirectory("tablease-serve-test-");
        KernelStore store = open.apply(dir);
        try {
            LeaseServer server = JettyLeaseServer.start(serve.apply(ServeConfig.loopback(dir.resolve("serve.token"))),
                    AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50), store, fencing);
            return new ServeFixture(store, server, dir);
        } catch (RuntimeException e) {
            store.close();
            deleteTree(dir);
            throw e;
        }
    }

    /** @return the session's entry in the status, or a missing node */
    JsonNode session(String sessionId) throws Exception {
        for (JsonNode s : api.status().body().path("sessions")) {
            if (s.path("sessionId").asText().equals(sessionId)) {
                return s;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** The beaters started by {@link #beating}, stopped on close. */
    private final List<AutoCloseable> beaters = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Beats the lease every 100 ms until the fixture closes (or the returned handle is closed). */
    AutoCloseable beating(String session, long token) {
        AutoCloseable b = api.beating(session, token);
        beaters.add(b);
        return b;
    }

    @Override
    public void close() {
        for (AutoCloseable b : beaters) {
            try {
                b.close();
            } catch (Exception e) {
                // a test thread
            }
        }
        try {
            server.close();
        } finally {
            store.close();
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            List<Path> paths = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(paths);
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (Exception e) {
            // temporary
        }
    }
}
