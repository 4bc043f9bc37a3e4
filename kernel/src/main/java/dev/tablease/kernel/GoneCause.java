package dev.tablease.kernel;

/** What the adapter saw when a tab died (see {@link Input.TabGone}). */
public enum GoneCause {
    /** The tab was closed by someone else. */
    TARGET_CLOSED,
    /** The tab's renderer crashed. */
    RENDERER_CRASHED,
    /** The debugging session to the tab was lost. */
    DETACHED,
    /** The whole browser went away. */
    BROWSER_GONE,
    /** The adapter could not reset or navigate the tab. */
    RESET_FAILED,
    /** Any other death the adapter could classify no better. */
    OTHER
}
