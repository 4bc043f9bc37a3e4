package dev.tablease.trace;

import dev.tablease.kernel.CloseReason;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code docs/trace-format.md} documents every input, decision, field and enum value of the schema. */
class TraceFormatDocTest {

    private static String doc() throws IOException {
        Path dir = Path.of(System.getProperty("tablease.docs.dir", "../docs"));
        return Files.readString(dir.resolve("trace-format.md"), StandardCharsets.UTF_8);
    }

    /** @return the text of the section under {@code ### name}, up to the next heading */
    private static String section(String doc, String name) {
        int start = doc.indexOf("\n### " + name + "\n");
        if (start < 0) {
            return null;
        }
        int end = doc.indexOf("\n#", start + 5);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    @Test
    void everyInputAndDecisionHasASectionListingEachOfItsFields() throws IOException {
        String doc = doc();
        List<String> missing = new ArrayList<>();
        Stream.concat(Stream.of(Input.class.getPermittedSubclasses()), Stream.of(Decision.class.getPermittedSubclasses()))
                .forEach(type -> {
                    String section = section(doc, type.getSimpleName());
                    if (section == null) {
                        missing.add("### " + type.getSimpleName());
                        return;
                    }
                    for (RecordComponent c : type.getRecordComponents()) {
                        if (!section.contains("| `" + c.getName() + "` |")) {
                            missing.add(type.getSimpleName() + "." + c.getName());
                        }
                    }
                });
        assertTrue(missing.isEmpty(), "docs/trace-format.md lacks " + missing);
    }

    @Test
    void everyConfigFieldAndEveryEnumValueIsDocumented() throws IOException {
        String doc = doc();
        List<String> missing = new ArrayList<>();
        for (RecordComponent c : KernelConfig.class.getRecordComponents()) {
            if (!doc.contains("| `" + c.getName() + "` |")) {
                missing.add("config." + c.getName());
            }
        }
        for (Class<? extends Enum<?>> e : List.of(Outcome.class, GoneCause.class, RejectReason.class, RefuseReason.class,
                RevokeReason.class, EndReason.class, CloseReason.class)) {
            for (Enum<?> value : e.getEnumConstants()) {
                if (!doc.contains("`" + value.name() + "`")) {
                    missing.add(e.getSimpleName() + "." + value.name());
                }
            }
        }
        for (TraceError kind : TraceError.values()) {
            if (!doc.contains("`" + kind.name() + "`")) {
                missing.add("TraceError." + kind.name());
            }
        }
        assertTrue(missing.isEmpty(), "docs/trace-format.md lacks " + missing);
    }

    @Test
    void theDocumentedVersionIsTheCodesVersion() throws IOException {
        assertTrue(doc().startsWith("# Trace format (JSON Lines), version " + TraceHeader.VERSION + "\n"));
    }
}
