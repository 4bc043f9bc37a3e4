package dev.tablease.cli;

import dev.tablease.store.SqliteKernelStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Which kind of store a path names: an SQLite database (the default store; recognised by its header, or by a
 * {@code .db} name when it does not exist yet) or a JSON state file of the file store.
 */
final class StoreFiles {

    /** The first 16 bytes of every SQLite 3 database file. */
    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private StoreFiles() {
    }

    /** @return whether {@code file} is (or, when missing and named {@code *.db}, will be) an SQLite database */
    static boolean isDatabase(Path file) {
        if (!Files.isRegularFile(file)) {
            return file.getFileName().toString().endsWith(".db");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(SQLITE_HEADER.length), SQLITE_HEADER);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The trace of a run is the store's log: a database given where a trace is expected is written out as a
     * temporary JSON Lines trace (deleted on exit), a trace file is returned as it is.
     *
     * @param file a trace file or an SQLite store
     * @return a trace file
     * @throws IOException when the trace cannot be written
     */
    static Path asTrace(Path file) throws IOException {
        if (!Files.isRegularFile(file) || !isDatabase(file)) {
            return file;
        }
        Path trace = Files.createTempFile("tablease-log-", ".jsonl");
        trace.toFile().deleteOnExit();
        try (SqliteKernelStore store = SqliteKernelStore.openExisting(file, System::currentTimeMillis,
                SqliteKernelStore.Options.defaults());
             Writer out = Files.newBufferedWriter(trace, StandardCharsets.UTF_8)) {
            store.writeTrace(out);
        }
        return trace;
    }
}
