package dev.tablease.adapter;

/** Work done under a lease by {@link TabBroker#withSession}; may be run again after a recovery. */
@FunctionalInterface
public interface LeaseAction<T> {

    /** @return the work's result */
    T run(TabLease lease) throws InterruptedException;
}
