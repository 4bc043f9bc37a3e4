package dev.tablease.cli;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.kernel.KernelConfig;
import dev.tablease.serve.LeaseServer;
import dev.tablease.serve.ServeConfig;
import dev.tablease.store.InMemoryKernelStore;
import dev.tablease.store.KernelStore;
import dev.tablease.store.MillisClock;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tablease serve (--cdp <url> | --launch) [options]}: the lease service over HTTP/JSON (docs/serve.md).
 * Runs until the process is stopped (SIGINT, SIGTERM), then releases what it holds with {@code DETACH}, stops
 * the broker and deletes its token file.
 */
public final class ServeCommand implements Command {

    /** The default TCP port. */
    static final int DEFAULT_PORT = 7311;

    /** Counted down to stop the service; {@code null}: stop on the JVM's shutdown (SIGINT, SIGTERM). */
    private final CountDownLatch stop;

    /** The environment: {@code $PGPASSWORD} for a PostgreSQL {@code --store} ({@link StoreTarget}). */
    private final java.util.Map<String, String> env;

    /** A command that serves until the JVM shuts down. */
    public ServeCommand() {
        this(null);
    }

    /**
     * A command that serves until {@code stop} is counted down (tests).
     *
     * @param stop the stop signal, or {@code null} for the JVM's shutdown
     */
    public ServeCommand(CountDownLatch stop) {
        this(stop, System.getenv());
    }

    /**
     * A command that serves until {@code stop} is counted down, with its own environment (tests).
     *
     * @param stop the stop signal, or {@code null} for the JVM's shutdown
     * @param env  the environment ({@code $PGPASSWORD})
     */
    public ServeCommand(CountDownLatch stop, java.util.Map<String, String> env) {
        this.stop = stop;
        this.env = env;
    }

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String arguments() {
        return "(--cdp <http://127.0.0.1:PORT> | --launch) [--port N] [--token-file F] [--store DB] …";
    }

    @Override
    public String summary() {
        return "serve leases over HTTP/JSON to agents in any language (docs/serve.md)";
    }

