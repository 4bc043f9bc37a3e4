package dev.tablease.serve;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How the service listens and what it bounds. Immutable; start from {@link #loopback(Path)} and use the
 * {@code with…} methods. Durations are in milliseconds, sizes in bytes.
 *
 * @param host              the address to bind; a loopback address unless {@code allowNonLoopback}
 * @param port              the TCP port, 0 for an ephemeral one (see {@link LeaseServer#port()})
 * @param allowNonLoopback  whether {@code host} may be a non-loopback address (the bearer token is required
 *                          either way); must be chosen explicitly
 * @param tokenFile         where the bearer token generated at start is written, readable by the owner only
 *                          (POSIX mode 0600); replaced at every start, deleted on close
 * @param maxBodyBytes      the largest request body accepted; a larger one is answered {@code 413
 *                          PAYLOAD_TOO_LARGE} without being read further
 * @param maxWaitMillis     the longest a long poll ({@code waitMillis}) is held open; a longer wait is cut to
 *                          this, and the kernel's queue deadline cuts it earlier
 * @param maxThreads        the HTTP server's thread pool bound (each long poll holds one thread while it waits)
 * @param maxWaiting        the most acquires waited on at once (each holds a thread until the kernel decides); one
 *                          more is answered {@code 503 UNAVAILABLE} before it reaches the kernel. The kernel bounds
 *                          each key's queue, but keys are the clients' strings, so it does not bound their number
 * @param maxRequestsPerSecond the request rate bound, over all clients: a token bucket refilled at this rate that
 *                          holds one second's worth; a request that finds it empty is answered {@code 429
 *                          RATE_LIMITED} (with {@code Retry-After}) before it is authenticated or read
 */
public record ServeConfig(String host, int port, boolean allowNonLoopback, Path tokenFile, int maxBodyBytes,
                          long maxWaitMillis, int maxThreads, int maxWaiting, int maxRequestsPerSecond) {

    /** The default bind address. */
    public static final String LOOPBACK = "127.0.0.1";

    /** The default {@code maxBodyBytes}: 64 KiB, far more than any request of the API needs. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    /** The default {@code maxWaitMillis}: 30 s. */
    public static final long DEFAULT_MAX_WAIT_MILLIS = 30_000;

    /** The default {@code maxThreads}. */
    public static final int DEFAULT_MAX_THREADS = 200;

    /** The default {@code maxWaiting}. */
    public static final int DEFAULT_MAX_WAITING = 1_000;

    /** The default request rate bound, requests per second over all clients. */
    public static final int DEFAULT_MAX_REQUESTS_PER_SECOND = 10_000;

    /**
     * Validates the settings.
     *
     * @param host              the address to bind
     * @param port              the TCP port, 0 for an ephemeral one
     * @param allowNonLoopback  whether {@code host} may be a non-loopback address
     * @param tokenFile         where the bearer token is written
     * @param maxBodyBytes      the largest request body accepted, in bytes
     * @param maxWaitMillis     the longest long poll, in milliseconds
     * @param maxThreads        the HTTP server's thread pool bound
     * @param maxWaiting        the most acquires waited on at once
     * @param maxRequestsPerSecond the request rate bound over all clients
     * @throws IllegalArgumentException when a setting is impossible, or {@code host} is not a loopback address and
     *                                  {@code allowNonLoopback} is false
     * @throws NullPointerException     when {@code host} or {@code tokenFile} is null
     */
    public ServeConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tokenFile, "tokenFile");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
        }
        if (maxWaitMillis <= 0) {
            throw new IllegalArgumentException("maxWaitMillis must be positive, was " + maxWaitMillis);
        }
        if (maxThreads < 8) {
            throw new IllegalArgumentException("maxThreads must be at least 8, was " + maxThreads);
        }
        if (maxWaiting <= 0) {
            throw new IllegalArgumentException("maxWaiting must be positive, was " + maxWaiting);
        }
        if (maxRequestsPerSecond <= 0) {
            throw new IllegalArgumentException("maxRequestsPerSecond must be positive, was " + maxRequestsPerSecond);
        }
        if (!allowNonLoopback && !isLoopback(host)) {
            throw new IllegalArgumentException("host " + host + " is not a loopback address: binding it needs an "
                    + "explicit allowNonLoopback (--allow-non-loopback)");
        }
    }

    /**
     * The defaults: 127.0.0.1, an ephemeral port, 64 KiB bodies, 30 s long polls, 200 threads, 1000 waiting acquires.
     *
     * @param tokenFile where the bearer token is written (mode 0600)
     * @return the config
     */
    public static ServeConfig loopback(Path tokenFile) {
        return new ServeConfig(LOOPBACK, 0, false, tokenFile, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_WAIT_MILLIS,
                DEFAULT_MAX_THREADS, DEFAULT_MAX_WAITING, DEFAULT_MAX_REQUESTS_PER_SECOND);
    }

    /**
     * Returns a copy with another port.
     *
     * @param p the TCP port, 0 for an ephemeral one
     * @return the new config
     */
    public ServeConfig withPort(int p) {
        return new ServeConfig(host, p, allowNonLoopback, tokenFile, maxBodyBytes, maxWaitMillis, maxThreads, maxWaiting, maxRequestsPerSecond);
    }

    /**
     * Returns a copy with another bind address.
     *
     * @param h                 the address to bind
     * @param nonLoopbackAllowed whether {@code h} may be a non-loopback address
     * @return the new config
     */
    public ServeConfig withHost(String h, boolean nonLoopbackAllowed) {
        return new ServeConfig(h, port, nonLoopbackAllowed, tokenFile, maxBodyBytes, maxWaitMillis, maxThreads, maxWaiting, maxRequestsPerSecond);
    }

    /**
     * Returns a copy with another body bound.
     *
     * @param bytes the largest request body accepted
     * @return the new config
     */
    public ServeConfig withMaxBodyBytes(int bytes) {
        return new ServeConfig(host, port, allowNonLoopback, tokenFile, bytes, maxWaitMillis, maxThreads, maxWaiting, maxRequestsPerSecond);
    }

    /**
     * Returns a copy with another long-poll bound.
     *
     * @param millis the longest long poll, in milliseconds
     * @return the new config
     */
    public ServeConfig withMaxWaitMillis(long millis) {
        return new ServeConfig(host, port, allowNonLoopback, tokenFile, maxBodyBytes, millis, maxThreads, maxWaiting, maxRequestsPerSecond);
    }

    /**
     * Returns a copy with another thread bound.
     *
     * @param threads the HTTP server's thread pool bound
     * @return the new config
     */
    public ServeConfig withMaxThreads(int threads) {
        return new ServeConfig(host, port, allowNonLoopback, tokenFile, maxBodyBytes, maxWaitMillis, threads, maxWaiting, maxRequestsPerSecond);
    }

    /**
     * Returns a copy with another bound of waiting acquires.
     *
     * @param acquires the most acquires waited on at once
     * @return the new config
     */
    public ServeConfig withMaxWaiting(int acquires) {
        return new ServeConfig(host, port, allowNonLoopback, tokenFile, maxBodyBytes, maxWaitMillis, maxThreads, acquires, maxRequestsPerSecond);
    }

    /**
     * @param perSecond the request rate bound, requests per second over all clients (positive)
     * @return this configuration with {@code maxRequestsPerSecond} replaced
     */
    public ServeConfig withMaxRequestsPerSecond(int perSecond) {
        return new ServeConfig(host, port, allowNonLoopback, tokenFile, maxBodyBytes, maxWaitMillis, maxThreads, maxWaiting,
                perSecond);
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
