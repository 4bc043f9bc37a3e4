package dev.tablease.kernel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel reads no clock, starts no thread, does no I/O and uses no randomness: its main sources
 * mention none of the APIs that would. (Its dependencies are held to the JDK by maven-enforcer.)
 */
class KernelIsPureTest {

    static final Pattern IMPURE = Pattern.compile(
            "System\\.(currentTimeMillis|nanoTime)|Instant\\.now|LocalDateTime\\.now|Clock\\.|new Thread|Executors\\."
                    + "|java\\.io\\.(File|InputStream|OutputStream|Reader|Writer)|java\\.nio\\.file|java\\.net\\."
                    + "|Random|Math\\.random|System\\.(in|out|err|getenv|getProperty)");

    @Test
    void mainSourcesUseNoClockThreadIoOrRandomness() throws IOException {
        Path main = Path.of("src", "main", "java");
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(main)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(files.size() > 10, "found the kernel sources");
        for (Path p : files) {
            List<String> lines = Files.readAllLines(p);
            for (int i = 0; i < lines.size(); i++) {
                if (IMPURE.matcher(lines.get(i)).find()) {
                    hits.add(p + ":" + (i + 1) + ": " + lines.get(i).trim());
                }
            }
        }
        assertEquals(List.of(), hits);
    }

    @Test
    void theScanCatchesAnImpureLine() {
        assertTrue(IMPURE.matcher("long t = System.currentTimeMillis();").find());
        assertTrue(IMPURE.matcher("import java.nio.file.Files;").find());
    }
}
