package dev.tablease.kernel;

/**
 * The field checks of inputs and constructors: each returns its argument or throws an
 * {@link InvalidInputException}. In a class of their own, not in the exception class: the JIT does not
 * inline static methods of a {@code Throwable} subclass into hot code ("exception method"), and these run
 * several times per input. Each check is a small test with the throw in a separate method, so it inlines.
 */
final class Require {

    private Require() {
    }

    /** @return {@code value}, which must not be null */
    static <T> T nonNull(T value, String field) {
        if (value == null) {
            throw nullField(field);
        }
        return value;
    }

    /** @return {@code value}, which must not be null, empty or blank */
    static String text(String value, String field) {
        // a first character that is not whitespace settles it without scanning (the common case)
        if (value == null || value.isEmpty() || (Character.isWhitespace(value.charAt(0)) && value.isBlank())) {
            throw value == null ? nullField(field) : new InvalidInputException(InvalidInputException.Problem.BLANK_FIELD,
                    field + " is blank");
        }
        return value;
    }

    /** @return {@code value}, which must be zero or more */
    static long notNegative(long value, String field) {
        if (value < 0) {
            throw new InvalidInputException(InvalidInputException.Problem.NEGATIVE_VALUE, field + " is negative: " + value);
        }
        return value;
    }

    /** @return {@code value}, which must be one or more */
    static long positive(long value, String field) {
        if (value <= 0) {
            throw new InvalidInputException(InvalidInputException.Problem.NEGATIVE_VALUE, field + " must be positive: " + value);
        }
        return value;
    }

    private static InvalidInputException nullField(String field) {
        return new InvalidInputException(InvalidInputException.Problem.NULL_FIELD, field + " is null");
    }
}
