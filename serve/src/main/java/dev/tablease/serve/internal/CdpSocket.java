package dev.tablease.serve.internal;

import dev.tablease.adapter.LeaseRevokedException;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client's CDP socket on one lease: the client side is a Jetty WebSocket session, the upstream side the
 * JDK's WebSocket to Chrome's own page socket of the lease's tab ({@code /devtools/page/<targetId>}). Messages
 * go through unchanged and in order in both directions, one at a time each way: the next client message is
 * read only after the previous one was handed to Chrome's socket (or answered), and the next message from
 * Chrome only after the previous one was written to the client, so a slow reader slows its writer instead of
 * filling memory. Every client message is first checked against the lease ({@link CdpFencing#checkEachFrame()})
 * and the method filter ({@link CdpFilter}); the socket is closed with a code saying why the moment the lease
 * ends, either side closes, or a message is too large. See docs/serve.md "Fencing at the tab".
 */
public final class CdpSocket implements Session.Listener {

    private static final System.Logger LOG = System.getLogger(CdpSocket.class.getName());

    /** Close code: the lease was released by its holder (any outcome); the reason names the outcome. */
    static final int CLOSE_RELEASED = 4000;
    /** Close code: the kernel revoked the lease; the reason names {@code HEARTBEAT_MISSED}, {@code DEADLINE} or {@code TAB_GONE}. */
    static final int CLOSE_REVOKED = 4001;
    /** Close code: the kernel refused the lease's token (it lapsed, or was revoked by another process). */
    static final int CLOSE_REFUSED = 4002;
    /** Close code: Chrome closed the tab's own socket (the tab closed or crashed, the browser went away). */
    static final int CLOSE_TAB_CLOSED = 4003;
    /** Close code: the service is stopping (WebSocket's "going away"). */
    static final int CLOSE_GOING_AWAY = 1001;
    /** Close code: a message from Chrome exceeded {@link #MAX_UPSTREAM_MESSAGE_CHARS} (WebSocket's "message too big"). */
    static final int CLOSE_TOO_BIG = 1009;
    /** Close code: the proxy failed (WebSocket's "internal error"). */
    static final int CLOSE_INTERNAL = 1011;

    /** The largest message accepted from the client, in bytes (Jetty closes with 1009 beyond it). */
    static final int MAX_CLIENT_MESSAGE_BYTES = 16 << 20;
    /** The largest message accepted from Chrome, in characters (screenshots are large; 64 Mi). */
    static final int MAX_UPSTREAM_MESSAGE_CHARS = 64 << 20;

    /**
     * How the socket closes: a WebSocket close code and its reason.
     *
     * @param code   the close code
     * @param reason at most 123 bytes of UTF-8
     */
    record Close(int code, String reason) {
        /** Cuts the reason to WebSocket's 123 bytes. */
        Close {
            byte[] b = reason.getBytes(StandardCharsets.UTF_8);
            if (b.length > 123) {
                reason = new String(b, 0, 120, StandardCharsets.UTF_8).replace("\uFFFD", "") + "...";
            }
        }

        /**
         * @param e how the lease ended, as the adapter reports it
         * @return the close that says so
         */
        static Close of(LeaseRevokedException e) {
            if (e.reason().isPresent()) {
                return new Close(CLOSE_REVOKED, "lease ended: " + e.reason().get());
            }
            if (e.refusal().isPresent()) {
                return new Close(CLOSE_REFUSED, "lease ended: token refused (" + e.refusal().get() + ")");
            }
            return new Close(CLOSE_RELEASED, "lease ended: released");
        }
    }

    /** The lease this socket is for. */
    private final LeaseRegistry.Held lease;
    /** The service, for the liveness check. */
    private final LeaseService service;
    /** The sockets of the service, this one is removed from at its end. */
    private final CdpSockets sockets;
    /** What this socket enforces. */
    private final CdpFencing fencing;
    /** Guards {@link #end}, and makes a forward and the end exclusive. */
    private final Object lock = new Object();
    /** How the socket ended, {@code null} while open. Guarded by {@link #lock}. */
    private Close end;
    /** The client's session, set on open. */
    private volatile Session client;
    /** Chrome's page socket, set once connected. */
    private final AtomicReference<WebSocket> upstream = new AtomicReference<>();
    /** The link {@link #upstream} came with (its first demand may be outstanding already), set once connected. */
    private volatile PageLink link;
    /** A message from Chrome being joined from its fragments (only Chrome's listener thread touches it). */
    private final StringBuilder partial = new StringBuilder();

    CdpSocket(LeaseRegistry.Held lease, LeaseService service, CdpSockets sockets, CdpFencing fencing) {
        this.lease = lease;
        this.service = service;
        this.sockets = sockets;
        this.fencing = fencing;
    }

    /** @return the lease's token */
    long token() {
        return lease.lease().token();
    }

    /** @param link Chrome's page socket, open and attached to {@link #upstreamListener()} */
    void connected(PageLink link) {
        WebSocket ws = link.opened.join();
        this.link = link;
        upstream.set(ws);
        boolean ended;
        synchronized (lock) {
            ended = end != null;
        }
        if (ended) {
            ws.abort();
        }
    }

    // ------------------------------------------------------------------ the client side (Jetty)

    @Override
    public void onWebSocketOpen(Session session) {
        client = session;
        Close c;
        synchronized (lock) {
            c = end;
        }
        if (c != null) {
            session.close(c.code(), c.reason(), Callback.NOOP);
            return;
        }
        PageLink up = link;
        if (up != null) {
            up.request();
        }
        session.demand();
    }

    @Override
    public void onWebSocketText(String message) {
        CdpFilter.Verdict v;
        synchronized (lock) {
            if (end != null) {
                return; // closing: nothing more reaches the tab
            }
            if (fencing.checkEachFrame() && !service.isLive(lease)) {
                Close c = endOfLease();
                end(c);
                return;
            }
            v = CdpFilter.check(message);
            if (v instanceof CdpFilter.Forward) {
                // sendText only queues: the forward happens under the lock, so no end can come between check and send
                upstream.get().sendText(message, true).whenComplete((w, x) -> {
                    if (x != null) {
                        end(new Close(CLOSE_TAB_CLOSED, "the tab's CDP connection failed"));
                    } else {
                        demand();
                    }
                });
                return;
            }
        }
        answer(((CdpFilter.Answer) v).json());
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        callback.succeed();
        answer(CdpFilter.binary().json());
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        callback.succeed();
        synchronized (lock) {
            if (end == null) {
                end = new Close(statusCode, reason == null ? "" : reason);
            }
        }
        abortUpstream();
        sockets.remove(this);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "CDP socket of " + lease.lease() + " failed", cause);
        end(new Close(CLOSE_INTERNAL, "the CDP socket failed"));
    }

    /** Answers the client itself (a refusal, a malformed message), then reads the next message. */
    private void answer(String json) {
        Session s = client;
        if (s != null) {
            s.sendText(json, Callback.from(this::demand, x -> end(new Close(CLOSE_INTERNAL, "writing to the client failed"))));
        }
    }

    private void demand() {
        Session s = client;
        if (s != null && s.isOpen()) {
            s.demand();
        }
    }

    /** @return how the lease ended, as its adapter lease says (it has ended, or was dropped by the service) */
    private Close endOfLease() {
        AtomicReference<Close> c = new AtomicReference<>(new Close(CLOSE_RELEASED, "lease ended: released"));
        if (lease.lease().isRevoked()) {
            lease.lease().whenEnded(e -> c.set(Close.of(e))); // called at once: the lease has ended
        }
        return c.get();
    }

    // ------------------------------------------------------------------ the end

    /**
     * Closes both sides with {@code close}; the first end wins, later ones do nothing. After it returns, nothing
     * more is forwarded to the tab.
     *
     * @param close the code and reason the client sees
     */
    void end(Close close) {
        synchronized (lock) {
            if (end != null) {
                return;
            }
            end = close;
        }
        abortUpstream();
        Session s = client;
        if (s != null) {
            s.close(close.code(), close.reason(), Callback.NOOP);
        }
        sockets.remove(this);
    }

    /** The end of the lease: {@link #end} when this socket closes on it ({@link CdpFencing#closeOnEnd()}). */
    void leaseEnded(Close close) {
        if (fencing.closeOnEnd()) {
            end(close);
        }
    }

    private void abortUpstream() {
        WebSocket up = upstream.get();
        if (up != null) {
            up.abort();
        }
    }

    // ------------------------------------------------------------------ the upstream side (Chrome)

    /** @return the listener of Chrome's page socket */
    WebSocket.Listener upstreamListener() {
        return new Upstream();
    }

    /** Chrome's messages, one at a time, each written to the client before the next is requested. */
    private final class Upstream implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            // the first request(1) comes when the client's side is open
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (partial.length() + data.length() > MAX_UPSTREAM_MESSAGE_CHARS) {
                partial.setLength(0);
                end(new Close(CLOSE_TOO_BIG, "a message from Chrome is larger than " + MAX_UPSTREAM_MESSAGE_CHARS + " characters"));
                return null;
            }
            partial.append(data);
            if (!last) {
                webSocket.request(1);
                return null;
            }
            String message = partial.toString();
            partial.setLength(0);
            Session s = client;
            if (s == null) {
                return null;
            }
            s.sendText(message, Callback.from(() -> webSocket.request(1),
                    x -> end(new Close(CLOSE_INTERNAL, "writing to the client failed"))));
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1); // Chrome speaks text only
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            end(new Close(CLOSE_TAB_CLOSED, "the tab's CDP connection closed (" + statusCode + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end(new Close(CLOSE_TAB_CLOSED, "the tab's CDP connection failed"));
        }
    }
}
