package dev.tablease.timeline;

import dev.tablease.kernel.KernelConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a timeline shows, in trace time (absolute milliseconds): one group per key, with a row per tab
 * and a lane of waiting requests. Built by {@link ModelBuilder}, drawn by {@link SvgRenderer}; mutable
 * only while it is being built.
 */
final class TimelineModel {

    /** A state of a tab, as drawn on its row. */
    enum TabPhase {
        OPENING, POOLED, RESERVED, CLOSING;

        String css() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A stretch of time a tab spent in one phase ({@code sessionId} when RESERVED and known). */
    static final class Segment {
        final TabPhase phase;
        final long from;
        long to;
        String sessionId;
        final String detail;
        boolean open;

        Segment(TabPhase phase, long from, String sessionId, String detail) {
            this.phase = phase;
            this.from = from;
            this.to = from;
            this.sessionId = sessionId;
            this.detail = detail;
        }
    }

    /** One lease, from {@code Granted} to {@code Released} or {@code Revoked} (or the end of the trace). */
    static final class Drive {
        final String sessionId;
        final String holder;
        final long token;
        final long from;
        long to;
        /** {@code released}, {@code revoked} or {@code open} (still held when the trace ends). */
        String end = "open";
        /** The release outcome or the revocation reason; null while open. */
        String endReason;
        final List<Long> beats = new ArrayList<>();

        Drive(String sessionId, String holder, long token, long from) {
            this.sessionId = sessionId;
            this.holder = holder;
            this.token = token;
            this.from = from;
            this.to = from;
        }
    }

    /** One waiting request, from {@code Queued} to its {@code Granted} or {@code Rejected}. */
    static final class Wait {
        final long requestId;
        final String sessionId;
        final String holder;
        final long from;
        long to;
        /** {@code granted}, {@code rejected}, {@code cancelled} or {@code waiting} (at the end of the trace). */
        String outcome = "waiting";
        String reason;
        /** The sub-lane of its key's waiters lane (overlapping waits are stacked). */
        int lane;

        Wait(long requestId, String sessionId, String holder, long from) {
            this.requestId = requestId;
            this.sessionId = sessionId;
            this.holder = holder;
            this.from = from;
            this.to = from;
        }
    }

    /** A point event: {@code kind} is the CSS class (gone, revoked, reset, navigate, ...). */
    record Mark(String kind, long at, String reason, String text) {
    }

    /** A tab's row. */
    static final class TabRow {
        final long tabId;
        final String key;
        String targetId;
        final List<Segment> segments = new ArrayList<>();
        final List<Drive> drives = new ArrayList<>();
        final List<Mark> marks = new ArrayList<>();

        TabRow(long tabId, String key) {
            this.tabId = tabId;
            this.key = key;
        }

        Segment current() {
            return segments.isEmpty() ? null : segments.get(segments.size() - 1);
        }
    }

    /** A key's tabs, its waiters and its requests rejected without waiting. */
    static final class KeyGroup {
        final String key;
        final int cap;
        final List<TabRow> tabs = new ArrayList<>();
        final List<Wait> waits = new ArrayList<>();
        final List<Mark> marks = new ArrayList<>();
        int mostTabs;
        int lanes = 1;

        KeyGroup(String key, int cap) {
            this.key = key;
            this.cap = cap;
        }
    }

    final KernelConfig config;
    final long start;
    final long end;
    final int steps;
    final List<KeyGroup> keys = new ArrayList<>();
    /** Counts shown in the page's header, in display order. */
    final Map<String, Integer> counts = new LinkedHashMap<>();
    /** For some counts, how many of each reason (e.g. revoked: HEARTBEAT_MISSED 1). */
    final Map<String, Map<String, Integer>> reasons = new LinkedHashMap<>();
    int mostTabs;

    TimelineModel(KernelConfig config, long start, long end, int steps) {
        this.config = config;
        this.start = start;
        this.end = end;
        this.steps = steps;
    }

    void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }

    void count(String what, String reason) {
        count(what);
        reasons.computeIfAbsent(what, k -> new LinkedHashMap<>()).merge(reason, 1, Integer::sum);
    }
}
