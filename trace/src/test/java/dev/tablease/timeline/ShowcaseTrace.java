package dev.tablease.timeline;

import dev.tablease.kernel.GoneCause;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.Input.Acquire;
import dev.tablease.kernel.Input.Heartbeat;
import dev.tablease.kernel.Input.Release;
import dev.tablease.kernel.Input.TabOpened;
import dev.tablease.kernel.Input.Tick;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.kernel.Outcome;
import dev.tablease.trace.TraceHeader;
import dev.tablease.trace.TraceStep;

import java.util.ArrayList;
import java.util.List;

/**
 * A small run with a bit of everything, for the README's picture (inputs only: the timeline replays it):
 * two keys under caps 3/8, a waiter behind the cap, a detached {@code send} picked up by the watcher, a
 * tab killed from outside and recovered, a crashed driver whose tab the watcher takes over, a request
 * that times out in the queue and an idle pooled tab.
 */
public final class ShowcaseTrace {

    public static final TraceHeader HEADER = TraceHeader.of(KernelConfig.defaults().toBuilder().queueTimeoutMillis(120_000).build());

    private ShowcaseTrace() {
    }

    public static List<TraceStep> steps() {
        String url = "https://chatgpt.com/c/67a4";
        List<Input> in = List.of(
                new Acquire(0, "s-1", "chatgpt", "send pid 101", "default"),
                new Acquire(200, "s-2", "chatgpt", "send pid 102", "pro"),
                new Acquire(400, "s-3", "chatgpt", "send pid 103", "default"),
                new Acquire(600, "s-4", "chatgpt", "send pid 104", "default"),
                new Acquire(800, "s-5", "claude", "send pid 105", "default"),
                new TabOpened(1500, 1, "T1"),
                new TabOpened(1600, 2, "T2"),
                new TabOpened(1700, 3, "T3"),
                new TabOpened(1800, 4, "T4"),
                new Input.UpdateSession(5000, "s-1", 1, url),
                new Release(20000, "s-2", 2, Outcome.DETACH),
                new Heartbeat(30000, "s-1", 1),
                new Heartbeat(30000, "s-3", 3),
                new Release(40000, "s-3", 3, Outcome.COMPLETED),
                new Input.TabGone(45000, "T4", GoneCause.TARGET_CLOSED),
                new Acquire(46000, "s-5", "claude", "send pid 105", "default"),
                new TabOpened(47500, 5, "T5"),
                new Acquire(60000, "s-2", "chatgpt", "watcher", "pro"),
                new Acquire(100000, "s-1", "chatgpt", "watcher", "default"),
                new Heartbeat(100000, "s-4", 5),
                new Heartbeat(100000, "s-5", 6),
                new Heartbeat(100000, "s-2", 7),
                new Acquire(120000, "s-6", "claude", "send pid 106", "default"),
                new TabOpened(121000, 6, "T6"),
                new Acquire(125000, "s-7", "chatgpt", "send pid 107", "default"),
                new Release(150000, "s-6", 8, Outcome.COMPLETED),
                new Heartbeat(160000, "s-4", 5),
                new Heartbeat(160000, "s-5", 6),
                new Heartbeat(160000, "s-2", 7),
                new Tick(210000),
                new Heartbeat(220000, "s-4", 5),
                new Heartbeat(220000, "s-5", 6),
                new Heartbeat(220000, "s-2", 7),
                new Release(230000, "s-5", 6, Outcome.COMPLETED),
                new Tick(245000),
                new Heartbeat(250000, "s-1", 1)); // the crashed send wakes up: its token is stale
        List<TraceStep> steps = new ArrayList<>();
        for (Input input : in) {
            steps.add(new TraceStep(steps.size() + 1, input, null));
        }
        return steps;
    }
}
