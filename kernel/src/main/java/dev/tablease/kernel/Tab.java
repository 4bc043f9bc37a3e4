package dev.tablease.kernel;

/**
 * One browser tab as the kernel sees it (plain data).
 *
 * @param tabId         kernel-assigned id, positive, from the {@link Decision.OpenTab} that created it
 * @param targetId      Chrome's CDP target id; {@code null} while {@link TabState#OPENING}
 * @param key           the vendor/profile key whose cap this tab counts against
 * @param state         where the tab is in its life cycle
 * @param sessionId     the session the tab is RESERVED for or OPENING on behalf of; {@code null} otherwise
 * @param poolExpiresAt when an idle tab leaves the pool, in milliseconds; 0 unless {@link TabState#POOLED}
 * @param epoch         bumped whenever the tab changes hands
 * @param needsReset    the tab must be reset ({@link Decision.ResetTab}) before the next driver uses it:
 *                      its last driver vanished mid-command, or it served another session
 */
public record Tab(long tabId, String targetId, String key, TabState state, String sessionId,
                  long poolExpiresAt, long epoch, boolean needsReset) {
}
