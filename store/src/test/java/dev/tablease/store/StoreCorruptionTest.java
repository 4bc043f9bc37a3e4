package dev.tablease.store;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Outcome;
import dev.tablease.store.StoreCorruptException.Problem;
import dev.tablease.store.StoreFixtures.FakeBoot;
import dev.tablease.store.StoreFixtures.FakeWall;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreCorruptionTest {

    @TempDir
    Path dir;

    private Path file;
    private FakeWall wall;
    private FakeBoot boot;
    private FileKernelStore store;
    private long grantedToken;

    @BeforeEach
    void aStoreWithALiveLease() {
        file = dir.resolve("state.json");
        wall = new FakeWall(1_000_000);
        boot = new FakeBoot();
        store = FileKernelStore.open(file, CONFIG, wall, FileKernelStore.Options.defaults().withBootClock(boot));
        store.apply(now -> new Input.Acquire(now, "s", "k", "h", "default"));
        grantedToken = StoreFixtures.granted(store.apply(now -> new Input.TabOpened(now, 1, "t1")), "s").token();
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> corruptions() {
        return Stream.of(
                Arguments.of("empty file", (UnaryOperator<byte[]>) b -> new byte[0], Problem.TRUNCATED),
                Arguments.of("cut in half", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, b.length / 2), Problem.TRUNCATED),
                Arguments.of("last brace missing", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, b.length - 2), Problem.TRUNCATED),
                Arguments.of("not JSON", (UnaryOperator<byte[]>) b -> bytes("state: ok\n"), Problem.MALFORMED_JSON),
                Arguments.of("not UTF-8", (UnaryOperator<byte[]>) b -> new byte[]{'{', (byte) 0xC3, (byte) 0x28, '}'}, Problem.MALFORMED_JSON),
                Arguments.of("trailing text", (UnaryOperator<byte[]>) b -> bytes(text(b) + "{}\n"), Problem.MALFORMED_JSON),
                Arguments.of("a JSON array", (UnaryOperator<byte[]>) b -> bytes("[1,2]\n"), Problem.MALFORMED_JSON),
                Arguments.of("duplicate key", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("{\"format\"", "{\"version\":1,\"format\"")), Problem.MALFORMED_JSON),
                Arguments.of("some other JSON", (UnaryOperator<byte[]>) b -> bytes("{\"name\":\"x\"}\n"), Problem.WRONG_FORMAT),
                Arguments.of("a trace header", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("tablease-state", "tablease-trace")), Problem.WRONG_FORMAT),
                Arguments.of("version 3", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("\"version\":2", "\"version\":3")), Problem.UNSUPPORTED_VERSION),
                Arguments.of("version as a string", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("\"version\":2", "\"version\":\"2\"")), Problem.UNSUPPORTED_VERSION),
                Arguments.of("unknown top field", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("\"clock\":", "\"extra\":0,\"clock\":")), Problem.INVALID_CONTENT),
                Arguments.of("state field missing", (UnaryOperator<byte[]>) b -> bytes(text(b).replaceFirst("\"nextToken\":\\d+,", "")), Problem.INVALID_CONTENT),
                Arguments.of("impossible config", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("\"globalMax\":8", "\"globalMax\":0")), Problem.INVALID_CONTENT),
                Arguments.of("bad clock", (UnaryOperator<byte[]>) b -> bytes(text(b).replaceFirst("\"bootMillis\":\\d+", "\"bootMillis\":-5")), Problem.INVALID_CONTENT),
                Arguments.of("token counter behind the lease", (UnaryOperator<byte[]>) b -> bytes(text(b).replaceFirst("\"nextToken\":\\d+", "\"nextToken\":1")), Problem.INCONSISTENT_STATE),
                Arguments.of("tab reserved for nobody", (UnaryOperator<byte[]>) b -> bytes(text(b).replace("\"sessionId\":\"s\",\"poolExpiresAt\"", "\"sessionId\":\"ghost\",\"poolExpiresAt\"")), Problem.INCONSISTENT_STATE));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("corruptions")
    void a_bad_file_gives_a_typed_error_naming_it_and_is_never_overwritten(String name, UnaryOperator<byte[]> corrupt,
                                                                           Problem expected) throws Exception {
        byte[] bad = corrupt.apply(Files.readAllBytes(file));
        Files.write(file, bad);
        byte[] prevBefore = Files.readAllBytes(store.previousFile());

        StoreCorruptException onApply = assertThrows(StoreCorruptException.class,
                () -> store.apply(now -> new Input.Heartbeat(now, "s", grantedToken)));
        assertEquals(expected, onApply.problem(), onApply.getMessage());
        assertEquals(file.toRealPath(), onApply.file());
        assertTrue(onApply.getMessage().startsWith(file.toRealPath() + ": " + expected), onApply.getMessage());
        assertTrue(onApply.getMessage().contains("StoreRecovery"), "the message says how to recover");

        assertEquals(expected, assertThrows(StoreCorruptException.class, () -> store.snapshot()).problem());
        assertEquals(expected, assertThrows(StoreCorruptException.class,
                () -> FileKernelStore.open(file, CONFIG, wall, FileKernelStore.Options.defaults())).problem());
        assertEquals(expected, assertThrows(StoreCorruptException.class,
                () -> FileKernelStore.openExisting(file, wall, FileKernelStore.Options.defaults())).problem());

        assertArrayEquals(bad, Files.readAllBytes(file), "the bad file is kept as it is");
        assertArrayEquals(prevBefore, Files.readAllBytes(store.previousFile()), "the last good copy is kept");
    }

    @Test
    void a_missing_state_file_is_reported_and_not_recreated_empty_when_a_last_good_copy_exists() {
        assertTrue(Files.exists(store.previousFile()));
        store.file().toFile().delete();
        StoreCorruptException e = assertThrows(StoreCorruptException.class,
                () -> FileKernelStore.open(file, CONFIG, wall, FileKernelStore.Options.defaults()));
        assertEquals(Problem.MISSING, e.problem());
        assertEquals(Problem.MISSING, assertThrows(StoreCorruptException.class, () -> store.apply(Input.Tick::new)).problem());
        assertFalse(Files.exists(file));
    }

    @Test
    void recover_restores_the_last_good_copy_keeps_the_bad_file_and_never_reissues_a_token() throws Exception {
        KernelState good = new StateFile().read(file).state();
        store.apply(now -> new Input.UpdateSession(now, "s", grantedToken, "https://chat.example/c/1")); // the transition about to be lost
        byte[] bad = Arrays.copyOf(Files.readAllBytes(file), 40);
        Files.write(file, bad);

        FileKernelStore.Recovery r = FileKernelStore.recover(file, true);

        assertNotNull(r.movedAside());
        assertTrue(r.movedAside().getFileName().toString().startsWith("state.json.corrupt-"), r.movedAside().toString());
        assertArrayEquals(bad, Files.readAllBytes(r.movedAside()), "the bad file is kept beside, byte for byte");
        KernelState restored = new StateFile().read(file).state();
        assertEquals(good.sessions(), restored.sessions());
        assertEquals(good.tabs(), restored.tabs());
        assertEquals(good.nextToken() + FileKernelStore.RECOVERY_COUNTER_GAP, restored.nextToken());
        assertEquals(List.of(), InvariantChecker.check(CONFIG, restored));

        // the store works again: the old lease is still fenced by its token, a new driver gets a fresh token
        assertTrue(store.apply(now -> new Input.Heartbeat(now, "s", grantedToken)).decisions().get(0) instanceof Decision.Extended);
        store.apply(now -> new Input.Release(now, "s", grantedToken, Outcome.DETACH));
        Decision.Granted next = StoreFixtures.granted(store.apply(now -> new Input.Acquire(now, "s", "k", "h2", "default")), "s");
        assertTrue(next.token() > good.nextToken() + FileKernelStore.RECOVERY_COUNTER_GAP - 1, "token " + next.token());
    }

    @Test
    void recover_of_a_missing_state_file_uses_the_last_good_copy() {
        store.file().toFile().delete();
        FileKernelStore.Recovery r = FileKernelStore.recover(file, false);
        assertEquals(null, r.movedAside());
        assertEquals(1, store.snapshot().sessions().size());
    }

    @Test
    void a_version_1_state_file_is_read_with_no_recoveries_and_written_back_as_version_2() throws Exception {
        String v2 = text(Files.readAllBytes(file));
        assertTrue(v2.contains("\"recoveryCount\":0"), v2);
        String v1 = v2.replace("\"version\":2", "\"version\":1").replace(",\"recoveryCount\":0", "");
        Files.write(file, bytes(v1));
        KernelState read = new StateFile().read(file).state();
        assertEquals(0, read.sessions().get(0).recoveryCount());
        FileKernelStore reopened = FileKernelStore.open(file, CONFIG, wall, FileKernelStore.Options.defaults());
        reopened.apply(Input.Tick::new);
        assertTrue(text(Files.readAllBytes(file)).contains("\"version\":2"), "the next write is version 2");
    }

    @Test
    void recover_refuses_a_valid_state_file() throws Exception {
        byte[] before = Files.readAllBytes(file);
        assertThrows(IllegalStateException.class, () -> FileKernelStore.recover(file, true));
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void recover_fails_typed_when_the_last_good_copy_is_bad_too_and_changes_nothing() throws Exception {
        Files.write(file, bytes("{"));
        Files.write(store.previousFile(), bytes("[]"));
        StoreCorruptException e = assertThrows(StoreCorruptException.class, () -> FileKernelStore.recover(file, true));
        assertEquals(store.previousFile(), e.file());
        assertEquals(Problem.MALFORMED_JSON, e.problem());
        assertArrayEquals(bytes("{"), Files.readAllBytes(file));
    }

    @Test
    void the_recovery_command_line_reports_what_it_did_with_exit_codes() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertEquals(2, StoreRecovery.run(new String[0]));
            assertEquals(1, StoreRecovery.run(new String[]{file.toString()}), "a valid file: nothing to recover");
            Files.write(file, new byte[0]);
            assertEquals(0, StoreRecovery.run(new String[]{file.toString()}));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("nothing to recover"), printed);
        assertTrue(printed.contains("recovered " + file.toRealPath()), printed);
    }
}
