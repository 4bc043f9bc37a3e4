package dev.tablease.serve.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Chrome's page sockets for the leases' CDP sockets, one spare connection per tab opened ahead: the handshake of
 * the JDK's WebSocket with Chrome takes 5-9 ms here, longer than the rest of a pooled grant, so it is made while
 * the tab waits rather than while the holder does. A tab gets a spare after its first CDP socket, and a new one each
 * time a socket takes it, so connections are opened only as fast as holders use them (a lease that never opens a
 * CDP socket costs none). Spares carry no CDP state: nothing was ever sent on them. The new spare is opened
 * {@value #REPLENISH_DELAY_MILLIS} ms after a socket took the old one, on this object's own thread: on two cores a
 * handshake with Chrome started at once competes for the CPU with the upgrade it follows (measured: it sat on the
 * taking socket's path). Thread-safe.
 */
final class PageLinks {

    private static final System.Logger LOG = System.getLogger(PageLinks.class.getName());
    /** How long after a socket took a tab's spare the next one is opened, in milliseconds. */
    static final long REPLENISH_DELAY_MILLIS = 50;

    /** The client of Chrome's page sockets. */
    private final HttpClient client;
    /** Chrome's page socket of a tab. */
    private final Function<String, URI> pageSocket;
    /** The longest handshake waited for, in milliseconds. */
    private final long connectMillis;
    /** A spare link by target id, connected or connecting. */
    private final ConcurrentHashMap<String, PageLink> spares = new ConcurrentHashMap<>();
    /** Set by {@link #close()}: no more spares. */
    private volatile boolean closed;
    /** Opens the spares that replace taken ones (one daemon thread). */
    private final ScheduledExecutorService replenisher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tablease-page-links");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param pageSocket    Chrome's page socket of a target id
     * @param connectMillis the longest handshake waited for, in milliseconds
     */
    PageLinks(Function<String, URI> pageSocket, long connectMillis) {
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(connectMillis)).build();
        this.pageSocket = pageSocket;
        this.connectMillis = connectMillis;
    }

    /**
     * A connection to the tab's page socket for one CDP socket: the tab's spare when it has a live one, else a new
     * connection; either way a new spare is opened for the next holder.
     *
     * @param targetId the tab
     * @param listener the CDP socket's listener of Chrome's side
     * @return the open link, attached to {@code listener}
     * @throws ExecutionException   when Chrome refused the handshake
     * @throws TimeoutException     when it took longer than the connect timeout
     * @throws InterruptedException when interrupted while waiting
     */
    PageLink take(String targetId, WebSocket.Listener listener)
            throws ExecutionException, TimeoutException, InterruptedException {
        PageLink spare = spares.remove(targetId);
        // the next holder's spare, opened off this upgrade's path (buildAsync itself takes ~0.3 ms) and after it
        try {
            replenisher.schedule(() -> replenish(targetId), REPLENISH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed: no more spares
        }
        if (spare != null && spare.attach(listener)) {
            try {
                spare.opened.get(connectMillis + 1_000, TimeUnit.MILLISECONDS);
                return spare;
            } catch (ExecutionException | TimeoutException e) {
                spare.abort(); // a spare that failed: connect anew below
            }
        } else if (spare != null) {
            spare.abort();
        }
        PageLink link = connect(targetId);
        link.attach(listener);
        link.opened.get(connectMillis + 1_000, TimeUnit.MILLISECONDS);
        return link;
    }

    /** Opens a spare for {@code targetId} unless it has one. */
    private void replenish(String targetId) {
        if (closed) {
            return;
        }
        spares.computeIfAbsent(targetId, this::connect);
        if (closed) { // close() raced the put
            drop(spares.remove(targetId));
        }
    }

    /** @return a link being connected (its future fails on a refused handshake) */
    private PageLink connect(String targetId) {
        PageLink link = new PageLink(targetId, this::dropped);
        client.newWebSocketBuilder().connectTimeout(Duration.ofMillis(connectMillis))
                .buildAsync(pageSocket.apply(targetId), link)
                .whenComplete((ws, x) -> {
                    if (x != null) {
                        link.opened.completeExceptionally(x);
                        dropped(link);
                    } else {
                        link.opened.complete(ws);
                    }
                });
        return link;
    }

    /** A spare died (its tab closed, Chrome went away, the handshake failed): it is not handed out. */
    private void dropped(PageLink link) {
        if (spares.remove(link.targetId(), link)) {
            LOG.log(System.Logger.Level.DEBUG, "spare page socket of tab " + link.targetId() + " dropped");
        }
    }

    private static void drop(PageLink link) {
        if (link != null) {
            link.abort();
        }
    }

    /** @return the tab's spare, or {@code null} (for the tests) */
    PageLink spareOf(String targetId) {
        return spares.get(targetId);
    }

    /** @return how many spares are open or opening */
    int spares() {
        return spares.size();
    }

    /** Closes every spare (the service stops); attached links close with their sockets. */
    void close() {
        closed = true;
        replenisher.shutdownNow();
        for (PageLink l : List.copyOf(spares.values())) {
            spares.remove(l.targetId(), l);
            l.abort();
        }
    }
}
