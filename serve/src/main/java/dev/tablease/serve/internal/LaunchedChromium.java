package dev.tablease.serve.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The browser of {@code tablease serve --launch}: Chromium started by the service itself with a DevTools port
 * on loopback ({@code --remote-debugging-address=127.0.0.1 --remote-debugging-port=0}) and a fresh profile, so
 * that the per-lease CDP sockets can proxy to its page sockets (Playwright's own launch speaks over a pipe and
 * has no port). The port is read from the {@code DevToolsActivePort} file Chromium writes into its profile.
 * {@link #close()} stops it (SIGTERM, then SIGKILL after 5 s) and deletes the profile.
 */
final class LaunchedChromium implements AutoCloseable {

    /** The flags that keep background tabs running at full speed (Playwright's launcher passes them too). */
    static final List<String> NO_BACKGROUND_THROTTLING = List.of("--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding");

    /** How long the start waits for the DevTools port, in milliseconds. */
    static final long START_TIMEOUT_MILLIS = 30_000;

    /** The browser. */
    private final Process process;
    /** Its profile directory, deleted on close. */
    private final Path profile;
    /** {@code http://127.0.0.1:PORT}. */
    private final URI httpEndpoint;

    private LaunchedChromium(Process process, Path profile, URI httpEndpoint) {
        this.process = process;
        this.profile = profile;
        this.httpEndpoint = httpEndpoint;
    }

    /**
     * Starts the browser and waits for its DevTools port.
     *
     * @param executable the browser
     * @param headless   whether to run it headless ({@code --headless=new})
     * @param args       more flags (the adapter's launch flags)
     * @return the running browser
     * @throws UncheckedIOException when it cannot be started or exits, or no port appears within
     *                              {@link #START_TIMEOUT_MILLIS}
     */
    static LaunchedChromium start(Path executable, boolean headless, List<String> args) {
        Path profile;
        try {
            profile = Files.createTempDirectory("tablease-serve-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the browser's profile directory", e);
        }
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--user-data-dir=" + profile));
        if (headless) {
            cmd.add("--headless=new");
        }
        cmd.addAll(args);
        // what Playwright's own launcher passes: background tabs keep full-speed timers and animation frames
        cmd.addAll(NO_BACKGROUND_THROTTLING);
        cmd.add("about:blank");
        Path log = profile.resolve("tablease-chromium.log");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(log.toFile()).start();
        } catch (IOException e) {
            deleteTree(profile);
            throw new UncheckedIOException("cannot start the browser " + executable, e);
        }
        Path portFile = profile.resolve("DevToolsActivePort");
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        try {
            while (System.nanoTime() < until) {
                int port = readPort(portFile);
                if (port > 0) {
                    return new LaunchedChromium(p, profile, URI.create("http://127.0.0.1:" + port));
                }
                if (!p.isAlive()) {
                    throw new IOException("the browser " + executable + " exited with " + p.exitValue()
                            + " before opening its DevTools port: " + tail(log));
                }
                Thread.sleep(25);
            }
            throw new IOException("the browser " + executable + " opened no DevTools port within "
                    + START_TIMEOUT_MILLIS + " ms: " + tail(log));
        } catch (IOException e) {
            stop(p);
            deleteTree(profile);
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(p);
            deleteTree(profile);
            throw new UncheckedIOException(new IOException("interrupted while starting the browser"));
        }
    }

    /** @return the port in the first line of a complete {@code DevToolsActivePort} file, or 0 */
    private static int readPort(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return 0;
        }
        if (lines.size() < 2) {
            return 0; // being written: the second line (the browser's socket path) comes last
        }
        try {
            int port = Integer.parseInt(lines.get(0).trim());
            return port > 0 && port < 65_536 ? port : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** @return {@code http://127.0.0.1:PORT}, what the broker connects to */
    URI httpEndpoint() {
        return httpEndpoint;
    }

    /** Stops the browser and deletes its profile. Idempotent. */
    @Override
    public void close() {
        stop(process);
        deleteTree(profile);
    }

    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
