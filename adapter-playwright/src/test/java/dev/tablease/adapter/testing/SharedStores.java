package dev.tablease.adapter.testing;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.KernelStore;
import dev.tablease.store.SqliteKernelStore;

import java.nio.file.Path;

/**
 * The one place the multi-process tests get a store shared by processes: a {@link SqliteKernelStore} whose
 * database ({@code tablease.db}, durable commits) lives in the given directory. Both the test JVM and the agent JVMs ({@link AgentProcess})
 * call this.
 */
public final class SharedStores {

    private SharedStores() {
    }

    /** @return a store whose state lives in {@code dir}, shared by every process that opens the same dir */
    public static KernelStore open(Path dir, KernelConfig config) {
        return SqliteKernelStore.open(dir.resolve("tablease.db"), config);
    }

    /**
     * The kernel config every process of a multi-process test uses: fast heartbeats (500 ms x 4 = 2 s). Not
     * shorter: every transition is a durable commit, and on a loaded 2-core CI box a 600 ms timeout expired live
     * drivers (seen with the removed file store: HEARTBEAT_MISSED while the driver was still sending).
     */
    public static KernelConfig fastConfig() {
        return KernelConfig.builder()
                .maxPerKey(3).globalMax(8)
                .heartbeatIntervalMillis(500).missedHeartbeats(4)
                .queueTimeoutMillis(30_000)
                .build();
    }
}
