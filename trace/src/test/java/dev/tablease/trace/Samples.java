package dev.tablease.trace;

import dev.tablease.kernel.CloseReason;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.kernel.RefuseReason;
import dev.tablease.kernel.RejectReason;
import dev.tablease.kernel.RevokeReason;

import java.util.List;

/** One instance of every input and decision type, with distinct non-default field values. */
final class Samples {
    private Samples() {
    }

    static List<Input> inputs() {
        return List.of(
                new Input.Acquire(1_000, "s1", "chatgpt", "send pid 4242", "pro"),
                new Input.Heartbeat(2_000, "s1", 7),
                new Input.Release(3_000, "s1", 7, Outcome.DETACH),
                new Input.UpdateSession(4_000, "s1", 7, "https://chatgpt.com/c/abc?x=1&y=\"2\""),
                new Input.Cancel(5_000, 12),
                new Input.TabOpened(6_000, 3, "T-3"),
                new Input.TabOpenFailed(7_000, 4, "net::ERR_ABORTED"),
                new Input.TabGone(8_000, "T-3", GoneCause.RENDERER_CRASHED),
                new Input.TabClosed(9_000, "T-9"),
                new Input.Tick(10_000));
    }

    static List<Decision> decisions() {
        return List.of(
                new Decision.Granted(1, "s1", "send", 2, "T-2", 3, 180_000, 960_000),
                new Decision.Queued(4, "s2", "poll", 124_000),
                new Decision.Rejected(5, "s3", "watcher", RejectReason.QUEUE_FULL, 42_000),
                new Decision.Refused("Heartbeat", RefuseReason.STALE_TOKEN, "token 1 is not current"),
                new Decision.Extended("s1", 3, 240_000),
                new Decision.Released("s1", 3, Outcome.COMPLETED),
                new Decision.Updated("s1", 3),
                new Decision.Revoked("s1", "send", 3, RevokeReason.HEARTBEAT_MISSED),
                new Decision.ReservationEnded("s1", 2, EndReason.TAB_GONE),
                new Decision.ReservationMoved("s1", 2, 7, 1),
                new Decision.OpenTab(6, "claude"),
                new Decision.CloseTab(2, "T-2", CloseReason.EVICTED),
                new Decision.ResetTab(2, "T-2"),
                new Decision.Navigate(2, "T-2", "https://chatgpt.com/c/ünïcode"));
    }

    /** A config that differs from the defaults in every setting, with per-key overrides. */
    static KernelConfig config() {
        return KernelConfig.builder().maxPerKey(2).maxPerKey("chatgpt", 5).maxPerKey("claude", 1).globalMax(6)
                .poolTtlMillis(600_000).heartbeatIntervalMillis(30_000).missedHeartbeats(4)
                .requestClass("deep", 3_600_000).deadlineMarginMillis(5_000).queueCapacity(4)
                .queueTimeoutMillis(90_000).build();
    }
}
