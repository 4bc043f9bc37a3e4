package dev.tablease.store;

import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelState;
import dev.tablease.store.StateFile.ClockAnchor;
import dev.tablease.store.StoreCorruptException.Problem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON state file ({@link StateFile}): the export/import format, and the removed file store's
 * {@code state.json} that {@code tablease import} migrates. Every bad file is a typed error naming it, nothing is
 * made from it and it is left as it is; a state file given where a database is expected is refused, telling the
 * user to import it.
 */
class StateFileTest {

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void aStateFileWithALiveLease() throws Exception {
        file = dir.resolve("state.json");
        KernelState state;
        try (InMemoryKernelStore mem = new InMemoryKernelStore(CONFIG, new StoreFixtures.FakeWall(1_000_000))) {
            mem.apply(now -> new Input.Acquire(now, "s", "k", "h", "default"));
            StoreFixtures.granted(mem.apply(now -> new Input.TabOpened(now, 1, "t1")), "s");
            state = mem.snapshot();
        }
        Files.write(file, new StateFile().encode(new StateFile.Contents(CONFIG, new ClockAnchor("boot-1", 10, 1_000_000), state)));
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
    void a_bad_file_gives_a_typed_error_naming_it_and_nothing_is_imported_from_it(String name, UnaryOperator<byte[]> corrupt,
                                                                                   Problem expected) throws Exception {
        byte[] bad = corrupt.apply(Files.readAllBytes(file));
        Files.write(file, bad);

        StoreCorruptException e = assertThrows(StoreCorruptException.class, () -> new StateFile().read(file));
        assertEquals(expected, e.problem(), e.getMessage());
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": " + expected), e.getMessage());
        assertTrue(e.getMessage().contains("the file is kept as it is"), e.getMessage());
        assertArrayEquals(bad, Files.readAllBytes(file), "the bad file is kept as it is");
    }

    @Test
    void a_missing_state_file_is_a_typed_error() {
        Path none = dir.resolve("none.json");
        assertEquals(Problem.MISSING, assertThrows(StoreCorruptException.class, () -> new StateFile().read(none)).problem());
        assertFalse(Files.exists(none));
    }

    @Test
    void a_good_file_round_trips_and_imports_into_a_store_that_goes_on_from_its_state() throws Exception {
        StateFile.Contents read = new StateFile().read(file);
        assertArrayEquals(Files.readAllBytes(file), new StateFile().encode(read), "encode(read(f)) = f");
        Path db = dir.resolve("tablease.db");
        SqliteKernelStore.importState(db, read.config(), read.state(), read.clock(),
                SqliteKernelStore.Options.defaults().withDurable(false));
        StoreFixtures.FakeBoot boot = new StoreFixtures.FakeBoot(); // the boot the file's anchor names
        boot.millis.set(20);
        try (SqliteKernelStore store = SqliteKernelStore.open(db, CONFIG, new StoreFixtures.FakeWall(9_000_000_000L),
                SqliteKernelStore.Options.defaults().withDurable(false).withBootClock(boot))) {
            assertEquals(read.state(), store.snapshot());
            assertEquals(read.clock(), store.clockAnchor(), "the time line's anchor is carried over");
            long token = read.state().sessions().get(0).lease().token();
            assertTrue(store.apply(now -> new Input.Heartbeat(now, "s", token)).decisions().get(0)
                    instanceof dev.tablease.kernel.Decision.Extended, "the imported lease is live in the store");
        }
    }

    @Test
    void a_version_1_state_file_is_read_with_no_recoveries_and_written_back_as_version_2() throws Exception {
        String v2 = text(Files.readAllBytes(file));
        assertTrue(v2.contains("\"recoveryCount\":0"), v2);
        String v1 = v2.replace("\"version\":2", "\"version\":1").replace(",\"recoveryCount\":0", "");
        Files.write(file, bytes(v1));
        StateFile.Contents read = new StateFile().read(file);
        assertEquals(0, read.state().sessions().get(0).recoveryCount());
        assertTrue(text(new StateFile().encode(read)).contains("\"version\":2"), "written back as version 2");
    }

    @Test
    void an_old_state_file_given_as_the_store_is_refused_telling_the_user_to_import_it_and_left_as_it_is() throws Exception {
        byte[] before = Files.readAllBytes(file);
        StoreSchemaException e = assertThrows(StoreSchemaException.class, () -> SqliteKernelStore.open(file, CONFIG));
        assertEquals(StoreSchemaException.Problem.STATE_FILE, e.problem());
        assertTrue(e.getMessage().contains("tablease import " + file), e.getMessage());
        assertEquals(StoreSchemaException.Problem.STATE_FILE, assertThrows(StoreSchemaException.class,
                () -> SqliteKernelStore.openExisting(file, MillisClock.system(), SqliteKernelStore.Options.defaults())).problem());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertFalse(Files.exists(dir.resolve("state.json-wal")), "SQLite never opened it");

        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a database\n");
        assertEquals(StoreSchemaException.Problem.FOREIGN_SCHEMA,
                assertThrows(StoreSchemaException.class, () -> SqliteKernelStore.open(text, CONFIG)).problem());
        assertEquals("not a database\n", Files.readString(text));
    }
}
