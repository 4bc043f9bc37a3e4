package dev.tablease.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 in front of another loopback port (a browser's CDP endpoint), that a test can
 * {@link #cut()} and {@link #restore()}: the "proxy in between restarted" of a lost CDP connection while the
 * browser and its tabs stay up. While cut, every forwarded connection is closed and new ones are accepted and
 * closed at once (the client sees its connection drop, then connection resets until the restore).
 */
public final class TcpProxy implements AutoCloseable {

    /** Where connections are forwarded to. */
    private final InetSocketAddress upstream;
    /** The proxy's own listening socket (127.0.0.1, an ephemeral port). */
    private final ServerSocket server;
    /** The sockets of the connections being forwarded (both ends), closed by {@link #cut()}. */
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Whether the proxy is cut. */
    private volatile boolean cut;
    /** How many connections were accepted and forwarded. */
    private volatile int forwarded;

    private TcpProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy in front of {@code endpoint}'s host and port (loopback only).
     *
     * @param endpoint a {@code ws://} or {@code http://} URI on a loopback address
     * @return the running proxy
     * @throws IOException when the proxy cannot listen
     */
    public static TcpProxy inFrontOf(URI endpoint) throws IOException {
        InetAddress host = InetAddress.getByName(endpoint.getHost());
        if (!host.isLoopbackAddress()) {
            throw new IllegalArgumentException("the proxy forwards to loopback addresses only, not " + endpoint);
        }
        return new TcpProxy(new InetSocketAddress(host, endpoint.getPort()));
    }

    /** @return {@code endpoint} with its port replaced by the proxy's (same scheme, host and path) */
    public URI through(URI endpoint) {
        return URI.create(endpoint.getScheme() + "://127.0.0.1:" + server.getLocalPort()
                + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath()));
    }

    /** Drops every forwarded connection and refuses new ones (accepts and closes them) until {@link #restore()}. */
    public void cut() {
        cut = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    /** Forwards new connections again. */
    public void restore() {
        cut = false;
    }

    /** @return how many connections were forwarded so far (a reconnect shows as one more) */
    public int forwarded() {
        return forwarded;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut) {
                closeQuietly(client);
                continue;
            }
            Socket target = new Socket();
            try {
                target.connect(upstream, 2_000);
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(target);
                continue;
            }
            open.add(client);
            open.add(target);
            forwarded++;
            pump(client, target);
            pump(target, client);
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Stops listening and drops every connection. */
    @Override
    public void close() {
        cut();
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
