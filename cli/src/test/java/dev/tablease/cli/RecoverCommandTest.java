package dev.tablease.cli;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.store.FileKernelStore;
import dev.tablease.store.StateFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease recover}: a corrupt store restored from its last good copy; refusals. */
class RecoverCommandTest {

    @TempDir
    Path tmp;

    private Path store() {
        Path file = tmp.resolve("state.json");
        try (FileKernelStore store = FileKernelStore.open(file, KernelConfig.defaults(), () -> 5_000,
                FileKernelStore.Options.defaults().withFsync(false))) {
            store.apply(now -> new Input.Acquire(now, "s1", "chatgpt", "send", "default"));
            store.apply(now -> new Input.Tick(now));
        }
        return file;
    }

    private static CliRun recover(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "recover";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.run(List.of(new RecoverCommand(Map.of())), all);
    }

    @Test
    void aCorruptStoreIsRestoredFromItsLastGoodCopy() throws Exception {
        Path file = store();
        Files.writeString(file, "garbage", StandardCharsets.UTF_8);
        CliRun run = recover("--store", file.toString(), "--no-fsync");
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith("recovered " + file + " from " + file + ".prev; the bad file is kept as "), run.out());
        StateFile.Contents restored = new StateFile().read(file);
        assertEquals(1, restored.state().sessions().size());
        assertTrue(restored.state().nextToken() > FileKernelStore.RECOVERY_COUNTER_GAP);
    }

    @Test
    void aValidStoreHasNothingToRecover() {
        Path file = store();
        CliRun run = recover("--store", file.toString());
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.err().contains("nothing to recover"), run.err());
    }

    @Test
    void noStoreAtThePathExitsTwo() {
        CliRun run = recover("--store", tmp.resolve("none.json").toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("tablease recover: no store at "), run.err());
        assertTrue(!Files.exists(tmp.resolve("none.json.lock")), "nothing was created");
    }

    @Test
    void wrongArgumentsExitTwo() {
        CliRun run = recover("a.json");
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().contains("usage: tablease recover"), run.err());
    }
}
