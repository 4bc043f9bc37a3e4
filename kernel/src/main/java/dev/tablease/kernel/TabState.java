package dev.tablease.kernel;

/**
 * The life cycle of a {@link Tab}. Every state counts against the caps ({@code maxPerKey},
 * {@code globalMax}): a tab occupies its slot from the moment the kernel decides to open it until the
 * adapter confirms it is closed or reports it gone.
 */
public enum TabState {
    /** {@link Decision.OpenTab} was decided; the adapter has not answered yet. */
    OPENING,
    /** Idle and warm, in the pool until {@link Tab#poolExpiresAt()}. No session is bound to it. */
    POOLED,
    /** Bound to exactly one session: the reservation. */
    RESERVED,
    /** {@link Decision.CloseTab} was decided; the adapter has not confirmed yet. */
    CLOSING
}
