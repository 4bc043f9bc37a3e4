package dev.tablease.adapter;

/**
 * A Playwright operation on a leased tab failed; {@link #failure()} says how, typed. When
 * {@code failure().tabGone()} the kernel has already been told ({@code TabGone}), the lease is revoked
 * ({@code TAB_GONE}) and a new acquire of the same session recovers it onto exactly one new tab, navigated
 * to the session's conversation URL.
 */
public final class TabFailureException extends TabLeaseException {

    private static final long serialVersionUID = 1L;

    private final transient TabFailure failure;

    /**
     * Creates the exception.
     *
     * @param failure the classified failure
     * @param cause   the Playwright exception
     */
    public TabFailureException(TabFailure failure, Throwable cause) {
        super(failure.getClass().getSimpleName() + ": " + failure.detail(), cause);
        this.failure = failure;
    }

    /** @return the classified failure */
    public TabFailure failure() {
        return failure;
    }
}
