package dev.tablease.cli;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The module graph of the build, checked against the table in {@code docs/architecture.md} (the source of
 * truth): each module's {@code pom.xml} may name only the tablease modules its row allows, Playwright only
 * where its row says "yes", and the allowed graph has no cycle (so every edge points down). Test-only.
 */
final class ModuleGraph {

    /** One row of the architecture table. */
    record Rule(String module, Set<String> mayDependOn, boolean playwright) {
    }

    /** What one module's pom.xml declares (every scope, profiles included). */
    record Pom(String module, Set<String> tableaseModules, boolean playwright) {
    }

    private static final String HEADER = "| module | job | may depend on | Playwright |";
    private static final String PREFIX = "tablease-";

    private ModuleGraph() {
    }

    /** @return the rules of the table that follows {@link #HEADER} in {@code markdown}, by module */
    static Map<String, Rule> rules(String markdown) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        List<String> lines = markdown.lines().toList();
        int start = lines.indexOf(HEADER);
        if (start < 0) {
            throw new IllegalArgumentException("no module table (" + HEADER + ") in docs/architecture.md");
        }
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split("\\|", -1);
            if (cells.length != 6) {
                throw new IllegalArgumentException("row " + (i + 1) + " of docs/architecture.md has "
                        + (cells.length - 2) + " cells, not 4: " + lines.get(i));
            }
            Set<String> deps = new TreeSet<>();
            for (String d : cells[3].split(",")) {
                if (!d.isBlank()) {
                    deps.add(d.trim());
                }
            }
            String module = cells[1].trim();
            rules.put(module, new Rule(module, deps, cells[4].trim().equals("yes")));
        }
        return rules;
    }

    /** @return the tablease modules and Playwright that {@code pomXml} depends on, in any scope */
    static Pom pom(String module, String pomXml) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Element root = factory.newDocumentBuilder()
                .parse(new ByteArrayInputStream(pomXml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        Set<String> modules = new TreeSet<>();
        boolean playwright = false;
        NodeList deps = root.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if (isManaged(d)) {
                continue;
            }
            String group = text(d, "groupId");
            String artifact = text(d, "artifactId");
            if (group.equals("dev.tablease") && artifact.startsWith(PREFIX)) {
                modules.add(artifact.substring(PREFIX.length()));
            } else if (group.equals("com.microsoft.playwright")) {
                playwright = true;
            }
        }
        return new Pom(module, modules, playwright);
    }

    /** @return every way {@code poms} and {@code reactor} (the parent's {@code <modules>}) break {@code rules} */
    static List<String> violations(Map<String, Rule> rules, List<Pom> poms, List<String> reactor) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Pom p : poms) {
            seen.add(p.module());
            Rule r = rules.get(p.module());
            if (r == null) {
                out.add("module " + p.module() + " is not in the table of docs/architecture.md");
                continue;
            }
            for (String d : p.tableaseModules()) {
                if (!r.mayDependOn().contains(d)) {
                    out.add(p.module() + " depends on " + d + ", which its row does not allow (" + r.mayDependOn() + ")");
                }
            }
            if (p.playwright() && !r.playwright()) {
                out.add(p.module() + " depends on Playwright, which its row does not allow");
            }
        }
        for (String m : rules.keySet()) {
            if (!seen.contains(m)) {
                out.add("docs/architecture.md lists " + m + ", which has no pom.xml");
            }
            if (!reactor.contains(m)) {
                out.add(m + " is not a <module> of the parent pom");
            }
        }
        cycle(rules).ifPresent(c -> out.add("the allowed graph has a cycle: " + String.join(" -> ", c)));
        return out;
    }

    private static java.util.Optional<List<String>> cycle(Map<String, Rule> rules) {
        Map<String, Integer> mark = new LinkedHashMap<>(); // 1 = on the path, 2 = done
        for (String m : rules.keySet()) {
            List<String> path = new ArrayList<>();
            if (visit(m, rules, mark, path)) {
                return java.util.Optional.of(path);
            }
        }
        return java.util.Optional.empty();
    }

    private static boolean visit(String m, Map<String, Rule> rules, Map<String, Integer> mark, List<String> path) {
        Integer state = mark.get(m);
        if (state != null) {
            if (state == 1) {
                path.add(m);
                return true;
            }
            return false;
        }
        mark.put(m, 1);
        path.add(m);
        Rule r = rules.get(m);
        for (String d : r == null ? Set.<String>of() : r.mayDependOn()) {
            if (visit(d, rules, mark, path)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        mark.put(m, 2);
        return false;
    }

    private static boolean isManaged(Element dependency) {
        for (var n = dependency.getParentNode(); n != null; n = n.getParentNode()) {
            if (n instanceof Element e && e.getTagName().equals("dependencyManagement")) {
                return true;
            }
        }
        return false;
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
    }
}
