package dev.tablease.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The part of OpenAPI 3.0 schema validation the service's document uses: {@code $ref} (local), {@code allOf},
 * {@code type}, {@code enum}, {@code required}, {@code properties}, {@code additionalProperties} (false or a
 * schema), {@code items}, {@code minimum}, {@code minLength}, {@code maxLength}, {@code pattern} (a Java regex, found anywhere: anchor it). Anything else in a schema is
 * reported, so the document cannot use a keyword this check silently ignores.
 */
final class SchemaCheck {

    private static final List<String> KNOWN = List.of("$ref", "allOf", "type", "enum", "required", "properties",
            "additionalProperties", "items", "minimum", "minLength", "maxLength", "pattern", "format", "description");

    private final JsonNode root;

    SchemaCheck(JsonNode root) {
        this.root = root;
    }

    /** @return the schema {@code ref} names ({@code #/components/schemas/X}) */
    JsonNode resolve(JsonNode schema) {
        while (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException("only local refs: " + ref);
            }
            JsonNode n = root;
            for (String part : ref.substring(2).split("/")) {
                n = n.path(part);
            }
            if (n.isMissingNode()) {
                throw new IllegalArgumentException("dangling ref " + ref);
            }
            schema = n;
        }
        return schema;
    }

    /** @return the problems of {@code value} against {@code schema} (empty: valid) */
    List<String> problems(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private void check(JsonNode schema, JsonNode value, String at, List<String> out) {
        schema = resolve(schema);
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KNOWN.contains(k)) {
                out.add(at + ": schema keyword '" + k + "' is not checked");
            }
        }
        for (JsonNode s : schema.path("allOf")) {
            check(s, value, at, out);
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    out.add(at + ": not an object: " + value);
                    return;
                }
                for (JsonNode r : schema.path("required")) {
                    if (!value.has(r.asText())) {
                        out.add(at + ": required field '" + r.asText() + "' missing");
                    }
                }
                JsonNode props = schema.path("properties");
                JsonNode extra = schema.get("additionalProperties");
                for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (props.has(f)) {
                        check(props.get(f), value.get(f), at + "." + f, out);
                    } else if (extra != null && extra.isBoolean() && !extra.asBoolean()) {
                        out.add(at + ": undocumented field '" + f + "'");
                    } else if (extra != null && extra.isObject()) {
                        check(extra, value.get(f), at + "." + f, out);
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    out.add(at + ": not an array: " + value);
                    return;
                }
                int i = 0;
                for (JsonNode v : value) {
                    check(schema.path("items"), v, at + "[" + i++ + "]", out);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    out.add(at + ": not a string: " + value);
                    return;
                }
                if (schema.has("minLength") && value.asText().length() < schema.get("minLength").asInt()) {
                    out.add(at + ": shorter than " + schema.get("minLength"));
                }
                if (schema.has("maxLength") && value.asText().length() > schema.get("maxLength").asInt()) {
                    out.add(at + ": longer than " + schema.get("maxLength"));
                }
                if (schema.has("pattern") && !java.util.regex.Pattern.compile(schema.get("pattern").asText())
                        .matcher(value.asText()).find()) {
                    out.add(at + ": does not match " + schema.get("pattern") + ": " + value);
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    out.add(at + ": not an integer: " + value);
                    return;
                }
                if (schema.has("minimum") && value.asLong() < schema.get("minimum").asLong()) {
                    out.add(at + ": below " + schema.get("minimum"));
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    out.add(at + ": not a boolean: " + value);
                }
            }
            case "" -> {
                // allOf only
            }
            default -> out.add(at + ": schema type '" + type + "' is not checked");
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.asText().equals(value.asText());
            }
            if (!found) {
                out.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
    }
}
