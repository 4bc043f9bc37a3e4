package dev.tablease.adapter;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How the adapter reaches Chrome, and its timings. Immutable; build it with {@link #launch()} or
 * {@link #connect(URI)} and the {@code with…} methods. Durations are in milliseconds.
 *
 * @param mode                    {@link Mode#LAUNCH} (start Debian's chromium headless, the default) or
 *                                {@link Mode#CONNECT} (connect over CDP to a running Chrome)
 * @param chromiumPath            the browser executable in launch mode
 * @param headless                launch headless
 * @param launchArgs              the browser's command-line flags in launch mode
 * @param cdpEndpoint             connect mode: {@code http://127.0.0.1:PORT} (loopback only)
 * @param heartbeatIntervalMillis how often leases heartbeat; 0 = the kernel config's {@code heartbeatIntervalMillis}
 * @param pollIntervalMillis      how often the timer ticks the store, delivers browser events, and a waiter looks
 *                                for a grant decided by another process
 * @param navigationTimeoutMillis timeout of the adapter's own navigations (reset, navigate to the conversation) and
 *                                of each of its raw CDP calls ({@code docs/adapter.md}, "Every CDP call of the adapter ends")
 * @param actionTimeoutMillis     Playwright's default timeout for the agents' page actions
 * @param holder                  the name of this process in the kernel's leases (each acquire appends a unique suffix)
 * @param resetUrl                where {@code ResetTab} sends a tab
 * @param reconnectTimeoutMillis  connect mode: how long a lost CDP connection is retried before the browser is
 *                                treated as gone (every tab {@code TabGone(BROWSER_GONE)}); while it is retried the
 *                                tabs' liveness is unknown and nothing is reported dead, opened or closed
 * @param reconnectMaxBackoffMillis connect mode: the longest pause between two reconnect attempts (the pause starts
 *                                at 100 ms and doubles up to this)
 */
public record AdapterConfig(Mode mode, Path chromiumPath, boolean headless, List<String> launchArgs, URI cdpEndpoint,
                            long heartbeatIntervalMillis, long pollIntervalMillis, long navigationTimeoutMillis,
                            long actionTimeoutMillis, String holder, String resetUrl, long reconnectTimeoutMillis,
                            long reconnectMaxBackoffMillis) {

    /** How Chrome is reached. */
    public enum Mode {
        /** Launch the browser at {@code chromiumPath}; the broker owns it and closes it on close. */
        LAUNCH,
        /** Connect over CDP to a running browser; the broker never closes it nor tabs it did not open. */
        CONNECT
    }

    /** Debian's chromium. */
    public static final Path DEFAULT_CHROMIUM = Path.of("/usr/bin/chromium");

    /** The flags Debian's chromium needs headless in a container (see TOOLCHAIN.md). */
    public static final List<String> DEFAULT_ARGS = List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");

    /**
     * Validates the settings and copies the list of flags.
     *
     * @param mode                    {@link Mode#LAUNCH} or {@link Mode#CONNECT}
     * @param chromiumPath            the browser executable in launch mode
     * @param headless                launch headless
     * @param launchArgs              the browser's command-line flags in launch mode
     * @param cdpEndpoint             connect mode: {@code http://127.0.0.1:PORT} (loopback only)
     * @param heartbeatIntervalMillis how often leases heartbeat; 0 = the kernel config's
     * @param pollIntervalMillis      how often the timer ticks the store and a waiter looks for a grant
     * @param navigationTimeoutMillis timeout of the adapter's own navigations
     * @param actionTimeoutMillis     Playwright's default timeout for the agents' page actions
     * @param holder                  the name of this process in the kernel's leases
     * @param resetUrl                where {@code ResetTab} sends a tab
     * @param reconnectTimeoutMillis  connect mode: how long a lost CDP connection is retried
     * @param reconnectMaxBackoffMillis connect mode: the longest pause between two reconnect attempts
     * @throws IllegalArgumentException when a setting is impossible (a negative interval, a blank holder,
     *                                  a CDP endpoint that is not on the loopback interface)
     * @throws NullPointerException     when a required setting is null
     */
    public AdapterConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(chromiumPath, "chromiumPath");
        launchArgs = List.copyOf(launchArgs);
        if (mode == Mode.CONNECT) {
            Objects.requireNonNull(cdpEndpoint, "cdpEndpoint");
            requireLoopback(cdpEndpoint);
        }
        if (heartbeatIntervalMillis < 0) {
            throw new IllegalArgumentException("heartbeatIntervalMillis must be >= 0, was " + heartbeatIntervalMillis);
        }
        positive("pollIntervalMillis", pollIntervalMillis);
        positive("navigationTimeoutMillis", navigationTimeoutMillis);
        positive("actionTimeoutMillis", actionTimeoutMillis);
        if (holder == null || holder.isBlank()) {
            throw new IllegalArgumentException("holder must not be blank");
        }
        Objects.requireNonNull(resetUrl, "resetUrl");
        positive("reconnectTimeoutMillis", reconnectTimeoutMillis);
        positive("reconnectMaxBackoffMillis", reconnectMaxBackoffMillis);
        if (reconnectMaxBackoffMillis > reconnectTimeoutMillis) {
            throw new IllegalArgumentException("reconnectMaxBackoffMillis (" + reconnectMaxBackoffMillis
                    + ") must not exceed reconnectTimeoutMillis (" + reconnectTimeoutMillis + ")");
        }
    }

    /** @return the default: launch {@code /usr/bin/chromium} headless */
    public static AdapterConfig launch() {
        return new AdapterConfig(Mode.LAUNCH, DEFAULT_CHROMIUM, true, DEFAULT_ARGS, null, 0, 500, 30_000, 30_000,
                "pid " + ProcessHandle.current().pid(), "about:blank", 30_000, 2_000);
    }

    /**
     * Connect mode, otherwise the defaults of {@link #launch()}.
     *
     * @param endpoint the browser's CDP endpoint, {@code http://127.0.0.1:PORT} (loopback only)
     * @return connect over CDP to the browser at {@code endpoint}
     */
    public static AdapterConfig connect(URI endpoint) {
        return launch().withMode(Mode.CONNECT, endpoint);
    }

    private AdapterConfig withMode(Mode m, URI endpoint) {
        return new AdapterConfig(m, chromiumPath, headless, launchArgs, endpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code chromiumPath}.
     *
     * @param path the browser executable (launch mode)
     * @return the new config
     */
    public AdapterConfig withChromiumPath(Path path) {
        return new AdapterConfig(mode, path, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code headless}.
     *
     * @param on whether to launch headless
     * @return the new config
     */
    public AdapterConfig withHeadless(boolean on) {
        return new AdapterConfig(mode, chromiumPath, on, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code launchArgs}.
     *
     * @param args the browser's command-line flags (launch mode)
     * @return the new config
     */
    public AdapterConfig withLaunchArgs(List<String> args) {
        return new AdapterConfig(mode, chromiumPath, headless, args, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code heartbeatIntervalMillis}.
     *
     * @param millis how often leases heartbeat; 0 = the kernel config's
     * @return the new config
     */
    public AdapterConfig withHeartbeatIntervalMillis(long millis) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, millis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code pollIntervalMillis}.
     *
     * @param millis how often the timer ticks the store
     * @return the new config
     */
    public AdapterConfig withPollIntervalMillis(long millis) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                millis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code navigationTimeoutMillis}.
     *
     * @param millis timeout of the adapter's own navigations
     * @return the new config
     */
    public AdapterConfig withNavigationTimeoutMillis(long millis) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, millis, actionTimeoutMillis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code actionTimeoutMillis}.
     *
     * @param millis Playwright's default timeout for page actions
     * @return the new config
     */
    public AdapterConfig withActionTimeoutMillis(long millis) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, millis, holder, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code holder}.
     *
     * @param name the name of this process in the kernel's leases
     * @return the new config
     */
    public AdapterConfig withHolder(String name) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, name, resetUrl, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with another {@code resetUrl}.
     *
     * @param url where {@code ResetTab} sends a tab
     * @return the new config
     */
    public AdapterConfig withResetUrl(String url) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, url, reconnectTimeoutMillis, reconnectMaxBackoffMillis);
    }

    /**
     * Returns a copy with other reconnect settings (connect mode).
     *
     * @param timeoutMillis    how long a lost CDP connection is retried before the browser is treated as gone
     * @param maxBackoffMillis the longest pause between two attempts (at most {@code timeoutMillis})
     * @return the new config
     */
    public AdapterConfig withReconnect(long timeoutMillis, long maxBackoffMillis) {
        return new AdapterConfig(mode, chromiumPath, headless, launchArgs, cdpEndpoint, heartbeatIntervalMillis,
                pollIntervalMillis, navigationTimeoutMillis, actionTimeoutMillis, holder, resetUrl, timeoutMillis,
                maxBackoffMillis);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    private static void requireLoopback(URI endpoint) {
        String host = endpoint.getHost();
        boolean loopback;
        try {
            loopback = host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) {
            throw new IllegalArgumentException("cdpEndpoint must be on a loopback address (127.0.0.1, ::1, localhost), was "
                    + endpoint);
        }
    }
}
