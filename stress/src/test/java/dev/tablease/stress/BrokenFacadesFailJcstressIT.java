package dev.tablease.stress;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The jcstress tests can fail: the very same tests (same jar, same code) run against the deliberately
 * broken facades ({@code -Dtablease.facade=lost-update|unlocked} in the forked JVMs) must exit non-zero
 * with "Observed forbidden state" in at least three tests. Runs in {@code integration-test}, after the
 * shade plugin built {@code target/jcstress.jar} (failsafe). By default three races run on the
 * check-then-act facade (about half the time of the full run on the real facade);
 * {@code -Djcstress.broken.all=true} runs all seven on both broken facades.
 */
class BrokenFacadesFailJcstressIT {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "^\\s*(dev\\.tablease\\.stress\\.jcstress\\.\\w+).*Observed forbidden state", Pattern.MULTILINE);

    private static final String ALL = "dev\\.tablease\\.stress\\.jcstress\\..*";

    /** {@code -Djcstress.broken.all=true} (the stress-long profile) runs all seven races on both broken facades. */
    private static boolean all() {
        return Boolean.getBoolean("jcstress.broken.all");
    }

    @Test
    void lostUpdateFacadeShowsForbiddenOutcomes() throws Exception {
        Set<String> failed = runOn("lost-update", all() ? ALL
                : "dev\\.tablease\\.stress\\.jcstress\\.(SendAndPoll|AcquiresAtTheCap|TwoRecoveries).*");
        assertTrue(failed.size() >= 3, "at least three races must catch the lost update, got " + failed);
    }

    @Test
    void unlockedFacadeShowsForbiddenOutcomes() throws Exception {
        assumeTrue(all(), "the unlocked facade runs with -Djcstress.broken.all=true (Lincheck covers it in every build)");
        Set<String> failed = runOn("unlocked", ALL);
        assertTrue(failed.size() >= 3, "at least three races must catch the missing lock, got " + failed);
    }

    /** @return the tests that observed a forbidden state */
    private static Set<String> runOn(String facade, String regex) throws IOException, InterruptedException {
        Path jar = Paths.get(System.getProperty("jcstress.jar", "target/jcstress.jar"));
        assertTrue(Files.isRegularFile(jar), "no jcstress jar at " + jar.toAbsolutePath());
        Path results = Paths.get(System.getProperty("jcstress.results", "target")).resolve("jcstress-broken-" + facade);
        Path log = results.resolveSibling("jcstress-broken-" + facade + ".log");
        Files.createDirectories(results);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", jar.toString(),
                "-m", System.getProperty("jcstress.mode", "quick"), "-sc", "false", "-c", "2",
                "-jvmArgs", "-XX:+UseParallelGC -D" + Facades.PROPERTY + "=" + facade,
                "-r", results.toString(), "-t", regex));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(results.getParent().toFile()) // its .bin.gz lands in target/
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("jcstress on the " + facade + " facade did not finish in 10 minutes");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Set<String> failed = new TreeSet<>();
        Matcher m = FORBIDDEN.matcher(out);
        while (m.find()) {
            failed.add(m.group(1).substring(m.group(1).lastIndexOf('.') + 1));
        }
        System.out.printf("[expected] jcstress on the %s facade: exit %d in %.0f s, FORBIDDEN in %s (log %s)%n",
                facade, p.exitValue(), (System.nanoTime() - start) / 1e9, failed, log);
        assertNotEquals(0, p.exitValue(), "jcstress passed on the broken " + facade + " facade; log " + log);
        assertTrue(out.contains("Observed forbidden state"), "no forbidden state reported; log " + log);
        return failed;
    }
}
