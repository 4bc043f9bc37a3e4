package dev.tablease.adapter.testing;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.trace.TraceCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.LongFunction;

/**
 * TEST-ONLY stand-in for {@code dev.tablease.store.FileKernelStore} (being written on another branch): the
 * kernel state as JSON in {@code state.json}, every transition under an OS file lock on {@code state.lock}, so
 * that processes share one kernel. Minimal on purpose (no recovery of torn files, no fsync). The multi-process
 * tests get their store from {@link SharedStores#open}; swap that one line for FileKernelStore when it lands.
 */
public final class StopgapFileKernelStore implements KernelStore {

    private final Path state;
    private final Path lock;
    private final KernelConfig config;
    private final MillisClock clock;
    private final TraceCodec codec = new TraceCodec();

    public StopgapFileKernelStore(Path dir, KernelConfig config, MillisClock clock) {
        this.state = dir.resolve("state.json");
        this.lock = dir.resolve("state.lock");
        this.config = config;
        this.clock = clock;
    }

    @Override
    @SuppressWarnings("try")
    public synchronized SharedLeaseKernel.Step apply(LongFunction<Input> input) {
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            LeaseKernel kernel = read();
            SharedLeaseKernel shared = new SharedLeaseKernel(kernel);
            long now = Math.max(clock.millis(), kernel.lastNow());
            SharedLeaseKernel.Step step = shared.apply(input.apply(now));
            Path tmp = state.resolveSibling("state.json.tmp");
            Files.writeString(tmp, codec.toJson(shared.snapshot()), StandardCharsets.UTF_8);
            Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return step;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LeaseKernel read() throws IOException {
        if (!Files.exists(state)) {
            return new LeaseKernel(config);
        }
        try {
            KernelState s = codec.decodeState(codec.parseObject(Files.readString(state, StandardCharsets.UTF_8)));
            return LeaseKernel.restore(config, s);
        } catch (dev.tablease.trace.TraceFormatException e) {
            throw new IOException("unreadable state file " + state, e);
        }
    }

    @Override
    @SuppressWarnings("try")
    public synchronized KernelState snapshot() {
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return read().snapshot();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public KernelConfig config() {
        return config;
    }

    @Override
    public void close() {
        // nothing held between transitions
    }
}
