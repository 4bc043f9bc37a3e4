package dev.tablease.store;

import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.LeaseKernel;
import dev.tablease.store.StoreCorruptException.Problem;
import dev.tablease.trace.TraceCodec;
import dev.tablease.trace.TraceFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The JSON state file, the stores' export/import format (see {@code docs/store.md}, "The JSON state file"): one
 * line of JSON,
 * {@code {"format":"tablease-state","version":2,"config":{...},"clock":{...}|null,"state":{...}}}, the
 * config and state written by {@link TraceCodec} exactly as in traces. Reading is strict and typed:
 * every problem is a {@link StoreCorruptException} with its {@link Problem}. Thread-safe.
 */
public final class StateFile {

    /** The value of {@code "format"}. */
    public static final String FORMAT = "tablease-state";
    /** The {@code "version"} this code writes. */
    public static final int VERSION = 2;
    /**
     * The oldest version this code reads: version 1 differs only in that its sessions have no
     * {@code recoveryCount}, which reads as 0 (and the next write is version 2).
     */
    public static final int OLDEST_READABLE_VERSION = 1;

    private static final List<String> FIELDS = List.of("format", "version", "config", "clock", "state");
    private static final List<String> CLOCK_FIELDS = List.of("bootId", "bootMillis", "storeMillis");

    /**
     * Where the store's time line stood at the last write: {@code storeMillis} was the store's time when
     * the boot clock read {@code bootMillis} during boot {@code bootId}.
     */
    public record ClockAnchor(String bootId, long bootMillis, long storeMillis) {
        /**
         * Creates the anchor.
         *
         * @param bootId      identifies the boot
         * @param bootMillis  the boot clock's reading
         * @param storeMillis the store's time at that reading
         */
        public ClockAnchor {
            Objects.requireNonNull(bootId, "bootId");
        }
    }

    /** What one state file holds; {@code clock} is {@code null} when no boot clock was available. */
    public record Contents(KernelConfig config, ClockAnchor clock, KernelState state) {
        /**
         * Creates the contents.
         *
         * @param config the kernel configuration the file was created with
         * @param clock  the clock anchor, or {@code null}
         * @param state  the kernel's state
         */
        public Contents {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(state, "state");
        }
    }

    /** The document as written, in field order. */
    private record Document(String format, int version, KernelConfig config, ClockAnchor clock, KernelState state) {
    }

    private final TraceCodec codec = new TraceCodec();

