package dev.tablease.trace;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.InvalidConfigException;
import dev.tablease.kernel.InvalidInputException;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON codec of the kernel's data: every {@link Input} and {@link Decision} record (an object with
 * a {@code "type"} naming the record, see {@link InputMixIn}), {@link KernelConfig} (validated by its
 * own constructor on read) and {@link KernelState}. Writing is deterministic: fields in record order,
 * maps sorted, no whitespace. Reading is strict: unknown fields, missing fields, wrong JSON types and
 * duplicate keys are errors, reported as {@link TraceFormatException}s with a {@link TraceError} kind and
 * a reason naming the field (the line number is added by {@link TraceReader}). Thread-safe.
 */
public final class TraceCodec {

    private static final Pattern QUOTED = Pattern.compile("'([^']*)'");

    private final ObjectMapper mapper = JsonMapper.builder()
            .addMixIn(Input.class, InputMixIn.class)
            .addMixIn(Decision.class, DecisionMixIn.class)
            .addMixIn(Session.class, SessionMixIn.class)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private final Map<String, Class<?>> inputTypes = subtypes(InputMixIn.class);
    private final Map<String, Class<?>> decisionTypes = subtypes(DecisionMixIn.class);

    /** @return the type names of every input, as written in {@code "type"} */
    public List<String> inputTypeNames() {
        return List.copyOf(inputTypes.keySet());
    }

    /** @return the type names of every decision, as written in {@code "type"} */
    public List<String> decisionTypeNames() {
        return List.copyOf(decisionTypes.keySet());
    }

