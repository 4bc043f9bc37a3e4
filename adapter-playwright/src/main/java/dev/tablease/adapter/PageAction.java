package dev.tablease.adapter;

import com.microsoft.playwright.Page;

/** Something an agent does with a leased tab's {@link Page} (see {@link TabLease#call}). */
@FunctionalInterface
public interface PageAction<T> {

    /**
     * Does the action.
     *
     * @param page the leased tab's page
     * @return the action's result
     */
    T apply(Page page);
}
