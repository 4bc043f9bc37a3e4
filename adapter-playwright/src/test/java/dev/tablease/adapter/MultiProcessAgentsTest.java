package dev.tablease.adapter;

import dev.tablease.adapter.testing.AgentProcess;
import dev.tablease.adapter.testing.ChatAgent;
import dev.tablease.testkit.ChatServer;
import dev.tablease.testkit.ChromiumProcess;
import dev.tablease.adapter.testing.Jvm;
import dev.tablease.adapter.testing.RecordingStore;
import dev.tablease.adapter.testing.SharedStores;
import dev.tablease.kernel.Decision;
import dev.tablease.kernel.KernelState;
import dev.tablease.kernel.RevokeReason;
import dev.tablease.kernel.Session;
import dev.tablease.kernel.Tab;
import dev.tablease.kernel.TabState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agents as real OS processes sharing one store (a file, {@link SharedStores}) and one chromium (connect mode,
 * started by the test with a debugging port): a {@code kill -9}ed driver loses its lease by missed heartbeats
 * and a watcher takes over the same tab; a detached {@code send} leaves the tab reserved and a {@code poll} from
 * another process reattaches to it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MultiProcessAgentsTest {

    private static ChromiumProcess chromium;
    private static ChatServer chat;

    @BeforeAll
    static void startBrowserAndApp() throws Exception {
        chromium = ChromiumProcess.start();
        chat = new ChatServer(100, 30); // a 3 s answer: still generating while processes come and go
    }

    @AfterAll
    static void stopBrowserAndApp() {
        if (chat != null) {
            chat.close();
        }
        if (chromium != null) {
            chromium.close();
        }
    }

    private static String[] agentArgs(String mode, Path dir, String session, String prompt) {
        return new String[]{mode, dir.toString(), chromium.httpEndpoint().toString(), chat.base().toString(), session, prompt};
    }

    @Test
    void agentJvmKilledWithKill9_losesItsLeaseAfterMissedHeartbeats_andAWatcherTakesOverTheSameTab(@TempDir Path dir)
            throws Exception {
        try (Jvm agent = Jvm.start(AgentProcess.class, agentArgs("send-hold", dir, "s1", "kill me"));
             RecordingStore store = new RecordingStore(SharedStores.open(dir, SharedStores.fastConfig()));
             TabBroker watcher = TabBroker.start(AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50)
                     .withHolder("watcher"), store)) {
            String[] sent = agent.awaitLine("SENT ", 40).split(" ");
            String target = sent[1];
            String conversation = sent[2];
            Session before = session(store.snapshot(), "s1");
            long deadAgentToken = before.lease().token();
            Thread.sleep(2_500); // the agent is alive and beating: its lease outlives a heartbeat timeout (2 s)
            assertEquals(deadAgentToken, session(store.snapshot(), "s1").lease().token());

            agent.kill9();
            long killedAt = System.currentTimeMillis();
            try (TabLease lease = watcher.acquire("s1", "chat", "default")) {
                long waited = System.currentTimeMillis() - killedAt;
                assertEquals(target, lease.targetId(), "the same tab");
                assertTrue(waited < 10_000, "taken over after the missed heartbeats, in " + waited + " ms");
                assertEquals(conversation, lease.call(p -> p.url()), "reset, then navigated back to the conversation");
                assertEquals(chat.fullAnswer("kill me"), ChatAgent.poll(lease, 20_000));
                lease.complete();
            }
            assertTrue(store.decisions(Decision.Revoked.class).stream().anyMatch(r ->
                    r.token() == deadAgentToken && r.reason() == RevokeReason.HEARTBEAT_MISSED));
            assertTrue(store.decisions(Decision.ResetTab.class).stream().anyMatch(r -> r.targetId().equals(target)),
                    "a tab whose driver vanished mid-command is reset before anyone else drives it");
        }
    }

    @Test
    void detachedSend_keepsTheTabReserved_andALaterPollFromAnotherProcessReattachesToIt(@TempDir Path dir)
            throws Exception {
        String target;
        try (Jvm send = Jvm.start(AgentProcess.class, agentArgs("send-detach", dir, "s2", "detach me"))) {
            target = send.awaitLine("DETACHED ", 40).split(" ")[1];
            assertEquals(0, send.awaitExit(20), "the send process exits on purpose");
        }
        RecordingStore store = new RecordingStore(SharedStores.open(dir, SharedStores.fastConfig()));
        Thread.sleep(2_500); // longer than a heartbeat timeout (2 s): nothing expires, a detached session has no lease
        KernelState afterSend = store.snapshot();
        Session s = session(afterSend, "s2");
        assertNull(s.lease(), "no process is attached");
        Tab tab = afterSend.tabs().stream().filter(t -> t.tabId() == s.tabId()).findFirst().orElseThrow();
        assertEquals(TabState.RESERVED, tab.state());
        assertEquals(target, tab.targetId());

        try (Jvm poll = Jvm.start(AgentProcess.class, agentArgs("poll", dir, "s2", "detach me"))) {
            String line = poll.awaitLine("ANSWER ", 40);
            assertEquals(0, poll.awaitExit(20));
            assertEquals("ANSWER " + target + " " + chat.fullAnswer("detach me"), line, "reattached to the same tab");
        }
        KernelState end = store.snapshot();
        assertTrue(end.sessions().isEmpty(), "the poll completed the session");
        assertEquals(TabState.POOLED, end.tabs().get(0).state());
        assertEquals(target, end.tabs().get(0).targetId());
    }

    private static Session session(KernelState state, String id) {
        return state.sessions().stream().filter(x -> x.sessionId().equals(id)).findFirst().orElseThrow();
    }
}
