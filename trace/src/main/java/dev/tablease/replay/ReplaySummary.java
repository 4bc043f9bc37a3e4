package dev.tablease.replay;

/**
 * What a successful replay did.
 *
 * @param steps         inputs applied
 * @param decisions     decisions the kernel made, over all steps
 * @param stateChecks   state-invariant checks passed (one per step)
 * @param stepChecks    {@code FencedWrites} step checks passed (one per step)
 * @param tickChecks    {@code NothingOverdue} checks passed (one per {@code Tick})
 * @param comparedSteps steps whose recorded decisions were compared with the kernel's, and matched
 */
public record ReplaySummary(long steps, long decisions, long stateChecks, long stepChecks, long tickChecks,
                            long comparedSteps) {

    /** @return the one-line summary printed by {@code tablease replay} */
    public String describe() {
        return steps + " steps, " + decisions + " decisions, "
                + (stateChecks + stepChecks + tickChecks) + " invariant checks passed (" + stateChecks + " state, "
                + stepChecks + " step, " + tickChecks + " after-tick), recorded decisions matched on "
                + comparedSteps + " of " + steps + " steps";
    }
}
