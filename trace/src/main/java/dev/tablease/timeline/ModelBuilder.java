package dev.tablease.timeline;

import dev.tablease.kernel.Decision;
import dev.tablease.kernel.EndReason;
import dev.tablease.kernel.Input;
import dev.tablease.kernel.RejectReason;
import dev.tablease.timeline.TimelineModel.Drive;
import dev.tablease.timeline.TimelineModel.KeyGroup;
import dev.tablease.timeline.TimelineModel.Mark;
import dev.tablease.timeline.TimelineModel.Segment;
import dev.tablease.timeline.TimelineModel.TabPhase;
import dev.tablease.timeline.TimelineModel.TabRow;
import dev.tablease.timeline.TimelineModel.Wait;
import dev.tablease.trace.TraceHeader;
import dev.tablease.trace.TraceStep;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks the steps of a trace (each input, then its decisions in order) and builds the
 * {@link TimelineModel}: the phases of every tab, every lease, every waiting request and the point
 * events. Needs every step's decisions (see {@link MissingDecisions}). Knows nothing about drawing.
 */
final class ModelBuilder {

    /** Counts always shown, in this order, even when zero. */
    static final List<String> HEADLINE = List.of("tabs opened", "grants", "waits", "rejected", "revoked",
            "tab deaths", "resets", "navigations", "refused");

    private final TimelineModel model;
    private final Map<String, KeyGroup> groups = new LinkedHashMap<>();
    private final Map<Long, TabRow> tabs = new HashMap<>();
    private final Map<String, TabRow> liveByTarget = new HashMap<>();
    private final Set<Long> live = new HashSet<>();
    /** OPENING tabs whose session ended: pooled when they open. */
    private final Set<Long> orphans = new HashSet<>();
    private final Map<String, Drive> drives = new HashMap<>();
    private final Map<Long, TabRow> tabOfToken = new HashMap<>();
    /** ReservationMoved decisions whose replacement tab has not been opened yet, by its tab id. */
    private final Map<Long, Decision.ReservationMoved> movedTo = new HashMap<>();
    private final Map<Long, Wait> waits = new HashMap<>();
    private final Map<String, String> keyOfSession = new HashMap<>();
    private final Map<String, Integer> liveTabsOfKey = new HashMap<>();

    private ModelBuilder(TimelineModel model) {
        this.model = model;
    }

    /** @return the model of {@code steps}, every one of which records its decisions */
    static TimelineModel build(TraceHeader header, List<TraceStep> steps) {
        long start = steps.isEmpty() ? 0 : steps.get(0).input().now();
        long end = steps.isEmpty() ? 0 : steps.get(steps.size() - 1).input().now();
        TimelineModel model = new TimelineModel(header.config(), start, end, steps.size());
        HEADLINE.forEach(c -> model.counts.put(c, 0));
        ModelBuilder builder = new ModelBuilder(model);
        for (TraceStep step : steps) {
            builder.step(step.input(), step.decisions());
        }
        builder.finish();
        return model;
    }

    private void step(Input input, List<Decision> decisions) {
        long t = input.now();
        Decision.Refused refused = (Decision.Refused) decisions.stream()
                .filter(d -> d instanceof Decision.Refused).findFirst().orElse(null);
        if (refused != null) {
            refused(input, refused, t);
            return;
        }
        if (input instanceof Input.Acquire a) {
            keyOfSession.put(a.sessionId(), a.key());
        } else if (input instanceof Input.TabOpened o) {
            opened(tabs.get(o.tabId()), o.targetId(), t);
        } else if (input instanceof Input.TabOpenFailed f) {
            mark(tabs.get(f.tabId()), "open-failed", null, f.reason(), t);
            model.count("open failures");
            remove(tabs.get(f.tabId()), t);
        } else if (input instanceof Input.TabGone g) {
            TabRow tab = liveByTarget.get(g.targetId());
            mark(tab, "gone", g.cause().name(), "tab died", t);
            model.count("tab deaths", g.cause().name());
            remove(tab, t);
        } else if (input instanceof Input.TabClosed c) {
            remove(liveByTarget.get(c.targetId()), t);
        }
        // Heartbeat, Release, UpdateSession, Cancel, Tick: their effects are in the decisions
        for (Decision d : decisions) {
            decision(d, t);
        }
    }

