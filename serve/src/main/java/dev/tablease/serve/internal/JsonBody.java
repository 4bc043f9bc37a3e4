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

    /**
     * Reads a query string ({@code a=1&b=x}, percent-encoded UTF-8) as an object of string fields whose names are
     * all in {@code allowed}, each given once, so that a query is checked by the same rules as a body.
     *
     * @param rawQuery the query, percent-encoded; {@code null} for none
     * @param allowed  the parameters the route knows
     * @return the parameters as string fields
     * @throws ApiException {@code BAD_REQUEST} for an unknown, repeated or badly encoded parameter
     */
    static JsonBody ofQuery(String rawQuery, Set<String> allowed) {
        ObjectNode obj = Json.MAPPER.createObjectNode();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String part : rawQuery.split("&", -1)) {
                int eq = part.indexOf('=');
                String name = decode(eq < 0 ? part : part.substring(0, eq));
                if (!allowed.contains(name)) {
                    throw bad("unknown query parameter '" + name + "' (allowed: "
                            + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
                if (obj.has(name)) {
                    throw bad("query parameter '" + name + "' is given twice");
                }
                obj.put(name, eq < 0 ? "" : decode(part.substring(eq + 1)));
            }
        }
        return new JsonBody(obj);
    }

    /** @return {@code s} percent-decoded ({@code +} is a space) as strict UTF-8 */
    private static String decode(String s) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw bad("the query is not percent-encoded: '%' must be followed by two hex digits");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                int cp = c == '+' ? ' ' : s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                i += Character.charCount(cp) - 1;
            }
        }
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw bad("the query is not percent-encoded UTF-8");
        }
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
