package dev.tablease.serve;

import dev.tablease.adapter.AdapterConfig;
import dev.tablease.serve.internal.JettyLeaseServer;
import dev.tablease.store.KernelStore;

import java.net.URI;

/**
 * The running service: an HTTP/JSON server (Jetty 12) in front of one {@link dev.tablease.adapter.TabBroker}
 * that it starts and owns, over a {@link KernelStore} that the caller owns.
 *
 * <p>The remote holders heartbeat their own leases: the broker it starts never beats a lease by itself, so a
 * holder that stops beating loses its lease after the kernel's heartbeat timeout, exactly as a dead driver
 * does in the library. Every request needs the bearer token ({@code Authorization: Bearer …}); see
 * {@code docs/serve.md} and {@code openapi.yaml}.
 */
public interface LeaseServer extends AutoCloseable {

    /**
     * Starts the broker (connecting to Chrome as {@code adapter} says, with the broker's own heartbeats turned
     * off; in launch mode the service first starts the browser itself with a DevTools port on 127.0.0.1, which
     * the per-lease CDP sockets proxy to, and connects to it), generates the bearer token, writes it to
     * {@link ServeConfig#tokenFile()} (mode 0600), and starts listening. Every grant carries a {@code cdpUrl}:
     * the lease's own CDP WebSocket on its tab only, closed the moment the lease ends (docs/serve.md, "Fencing
     * at the tab").
     *
     * @param config  where and how to listen
     * @param adapter how the broker reaches Chrome, and its timings ({@code heartbeatIntervalMillis} is ignored:
     *                the remote holders beat)
     * @param store   the kernel's state; not closed by the server
     * @return the running server; {@link #close()} it
     * @throws java.io.UncheckedIOException when the token file cannot be written or the port cannot be bound
     */
    static LeaseServer start(ServeConfig config, AdapterConfig adapter, KernelStore store) {
        return JettyLeaseServer.start(config, adapter, store);
    }

    /** @return the base URI, {@code http://HOST:PORT} */
    URI uri();

    /** @return the TCP port bound (the ephemeral one when the config asked for 0) */
    int port();

    /** @return the bearer token every request must carry (also in the token file) */
    String bearerToken();

    /** @return the configuration */
    ServeConfig config();

    /**
     * Stops listening (open long polls are answered {@code 503 UNAVAILABLE}), withdraws the queued requests,
     * closes the CDP sockets (code 1001), releases the leases held through the service with {@code DETACH}
     * (their reservations stay), closes the broker (a launched browser is stopped, a connected one only
     * disconnected) and deletes the token file. Does not close the store. Idempotent.
     */
    @Override
    void close();
}
