package dev.tablease.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one subcommand: options ({@code --name value} or {@code --name=value}), switches
 * ({@code --name}) and positional arguments. Anything else is a {@link UsageException}.
 */
final class Args {

    /** Wrong arguments: the command prints the message and its usage line, and exits {@link Command#USAGE}. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Args() {
    }

    /**
     * @param args     what followed the command's name
     * @param valued   the options that take a value (without {@code --})
     * @param switches the options that take none
     */
    static Args parse(List<String> args, Set<String> valued, Set<String> switches) throws UsageException {
        Args a = new Args();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith("--") && arg.length() > 2) {
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException("option --" + name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else if (switches.contains(name)) {
                    if (value != null) {
                        throw new UsageException("option --" + name + " takes no value");
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                } else {
                    throw new UsageException("unknown option --" + name);
                }
            } else if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageException("unknown option " + arg);
            } else {
                a.positional.add(arg);
            }
        }
        return a;
    }

    List<String> positional() {
        return positional;
    }

    boolean has(String name) {
        return options.containsKey(name);
    }

    /** @return every value given for {@code name}, in order */
    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    /** @return the value of {@code name} (the last one when repeated), or {@code fallback} */
    String get(String name, String fallback) {
        List<String> v = options.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    /** @return the integer value of {@code name} within {@code [min, max]}, or {@code fallback} */
    int intValue(String name, int fallback, int min, int max) throws UsageException {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", was " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, was '" + v + "'");
        }
    }

    /** @return the number value of {@code name} within {@code [min, max]}, or {@code fallback} */
    double doubleValue(String name, double fallback, double min, double max) throws UsageException {
        String v = get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            double n = Double.parseDouble(v);
            if (!(n >= min && n <= max)) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", was " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, was '" + v + "'");
        }
    }

    /** Fails unless there are between {@code min} and {@code max} positional arguments. */
    void positionalCount(int min, int max, String what) throws UsageException {
        if (positional.size() < min) {
            throw new UsageException("expected " + what);
        }
        if (positional.size() > max) {
            throw new UsageException("unexpected argument" + (positional.size() - max > 1 ? "s" : "") + " "
                    + positional.subList(max, positional.size()));
        }
    }
}
