package dev.tablease.serve.internal;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One connection to Chrome's own page socket of a tab ({@code /devtools/page/<targetId>}), first a spare kept by
 * {@link PageLinks}, then attached to exactly one {@link CdpSocket} for the rest of its life (it is never handed to
 * a second one: a holder's CDP state, its enabled domains and scripts, goes with the connection, and the connection
 * is closed when that holder's socket ends).
 *
 * <p>While spare, the link has asked Chrome for one message, so it learns when Chrome closes it (the tab closed);
 * Chrome sends nothing else on a connection that has enabled nothing, and a spare that receives a message anyway is
 * closed and dropped. {@link #request()} uses up that one outstanding demand before asking for more, so an attached
 * socket still reads Chrome's messages one at a time. Thread-safe.
 */
final class PageLink implements WebSocket.Listener {

    /** What the spare link does when Chrome closes it or writes to it: drop it from the spares. */
    interface Dropped {
        /** @param link the link that must not be handed out any more */
        void dropped(PageLink link);
    }

    /** The tab. */
    private final String targetId;
    /** Told when the link dies while spare. */
    private final Dropped dropped;
    /** Completed with the connection once Chrome answered the handshake. */
    final CompletableFuture<WebSocket> opened = new CompletableFuture<>();
    /** The attached socket's listener; {@code null} while spare. Guarded by {@code this}. */
    private WebSocket.Listener attached;
    /** Whether the spare's one demand is still outstanding. Guarded by {@code this}. */
    private boolean spareDemand;
    /** Whether the link closed or failed while spare. Guarded by {@code this}. */
    private boolean dead;

    PageLink(String targetId, Dropped dropped) {
        this.targetId = targetId;
        this.dropped = dropped;
    }

    /** @return the tab's target id */
    String targetId() {
        return targetId;
    }

    /**
     * Binds the link to its socket's listener; later messages and the close go there.
     *
     * @param listener the socket's listener of Chrome's side
     * @return {@code false} when the link died while spare (the caller connects anew)
     */
    synchronized boolean attach(WebSocket.Listener listener) {
        if (dead || attached != null) {
            return false;
        }
        attached = listener;
        return true;
    }

    /** Asks Chrome's side for the next message (the attached socket's demand). */
    void request() {
        WebSocket ws = opened.getNow(null);
        synchronized (this) {
            if (spareDemand) {
                spareDemand = false; // asked for while spare, not delivered yet: it is this request's
                return;
            }
        }
        if (ws != null) {
            ws.request(1);
        }
    }

    /** Closes the connection at once. */
    void abort() {
        opened.thenAccept(WebSocket::abort);
    }

    /** @return the attached listener, or {@code null} (then the link is dropped as dead) */
    private WebSocket.Listener attachedOrDrop() {
        synchronized (this) {
            if (attached != null) {
                return attached;
            }
            dead = true;
        }
        dropped.dropped(this);
        return null;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        synchronized (this) {
            if (attached == null) {
                spareDemand = true;
                webSocket.request(1);
            }
        }
    }

    /**
     * A message arrived: the outstanding demand is used up.
     *
     * @return the attached listener to hand it to, or {@code null} when the link was spare (it is then closed
     *         and dropped: Chrome wrote on a connection that enabled nothing)
     */
    private WebSocket.Listener received(WebSocket webSocket) {
        synchronized (this) {
            spareDemand = false;
        }
        WebSocket.Listener l = attachedOrDrop();
        if (l == null) {
            webSocket.abort();
        }
        return l;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        WebSocket.Listener l = received(webSocket);
        return l == null ? null : l.onText(webSocket, data, last);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        WebSocket.Listener l = received(webSocket);
        return l == null ? null : l.onBinary(webSocket, data, last);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        WebSocket.Listener l = attachedOrDrop();
        return l == null ? null : l.onClose(webSocket, statusCode, reason);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        WebSocket.Listener l = attachedOrDrop();
        if (l != null) {
            l.onError(webSocket, error);
        }
    }
}
