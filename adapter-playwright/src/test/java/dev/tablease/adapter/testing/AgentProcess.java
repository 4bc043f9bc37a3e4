package dev.tablease.adapter.testing;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.adapter.TabBroker;
import dev.tablease.adapter.TabLease;
import dev.tablease.adapter.testing.ChatAgent;
import dev.tablease.store.KernelStore;

import java.net.URI;
import java.nio.file.Path;

/**
 * An agent in its own JVM (started by the multi-process tests): connects over CDP to the shared chromium,
 * uses the shared store, and does one command on the fake chat app.
 *
 * <pre>AgentProcess send-hold|send-detach|poll STORE_DIR CDP_ENDPOINT BASE_URL SESSION [PROMPT]</pre>
 *
 * <ul>
 *   <li>{@code send-hold}: sends, prints {@code SENT <targetId> <conversationUrl>}, then keeps the lease
 *       (heartbeating) until killed;</li>
 *   <li>{@code send-detach}: sends, releases with DETACH, prints {@code DETACHED <targetId> <url>}, exits 0;</li>
 *   <li>{@code poll}: acquires (reattaches), polls the answer, prints {@code ANSWER <targetId> <answer>},
 *       releases COMPLETED, exits 0.</li>
 * </ul>
 */
public final class AgentProcess {

    private AgentProcess() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path storeDir = Path.of(args[1]);
        URI cdp = URI.create(args[2]);
        URI base = URI.create(args[3]);
        String session = args[4];
        String prompt = args.length > 5 ? args[5] : "hello";
        KernelStore store = SharedStores.open(storeDir, SharedStores.fastConfig());
        AdapterConfig config = AdapterConfig.connect(cdp).withPollIntervalMillis(50)
                .withHolder(mode + " pid " + ProcessHandle.current().pid());
        try (TabBroker broker = TabBroker.start(config, store)) {
            switch (mode) {
                case "send-hold" -> {
                    TabLease lease = broker.acquire(session, "chat", "default");
                    String url = ChatAgent.send(lease, base, prompt);
                    System.out.println("SENT " + lease.targetId() + " " + url);
                    System.out.flush();
                    Thread.sleep(Long.MAX_VALUE); // heartbeats go on until the test kills this JVM
                }
                case "send-detach" -> {
                    try (TabLease lease = broker.acquire(session, "chat", "default")) {
                        String url = ChatAgent.send(lease, base, prompt);
                        System.out.println("DETACHED " + lease.targetId() + " " + url);
                    } // close() = release with DETACH: the vendor keeps generating, the tab stays reserved
                }
                case "poll" -> {
                    TabLease lease = broker.acquire(session, "chat", "default");
                    String answer = ChatAgent.poll(lease, 20_000);
                    System.out.println("ANSWER " + lease.targetId() + " " + answer);
                    lease.complete();
                }
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
