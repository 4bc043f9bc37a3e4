package dev.tablease.serve;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the Node.js client's tests ({@code clients/node}, Node's own test runner) against a service of this JVM:
 * finds {@code node} and {@code npm} (missing: a failure when {@code CI=true}, a skip with the reason otherwise),
 * installs the client's dependencies from the registry with {@code npm ci} once, then runs {@code node --test}
 * on each test file in turn with {@code TABLEASE_URL} and {@code TABLEASE_TOKEN_FILE}, streaming the runner's
 * output and reading its counts from a TAP report.
 */
final class NodeTests {

    /** The client's directory: the build passes it ({@code tablease.node.client.dir}); else beside this module. */
    static final Path CLIENT_DIR = Path.of(System.getProperty("tablease.node.client.dir", "../clients/node"))
            .toAbsolutePath().normalize();

    /** The node executable ({@code -Dtablease.node=…} names another, e.g. a missing one to see the skip). */
    static final String NODE = System.getProperty("tablease.node", "node");

    /** The npm executable ({@code -Dtablease.npm=…}). */
    static final String NPM = System.getProperty("tablease.npm", "npm");

    /** The oldest Node the client supports ({@code engines.node} of its package.json). */
    static final int MIN_NODE_MAJOR = 18;

    /** Whether {@code npm ci} already ran in this JVM. */
    private static boolean installed;

    /** Not instantiated. */
    private NodeTests() {
    }

    /**
     * What one or more runs of {@code node --test} said.
     *
     * @param exit    the first non-zero exit code, or 0
     * @param tests   tests run, as the runner counted them
     * @param pass    passed
     * @param fail    failed (cancelled ones included)
     * @param skipped skipped (and todo)
     * @param output  everything the runner printed
     */
    record Run(int exit, int tests, int pass, int fail, int skipped, String output) {

        /** @return this run and {@code other} together */
        Run plus(Run other) {
            return new Run(exit != 0 ? exit : other.exit, tests + other.tests, pass + other.pass, fail + other.fail,
                    skipped + other.skipped, output + other.output);
        }

        /** @return the tests that ran: not skipped (Node 18 and 20 count a test left out by a name pattern as skipped) */
        int ran() {
            return tests - skipped;
        }

        /**
         * Fails unless the runner exited 0 and ran at least one test, every one of them passed, none skipped
         * (a skipped Node test is a service without the feature it checks).
         */
        void assertPassed() {
            String counts = "node --test: exit " + exit + ", " + tests + " tests, " + pass + " passed, " + fail
                    + " failed, " + skipped + " skipped";
            Assertions.assertTrue(ran() > 0, "ran no test: " + counts + "\n" + output);
            Assertions.assertEquals(0, exit, counts + "\n" + output);
            Assertions.assertEquals(0, fail, counts + "\n" + output);
            Assertions.assertEquals(0, skipped, "skipped tests: " + counts + "\n" + output);
            Assertions.assertEquals(tests, pass, counts + "\n" + output);
        }
    }

