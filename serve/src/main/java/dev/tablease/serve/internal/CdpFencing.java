package dev.tablease.serve.internal;

/**
 * How a lease's CDP socket honours the end of its lease. The service always runs {@link #ENFORCED}; the other
 * combinations exist so that the tests can show what each half of the fence prevents (and that a proxy without
 * it is caught by the same checks): {@code ServeFencingTest}.
 *
 * @param checkEachFrame whether every client message is forwarded only after checking that the lease is still
 *                       live (held through the service and not revoked); a message after the end closes the socket
 *                       instead
 * @param closeOnEnd     whether the socket is closed the moment the lease ends (its release, the kernel's
 *                       revocation, the service's stop)
 */
public record CdpFencing(boolean checkEachFrame, boolean closeOnEnd) {

    /** Both: what the service runs. */
    public static final CdpFencing ENFORCED = new CdpFencing(true, true);
}
