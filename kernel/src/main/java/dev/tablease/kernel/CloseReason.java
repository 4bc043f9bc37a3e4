package dev.tablease.kernel;

/** Why the kernel closes a tab (see {@link Decision.CloseTab}). */
public enum CloseReason {
    /** The idle tab outlived {@code poolTtlMillis}. */
    POOL_EXPIRED,
    /** The global cap is full and a waiter of another key needs the slot. */
    EVICTED
}
