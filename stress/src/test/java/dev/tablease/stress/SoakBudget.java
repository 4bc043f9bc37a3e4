package dev.tablease.stress;

import java.time.Duration;

/** Soak budget from system properties: {@code soak.minutes} (wins when set), else {@code soak.seconds}; {@code soak.threads}. */
final class SoakBudget {
    private SoakBudget() {
    }

    static Duration duration(int defaultSeconds) {
        String minutes = System.getProperty("soak.minutes", "");
        if (!minutes.isBlank()) {
            return Duration.ofMillis((long) (Double.parseDouble(minutes) * 60_000));
        }
        String seconds = System.getProperty("soak.seconds", "");
        return Duration.ofSeconds(seconds.isBlank() ? defaultSeconds : Long.parseLong(seconds));
    }

    static int threads() {
        String t = System.getProperty("soak.threads", "");
        return t.isBlank() ? 8 : Integer.parseInt(t);
    }

    static long seed() {
        String s = System.getProperty("soak.seed", "");
        return s.isBlank() ? System.nanoTime() : Long.parseLong(s);
    }
}
