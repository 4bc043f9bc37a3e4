package dev.tablease.serve.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tablease.serve.ErrorCode;

import java.util.Iterator;
import java.util.Set;

/**
 * A request body: one JSON object whose fields are read with their types checked. Every problem is an
 * {@link ApiException} {@code BAD_REQUEST} naming the field; nothing is defaulted silently except the optional
 * fields' documented defaults.
 */
final class JsonBody {

    /** The longest id (session, key, holder) accepted, in characters. */
    static final int MAX_ID_CHARS = 256;
    /** The longest conversation URL accepted, in characters. */
    static final int MAX_URL_CHARS = 8192;

    /** The parsed object. */
    private final ObjectNode node;

    private JsonBody(ObjectNode node) {
        this.node = node;
    }

    /**
     * Parses {@code text} as a JSON object whose field names are all in {@code allowed}.
     *
     * @param text    the body (UTF-8 decoded)
     * @param allowed the fields the route knows
     * @return the body
     * @throws ApiException {@code BAD_REQUEST} for anything else
     */
    static JsonBody parse(String text, Set<String> allowed) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad("the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
        if (!(n instanceof ObjectNode obj)) {
            throw bad("the body must be a JSON object");
        }
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw bad("unknown field '" + f + "' (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        return new JsonBody(obj);
    }

    /** @return a required non-blank string of at most {@link #MAX_ID_CHARS} characters */
    String id(String field) {
        return string(field, MAX_ID_CHARS);
    }

    /** @return a required non-blank string of at most {@code maxChars} characters */
    String string(String field, int maxChars) {
        JsonNode v = require(field);
        if (!v.isTextual()) {
            throw bad("field '" + field + "' must be a string");
        }
        String s = v.textValue();
        if (s.isBlank()) {
            throw bad("field '" + field + "' must not be blank");
        }
        if (s.length() > maxChars) {
            throw bad("field '" + field + "' is longer than " + maxChars + " characters");
        }
        return s;
    }

    /** @return an optional id, or {@code dflt} when the field is absent */
    String optionalId(String field, String dflt) {
        return node.has(field) ? id(field) : dflt;
    }

    /** @return a required integer {@code >= min} */
    long integer(String field, long min) {
        JsonNode v = require(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw bad("field '" + field + "' must be an integer");
        }
        long l = v.longValue();
        if (l < min) {
            throw bad("field '" + field + "' must be >= " + min + ", was " + l);
        }
        return l;
    }

    /** @return an optional integer {@code >= min}, or {@code dflt} when the field is absent */
    long optionalInteger(String field, long min, long dflt) {
        return node.has(field) ? integer(field, min) : dflt;
    }

    /** @return a required enum constant, named exactly (upper case) */
    <E extends Enum<E>> E enumValue(String field, Class<E> type) {
        String s = string(field, 64);
        try {
            return Enum.valueOf(type, s);
        } catch (IllegalArgumentException e) {
            StringBuilder names = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                names.append(names.length() == 0 ? "" : ", ").append(c.name());
            }
            throw bad("field '" + field + "' must be one of " + names + ", was '" + s + "'");
        }
    }

    private JsonNode require(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw bad("field '" + field + "' is required");
        }
        return v;
    }

    private static ApiException bad(String message) {
        return new ApiException(ErrorCode.BAD_REQUEST, message);
    }
}
