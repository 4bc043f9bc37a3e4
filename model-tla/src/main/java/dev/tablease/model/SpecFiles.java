package dev.tablease.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The TLA+ modules on the class path: {@code src/main/tla} is packaged under {@code tla/} (model-tla's pom),
 * so the spec is found from model-tla's jar, its class directory in a build, or a shaded jar that includes
 * it (the CLI's). TLC reads files, so a run copies the modules it needs into its run directory.
 */
final class SpecFiles {

    /** The protocol's spec. */
    static final String TAB_LEASE = "tla/TabLease.tla";
    /** Trace validation of kernel runs ({@code EXTENDS TabLease}). */
    static final String TRACE_SPEC = "tla/conformance/TraceSpec.tla";

    private SpecFiles() {
    }

    /**
     * Copies a packaged module into a directory, under its file name.
     *
     * @param resource the module's path on the class path, e.g. {@link #TAB_LEASE}
     * @param dir      where it goes
     * @return the copy
     * @throws IOException when the module is not on the class path or cannot be copied
     */
    static Path copy(String resource, Path dir) throws IOException {
        String fileName = resource.substring(resource.lastIndexOf('/') + 1);
        Path target = dir.resolve(fileName);
        try (InputStream in = SpecFiles.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path (model-tla packages src/main/tla under tla/)");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
