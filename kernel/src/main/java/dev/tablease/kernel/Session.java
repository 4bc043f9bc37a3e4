package dev.tablease.kernel;

import java.util.List;

/**
 * One chat session as the kernel sees it (plain data). A session is <em>waiting</em>
 * ({@code waitSeq > 0}, no tab), <em>bound</em> ({@code tabId > 0}: its tab is OPENING on its behalf or
 * RESERVED for it, which is the reservation) or <em>unbound</em> (its tab could not be opened; it keeps
 * its deadline and conversation URL for recovery). A session whose RESERVED tab dies keeps its slot: the
 * reservation moves to a replacement tab ({@link Decision.ReservationMoved}) when it has a conversation URL,
 * else the session ends.
 *
 * @param sessionId       caller-chosen id
 * @param key             the vendor/profile key
 * @param requestClass    names the deadline budget ({@link KernelConfig#requestClassBudgetsMillis()})
 * @param tabId           the bound tab, 0 for none
 * @param deadline        end of the reservation, in milliseconds, set at the first binding and never moved;
 *                        0 before the session was ever bound
 * @param conversationUrl where the chat lives, written under the lease (fenced); {@code null} until known
 * @param lease           the current driver lease, or {@code null}
 * @param drivers         drivers waiting for the lease, oldest first
 * @param waitSeq         position in the global FIFO of sessions waiting for a tab; 0 when not waiting
 * @param recoveryCount   how many times the reservation moved to a replacement tab after its tab died (≥ 0)
 */
public record Session(String sessionId, String key, String requestClass, long tabId, long deadline,
                      String conversationUrl, DriverLease lease, List<DriverWaiter> drivers, long waitSeq,
                      long recoveryCount) {

    /**
     * Copies the list of drivers.
     *
     * @param sessionId       caller-chosen id
     * @param key             the vendor/profile key
     * @param requestClass    names the deadline budget
     * @param tabId           the bound tab, 0 for none
     * @param deadline        end of the reservation, in milliseconds; 0 before the session was ever bound
     * @param conversationUrl where the chat lives; {@code null} until known
     * @param lease           the current driver lease, or {@code null}
     * @param drivers         drivers waiting for the lease, oldest first
     * @param waitSeq         position in the global FIFO of sessions waiting for a tab; 0 when not waiting
     * @param recoveryCount   how many times the reservation moved to a replacement tab (≥ 0)
     */
    public Session {
        drivers = List.copyOf(drivers);
    }

    /** @return whether a tab is bound to this session (the reservation, possibly still OPENING) */
    public boolean isBound() {
        return tabId != 0;
    }

    /** @return whether this session waits in its key's queue for a tab */
    public boolean isWaiting() {
        return waitSeq != 0;
    }
}
