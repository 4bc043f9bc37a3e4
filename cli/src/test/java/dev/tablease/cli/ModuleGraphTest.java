package dev.tablease.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every module depends only downward, and only the adapter (and the CLI above it) on Playwright: each
 * module's pom.xml against the table of docs/architecture.md. Run on broken graphs too, which it must reject.
 */
class ModuleGraphTest {

    private static final Path ROOT = Path.of(System.getProperty("tablease.docs.dir", "../docs")).getParent();

    private static String read(Path p) throws Exception {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static Map<String, ModuleGraph.Rule> rules() throws Exception {
        return ModuleGraph.rules(read(ROOT.resolve("docs/architecture.md")));
    }

    private static List<String> reactor() throws Exception {
        List<String> modules = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("<module>([^<]+)</module>").matcher(read(ROOT.resolve("pom.xml")));
        while (m.find()) {
            modules.add(m.group(1).trim());
        }
        return modules;
    }

    private static List<ModuleGraph.Pom> poms() throws Exception {
        List<ModuleGraph.Pom> poms = new ArrayList<>();
        try (var dirs = Files.list(ROOT)) {
            for (Path dir : dirs.sorted().toList()) {
                Path pom = dir.resolve("pom.xml");
                if (Files.isRegularFile(pom)) {
                    poms.add(ModuleGraph.pom(dir.getFileName().toString(), read(pom)));
                }
            }
        }
        return poms;
    }

    private static List<ModuleGraph.Pom> with(List<ModuleGraph.Pom> poms, ModuleGraph.Pom changed) {
        List<ModuleGraph.Pom> out = new ArrayList<>(poms);
        out.replaceAll(p -> p.module().equals(changed.module()) ? changed : p);
        return out;
    }

    @Test
    void everyModuleDependsOnlyOnWhatItsRowOfTheArchitecturePageAllows() throws Exception {
        List<ModuleGraph.Pom> poms = poms();
        assertEquals(reactor().size(), poms.size(), "one pom.xml per module: " + poms);
        assertEquals(List.of(), ModuleGraph.violations(rules(), poms, reactor()));
    }

    @Test
    void theModelTraceAndStoreDoNotSeePlaywright() throws Exception {
        for (String m : List.of("kernel", "trace", "store", "model-tla", "stress")) {
            assertFalse(rules().get(m).playwright(), m + " must not be allowed Playwright");
        }
    }

    @Test
    void brokenGraph_anUpwardEdgeIsRejected() throws Exception {
        String pom = read(ROOT.resolve("model-tla/pom.xml")).replace("<dependencies>", """
                <dependencies>
                  <dependency><groupId>dev.tablease</groupId><artifactId>tablease-adapter-playwright</artifactId></dependency>""");
        List<String> v = ModuleGraph.violations(rules(), with(poms(), ModuleGraph.pom("model-tla", pom)), reactor());
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).startsWith("model-tla depends on adapter-playwright"), v.toString());
    }

    @Test
    void brokenGraph_playwrightInTheTraceModuleIsRejected() throws Exception {
        String pom = read(ROOT.resolve("trace/pom.xml")).replace("<dependencies>", """
                <dependencies>
                  <dependency><groupId>com.microsoft.playwright</groupId><artifactId>playwright</artifactId></dependency>""");
        List<String> v = ModuleGraph.violations(rules(), with(poms(), ModuleGraph.pom("trace", pom)), reactor());
        assertEquals(List.of("trace depends on Playwright, which its row does not allow"), v);
    }

    @Test
    void brokenGraph_aCycleInTheTableIsRejected() throws Exception {
        String page = read(ROOT.resolve("docs/architecture.md"))
                .replaceFirst("\\| kernel \\|([^|]*)\\| \\|", "| kernel |$1| cli |");
        List<String> v = ModuleGraph.violations(ModuleGraph.rules(page), poms(), reactor());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("the allowed graph has a cycle: kernel")), v.toString());
    }

    @Test
    void brokenGraph_aModuleMissingFromTheTableIsRejected() throws Exception {
        List<ModuleGraph.Pom> poms = new ArrayList<>(poms());
        poms.add(new ModuleGraph.Pom("metrics", java.util.Set.of("kernel"), false));
        List<String> v = ModuleGraph.violations(rules(), poms, reactor());
        assertEquals(List.of("module metrics is not in the table of docs/architecture.md"), v);
    }
}
