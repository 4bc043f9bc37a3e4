package dev.tablease.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tablease validate}: the committed example traces conform (real TLC), a tampered trace exits 1 with
 * its first wrong step, a trace without a verdict and wrong arguments exit 2. (The demo's own trace is
 * validated by {@code DemoCommandTest} through {@code demo --validate}.)
 */
class ValidateCommandTest {

    private static final Path EXAMPLES = Path.of(System.getProperty("tablease.examples.dir", "../examples/traces"));

    @TempDir
    Path tmp;

    private static List<Path> examples() throws Exception {
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            return s.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theExampleTracesConform() throws Exception {
        List<String> args = new ArrayList<>(List.of("validate"));
        examples().forEach(f -> args.add(f.toString()));
        CliRun run = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.toString());
        Matcher m = Pattern.compile("^(\\d+) traces: conforms to TabLease\\.tla: \\1 traces, (\\d+) steps, (\\d+) distinct states,"
                + " TLC [0-9.]+ s\\n$").matcher(run.out());
        assertTrue(m.find(), run.out());
        assertEquals(Long.parseLong(m.group(2)) + Long.parseLong(m.group(1)), Long.parseLong(m.group(3)), run.out());
        assertEquals("", run.err());
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void oneTraceConformsAndItsPathIsPrinted() throws Exception {
        Path trace = examples().get(0);
        Path keep = tmp.resolve("tlc");
        CliRun run = CliRun.run("validate", "--keep", keep.toString(), trace.toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith(trace + ": conforms to TabLease.tla: 1 trace, "), run.out());
        assertTrue(run.out().contains("(TLC's files in " + keep.toAbsolutePath() + ")"), run.out());
        assertTrue(Files.exists(keep.resolve("TraceBatch.tla")) && Files.exists(keep.resolve("tlc-output.txt")));
    }

    /** A recorded decision altered (a granted token): exit 1, the step and both decisions named. */
    @Test
    void aTamperedTraceExitsOneWithItsFirstWrongStep() throws Exception {
        Path example = examples().stream().filter(f -> f.getFileName().toString().startsWith("defect-4")).findFirst()
                .orElseThrow();
        List<String> lines = new ArrayList<>(Files.readAllLines(example, StandardCharsets.UTF_8));
        int step = -1;
        for (int i = 1; i < lines.size() && step < 0; i++) {
            if (lines.get(i).contains("\"type\":\"Granted\"")) {
                lines.set(i, lines.get(i).replaceFirst("(\"type\":\"Granted\".*?\"token\":)(\\d+)", "$1999"));
                step = i;
            }
        }
        Path tampered = tmp.resolve("tampered.jsonl");
        Files.write(tampered, lines, StandardCharsets.UTF_8);
        CliRun run = CliRun.run("validate", tampered.toString());
        assertEquals(1, run.exit(), run.toString());
        assertTrue(run.out().startsWith("DOES NOT CONFORM: " + tampered + " step " + step + " (line " + (step + 1) + "): "),
                run.out());
        assertTrue(run.out().contains("token=999") && run.out().contains("but the trace recorded"), run.out());
    }

    @Test
    void aTraceWithoutAVerdictExitsTwo() throws Exception {
        Path missing = tmp.resolve("missing.jsonl");
        CliRun run = CliRun.run("validate", missing.toString());
        assertEquals(2, run.exit(), run.toString());
        assertTrue(run.err().startsWith("tablease validate: no verdict (the trace cannot be read): "), run.err());

        Path flex = tmp.resolve("flex.jsonl");
        Files.writeString(flex, Files.readAllLines(examples().get(0)).get(0)
                .replace("\"requestClassBudgetsMillis\":{", "\"requestClassBudgetsMillis\":{\"flex\":900000,") + "\n");
        CliRun outside = CliRun.run("validate", flex.toString());
        assertEquals(2, outside.exit(), outside.toString());
        assertTrue(outside.err().startsWith("tablease validate: no verdict (outside the spec's model): "), outside.err());
    }

    @Test
    void wrongArgumentsExitTwoWithTheUsage() {
        for (String[] args : new String[][] {{"validate"}, {"validate", "--keep"}, {"validate", "--timeout-minutes", "0", "a.jsonl"},
                {"validate", "-x", "a.jsonl"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("usage: tablease validate [--keep <dir>]"), run.err());
        }
    }
}