    @Override
    public String help() {
        return """
                Starts the lease service: one broker on one Chrome (attached over CDP on loopback with --cdp,
                or launched headless with --launch) over a store (in memory, or SQLite or PostgreSQL with --store),
                serving acquire, wait, cancel, heartbeat, release, update and status over HTTP/JSON
                (serve/src/main/resources/dev/tablease/serve/openapi.yaml), and each grant's own CDP
                WebSocket (its cdpUrl, ws://HOST:PORT/v1/cdp/<sessionId>/<token>) proxied to that tab
                only and closed when the lease ends. Every request needs
                'Authorization: Bearer <token>'; the token is generated at start and written to the token
                file, readable by its owner only (0600). Prints one line when it listens:
                  tablease serve: listening on http://127.0.0.1:7311 (token in /root/.tablease/serve.token)
                and runs until stopped (Ctrl-C, SIGTERM): the leases it holds are released with DETACH (the
                sessions keep their tabs), a launched browser is closed, the token file is deleted.

                options:
                  --cdp <url>            attach to the Chrome at http://127.0.0.1:PORT (loopback only)
                  --launch               launch /usr/bin/chromium headless (or --chromium <path>) with
                                         a DevTools port on 127.0.0.1 (for the CDP sockets)
                  --chromium <path>      the browser --launch starts
                  --port <n>             the TCP port, 0 for an ephemeral one; default 7311
                  --host <address>       the address to bind; default 127.0.0.1
                  --allow-non-loopback   needed to bind a --host that is not a loopback address
                  --token-file <file>    default ~/.tablease/serve.token
                  --store <store>        keep the kernel's state in this store (docs/store.md): an SQLite
                                         file (created when missing), held exclusively while serve runs
                                         (no other process may open it: ask the service instead), or a
                                         PostgreSQL URL (postgresql://user@host:port/db; the password
                                         from the URL or $PGPASSWORD; the database may be on another
                                         host); a JSON state file is refused ('tablease import' it);
                                         default: in memory
                  --max-per-key <n>      the cap per key (default 3; must match an existing store's)
                  --global-max <n>       the cap over all tabs (default 8; must match an existing store's)
                  --max-body-bytes <n>   the request body bound; default 65536
                  --max-wait-millis <n>  the longest long poll; default 30000
                  --max-requests-per-second <n>
                                         the request rate bound over all clients; default 10000

                exit codes:
                  0  stopped cleanly (a signal: the JVM's 130 or 143, after the same clean stop)
                  1  the service could not start (port in use, browser unreachable, token file unwritable,
                     the store cannot be opened: corrupt, another config, a state file, unreachable,
                     an SQLite file another process has open)
                  2  wrong arguments
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Args a;
        ServeConfig serve;
        AdapterConfig adapter;
        KernelConfig kernel;
        try {
            a = Args.parse(args, Set.of("cdp", "chromium", "port", "host", "token-file", "store", "max-per-key",
                    "global-max", "max-body-bytes", "max-wait-millis", "max-requests-per-second"), Set.of("launch", "allow-non-loopback"));
            a.positionalCount(0, 0, "no positional arguments");
            if (a.has("cdp") == a.has("launch")) {
                throw new Args.UsageException("give exactly one of --cdp <url> and --launch");
            }
            adapter = a.has("cdp") ? AdapterConfig.connect(URI.create(a.get("cdp", null))) : AdapterConfig.launch();
            if (a.has("chromium")) {
                adapter = adapter.withChromiumPath(Path.of(a.get("chromium", null)));
            }
            adapter = adapter.withHolder("serve");
            Path tokenFile = Path.of(a.get("token-file",
                    Path.of(System.getProperty("user.home"), ".tablease", "serve.token").toString()));
            serve = ServeConfig.loopback(tokenFile)
                    .withHost(a.get("host", ServeConfig.LOOPBACK), a.has("allow-non-loopback"))
                    .withPort(a.intValue("port", DEFAULT_PORT, 0, 65_535))
                    .withMaxBodyBytes(a.intValue("max-body-bytes", ServeConfig.DEFAULT_MAX_BODY_BYTES, 256, 16 << 20))
                    .withMaxWaitMillis(a.intValue("max-wait-millis", (int) ServeConfig.DEFAULT_MAX_WAIT_MILLIS, 1, 600_000))
                    .withMaxRequestsPerSecond(a.intValue("max-requests-per-second",
                            ServeConfig.DEFAULT_MAX_REQUESTS_PER_SECOND, 1, 1_000_000));
            KernelConfig.Builder k = KernelConfig.builder();
            if (a.has("max-per-key")) {
                k.maxPerKey(a.intValue("max-per-key", 3, 1, 1_000));
            }
            if (a.has("global-max")) {
                k.globalMax(a.intValue("global-max", 8, 1, 10_000));
            }
            kernel = k.build();
        } catch (Args.UsageException | IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        CountDownLatch signal = stop != null ? stop : new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = null;
        if (stop == null) {
            hook = new Thread(() -> {
                signal.countDown();
                try {
                    stopped.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "tablease-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        StoreTarget target;
        try {
            target = a.has("store") ? StoreTarget.of(a.get("store", null), env) : null;
        } catch (IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        try (KernelStore store = target == null ? new InMemoryKernelStore(kernel, MillisClock.system())
                : target.openServing(kernel)) {
            try (LeaseServer server = LeaseServer.start(serve, adapter, store)) {
                out.println("tablease serve: listening on " + server.uri() + " (token in " + serve.tokenFile() + ")");
                out.flush();
                signal.await();
                err.println("tablease serve: stopping");
            }
            return OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OK;
        } catch (UncheckedIOException | IllegalStateException e) {
            err.println("tablease serve: cannot start: " + e.getMessage());
            return FAILED;
        } catch (dev.tablease.store.StoreException e) {
            err.println("tablease serve: cannot open the store: " + e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            err.println("tablease serve: failed: " + e);
            return FAILED;
        } finally {
            stopped.countDown();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook is running
                }
            }
        }
    }
}
