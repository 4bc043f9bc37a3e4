package dev.tablease.adapter.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A child JVM running a main class of the test classpath; its stdout lines are queued, stderr goes to ours. */
public final class Jvm implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Jvm(Process process) {
        this.process = process;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // ended
            }
        }, "jvm-stdout");
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code java -cp <this classpath> main args…}. */
    public static Jvm start(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        String driverDir = parentDriverDir();
        if (driverDir != null) {
            cmd.add("-Dplaywright.cli.dir=" + driverDir); // reuse this JVM's unpacked driver: no 134 MB unpack per child
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        return new Jvm(pb.start());
    }

    /**
     * @return the directory where this JVM's Playwright unpacked its driver (Playwright's impl API; test-only),
     * or null, in which case a child unpacks its own
     */
    private static synchronized String parentDriverDir() {
        try {
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            return com.microsoft.playwright.impl.driver.Driver.ensureDriverInstalled(env, false).driverDir().toString();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** @return the next stdout line starting with {@code prefix}, waiting at most {@code seconds} */
    public String awaitLine(String prefix, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && !process.isAlive() && lines.isEmpty()) {
                throw new AssertionError("child JVM exited with " + process.exitValue() + " before printing " + prefix);
            }
        }
        throw new AssertionError("child JVM printed no " + prefix + " line in " + seconds + " s");
    }

    /** kill -9. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** @return the exit code, waiting at most {@code seconds} */
    public int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("child JVM did not exit in " + seconds + " s");
        }
        return process.exitValue();
    }

    /** @return the process id */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