    private void decision(Decision decision, long t) {
        if (decision instanceof Decision.OpenTab o) {
            KeyGroup group = group(o.key());
            TabRow tab = new TabRow(o.tabId(), o.key());
            group.tabs.add(tab);
            tabs.put(o.tabId(), tab);
            live.add(o.tabId());
            phase(tab, TabPhase.OPENING, null, null, t);
            model.count("tabs opened");
            Decision.ReservationMoved moved = movedTo.remove(o.tabId());
            if (moved != null) {
                mark(tab, "recovered", null, "session " + moved.sessionId() + " moved here from dead tab "
                        + moved.fromTabId() + " (recovery #" + moved.recoveryCount() + ")", t);
            }
            int ofKey = liveTabsOfKey.merge(o.key(), 1, Integer::sum);
            group.mostTabs = Math.max(group.mostTabs, ofKey);
            model.mostTabs = Math.max(model.mostTabs, live.size());
        } else if (decision instanceof Decision.Granted g) {
            granted(g, t);
        } else if (decision instanceof Decision.Queued q) {
            Wait wait = new Wait(q.requestId(), q.sessionId(), q.holder(), t);
            group(keyOf(q.sessionId())).waits.add(wait);
            waits.put(q.requestId(), wait);
            model.count("waits");
        } else if (decision instanceof Decision.Rejected r) {
            Wait wait = waits.remove(r.requestId());
            String outcome = r.reason() == RejectReason.CANCELLED ? "cancelled" : "rejected";
            if (wait != null) {
                wait.to = t;
                wait.outcome = outcome;
                wait.reason = r.reason().name();
            } else {
                group(keyOf(r.sessionId())).marks.add(new Mark(outcome, t, r.reason().name(),
                        r.holder() + " for " + r.sessionId() + " (request " + r.requestId() + ")"));
            }
            model.count(outcome.equals("cancelled") ? "cancelled" : "rejected", r.reason().name());
        } else if (decision instanceof Decision.Released r) {
            Drive drive = drives.remove(r.sessionId());
            if (drive != null) {
                drive.to = t;
                drive.end = "released";
                drive.endReason = r.outcome().name();
            }
        } else if (decision instanceof Decision.Revoked r) {
            Drive drive = drives.remove(r.sessionId());
            if (drive != null) {
                drive.to = t;
                drive.end = "revoked";
                drive.endReason = r.reason().name();
            }
            mark(tabOfToken.get(r.token()), "revoked", r.reason().name(),
                    r.holder() + " lost token " + r.token(), t);
            model.count("revoked", r.reason().name());
        } else if (decision instanceof Decision.Extended e) {
            Drive drive = drives.get(e.sessionId());
            if (drive != null) {
                drive.beats.add(t);
            }
        } else if (decision instanceof Decision.ReservationEnded e) {
            reservationEnded(e, t);
        } else if (decision instanceof Decision.ReservationMoved m) {
            movedTo.put(m.toTabId(), m); // marked on the replacement tab when its OpenTab comes (next)
            model.count("recoveries");
        } else if (decision instanceof Decision.CloseTab c) {
            phase(tabs.get(c.tabId()), TabPhase.CLOSING, null, c.reason().name(), t);
            model.count("closed", c.reason().name());
        } else if (decision instanceof Decision.ResetTab r) {
            mark(tabs.get(r.tabId()), "reset", null, "reset before the next driver", t);
            model.count("resets");
        } else if (decision instanceof Decision.Navigate n) {
            mark(tabs.get(n.tabId()), "navigate", null, n.url(), t);
            model.count("navigations");
        }
        // Updated changes no tab; Refused is handled with its input
    }

    private void granted(Decision.Granted g, long t) {
        TabRow tab = tabs.get(g.tabId());
        if (tab == null) {
            return;
        }
        Segment current = tab.current();
        if (current == null || current.phase != TabPhase.RESERVED
                || current.sessionId != null && !current.sessionId.equals(g.sessionId())) {
            phase(tab, TabPhase.RESERVED, g.sessionId(), null, t);
        } else if (current.sessionId == null) {
            current.sessionId = g.sessionId();
        }
        Drive drive = new Drive(g.sessionId(), g.holder(), g.token(), t);
        tab.drives.add(drive);
        drives.put(g.sessionId(), drive);
        tabOfToken.put(g.token(), tab);
        Wait wait = waits.remove(g.requestId());
        if (wait != null) {
            wait.to = t;
            wait.outcome = "granted";
        }
        model.count("grants");
    }

