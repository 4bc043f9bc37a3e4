package dev.tablease.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for the tests: Debian's PostgreSQL 15 binaries ({@link #BIN}) {@code initdb} a
 * fresh cluster in a temporary directory and run it on a free loopback port (127.0.0.1 only; the unix socket in
 * the same directory), with durable commits ({@code fsync=on}, {@code synchronous_commit=on}) and trust
 * authentication for the superuser {@link #USER} (loopback only). PostgreSQL refuses to run as root: when this
 * JVM runs as root (CI), the cluster's directory is given to the {@code postgres} user (or {@code nobody} when
 * there is none) and every server command runs through {@code runuser -u <user> --}; otherwise directly.
 * The server is stopped by {@link #close()} and, failing that, when the JVM exits. Public for the cli module's
 * tests (through this module's test-jar).
 */
public final class PostgresCluster implements AutoCloseable {

    /** Where Debian's {@code postgresql-15} package puts the server binaries. */
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    /** The cluster's superuser (trust authentication on loopback). */
    public static final String USER = "tablease";

    /** The one cluster most tests share (each test gets its own database); started on first use. */
    private static PostgresCluster shared;
    /** Names the databases {@link #newDatabase} creates. */
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** The temporary directory: {@code data/} (the cluster), the socket, {@code server.log}. */
    final Path dir;
    /** The loopback TCP port, kept across {@link #crashAndRestart()}. */
    public final int port;
    /** The unprivileged user the server runs as, or {@code null} when this JVM is not root. */
    private final String runAs;
    /** Whether {@link #close()} ran. */
    private volatile boolean closed;

    private PostgresCluster(Path dir, int port, String runAs) {
        this.dir = dir;
        this.port = port;
        this.runAs = runAs;
    }

    /** @return whether the PostgreSQL 15 binaries are installed ({@code .ci/run} installs them) */
    public static boolean available() {
        return Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_ctl"));
    }

    /** @return the cluster shared by the tests of this JVM (started once; stopped when the JVM exits) */
    public static synchronized PostgresCluster shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /**
     * Initialises and starts a new cluster.
     *
     * @return the running cluster
     */
    static PostgresCluster start() {
        if (!available()) {
            throw new IllegalStateException("PostgreSQL 15 is not installed (" + BIN + "/initdb): apt-get install postgresql");
        }
        try {
            String runAs = isRoot() ? unprivilegedUser() : null;
            // as root under /tmp itself: java.io.tmpdir may lie in a directory the server's user cannot enter
            Path dir = Files.createTempDirectory(runAs != null ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir")),
                    "tablease-pg-");
            PostgresCluster c = new PostgresCluster(dir, freePort(), runAs);
            Runtime.getRuntime().addShutdownHook(new Thread(c::close, "postgres-stop"));
            if (runAs != null) {
                run(List.of("chown", runAs, dir.toString()), 30);
            }
            c.server(List.of(BIN.resolve("initdb").toString(), "-D", c.data().toString(), "-U", USER, "--auth=trust",
                    "-E", "UTF8", "--no-locale", "--no-sync"), 120);
            Files.writeString(c.data().resolve("postgresql.conf"), String.join("\n",
                    "", "# tablease tests (PostgresCluster)",
                    "listen_addresses = '127.0.0.1'",
                    "port = " + c.port,
                    "unix_socket_directories = '" + dir + "'",
                    "max_connections = 100",
                    "fsync = on",
                    "synchronous_commit = on",
                    "shared_buffers = 32MB",
                    ""), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            c.startServer();
            return c;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return {@code data/}, the cluster's directory */
    Path data() {
        return dir.resolve("data");
    }

    /** @return the JDBC URL of database {@code name} (no password: trust on loopback) */
    String url(String name) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name + "?user=" + USER;
    }

    /**
     * Creates an empty database.
     *
     * @return its JDBC URL
     */
    public String newDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        sql("postgres", "CREATE DATABASE " + name);
        return url(name);
    }

    /** Runs statements in database {@code name} (as the superuser, autocommit). */
    void sql(String name, String... statements) {
        try (Connection c = DriverManager.getConnection(url(name)); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the server and waits until it accepts connections. */
    void startServer() {
        server(List.of(BIN.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "60", "start"), 90);
    }

    /** Stops the server at once ({@code pg_ctl stop -m immediate}: no checkpoint, connections cut; crash recovery at the next start). */
    void stopImmediately() {
        server(List.of(BIN.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop"), 60);
    }

    /** An immediate shutdown, then a start on the same port (the server replays its WAL). */
    void crashAndRestart() {
        stopImmediately();
        startServer();
    }

    /** @return the server's log so far (for failure messages) */
    String serverLog() {
        try {
            String log = Files.readString(dir.resolve("server.log"));
            return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** Stops the server (immediately: the data is thrown away) and deletes the directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Files.exists(data().resolve("postmaster.pid"))) {
            try {
                stopImmediately();
            } catch (RuntimeException e) {
                // already stopped
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left behind
        }
    }

    /** Runs a server command as {@link #runAs} (or directly when not root). */
    private void server(List<String> command, long timeoutSeconds) {
        List<String> full = new ArrayList<>();
        if (runAs != null) {
            full.addAll(List.of("runuser", "-u", runAs, "--"));
        }
        full.addAll(command);
        run(full, timeoutSeconds);
    }

    private static void run(List<String> command, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("tablease-pg-cmd-", ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(command + " did not finish within " + timeoutSeconds + " s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(command + " exited with " + p.exitValue() + ": " + Files.readString(out));
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** @return {@code postgres} when that user exists (Debian's package creates it), else {@code nobody} */
    private static String unprivilegedUser() throws IOException {
        boolean postgres = Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith("postgres:"));
        return postgres ? "postgres" : "nobody";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
