package dev.tablease.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.tablease.adapter.AdapterConfig;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.serve.LeaseServer;
import dev.tablease.serve.ServeConfig;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.MillisClock;
import dev.tablease.testkit.ChatServer;
import dev.tablease.testkit.ChromiumProcess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tablease demo --agents=node}: the old tool's story with Node.js agent processes (the
 * {@code tablease-client} package in {@code clients/node} and its agents in {@code clients/node/test/agents})
 * through an in-process {@code tablease serve} on real headless Chromium. A {@code send} detaches and exits, a
 * later {@code poll} reattaches to the same tab while a watcher waits queued behind it; a driver killed with
 * SIGKILL loses its lease for missed heartbeats and its tab is reset and brought back to the conversation for the
 * next acquire; a frozen holder wakes up to find its heartbeat, update, release and CDP socket refused. Every step
 * is checked; the run passes when every check holds.
 */
public final class NodeDemo {

    /**
     * What the run needs.
     *
     * @param clientDir the Node client's directory ({@code clients/node})
     * @param outDir    where the token file and the agents' output go
     * @param chromium  the browser
     */
    public record Settings(Path clientDir, Path outDir, Path chromium) {
    }

    /** The kernel of the demo: one tab per key, two in all, beats every 500 ms, dead after 4 missed (2 s). */
    static final KernelConfig CONFIG = KernelConfig.builder().maxPerKey(1).globalMax(2).heartbeatIntervalMillis(500)
            .missedHeartbeats(4).queueCapacity(2).queueTimeoutMillis(20_000).build();

    /** The oldest Node the client supports. */
    static final int MIN_NODE_MAJOR = 18;