    private void reservationEnded(Decision.ReservationEnded e, long t) {
        model.count("reservations ended", e.reason().name());
        TabRow tab = tabs.get(e.tabId());
        if (tab == null || !live.contains(e.tabId())) {
            return; // no tab (0), or it is already gone (TAB_GONE, OPEN_FAILED)
        }
        Segment current = tab.current();
        if (current.phase == TabPhase.OPENING) {
            orphans.add(e.tabId());
        } else if (current.phase == TabPhase.RESERVED) {
            if (current.sessionId == null) {
                current.sessionId = e.sessionId();
            }
            phase(tab, TabPhase.POOLED, null, null, t);
        }
        if (e.reason() == EndReason.DEADLINE) {
            mark(tab, "deadline", e.reason().name(), "reservation of " + e.sessionId() + " reached its deadline", t);
        }
    }

    private void opened(TabRow tab, String targetId, long t) {
        if (tab == null) {
            return;
        }
        tab.targetId = targetId;
        liveByTarget.put(targetId, tab);
        phase(tab, orphans.remove(tab.tabId) ? TabPhase.POOLED : TabPhase.RESERVED, null, null, t);
    }

    private void refused(Input input, Decision.Refused refused, long t) {
        model.count("refused", refused.reason().name());
        long token = 0;
        if (input instanceof Input.Heartbeat h) {
            token = h.token();
        } else if (input instanceof Input.Release r) {
            token = r.token();
        } else if (input instanceof Input.UpdateSession u) {
            token = u.token();
        }
        mark(tabOfToken.get(token), "refused", refused.reason().name(), input.name() + ": " + refused.detail(), t);
    }

    private void remove(TabRow tab, long t) {
        if (tab == null || !live.remove(tab.tabId)) {
            return;
        }
        close(tab.current(), t);
        if (tab.targetId != null) {
            liveByTarget.remove(tab.targetId);
        }
        liveTabsOfKey.merge(tab.key, -1, Integer::sum);
        orphans.remove(tab.tabId);
        for (Drive drive : tab.drives) {
            if (drive.end.equals("open")) {
                drive.to = t; // its Revoked(TAB_GONE) follows in this step
            }
        }
    }

    private void phase(TabRow tab, TabPhase phase, String sessionId, String detail, long t) {
        if (tab == null) {
            return;
        }
        close(tab.current(), t);
        Segment segment = new Segment(phase, t, sessionId, detail);
        segment.open = true;
        tab.segments.add(segment);
    }

    private static void close(Segment segment, long t) {
        if (segment != null && segment.open) {
            segment.to = t;
            segment.open = false;
        }
    }

    private void mark(TabRow tab, String kind, String reason, String text, long t) {
        if (tab != null) {
            tab.marks.add(new Mark(kind, t, reason, text));
        }
    }

    private String keyOf(String sessionId) {
        return keyOfSession.getOrDefault(sessionId, "?");
    }

    private KeyGroup group(String key) {
        return groups.computeIfAbsent(key, k -> {
            KeyGroup group = new KeyGroup(k, model.config.maxPerKey(k));
            model.keys.add(group);
            return group;
        });
    }

    private void finish() {
        for (TabRow tab : tabs.values()) {
            if (live.contains(tab.tabId)) {
                tab.current().to = model.end; // still in that phase when the trace ends
            }
        }
        for (Drive drive : drives.values()) {
            drive.to = model.end;
        }
        for (Wait wait : waits.values()) {
            wait.to = model.end;
        }
        for (KeyGroup group : model.keys) {
            group.tabs.sort((a, b) -> Long.compare(a.tabId, b.tabId));
            List<Long> laneEnds = new ArrayList<>();
            for (Wait wait : group.waits) {
                int lane = 0;
                while (lane < laneEnds.size() && laneEnds.get(lane) >= wait.from) {
                    lane++;
                }
                if (lane == laneEnds.size()) {
                    laneEnds.add(wait.to);
                } else {
                    laneEnds.set(lane, wait.to);
                }
                wait.lane = lane;
            }
            group.lanes = Math.max(1, laneEnds.size());
        }
    }
}
