package dev.tablease.adapter.internal;

import com.microsoft.playwright.Page;
import dev.tablease.kernel.GoneCause;

/** A browser event recorded by a Playwright handler; handlers only enqueue, the executor acts on them. */
sealed interface ChromeEvent {

    /** A tab closed or crashed. */
    record PageGone(String targetId, GoneCause cause, Page page) implements ChromeEvent {
    }

    /** The connection to the browser was lost. */
    record BrowserDisconnected() implements ChromeEvent {
    }
}