    /** JSON of the agents' lines and the status. */
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The settings of this run. */
    private final Settings settings;
    /** Where the story is told. */
    private final PrintStream out;
    /** The checks, in order: {@code ok …} or {@code FAIL …}. */
    private final List<String> checks = new ArrayList<>();
    /** The service of the run (set once it started). */
    private URI service;
    /** Its token file. */
    private Path tokenFile;
    /** Its bearer token. */
    private String bearer;
    /** The status calls. */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A run with its settings, telling its story on {@code out}. */
    private NodeDemo(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Why the Node demo cannot run here (no node or npm, too old, no client directory), or null.
     *
     * @param clientDir the Node client's directory
     * @return a sentence for the user, or null when it can run
     * @throws InterruptedException when interrupted while node or npm answers
     */
    public static String problem(Path clientDir) throws InterruptedException {
        if (!Files.isRegularFile(clientDir.resolve("package.json"))) {
            return "no Node client at " + clientDir + " (give --client-dir <the checkout's clients/node>)";
        }
        try {
            Proc v = Proc.run(clientDir, List.of("node", "--version"), Map.of(), 30);
            Matcher m = Pattern.compile("v(\\d+)\\.").matcher(v.output);
            if (v.exit != 0 || !m.find()) {
                return "node --version failed: " + v.output.strip();
            }
            if (Integer.parseInt(m.group(1)) < MIN_NODE_MAJOR) {
                return "node " + v.output.strip() + " is older than " + MIN_NODE_MAJOR;
            }
            if (Proc.run(clientDir, List.of("npm", "--version"), Map.of(), 60).exit != 0) {
                return "npm does not run";
            }
            return null;
        } catch (IOException e) {
            return "Node.js 18+ and npm are needed (apt-get install nodejs npm): " + e.getMessage();
        }
    }

    /**
     * Runs the story.
     *
     * @param settings what the run needs ({@link #problem} said it can run)
     * @param out      where the story and the checks are printed
     * @return whether every check held
     * @throws Exception when the browser, the service or an agent could not be started
     */
    public static boolean run(Settings settings, PrintStream out) throws Exception {
        return new NodeDemo(settings, out).story();
    }

    /** The whole run: the client's dependencies, the browser, the service, the four acts, the checks. */
    private boolean story() throws Exception {
        Files.createDirectories(settings.outDir());
        Path clientDir = settings.clientDir();
        Proc version = Proc.run(clientDir, List.of("node", "--version"), Map.of(), 30);
        if (!Files.isDirectory(clientDir.resolve("node_modules/ws"))) {
            say("installing the Node client's dependency (npm ci: ws from the registry) in " + clientDir + " ...");
            Proc ci = Proc.run(clientDir, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
            if (ci.exit != 0) {
                throw new IOException("npm ci failed in " + clientDir + ":\n" + ci.output);
            }
        }
        tokenFile = settings.outDir().resolve("serve.token");
        try (ChromiumProcess chromium = ChromiumProcess.start(settings.chromium(), ChromiumProcess.NO_BACKGROUND_THROTTLING);
             ChatServer app = new ChatServer(20, 40, 500);
             InMemoryKernelStore store = new InMemoryKernelStore(CONFIG, MillisClock.system());
             LeaseServer server = LeaseServer.start(ServeConfig.loopback(tokenFile),
                     AdapterConfig.connect(chromium.httpEndpoint()).withPollIntervalMillis(50), store)) {
            service = server.uri();
            bearer = server.bearerToken();
            say("== tablease demo --agents=node: Node.js agents through tablease serve on real headless Chromium");
            say(String.format(Locale.ROOT, "service   %s (token in %s), in this process, in-memory store", service, tokenFile));
            say(String.format(Locale.ROOT, "chromium  %s (pid %d), fake chat app %s", settings.chromium(), chromium.pid(), app.base()));
            say(String.format(Locale.ROOT, "agents    node %s, %s/test/agents/*.mjs (package tablease-client)", version.output.strip(), clientDir));
            say(String.format(Locale.ROOT, "kernel    %d tab per key, %d in all, heartbeat %d ms x %d",
                    CONFIG.maxPerKey(), CONFIG.globalMax(), CONFIG.heartbeatIntervalMillis(), CONFIG.missedHeartbeats()));
            sendThenPollAndWatcher(app.base());
            killedDriver(app.base());
            frozenHolder();
            say("");
            JsonNode end = status();
            check(end.path("sessions").isEmpty(), "every session finished: " + end.path("sessions").size() + " left");
        }
        say("");
        long failed = checks.stream().filter(c -> c.startsWith("FAIL")).count();
        say(String.format(Locale.ROOT, "checks    %d, failed %d", checks.size(), failed));
        say(failed == 0 ? "RESULT: PASSED" : "RESULT: FAILED");
        return failed == 0;
    }

    /** Act 1 and 2: a send that detaches and exits, a poll that reattaches, a watcher queued behind the poll. */
    private void sendThenPollAndWatcher(URI app) throws Exception {
        say("");
        say("1. a `send` process acquires session s-1, writes into its tab over the lease's CDP socket, records the"
                + " conversation URL, releases with DETACH and exits");
        String url = app.resolve("/c/s-1").toString();
        Agent send = agent("send", "session", "s-1", "key", "chatgpt", "holder", "send", "mark", "sent by send",
                "conversation-url", url);
        check(send.exit() == 0, "the send exited 0");
        JsonNode sg = send.line("granted");
        JsonNode s1 = session("s-1");
        check(s1 != null && s1.path("lease").isMissingNode() && s1.path("tabId").asLong() != 0,
                "s-1 outlives the send: no driver, its tab kept");
        check(s1 != null && url.equals(s1.path("conversationUrl").asText()), "its conversation URL is " + url);

        say("");
        say("2. a later `poll` process reattaches to s-1 and drives its tab for 3 s; a `watcher` acquiring s-1 meanwhile"
                + " waits queued behind it");
        Agent poll = start("poll", "session", "s-1", "key", "chatgpt", "holder", "poll", "drive-millis", "3000",
                "outcome", "DETACH");
        poll.await("driving");
        Agent watcher = start("watcher", "session", "s-1", "key", "chatgpt", "holder", "watcher");
        watcher.await("queued");
        JsonNode waiting = session("s-1");
        check(waiting != null && "poll".equals(waiting.path("lease").path("holder").asText())
                        && "watcher".equals(waiting.path("drivers").path(0).path("holder").asText()),
                "the status shows poll driving s-1 and watcher waiting behind it");
        poll.finish();
        watcher.finish();
        JsonNode pg = poll.line("granted");
        check(pg.path("targetId").equals(sg.path("targetId"))
                && pg.path("token").asLong() > sg.path("token").asLong(), "the poll reattached to the send's tab with a newer token");
        check("sent by send".equals(poll.line("read").path("page").path("title").asText()),
                "the poll found the title the send left in the page");
        JsonNode wg = watcher.line("granted");
        check(wg.path("targetId").equals(sg.path("targetId")) && wg.path("at").asLong() >= poll.line("drove").path("at").asLong(),
                "the watcher got s-1's lease on the same tab once the poll let go");
        check(watcher.line("read").path("page").path("left").path("polls").asInt() >= 5,
                "the watcher sees what the poll did (" + watcher.line("read").path("page").path("left").path("polls").asInt() + " polls)");
        check(session("s-1") == null, "the watcher completed s-1");
    }

    /** Act 3: a driver killed with SIGKILL; its lease lapses, its tab is reset and navigated for the next acquire. */
    private void killedDriver(URI app) throws Exception {
        say("");
        say("3. a `driver` process on session s-2 is killed with SIGKILL mid-command");
        String url = app.resolve("/c/s-2").toString();
        Agent driver = start("driver", "session", "s-2", "key", "claude", "holder", "driver", "mark", "driven",
                "conversation-url", url);
        JsonNode ready = driver.await("ready");
        long killed = System.currentTimeMillis();
        driver.process.destroyForcibly();
        driver.process.waitFor(10, TimeUnit.SECONDS);
        say("  kill -9 " + driver.process.pid());
        long lapsed = -1;
        for (int i = 0; i < 200; i++) {
            JsonNode s = session("s-2");
            if (s != null && s.path("lease").isMissingNode()) {
                lapsed = System.currentTimeMillis() - killed;
                break;
            }
            Thread.sleep(50);
        }
        long timeout = CONFIG.heartbeatIntervalMillis() * CONFIG.missedHeartbeats();
        check(lapsed >= 0, "its lease lapsed for missed heartbeats " + lapsed + " ms after the kill (" + timeout + " ms after its last beat);"
                + " the session kept its tab");
        Agent poll = agent("poll", "session", "s-2", "key", "claude", "holder", "poll-2", "outcome", "COMPLETED");
        JsonNode pg = poll.line("granted");
        check(pg.path("targetId").equals(ready.path("targetId")),
                "the next acquire reattached to the same tab");
        JsonNode page = poll.line("read").path("page");
        check(url.equals(page.path("href").asText()) && page.path("left").isNull(),
                "which the kernel reset (the dead driver's page state gone) and navigated back to " + url);
    }

    /** Act 4: a holder frozen (SIGSTOP) past its expiry wakes up (SIGCONT) to find everything refused. */
    private void frozenHolder() throws Exception {
        say("");
        say("4. a holder of session s-3 freezes (SIGSTOP) past its lease's expiry while another process takes s-3 over,"
                + " then wakes up (SIGCONT)");
        Agent stale = start("driver", "session", "s-3", "key", "gemini", "holder", "frozen", "mark", "frozen",
                "when-lost", "report");
        stale.await("ready");
        signal("STOP", stale.process.pid());
        Agent next;
        try {
            for (int i = 0; i < 200; i++) {
                JsonNode s = session("s-3");
                if (s != null && s.path("lease").isMissingNode()) {
                    break;
                }
                Thread.sleep(50);
            }
            next = start("poll", "session", "s-3", "key", "gemini", "holder", "next", "drive-millis", "4000",
                    "outcome", "COMPLETED");
            next.await("driving");
        } finally {
            signal("CONT", stale.process.pid());
        }
        JsonNode report = stale.await("stale");
        stale.finish();
        next.finish();
        check("STALE_TOKEN".equals(stale.line("lost").path("code").asText()), "its next beat was refused: STALE_TOKEN, the lease is lost");
        for (String call : List.of("heartbeat", "update", "release", "reconnect")) {
            check(report != null && "STALE_TOKEN".equals(report.path(call).path("code").asText()),
                    "its " + (call.equals("reconnect") ? "new CDP socket" : call) + " was refused: "
                            + (report == null ? "?" : report.path(call).path("code").asText()));
        }
        JsonNode socket = report == null ? null : report.path("socket");
        check(socket != null && socket.path("code").asInt() == 4001,
                "its CDP socket had been closed by the service: " + (socket == null ? "?" : socket.path("code").asInt() + " "
                        + socket.path("reason").asText()));
        check(report != null && "CDP_CLOSED".equals(report.path("command").path("code").asText()),
                "its CDP command did not reach the tab: " + (report == null ? "?" : report.path("command").path("code").asText()));
        check("held".equals(next.line("drove").path("state").asText()) && next.exit() == 0,
                "the new holder drove s-3 undisturbed and completed it");
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Records and prints one check. */
    private void check(boolean holds, String what) {
        String line = (holds ? "ok    " : "FAIL  ") + what;
        checks.add(line);
        say("  " + line);
    }

    /** Prints one line. */
    private void say(String line) {
        out.println(line);
        out.flush();
    }

    /** Sends {@code kill -SIG pid}. */
    private void signal(String sig, long pid) throws IOException, InterruptedException {
        Proc.run(settings.clientDir(), List.of("kill", "-" + sig, Long.toString(pid)), Map.of(), 10);
        say("  kill -" + sig + " " + pid);
    }

    /** @return the service's status */
    private JsonNode status() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(service.resolve("/v1/status"))
                .header("Authorization", "Bearer " + bearer).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /v1/status: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** @return the session's entry in the status, or null */
    private JsonNode session(String id) throws IOException, InterruptedException {
        for (JsonNode s : status().path("sessions")) {
            if (id.equals(s.path("sessionId").asText())) {
                return s;
            }
        }
        return null;
    }

    /** Starts an agent and waits for its exit. */
    private Agent agent(String name, String... args) throws Exception {
        Agent a = start(name, args);
        a.finish();
        return a;
    }

    /** Starts an agent ({@code node test/agents/NAME.mjs --k v …}); its lines are printed as they come. */
    private Agent start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("node", "test/agents/" + name + ".mjs"));
        for (int i = 0; i < args.length; i += 2) {
            cmd.add("--" + args[i]);
            cmd.add(args[i + 1]);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(settings.clientDir().toFile()).redirectErrorStream(true);
        pb.environment().put("TABLEASE_URL", service.toString());
        pb.environment().put("TABLEASE_TOKEN_FILE", tokenFile.toString());
        Agent a = new Agent(name, pb.start());
        a.reader.start();
        return a;
    }

    /** One agent process and the JSON lines it printed. */
    private final class Agent {
        /** Its script's name. */
        private final String name;
        /** The process. */
        private final Process process;
        /** Its lines, in order. */
        private final List<JsonNode> lines = new ArrayList<>();
        /** Reads and prints its output. */
        private final Thread reader;

        /** An agent whose output is read from now on. */
        Agent(String name, Process process) {
            this.name = name;
            this.process = process;
            this.reader = new Thread(this::read, "agent-" + name);
            this.reader.setDaemon(true);
        }

        /** Reads the lines until the process closes its output. */
        private void read() {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String text; (text = br.readLine()) != null; ) {
                    JsonNode line;
                    try {
                        line = JSON.readTree(text);
                    } catch (IOException e) {
                        line = JSON.createObjectNode().put("event", "text").put("text", text);
                    }
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                    say(String.format(Locale.ROOT, "  [%-7s pid %d] %s", name, process.pid(), describe(line)));
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        /** @return the first line of {@code event} once it came (at most 30 s), or a missing node when the process ended first */
        synchronized JsonNode await(String event) throws InterruptedException {
            long until = System.currentTimeMillis() + 30_000;
            for (;;) {
                JsonNode l = line(event);
                if (!l.isMissingNode() || !reader.isAlive() || System.currentTimeMillis() > until) {
                    return l;
                }
                wait(100);
            }
        }

        /** @return the first line of {@code event} so far, or a missing node */
        synchronized JsonNode line(String event) {
            for (JsonNode l : lines) {
                if (event.equals(l.path("event").asText())) {
                    return l;
                }
            }
            return MissingNode.getInstance();
        }

        /** Waits for the exit (at most 60 s, then kills it) and for its last lines. */
        void finish() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            reader.join(5_000);
        }

        /** @return its exit code (after {@link #finish}) */
        int exit() {
            return process.isAlive() ? -1 : process.exitValue();
        }
    }

    /** @return one agent line for a human: its event and its fields */
    static String describe(JsonNode line) {
        StringBuilder b = new StringBuilder(line.path("event").asText());
        for (Iterator<Map.Entry<String, JsonNode>> it = line.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!List.of("event", "pid", "at").contains(f.getKey())) {
                String v = f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString();
                b.append(' ').append(f.getKey()).append('=').append(v);
            }
        }
        return b.length() > 240 ? b.substring(0, 237) + "..." : b.toString();
    }

    /**
     * A finished helper process.
     *
     * @param exit   its exit code
     * @param output its standard output and error
     */
    private record Proc(int exit, String output) {

        /** Runs {@code cmd} in {@code dir} and waits at most {@code seconds}. */
        static Proc run(Path dir, List<String> cmd, Map<String, String> env, long seconds)
                throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": still running after " + seconds + " s");
            }
            return new Proc(p.exitValue(), new String(bytes, StandardCharsets.UTF_8));
        }
    }
}
