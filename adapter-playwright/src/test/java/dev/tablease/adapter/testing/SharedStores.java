package dev.tablease.adapter.testing;

import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;

import java.nio.file.Path;

/**
 * The one place the multi-process tests get a store shared by processes. Until
 * {@code dev.tablease.store.FileKernelStore} is on main this returns the test-only
 * {@link StopgapFileKernelStore}; when it lands, replace the body with the FileKernelStore constructor (and
 * delete the stopgap). Both the test JVM and the agent JVMs ({@link AgentProcess}) call this.
 */
public final class SharedStores {

    private SharedStores() {
    }

    /** @return a store whose state lives in {@code dir}, shared by every process that opens the same dir */
    public static KernelStore open(Path dir, KernelConfig config) {
        return new StopgapFileKernelStore(dir, config, MillisClock.system());
    }

    /** The kernel config every process of a multi-process test uses: fast heartbeats (200 ms x 3). */
    public static KernelConfig fastConfig() {
        return KernelConfig.builder()
                .maxPerKey(3).globalMax(8)
                .heartbeatIntervalMillis(200).missedHeartbeats(3)
                .queueTimeoutMillis(30_000)
                .build();
    }
}
