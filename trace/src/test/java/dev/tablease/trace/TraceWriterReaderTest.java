package dev.tablease.trace;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceWriterReaderTest {

    @Test
    void theWriterWritesTheHeaderThenOneNumberedLinePerStep() throws IOException {
        StringWriter out = new StringWriter();
        TraceWriter w = new TraceWriter(out, KernelConfig.defaults());
        w.write(new Input.Tick(5), List.of());
        w.writeInput(new Input.Tick(6));
        String[] lines = out.toString().split("\n", -1);
        assertEquals(4, lines.length, out.toString());
        assertTrue(lines[0].startsWith("{\"format\":\"tablease-trace\",\"version\":2,\"config\":{\"maxPerKey\":3,"), lines[0]);
        assertEquals("{\"seq\":1,\"input\":{\"type\":\"Tick\",\"now\":5},\"decisions\":[]}", lines[1]);
        assertEquals("{\"seq\":2,\"input\":{\"type\":\"Tick\",\"now\":6}}", lines[2]);
        assertEquals("", lines[3], "every line ends with \\n");
        assertEquals(2, w.steps());
    }

    @Test
    void theReaderReadsBackEveryInputAndDecisionTheWriterWrote() throws IOException, TraceFormatException {
        StringWriter out = new StringWriter();
        TraceWriter w = new TraceWriter(out, Samples.config());
        List<Decision> decisions = Samples.decisions();
        for (Input input : Samples.inputs()) {
            w.write(input, decisions);
        }
        w.writeInput(new Input.Tick(99_000));

        TraceReader r = new TraceReader(new StringReader(out.toString()));
        assertEquals(TraceHeader.of(Samples.config()), r.header());
        List<TraceStep> steps = r.readAll();
        assertEquals(Samples.inputs().size() + 1, steps.size());
        for (int i = 0; i < Samples.inputs().size(); i++) {
            assertEquals(new TraceStep(i + 1, Samples.inputs().get(i), decisions), steps.get(i));
        }
        TraceStep last = steps.get(steps.size() - 1);
        assertFalse(last.recordsDecisions());
        assertNull(last.decisions());
        assertEquals(steps.size() + 1, r.lineNumber());
    }

    @Test
    void windowsLineEndsAreAccepted() throws TraceFormatException {
        String header = new TraceCodec().toJson(TraceHeader.of(KernelConfig.defaults()));
        TraceReader r = new TraceReader(new StringReader(header + "\r\n{\"seq\":1,\"input\":{\"type\":\"Tick\",\"now\":1}}\r\n"));
        assertEquals(List.of(new TraceStep(1, new Input.Tick(1), null)), r.readAll());
    }

    @Test
    void aReaderErrorCarriesTheLineTheKindAndTheReason() {
        String header = new TraceCodec().toJson(TraceHeader.of(KernelConfig.defaults()));
        String text = header + "\n{\"seq\":1,\"input\":{\"type\":\"Tick\",\"now\":1}}\n{\"seq\":2,\"input\":{\"type\":\"Nap\",\"now\":2}}\n";
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> new TraceReader(new StringReader(text)).readAll());
        assertEquals(3, e.line());
        assertEquals(TraceError.UNKNOWN_TYPE, e.error());
        assertTrue(e.getMessage().startsWith("line 3: input: unknown input type 'Nap' (known: Acquire, "), e.getMessage());
    }
}
