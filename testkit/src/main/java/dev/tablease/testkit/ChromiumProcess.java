package dev.tablease.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Debian chromium started with {@code --remote-debugging-port=0} on 127.0.0.1 and a fresh
 * profile, shared over CDP (the "already running Chrome" of connect mode, and the browser shared by several
 * brokers or processes). Used by the demo and the adapter's tests. {@link #close()} kills it and deletes its
 * profile.
 */
public final class ChromiumProcess implements AutoCloseable {

    /** Debian's chromium. */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    /**
     * The flags Debian's chromium needs headless in a container (see TOOLCHAIN.md): the same list as the
     * adapter's {@code AdapterConfig.DEFAULT_ARGS}, which this module cannot depend on (the adapter's
     * {@code ChromiumFlagsTest} checks that the two agree).
     */
    public static final List<String> HEADLESS_ARGS = List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");

    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^\\s]+)");

    private final Process process;
    private final Path profile;
    private final URI browserWs;

    private ChromiumProcess(Process process, Path profile, URI browserWs) {
        this.process = process;
        this.profile = profile;
        this.browserWs = browserWs;
    }

    /** Starts {@code /usr/bin/chromium} and waits for its DevTools endpoint (at most 20 s). */
    public static ChromiumProcess start() throws IOException, InterruptedException {
        return start(CHROMIUM);
    }

    /**
     * Flags that keep background tabs running at full speed. Only the focused tab of a browser is
     * "visible": the others get their timers and animation frames throttled, and Playwright's actionability
     * checks (which wait for animation frames) then take seconds. Playwright's own launcher passes these.
     */
    public static final List<String> NO_BACKGROUND_THROTTLING = List.of("--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding");

    /** Starts the chromium at {@code executable} and waits for its DevTools endpoint (at most 20 s). */
    public static ChromiumProcess start(Path executable) throws IOException, InterruptedException {
        return start(executable, List.of());
    }

    /**
     * Starts the chromium at {@code executable} with {@link #HEADLESS_ARGS}
     * and {@code extraArgs}, and waits for its DevTools endpoint (at most 20 s).
     */
    public static ChromiumProcess start(Path executable, List<String> extraArgs) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("tablease-chromium-");
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--headless=new",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile));
        cmd.addAll(HEADLESS_ARGS);
        cmd.addAll(extraArgs);
        cmd.add("about:blank");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<URI> ws = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        ws.complete(URI.create(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // process ended
            }
            ws.completeExceptionally(new IOException("chromium exited without a DevTools endpoint"));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return new ChromiumProcess(p, profile, ws.get(20, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            deleteTree(profile);
            throw new IOException("chromium did not start", e);
        }
    }

    /** @return {@code http://127.0.0.1:PORT}, what {@code connectOverCDP} takes */
    public URI httpEndpoint() {
        return URI.create("http://" + browserWs.getHost() + ":" + browserWs.getPort());
    }

    /** @return the browser's own WebSocket endpoint (a second CDP client) */
    public URI browserWebSocket() {
        return browserWs;
    }

    /** @return the WebSocket endpoint of one page target */
    public URI pageWebSocket(String targetId) {
        return URI.create("ws://" + browserWs.getHost() + ":" + browserWs.getPort() + "/devtools/page/" + targetId);
    }

    /** @return the browser's process id */
    public long pid() {
        return process.pid();
    }

    /** Kills the browser with SIGKILL (and its children). */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Kills the browser and deletes its profile directory. */
    @Override
    public void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(profile);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
