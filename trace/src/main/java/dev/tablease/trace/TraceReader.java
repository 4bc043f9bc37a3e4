package dev.tablease.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a trace written by {@link TraceWriter} (or by hand): the header on construction, then one
 * {@link TraceStep} per {@link #next()}, streaming. Every problem is a {@link TraceFormatException}
 * with the 1-based line number, a {@link TraceError} kind and a reason. Not thread-safe.
 */
public final class TraceReader implements Closeable {

    private static final Set<String> STEP_FIELDS = Set.of("seq", "input", "decisions");
    private static final Set<String> HEADER_FIELDS = Set.of("format", "version", "config");

    private final BufferedReader in;
    private final TraceCodec codec;
    private final TraceHeader header;
    private int line;

    /**
     * Reads the header from {@code in}.
     *
     * @param in the trace, positioned at its first line
     * @throws TraceFormatException when the header is missing or bad
     */
    public TraceReader(Reader in) throws TraceFormatException {
        this(in, new TraceCodec());
    }

    /**
     * As {@link #TraceReader(Reader)}, sharing a codec.
     *
     * @param in    the trace, positioned at its first line
     * @param codec the codec to share
     * @throws TraceFormatException when the header is missing or bad
     */
    public TraceReader(Reader in, TraceCodec codec) throws TraceFormatException {
        this.in = in instanceof BufferedReader b ? b : new BufferedReader(in);
        this.codec = codec;
        this.header = readHeader();
    }

    /**
     * Opens a trace file (UTF-8) and reads its header.
     *
     * @param file the trace file
     * @return a reader positioned after the header; close it
     * @throws TraceFormatException {@link TraceError#UNREADABLE} (line 0) when the file cannot be opened,
     *                              or the header's problem
     */
    public static TraceReader open(Path file) throws TraceFormatException {
        BufferedReader reader;
        try {
            reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            TraceFormatException error = new TraceFormatException(0, TraceError.UNREADABLE,
                    file + ": cannot read: " + describe(e));
            error.initCause(e);
            throw error;
        }
        try {
            return new TraceReader(reader);
        } catch (TraceFormatException e) {
            closeQuietly(reader);
            throw e;
        }
    }

    /** @return the header (line 1) */
    public TraceHeader header() {
        return header;
    }

    /** @return the number of the last line read (1 after the header) */
    public int lineNumber() {
        return line;
    }

    /**
     * Reads the next step.
     *
     * @return the next step, or empty at the end of the trace
     * @throws TraceFormatException when the line is not a valid step
     */
    public Optional<TraceStep> next() throws TraceFormatException {
        String text = readLine();
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parseStep(codec.parseObject(text)));
        } catch (TraceFormatException e) {
            throw e.atLine(line);
        }
    }

    /**
     * Reads every remaining step.
     *
     * @return every remaining step
     * @throws TraceFormatException at the first line that is not a valid step
     */
    public List<TraceStep> readAll() throws TraceFormatException {
        List<TraceStep> steps = new ArrayList<>();
        for (Optional<TraceStep> s = next(); s.isPresent(); s = next()) {
            steps.add(s.get());
        }
        return steps;
    }

    private TraceHeader readHeader() throws TraceFormatException {
        String text = readLine();
        if (text == null) {
            throw new TraceFormatException(1, TraceError.BAD_HEADER, "the trace is empty: line 1 must be the header "
                    + "{\"format\":\"" + TraceHeader.FORMAT + "\",\"version\":" + TraceHeader.VERSION + ",\"config\":{...}}");
        }
        try {
            ObjectNode node = codec.parseObject(text);
            JsonNode format = node.get("format");
            if (format == null || !format.isTextual()) {
                throw new TraceFormatException(0, TraceError.BAD_HEADER, "line 1 must be the header, with \"format\":\""
                        + TraceHeader.FORMAT + "\"" + (node.has("seq") ? " (found a step)" : ""));
            }
            if (!format.asText().equals(TraceHeader.FORMAT)) {
                throw new TraceFormatException(0, TraceError.BAD_HEADER,
                        "unknown format '" + format.asText() + "' (expected '" + TraceHeader.FORMAT + "')");
            }
            JsonNode version = node.get("version");
            if (version == null || !version.isIntegralNumber() || !version.canConvertToInt()) {
                throw new TraceFormatException(0, TraceError.BAD_HEADER, "the header needs an integer \"version\"");
            }
            if (version.asInt() < TraceHeader.OLDEST_READABLE_VERSION || version.asInt() > TraceHeader.VERSION) {
                throw new TraceFormatException(0, TraceError.BAD_HEADER, "unsupported version " + version.asInt()
                        + " (this reader reads versions " + TraceHeader.OLDEST_READABLE_VERSION + " to "
                        + TraceHeader.VERSION + ")");
            }
            rejectUnknownFields(node, HEADER_FIELDS, "header");
            KernelConfig config;
            try {
                config = codec.decodeConfig(node.get("config"));
            } catch (TraceFormatException e) {
                throw e.within("config");
            }
            return new TraceHeader(TraceHeader.FORMAT, version.asInt(), config);
        } catch (TraceFormatException e) {
            throw e.atLine(1);
        }
    }

    private TraceStep parseStep(ObjectNode node) throws TraceFormatException {
        long expected = line - 1L;
        JsonNode seq = node.get("seq");
        if (seq == null) {
            throw new TraceFormatException(0, TraceError.MISSING_FIELD, "missing field 'seq'");
        }
        if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() != expected) {
            throw new TraceFormatException(0, TraceError.INVALID_VALUE,
                    "seq is " + seq + ", expected " + expected + " (steps are numbered 1, 2, 3 ... from line 2)");
        }
        Input input;
        try {
            input = codec.decodeInput(node.get("input"));
        } catch (TraceFormatException e) {
            throw e.within("input");
        }
        List<Decision> decisions = null;
        JsonNode recorded = node.get("decisions");
        if (recorded != null) {
            if (!recorded.isArray()) {
                throw new TraceFormatException(0, TraceError.INVALID_VALUE, "decisions must be a JSON array");
            }
            decisions = new ArrayList<>(recorded.size());
            for (int i = 0; i < recorded.size(); i++) {
                try {
                    decisions.add(codec.decodeDecision(recorded.get(i)));
                } catch (TraceFormatException e) {
                    throw e.within("decisions[" + i + "]");
                }
            }
        }
        rejectUnknownFields(node, STEP_FIELDS, "step");
        return new TraceStep(seq.asLong(), input, decisions);
    }

    private static void rejectUnknownFields(ObjectNode node, Set<String> known, String what) throws TraceFormatException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw new TraceFormatException(0, TraceError.UNKNOWN_FIELD, "unknown " + what + " field '" + field
                        + "' (fields: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private String readLine() throws TraceFormatException {
        try {
            String text = in.readLine();
            if (text != null) {
                line++;
            }
            return text;
        } catch (IOException e) {
            TraceFormatException error = new TraceFormatException(line + 1, TraceError.UNREADABLE,
                    "cannot read: " + describe(e));
            error.initCause(e);
            throw error;
        }
    }

    private static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        return e.getMessage() == null ? kind : kind + " (" + e.getMessage() + ")";
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing more to report than the error already thrown
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
