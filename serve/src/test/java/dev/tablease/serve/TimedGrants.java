package dev.tablease.serve;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.ForwardingKernelStore;
import dev.tablease.store.KernelStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The benchmark's view of what a pooled grant costs below the service: a store that times each transition whose
 * input is an {@code Acquire} of one key (the store's lock, the kernel and the durable commit: the store's part of
 * the grant), and the disk's own durable write after the same pause, as a baseline measured in the same run
 * (docs/benchmarks.md, "The lease service"). Times in nanoseconds.
 */
final class TimedGrants extends ForwardingKernelStore {
    /** The key whose acquires are timed. */
    private final String key;
    /** The durations of the timed transitions, in nanoseconds, in the order they ended. */
    private final List<Long> nanos = new ArrayList<>();

    TimedGrants(KernelStore delegate, String key) {
        super(delegate);
        this.key = key;
    }

    @Override
    public SharedLeaseKernel.Step apply(LongFunction<Input> input, Consumer<? super SharedLeaseKernel.Step> inLogOrder) {
        AtomicBoolean timed = new AtomicBoolean();
        long t0 = System.nanoTime();
        SharedLeaseKernel.Step step = super.apply(now -> {
            Input in = input.apply(now);
            if (in instanceof Input.Acquire a && a.key().equals(key)) {
                timed.set(true);
            }
            return in;
        }, inLogOrder);
        long elapsed = System.nanoTime() - t0;
        if (timed.get()) {
            synchronized (nanos) {
                nanos.add(elapsed);
            }
        }
        return step;
    }

    /**
     * Takes the durations recorded so far and starts afresh.
     *
     * @return the durations of the timed transitions since the last call, in nanoseconds
     */
    long[] drain() {
        synchronized (nanos) {
            long[] out = nanos.stream().mapToLong(Long::longValue).toArray();
            nanos.clear();
            return out;
        }
    }

    /**
     * The disk's durable write as a pooled grant meets it: {@code count} writes of 256 bytes, each followed by
     * {@code force} (fsync) and then a sleep of {@code pauseMillis}, in a file in {@code dir} (deleted after).
     *
     * @return each write + fsync's duration in nanoseconds
     */
    static long[] fsyncAfterPause(Path dir, int count, long pauseMillis) throws IOException, InterruptedException {
        Path file = Files.createTempFile(dir, "fsync-", ".bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long[] out = new long[count];
            ByteBuffer block = ByteBuffer.allocate(256);
            for (int i = -10; i < count; i++) { // ten first, not counted, as the grants
                block.clear();
                long t0 = System.nanoTime();
                channel.write(block, (long) (i + 10) * block.capacity());
                channel.force(true);
                if (i >= 0) {
                    out[i] = System.nanoTime() - t0;
                }
                Thread.sleep(pauseMillis);
            }
            return out;
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
