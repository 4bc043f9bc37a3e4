package dev.tablease.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TLC's value syntax, as TLC prints states (error traces, {@code -simulate file=} modules): numbers,
 * strings, TRUE/FALSE, model values, records {@code [a |-> 1]}, functions {@code (x :> y @@ ...)},
 * sequences {@code << >>} and sets {@code { }}. Parsed into: {@link Long}, {@link String},
 * {@link Boolean}, {@link Mv}, {@link Rec}, {@link Fcn}, {@link List}, {@link Set}.
 */
public final class TlaValue {

    /** A model value (an identifier). */
    public record Mv(String name) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A record: field name to value, in the printed order. */
    public record Rec(Map<String, Object> fields) {
        public Object get(String f) {
            if (!fields.containsKey(f)) {
                throw new IllegalArgumentException("record has no field " + f + ": " + this);
            }
            return fields.get(f);
        }

        public long num(String f) {
            return (Long) get(f);
        }

        public String str(String f) {
            Object v = get(f);
            return v instanceof Mv m ? m.name() : (String) v;
        }
    }

    /** A function printed as {@code (x :> y @@ ...)}. */
    public record Fcn(Map<Object, Object> map) {
    }

    private final List<String> toks;
    private int pos;

    private TlaValue(String text) {
        this.toks = tokenize(text);
    }

    /** @return the value printed in {@code text} */
    public static Object parse(String text) {
        TlaValue p = new TlaValue(text);
        Object v = p.value();
        if (p.pos != p.toks.size()) {
            throw new IllegalArgumentException("trailing text after a value: " + p.toks.subList(p.pos, p.toks.size()));
        }
        return v;
    }

    /**
     * Parses a state as TLC prints it: {@code /\ var = value} conjuncts.
     *
     * @return variable name to value
     */
    public static Map<String, Object> parseState(String text) {
        TlaValue p = new TlaValue(text);
        Map<String, Object> vars = new LinkedHashMap<>();
        while (p.pos < p.toks.size()) {
            p.expect("/\\");
            String name = p.next();
            p.expect("=");
            vars.put(name, p.value());
        }
        return vars;
    }

    /** A function value as a map, whether TLC printed it as a sequence, a {@code :>} function or empty. */
    public static Map<Object, Object> asFunction(Object v) {
        if (v instanceof Fcn f) {
            return f.map();
        }
        if (v instanceof List<?> l) {
            Map<Object, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < l.size(); i++) {
                m.put((long) (i + 1), l.get(i));
            }
            return m;
        }
        throw new IllegalArgumentException("not a function: " + v);
    }

    private Object value() {
        String t = next();
        switch (t) {
            case "[": {
                Map<String, Object> fields = new LinkedHashMap<>();
                if (!peek("]")) {
                    do {
                        String f = next();
                        expect("|->");
                        fields.put(f, value());
                    } while (accept(","));
                }
                expect("]");
                return new Rec(fields);
            }
            case "<<": {
                List<Object> l = new ArrayList<>();
                if (!peek(">>")) {
                    do {
                        l.add(value());
                    } while (accept(","));
                }
                expect(">>");
                return l;
            }
            case "{": {
                Set<Object> s = new LinkedHashSet<>();
                if (!peek("}")) {
                    do {
                        s.add(value());
                    } while (accept(","));
                }
                expect("}");
                return s;
            }
            case "(": {
                Map<Object, Object> m = new LinkedHashMap<>();
                do {
                    Object k = value();
                    expect(":>");
                    m.put(k, value());
                } while (accept("@@"));
                expect(")");
                return new Fcn(m);
            }
            case "TRUE":
                return Boolean.TRUE;
            case "FALSE":
                return Boolean.FALSE;
            default:
                if (t.startsWith("\"")) {
                    return unquote(t);
                }
                if (t.matches("-?\\d+")) {
                    return Long.parseLong(t);
                }
                if (t.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    return new Mv(t);
                }
                throw new IllegalArgumentException("unexpected token '" + t + "' at " + pos);
        }
    }

    private String next() {
        if (pos >= toks.size()) {
            throw new IllegalArgumentException("unexpected end of value");
        }
        return toks.get(pos++);
    }

    private boolean peek(String t) {
        return pos < toks.size() && toks.get(pos).equals(t);
    }

    private boolean accept(String t) {
        if (peek(t)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(String t) {
        String got = next();
        if (!got.equals(t)) {
            throw new IllegalArgumentException("expected '" + t + "' but found '" + got + "' at token " + (pos - 1));
        }
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"') {
                int j = i + 1;
                while (j < n && s.charAt(j) != '"') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                out.add(s.substring(i, j + 1));
                i = j + 1;
            } else if (s.startsWith("|->", i)) {
                out.add("|->");
                i += 3;
            } else if (s.startsWith("/\\", i) || s.startsWith("<<", i) || s.startsWith(">>", i)
                    || s.startsWith(":>", i) || s.startsWith("@@", i)) {
                out.add(s.substring(i, i + 2));
                i += 2;
            } else if ("[](){},=".indexOf(c) >= 0) {
                out.add(String.valueOf(c));
                i++;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            } else {
                throw new IllegalArgumentException("unexpected character '" + c + "' at " + i);
            }
        }
        return out;
    }

    private static String unquote(String t) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < t.length() - 1; i++) {
            char c = t.charAt(i);
            if (c == '\\' && i + 1 < t.length() - 1) {
                char e = t.charAt(++i);
                b.append(e == 'n' ? '\n' : e == 't' ? '\t' : e);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** @return {@code s} as a TLA+ string literal */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c < 0x20 || c > 0x7e) {
                b.append("\\u").append(String.format("%04x", (int) c)); // not expected in ids; keeps the literal ASCII
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
