package dev.tablease.adapter;

/** Work done under a lease by {@link TabBroker#withSession}; may be run again after a recovery. */
@FunctionalInterface
public interface LeaseAction<T> {

    /**
     * Does the work.
     *
     * @param lease the lease held while the work runs
     * @return the work's result
     * @throws InterruptedException when the work is interrupted
     */
    T run(TabLease lease) throws InterruptedException;
}