    /**
     * Skips (locally) or fails (CI) when node or npm is missing or too old; then runs {@code npm ci} once.
     */
    static void requireNodeAndInstall() throws IOException, InterruptedException {
        String problem = problemWithNode();
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(problem + " (CI=true: .ci/run installs Debian's nodejs and npm)");
            }
            Assumptions.abort(problem + ": the Node.js client's tests need it (apt-get install nodejs npm)");
        }
        synchronized (NodeTests.class) {
            if (!installed) {
                Result r = exec(List.of(NPM, "ci", "--no-audit", "--no-fund"), Map.of(), 300, "npm | ");
                Assertions.assertEquals(0, r.exit, "npm ci in " + CLIENT_DIR + " failed:\n" + r.output);
                installed = true;
            }
        }
    }

    /** @return why node or npm cannot be used, or null */
    private static String problemWithNode() throws InterruptedException {
        try {
            Result v = exec(List.of(NODE, "--version"), Map.of(), 30, null);
            Matcher m = Pattern.compile("v(\\d+)\\.").matcher(v.output);
            if (v.exit != 0 || !m.find()) {
                return "node --version failed: " + v.output.strip();
            }
            if (Integer.parseInt(m.group(1)) < MIN_NODE_MAJOR) {
                return "node " + v.output.strip() + " is older than " + MIN_NODE_MAJOR;
            }
            Result npm = exec(List.of(NPM, "--version"), Map.of(), 60, null);
            if (npm.exit != 0) {
                return "npm --version failed: " + npm.output.strip();
            }
            return null;
        } catch (IOException e) {
            return "node or npm is not installed (" + e.getMessage() + ")";
        }
    }

    /** @return the client's test files ({@code test/*.test.mjs}), sorted */
    static List<Path> testFiles() throws IOException {
        try (Stream<Path> s = Files.list(CLIENT_DIR.resolve("test"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".test.mjs")).sorted().toList();
        }
    }

    /**
     * Runs {@code node --test} on each file in turn (one runner per file: the same on Node 18, which has no
     * {@code --test-concurrency}, and later ones), against the service at {@code url}.
     *
     * @param extraArgs more arguments of the runner, e.g. {@code --test-name-pattern=…}
     */
    static Run run(URI url, Path tokenFile, List<Path> files, List<String> extraArgs)
            throws IOException, InterruptedException {
        Run total = new Run(0, 0, 0, 0, 0, "");
        for (Path file : files) {
            Path tap = Files.createTempFile("tablease-node-", ".tap");
            try {
                List<String> cmd = new ArrayList<>(List.of(NODE, "--test",
                        "--test-reporter=spec", "--test-reporter-destination=stdout",
                        "--test-reporter=tap", "--test-reporter-destination=" + tap));
                cmd.addAll(extraArgs);
                cmd.add(CLIENT_DIR.relativize(file).toString());
                Result r = exec(cmd, Map.of("TABLEASE_URL", url.toString(), "TABLEASE_TOKEN_FILE", tokenFile.toString()),
                        600, "node | ");
                total = total.plus(counts(r, Files.readString(tap)));
            } finally {
                Files.deleteIfExists(tap);
            }
        }
        return total;
    }

    /** @return the counts of a TAP report's closing lines ({@code # tests N} …) */
    static Run counts(Result r, String tap) {
        return new Run(r.exit, count(tap, "tests"), count(tap, "pass"), count(tap, "fail") + count(tap, "cancelled"),
                count(tap, "skipped") + count(tap, "todo"), r.output);
    }

    /** @return the number of the TAP line {@code # name N}, 0 when absent */
    private static int count(String tap, String name) {
        Matcher m = Pattern.compile("(?m)^# " + name + " (\\d+)$").matcher(tap);
        int n = 0;
        while (m.find()) {
            n = Integer.parseInt(m.group(1));
        }
        return n;
    }

    /**
     * What a process did.
     *
     * @param exit   its exit code
     * @param output its standard output and error
     */
    record Result(int exit, String output) {
    }

    /**
     * Runs a command in the client's directory, its output echoed line by line with {@code echoPrefix} (none when
     * null); killed (and a failure) after {@code timeoutSeconds}.
     */
    static Result exec(List<String> cmd, Map<String, String> env, long timeoutSeconds, String echoPrefix)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(CLIENT_DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = br.readLine()) != null; ) {
                    synchronized (out) {
                        out.append(line).append('\n');
                    }
                    if (echoPrefix != null) {
                        System.out.println(echoPrefix + line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "node-output");
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            Assertions.fail(String.join(" ", cmd) + ": still running after " + timeoutSeconds + " s, killed:\n" + out);
        }
        reader.join(10_000);
        synchronized (out) {
            return new Result(p.exitValue(), out.toString());
        }
    }
}
