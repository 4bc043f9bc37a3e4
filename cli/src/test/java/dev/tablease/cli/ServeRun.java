package dev.tablease.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One {@code tablease serve} run in this JVM (tests): started, waited for until it listens, stopped. */
final class ServeRun {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+) \\(token in (.+)\\)");

    /** Counted down by {@link #stop}. */
    private final CountDownLatch stop = new CountDownLatch(1);
    /** What the command printed to standard output. */
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    /** What the command printed to standard error. */
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    /** The command's exit code, when it has stopped. */
    private final CompletableFuture<Integer> exit;
    /** The service's base URI, from its "listening on" line. */
    final URI base;
    /** The token file it named. */
    final Path tokenFile;

    private ServeRun(Map<String, String> env, String... args) throws InterruptedException {
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        exit = CompletableFuture.supplyAsync(() -> new TableaseCli(o, e, List.of(new ServeCommand(stop, env))).run(all));
        Matcher m = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (m == null || !m.find()) {
            assertFalse(exit.isDone(), "exited early: " + this);
            assertTrue(System.nanoTime() < deadline, "never listened: " + this);
            Thread.sleep(50);
            m = LISTENING.matcher(out.toString(StandardCharsets.UTF_8));
        }
        base = URI.create(m.group(1));
        tokenFile = Path.of(m.group(2));
    }

    /** @return a running service: {@code tablease serve args…} once it listens */
    static ServeRun start(Map<String, String> env, String... args) throws InterruptedException {
        return new ServeRun(env, args);
    }

    /** Stops the service; @return its exit code */
    int stop() throws Exception {
        stop.countDown();
        return exit.get(30, TimeUnit.SECONDS);
    }

    /** @return what it printed to standard error */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return out.toString(StandardCharsets.UTF_8) + "\n" + err();
    }
}
