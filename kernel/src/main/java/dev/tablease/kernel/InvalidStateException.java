package dev.tablease.kernel;

import java.util.List;

/** A {@link KernelState} that no kernel could have reached: it breaks the named invariants. */
public final class InvalidStateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<InvariantChecker.Violation> violations;

    /**
     * Creates the exception.
     *
     * @param violations what is broken, at least one
     */
    public InvalidStateException(List<InvariantChecker.Violation> violations) {
        super("inconsistent kernel state: " + violations);
        this.violations = List.copyOf(violations);
    }

    /** @return what is broken, at least one */
    public List<InvariantChecker.Violation> violations() {
        return violations;
    }
}
