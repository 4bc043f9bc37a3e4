package dev.tablease.store;

import dev.tablease.kernel.DriverLease;
import dev.tablease.kernel.InvariantChecker;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.tablease.store.StoreFixtures.CONFIG;
import static dev.tablease.store.StoreFixtures.KILL_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real JVM processes on one {@link FileKernelStore}: contention, and SIGKILL in the middle of transitions. */
class StoreProcessTest {

    @TempDir
    Path dir;

    @Test
    void four_processes_contending_on_one_file_lose_no_update_and_keep_the_invariants() throws Exception {
        Path file = dir.resolve("state.json");
        int processes = 4;
        int sessionsEach = 250; // 2 transitions per session after the first: about 2,000 transitions in all
        List<Child> children = new ArrayList<>();
        try {
            for (int w = 0; w < processes; w++) {
                // fsync off: this test is about the lock; crash safety is the kill test's
                children.add(new Child(dir.resolve("pairs-" + w + ".err"), "pairs", file.toString(), Integer.toString(w), Integer.toString(sessionsEach), "false"));
            }
            for (Child c : children) {
                c.await("ready", 30_000);
            }
            for (Child c : children) {
                c.send("go");
            }
            int transitions = 0;
            for (Child c : children) {
                transitions += Integer.parseInt(c.await("done", 120_000).split(" ")[1]);
                assertEquals(0, c.process.waitFor());
            }
            assertEquals(processes * (2 * sessionsEach + 1), transitions);
        } finally {
            children.forEach(Child::close);
        }
        KernelState s = new StateFile().read(file).state();
        assertEquals(1 + processes * sessionsEach, s.nextRequestId(), "one request id per Acquire, none lost");
        assertEquals(1 + processes * sessionsEach, s.nextToken(), "one token per grant, none lost");
        assertEquals(1 + processes, s.nextTabId(), "one tab per key, reused from the pool");
        assertEquals(List.of(), s.sessions());
        assertEquals(processes, s.tabs().size());
        assertEquals(List.of(), InvariantChecker.check(CONFIG, s));
    }

    @Test
    void sigkill_at_random_points_never_tears_the_file_and_the_next_driver_gets_the_lease_by_the_heartbeat_rule()
            throws Exception {
        Path file = dir.resolve("state.json");
        Random random = new Random(7);
        int kills = 25;
        long lastUrl = 0;
        DriverLease deadLease = null;
        int reclaimed = 0;
        int midWrite = 0;
        for (int round = 0; round <= kills; round++) {
            boolean last = round == kills;
            try (Child victim = new Child(dir.resolve("victim-" + round + ".err"), "victim", file.toString(), "victim",
                    last ? "20" : "1000000")) {
                String[] granted = victim.await("granted", 60_000).split(" ");
                long token = Long.parseLong(granted[1]);
                long expiresAt = Long.parseLong(granted[2]);
                assertEquals(lastUrl, Long.parseLong(granted[3]), "the new driver sees the last committed write");
                if (deadLease != null) {
                    long grantedAt = expiresAt - KILL_CONFIG.heartbeatTimeoutMillis();
                    assertTrue(grantedAt >= deadLease.expiresAt(),
                            "granted at " + grantedAt + ", before the dead driver's lease expired: " + deadLease);
                    assertTrue(token > deadLease.token());
                }
                if (!last) {
                    Thread.sleep(random.nextInt(80));
                    // SIGKILL on Linux. Through the ProcessHandle: Process.destroyForcibly would also close our end of
                    // the child's stdout, dropping the lines it printed that we have not read yet
                    assertTrue(victim.process.toHandle().destroyForcibly());
                    assertTrue(victim.process.waitFor(10, TimeUnit.SECONDS));
                }
                List<String> lines = victim.finish(60_000);
                if (!last && java.nio.file.Files.exists(dir.resolve("state.json.tmp"))) {
                    // killed between creating the next state and renaming it: a tmp left by an earlier kill is renamed
                    // away by this round's first transition, so this one is this round's
                    midWrite++;
                }
                if (deadLease != null) {
                    assertTrue(lines.contains("revoked " + deadLease.token() + " HEARTBEAT_MISSED"),
                            "the dead driver's lease ended by the heartbeat rule: " + head(lines) + victim.errors());
                    reclaimed++;
                }
                long committed = lines.stream().filter(l -> l.startsWith("committed "))
                        .mapToLong(l -> Long.parseLong(l.substring(10))).max().orElse(lastUrl);
                long lastGrant = lines.stream().filter(l -> l.startsWith("granted "))
                        .mapToLong(l -> Long.parseLong(l.split(" ")[1])).max().orElseThrow();

                // whatever the kill interrupted, the file holds one whole state: the last reported one or the next
                KernelState state = new StateFile().read(file).state(); // throws on a torn or invalid file
                assertEquals(List.of(), InvariantChecker.check(KILL_CONFIG, state));
                Session session = state.sessions().stream().filter(s -> s.sessionId().equals("victim")).findFirst()
                        .orElseThrow();
                long url = StoreWorker.urlNumber(session);
                assertTrue(url == committed || url == committed + 1,
                        "round " + round + ": the file has write " + url + ", the child reported " + committed + ": " + lines);
                lastUrl = url;
                deadLease = session.lease();
                if (last) {
                    assertTrue(lines.contains("released"), lines.toString());
                    assertNull(deadLease);
                } else if (deadLease != null) {
                    assertTrue(deadLease.token() >= lastGrant, "the killed driver's lease stays in the file until it expires");
                }
            }
        }
        System.out.println("kill test: " + kills + " kills, " + midWrite + " left a partly written state.json.tmp, "
                + reclaimed + " dead leases reclaimed by the heartbeat rule");
        assertTrue(reclaimed >= kills / 2, "only " + reclaimed + " rounds found a dead driver's lease to reclaim");
    }

    private static List<String> head(List<String> lines) {
        return lines.subList(0, Math.min(5, lines.size()));
    }
}
