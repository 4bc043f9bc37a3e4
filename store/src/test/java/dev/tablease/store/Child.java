package dev.tablease.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A child JVM ({@link StoreWorker}) whose standard output is collected line by line. */
final class Child implements AutoCloseable {

    private static final String EOF = "\u0000eof";

    final Process process;
    private final LinkedBlockingQueue<String> pending = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();
    private final Thread reader;

    private final java.nio.file.Path stderr;

    /** @param stderr where the child's standard error goes (shown when the child fails) */
    Child(java.nio.file.Path stderr, String... args) throws IOException {
        this(stderr, null, args);
    }

    /** @param jvmFlags the child JVM's flags, {@code null} for the tests' (fast start-up) */
    Child(java.nio.file.Path stderr, List<String> jvmFlags, String... args) throws IOException {
        this.stderr = stderr;
        process = (jvmFlags == null ? StoreFixtures.childJvm(StoreWorker.class, args)
                : StoreFixtures.childJvm(jvmFlags, StoreWorker.class, args))
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start();
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    pending.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                pending.add(EOF);
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** @return the next line starting with {@code prefix} (earlier lines are kept in {@link #lines}) */
    String await(String prefix, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            String line = pending.poll(Math.max(1, end - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (line == null || line.equals(EOF)) {
                if (line != null) {
                    pending.add(EOF);
                }
                throw new AssertionError("no line '" + prefix + "...' from the child within " + timeoutMillis
                        + " ms; alive=" + process.isAlive() + "; lines so far: " + tail() + "; standard error: " + errors());
            }
            all.add(line);
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.startsWith("error")) {
                throw new AssertionError("the child failed: " + line);
            }
        }
    }

    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Waits for the process to end and for its output to be read; @return every line it printed */
    List<String> finish(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the child did not end within " + timeoutMillis + " ms");
        }
        reader.join(timeoutMillis);
        for (String line; (line = pending.poll()) != null; ) {
            if (!line.equals(EOF)) {
                all.add(line);
            }
        }
        return List.copyOf(all);
    }

    String errors() {
        try {
            String text = java.nio.file.Files.readString(stderr);
            return text.length() > 3000 ? text.substring(0, 3000) + "..." : text;
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private String tail() {
        return all.subList(Math.max(0, all.size() - 5), all.size()).toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