    /**
     * Writes a value as JSON.
     *
     * @param value an input, decision, config, state, header or step
     * @return {@code value} as one line of compact JSON
     */
    public String toJson(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e);
        }
    }

    /**
     * Converts a value to a JSON tree.
     *
     * @param value an input, decision, config, state, header or step
     * @return {@code value} as a JSON tree
     */
    public ObjectNode toTree(Object value) {
        return mapper.valueToTree(value);
    }

    /**
     * Parses one line of JSON.
     *
     * @param text the line
     * @return the JSON object in {@code text}
     * @throws TraceFormatException {@link TraceError#MALFORMED_JSON} when it is not exactly one JSON object
     */
    public ObjectNode parseObject(String text) throws TraceFormatException {
        if (text.isBlank()) {
            throw new TraceFormatException(0, TraceError.MALFORMED_JSON, "blank line (JSON Lines allows none)");
        }
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw error(TraceError.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        }
        if (node == null || !node.isObject()) {
            throw new TraceFormatException(0, TraceError.MALFORMED_JSON,
                    "expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return (ObjectNode) node;
    }

    /**
     * Decodes one input: {@code {"type":"Acquire","now":...}}.
     *
     * @param node the JSON object
     * @return the input
     * @throws TraceFormatException when the type is unknown, a field is missing, unknown or has a wrong value
     */
    public Input decodeInput(JsonNode node) throws TraceFormatException {
        return decodeTyped(node, Input.class, inputTypes, "input");
    }

    /**
     * Decodes one decision: {@code {"type":"Granted","requestId":...}}.
     *
     * @param node the JSON object
     * @return the decision
     * @throws TraceFormatException when the type is unknown, a field is missing, unknown or has a wrong value
     */
    public Decision decodeDecision(JsonNode node) throws TraceFormatException {
        return decodeTyped(node, Decision.class, decisionTypes, "decision");
    }

    /**
     * Decodes a configuration and validates it by constructing it.
     *
     * @param node the JSON object
     * @return the configuration
     * @throws TraceFormatException {@link TraceError#INVALID_CONFIG} when {@link KernelConfig} refuses a setting
     */
    public KernelConfig decodeConfig(JsonNode node) throws TraceFormatException {
        requireObject(node, "config");
        checkFields(node, KernelConfig.class, false);
        return decode(node, KernelConfig.class);
    }

    /**
     * Decodes a state snapshot (its invariants are not checked here: {@code LeaseKernel.restore} does).
     *
     * @param node the JSON object
     * @return the state
     * @throws TraceFormatException when a field is missing, unknown or has a wrong value
     */
    public KernelState decodeState(JsonNode node) throws TraceFormatException {
        requireObject(node, "state");
        checkFields(node, KernelState.class, false);
        return decode(node, KernelState.class);
    }

    private <T> T decodeTyped(JsonNode node, Class<T> base, Map<String, Class<?>> types, String what)
            throws TraceFormatException {
        requireObject(node, what);
        JsonNode type = node.get("type");
        if (type == null) {
            throw new TraceFormatException(0, TraceError.MISSING_FIELD, "missing field 'type'");
        }
        if (!type.isTextual()) {
            throw new TraceFormatException(0, TraceError.INVALID_VALUE, "'type' must be a string, found " + type);
        }
        Class<?> cls = types.get(type.asText());
        if (cls == null) {
            throw new TraceFormatException(0, TraceError.UNKNOWN_TYPE,
                    "unknown " + what + " type '" + type.asText() + "' (known: " + String.join(", ", types.keySet()) + ")");
        }
        try {
            checkFields(node, cls, true);
            return base.cast(decode(node, cls));
        } catch (TraceFormatException e) {
            throw e.within(type.asText());
        }
    }

    /** Missing and unknown top-level fields of a record, with clearer messages than Jackson's. */
    private static void checkFields(JsonNode node, Class<?> record, boolean typed) throws TraceFormatException {
        List<String> fields = Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName).toList();
        for (String field : fields) {
            if (!node.has(field)) {
                throw new TraceFormatException(0, TraceError.MISSING_FIELD, "missing field '" + field + "'");
            }
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!fields.contains(field) && !(typed && field.equals("type"))) {
                throw new TraceFormatException(0, TraceError.UNKNOWN_FIELD,
                        "unknown field '" + field + "' (fields: " + String.join(", ", fields) + ")");
            }
        }
    }

    private <T> T decode(JsonNode node, Class<T> type) throws TraceFormatException {
        try {
            return mapper.treeToValue(node, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw classify(e);
        }
    }

    /** Turns a Jackson (or kernel constructor) failure into a typed error naming the field. */
    private static TraceFormatException classify(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof InvalidConfigException ice) {
                return error(TraceError.INVALID_CONFIG, "invalid config: " + ice.getMessage(), e);
            }
            if (c instanceof InvalidInputException iie) {
                return error(TraceError.INVALID_VALUE, iie.getMessage(), e);
            }
        }
        if (e instanceof InvalidTypeIdException t) {
            return t.getTypeId() == null
                    ? error(TraceError.MISSING_FIELD, at(t) + "missing field 'type'", e)
                    : error(TraceError.UNKNOWN_TYPE, at(t) + "unknown type '" + t.getTypeId() + "'", e);
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return error(TraceError.UNKNOWN_FIELD, at(u) + "unknown field '" + u.getPropertyName() + "'", e);
        }
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        message = message == null ? e.toString() : message.lines().findFirst().orElse(message);
        if (e instanceof MismatchedInputException m && message.startsWith("Missing required creator property")) {
            Matcher q = QUOTED.matcher(message);
            return error(TraceError.MISSING_FIELD, at(m) + "missing field '" + (q.find() ? q.group(1) : "?") + "'", e);
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            String found = m instanceof InvalidFormatException f ? ", found " + quoted(f.getValue()) : "";
            return error(TraceError.INVALID_VALUE, at(m) + "expected " + expected(m.getTargetType()) + found, e);
        }
        return error(TraceError.INVALID_VALUE,
                (e instanceof JsonMappingException jm ? at(jm) : "") + message, e);
    }

    private static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(Object::toString).toList();
        }
        if (type == long.class || type == int.class || type == Long.class || type == Integer.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "a JSON object";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a JSON array";
        }
        return type.isRecord() ? "a JSON object (" + type.getSimpleName() + ")" : type.getSimpleName();
    }

    private static String quoted(Object value) {
        return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
    }

    /** @return the JSON path of a mapping error, e.g. {@code "sessions[0].lease: "}, or "" at the top */
    private static String at(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : "field '" + path + "': ";
    }

    private static TraceFormatException error(TraceError kind, String reason, Exception cause) {
        TraceFormatException e = new TraceFormatException(0, kind, reason);
        e.initCause(cause);
        return e;
    }

    private static void requireObject(JsonNode node, String what) throws TraceFormatException {
        if (node == null || node.isNull()) {
            throw new TraceFormatException(0, TraceError.MISSING_FIELD, "missing " + what);
        }
        if (!node.isObject()) {
            throw new TraceFormatException(0, TraceError.INVALID_VALUE,
                    what + " must be a JSON object, found " + node.getNodeType().toString().toLowerCase());
        }
    }

    private static Map<String, Class<?>> subtypes(Class<?> mixIn) {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        for (JsonSubTypes.Type t : mixIn.getAnnotation(JsonSubTypes.class).value()) {
            types.put(t.name(), t.value());
        }
        return Collections.unmodifiableMap(types);
    }
}