    /**
     * Encodes a state file.
     *
     * @param contents what the file holds
     * @return the file's bytes: one line of JSON ending with {@code \n}
     */
    public byte[] encode(Contents contents) {
        String json = codec.toJson(new Document(FORMAT, VERSION, contents.config(), contents.clock(), contents.state()));
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads and fully validates {@code file}, including {@code LeaseKernel.restore} on its state.
     *
     * @param file the state file
     * @return its contents
     * @throws StoreCorruptException naming {@code file} and the problem
     * @throws StoreIOException      when the file exists but cannot be read
     */
    public Contents read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new StoreCorruptException(file, Problem.MISSING, "the file does not exist", e);
        } catch (IOException e) {
            throw new StoreIOException(file, "cannot read", e);
        }
        return decodeAndRestore(file, bytes);
    }

    /**
     * Decodes and validates the bytes of {@code file}; see {@link #read}.
     *
     * @param file  the file the bytes come from (named in errors)
     * @param bytes the file's bytes
     * @return its contents
     * @throws StoreCorruptException naming {@code file} and the problem
     */
    public Contents decode(Path file, byte[] bytes) {
        return decodeAndRestore(file, bytes);
    }

    private Contents decodeAndRestore(Path file, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new StoreCorruptException(file, Problem.MALFORMED_JSON, "not UTF-8 text", e);
        }
        if (text.isBlank()) {
            throw new StoreCorruptException(file, Problem.TRUNCATED,
                    "the file is empty (" + bytes.length + " bytes)", null);
        }
        ObjectNode root;
        try {
            root = codec.parseObject(text);
        } catch (TraceFormatException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof JsonEOFException) {
                    throw new StoreCorruptException(file, Problem.TRUNCATED,
                            "the JSON document ends early after " + bytes.length + " bytes", e);
                }
            }
            throw new StoreCorruptException(file, Problem.MALFORMED_JSON, e.reason(), e);
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isTextual() || !format.asText().equals(FORMAT)) {
            throw new StoreCorruptException(file, Problem.WRONG_FORMAT,
                    "expected \"format\":\"" + FORMAT + "\", found " + (format == null ? "no \"format\" field" : format),
                    null);
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isIntegralNumber()
                || version.asLong() < OLDEST_READABLE_VERSION || version.asLong() > VERSION) {
            throw new StoreCorruptException(file, Problem.UNSUPPORTED_VERSION,
                    "this code reads versions " + OLDEST_READABLE_VERSION + " to " + VERSION + ", found "
                            + (version == null ? "no \"version\" field" : version), null);
        }
        if (version.asLong() == 1) {
            upgradeVersion1(root.get("state"));
        }
        checkFields(file, root, FIELDS, "");
        KernelConfig config;
        KernelState state;
        try {
            config = codec.decodeConfig(root.get("config"));
        } catch (TraceFormatException e) {
            throw new StoreCorruptException(file, Problem.INVALID_CONTENT, "config: " + e.reason(), e);
        }
        ClockAnchor clock = decodeClock(file, root.get("clock"));
        try {
            state = codec.decodeState(root.get("state"));
        } catch (TraceFormatException e) {
            throw new StoreCorruptException(file, Problem.INVALID_CONTENT, "state: " + e.reason(), e);
        }
        try {
            LeaseKernel.restore(config, state); // the last check: every invariant of the state
        } catch (IllegalArgumentException e) {
            throw new StoreCorruptException(file, Problem.INCONSISTENT_STATE, e.getMessage(), e);
        }
        return new Contents(config, clock, state);
    }

    /** Version 1 → 2: a session without {@code recoveryCount} has never been recovered. */
    private static void upgradeVersion1(JsonNode state) {
        JsonNode sessions = state == null ? null : state.get("sessions");
        if (sessions != null && sessions.isArray()) {
            for (JsonNode session : sessions) {
                if (session instanceof ObjectNode o && !o.has("recoveryCount")) {
                    o.put("recoveryCount", 0);
                }
            }
        }
    }

    private static ClockAnchor decodeClock(Path file, JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new StoreCorruptException(file, Problem.INVALID_CONTENT, "clock: must be a JSON object or null", null);
        }
        checkFields(file, node, CLOCK_FIELDS, "clock: ");
        JsonNode bootId = node.get("bootId");
        JsonNode bootMillis = node.get("bootMillis");
        JsonNode storeMillis = node.get("storeMillis");
        if (!bootId.isTextual() || bootId.asText().isBlank()) {
            throw new StoreCorruptException(file, Problem.INVALID_CONTENT, "clock: 'bootId' must be a non-blank string", null);
        }
        for (JsonNode n : List.of(bootMillis, storeMillis)) {
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
                throw new StoreCorruptException(file, Problem.INVALID_CONTENT,
                        "clock: 'bootMillis' and 'storeMillis' must be integers >= 0, found " + n, null);
            }
        }
        return new ClockAnchor(bootId.asText(), bootMillis.asLong(), storeMillis.asLong());
    }

    private static void checkFields(Path file, JsonNode node, List<String> fields, String where) {
        for (String f : fields) {
            if (!node.has(f)) {
                throw new StoreCorruptException(file, Problem.INVALID_CONTENT, where + "missing field '" + f + "'", null);
            }
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw new StoreCorruptException(file, Problem.INVALID_CONTENT,
                        where + "unknown field '" + f + "' (fields: " + String.join(", ", fields) + ")", null);
            }
        }
    }
}
