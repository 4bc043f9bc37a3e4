package dev.tablease.adapter;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's usage example is the code that {@link UsageExampleTest} compiles and runs, so it cannot rot. */
class ReadmeExampleTest {

    @Test
    void readmeShowsTheCompiledUsageExample() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/tablease/adapter/UsageExampleTest.java"),
                StandardCharsets.UTF_8);
        String between = source.split("// readme:begin\n", 2)[1].split("\\s*// readme:end", 2)[0];
        List<String> lines = Arrays.asList(between.split("\n"));
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        String block = lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains("```java\n" + block + "\n```"),
                "README.md's usage block differs from UsageExampleTest's readme:begin..readme:end code:\n" + block);
    }
}
