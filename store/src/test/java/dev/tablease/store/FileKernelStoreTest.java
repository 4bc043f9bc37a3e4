package dev.tablease.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.SharedLeaseKernel;
import dev.tablease.store.StoreFixtures.FakeBoot;
import dev.tablease.store.StoreFixtures.FakeWall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileKernelStoreTest {

    @TempDir
    Path dir;

    private FileKernelStore open(Path file, FakeWall wall, FakeBoot boot) {
        return FileKernelStore.open(file, CONFIG, wall, FileKernelStore.Options.defaults().withBootClock(boot));
    }

    @Test
    void opening_creates_a_versioned_file_with_the_config_and_an_empty_state() throws Exception {
        Path file = dir.resolve("sub/state.json");
        try (FileKernelStore store = open(file, new FakeWall(5_000), new FakeBoot())) {
            JsonNode root = new ObjectMapper().readTree(Files.readString(file));
            assertEquals("tablease-state", root.get("format").asText());
            assertEquals(StateFile.VERSION, root.get("version").asInt());
            assertEquals(CONFIG.globalMax(), root.get("config").get("globalMax").asInt());
            assertEquals("boot-1", root.get("clock").get("bootId").asText());
            assertEquals(5_000, root.get("clock").get("storeMillis").asLong());
            assertEquals(KernelState.initial(), store.snapshot());
            assertTrue(Files.exists(dir.resolve("sub/state.json.lock")));
            assertFalse(Files.exists(dir.resolve("sub/state.json.prev")), "no last good copy before the first transition");
        }
    }

    @Test
    void a_transition_is_durable_across_store_instances() {
        Path file = dir.resolve("state.json");
        FakeWall wall = new FakeWall(1_000);
        FakeBoot boot = new FakeBoot();
        try (FileKernelStore store = open(file, wall, boot)) {
            StoreFixtures.acquireAndRelease(store, "s1", "chat", "h");
        }
        try (FileKernelStore again = open(file, wall, boot)) {
            KernelState s = again.snapshot();
            assertEquals(2, s.nextToken());
            assertEquals(1, s.tabs().size());
            assertEquals(List.of(), InvariantChecker.check(CONFIG, s));
        }
    }

    @Test
    void the_file_store_decides_exactly_like_the_in_memory_store() {
        FakeWall wall = new FakeWall(10_000);
        FileKernelStore file = FileKernelStore.open(dir.resolve("state.json"), CONFIG, wall,
                FileKernelStore.Options.defaults().withBootClock(BootClock.none()));
        InMemoryKernelStore memory = new InMemoryKernelStore(CONFIG, wall);
        List<LongFunction<Input>> script = List.of(
                now -> new Input.Acquire(now, "a", "k", "h1", "default"),
                now -> new Input.Acquire(now, "b", "k", "h2", "default"),
                now -> new Input.TabOpened(now, 1, "t1"),
                now -> new Input.Acquire(now, "a", "k", "h3", "default"),
                now -> new Input.Heartbeat(now, "a", 1),
                now -> new Input.UpdateSession(now, "a", 1, "https://x/1"),
                now -> new Input.TabOpenFailed(now, 2, "boom"),
                now -> new Input.Release(now, "a", 1, Outcome.DETACH),
                now -> new Input.Tick(now));
        long[] advance = {0, 10, 50, 150, 30, 20, 500, 100, 1_000};
        for (int i = 0; i < script.size(); i++) {
            wall.millis.addAndGet(advance[i]);
            assertEquals(memory.apply(script.get(i)), file.apply(script.get(i)), "step " + i);
            assertEquals(memory.snapshot(), file.snapshot(), "state after step " + i);
        }
    }

    @Test
    void a_due_tick_is_applied_before_the_input() {
        FakeWall wall = new FakeWall(1_000);
        FakeBoot boot = new FakeBoot();
        try (FileKernelStore store = open(dir.resolve("state.json"), wall, boot)) {
            store.apply(now -> new Input.Acquire(now, "s", "k", "h", "default"));
            Decision.Granted g = StoreFixtures.granted(store.apply(now -> new Input.TabOpened(now, 1, "t1")), "s");
            boot.millis.addAndGet(CONFIG.heartbeatTimeoutMillis());
            SharedLeaseKernel.Step late = store.apply(now -> new Input.Heartbeat(now, "s", g.token()));
            assertEquals(2, late.inputs().size());
            assertInstanceOf(Input.Tick.class, late.inputs().get(0));
            assertInstanceOf(Decision.Revoked.class, late.decisions().get(0));
            assertInstanceOf(Decision.Refused.class, late.decisions().get(late.decisions().size() - 1));
        }
    }

    @Test
    void an_input_the_kernel_refuses_as_malformed_writes_nothing() throws Exception {
        Path file = dir.resolve("state.json");
        try (FileKernelStore store = open(file, new FakeWall(1_000), new FakeBoot())) {
            StoreFixtures.acquireAndRelease(store, "s1", "k", "h");
            byte[] before = Files.readAllBytes(file);
            byte[] prevBefore = Files.readAllBytes(store.previousFile());
            assertThrows(InvalidInputException.class,
                    () -> store.apply(now -> new Input.Acquire(now, "s2", "k", "h", "no-such-class")));
            assertThrows(IllegalStateException.class, () -> store.apply(now -> {
                throw new IllegalStateException("the caller's input function failed");
            }));
            assertArrayEquals(before, Files.readAllBytes(file));
            assertArrayEquals(prevBefore, Files.readAllBytes(store.previousFile()));
        }
    }

    @Test
    void the_last_good_copy_holds_the_state_before_the_last_transition() {
        Path file = dir.resolve("state.json");
        try (FileKernelStore store = open(file, new FakeWall(1_000), new FakeBoot())) {
            store.apply(now -> new Input.Acquire(now, "s", "k", "h", "default"));
            KernelState afterFirst = store.snapshot();
            store.apply(now -> new Input.TabOpened(now, 1, "t1"));
            assertEquals(afterFirst, new StateFile().read(store.previousFile()).state());
        }
    }

    @Test
    void opening_with_another_config_is_refused_and_leaves_the_file_alone() throws Exception {
        Path file = dir.resolve("state.json");
        open(file, new FakeWall(1_000), new FakeBoot()).close();
        byte[] before = Files.readAllBytes(file);
        KernelConfig other = CONFIG.toBuilder().globalMax(4).build();
        StoreConfigMismatchException e = assertThrows(StoreConfigMismatchException.class,
                () -> FileKernelStore.open(file, other, new FakeWall(2_000), FileKernelStore.Options.defaults()));
        assertEquals(file.toRealPath(), e.file());
        assertTrue(e.getMessage().contains("globalMax: 8 -> 4"), e.getMessage());
        assertEquals(CONFIG, e.fileConfig());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void open_existing_adopts_the_config_recorded_in_the_file() {
        Path file = dir.resolve("state.json");
        KernelConfig custom = CONFIG.toBuilder().maxPerKey("vip", 1).build();
        FileKernelStore.open(file, custom, new FakeWall(1_000), FileKernelStore.Options.defaults()).close();
        try (FileKernelStore store = FileKernelStore.openExisting(file, new FakeWall(2_000), FileKernelStore.Options.defaults())) {
            assertEquals(custom, store.config());
        }
        assertThrows(StoreCorruptException.class, () -> FileKernelStore.openExisting(dir.resolve("none.json"),
                MillisClock.system(), FileKernelStore.Options.defaults()));
    }

    @Test
    void threads_of_one_process_on_two_store_instances_lose_no_update() throws Exception {
        Path file = dir.resolve("state.json");
        FileKernelStore.Options noFsync = FileKernelStore.Options.defaults().withFsync(false);
        FileKernelStore a = FileKernelStore.open(file, CONFIG, MillisClock.system(), noFsync);
        FileKernelStore b = FileKernelStore.open(dir.resolve(".").resolve("state.json"), CONFIG, MillisClock.system(), noFsync);
        int threads = 4;
        int pairs = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                FileKernelStore store = t % 2 == 0 ? a : b;
                String key = "k" + t;
                done.add(pool.submit(() -> {
                    int n = 0;
                    for (int i = 0; i < pairs; i++) {
                        n += StoreFixtures.acquireAndRelease(store, key + "-s" + i, key, "thread");
                    }
                    return n;
                }));
            }
            for (Future<Integer> f : done) {
                assertNotNull(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        KernelState s = a.snapshot();
        assertEquals(1 + threads * pairs, s.nextRequestId());
        assertEquals(1 + threads * pairs, s.nextToken());
        assertEquals(List.of(), InvariantChecker.check(CONFIG, s));
    }

    @Test
    void without_fsync_transitions_still_replace_the_file_whole() {
        Path file = dir.resolve("state.json");
        try (FileKernelStore store = FileKernelStore.open(file, CONFIG, MillisClock.system(),
                FileKernelStore.Options.defaults().withFsync(false))) {
            StoreFixtures.acquireAndRelease(store, "s", "k", "h");
            assertEquals(2, new StateFile().read(file).state().nextToken());
        }
    }

    @Test
    void a_closed_store_refuses_transitions() {
        FileKernelStore store = open(dir.resolve("state.json"), new FakeWall(1), new FakeBoot());
        store.close();
        assertThrows(IllegalStateException.class, () -> store.apply(Input.Tick::new));
    }
}
