package dev.tablease.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes sure the demo's browser is there: Debian's {@code chromium} at {@code /usr/bin/chromium}. When it is
 * missing and the demo may install it (running as root, {@code apt-get} present, {@code
 * TABLEASE_INSTALL_CHROMIUM} not {@code 0}) it runs {@code apt-get update && apt-get install -y chromium};
 * otherwise it says exactly what to install.
 */
public final class ChromiumSetup {

    /** Set to {@code 0} to forbid the demo to install chromium. */
    public static final String ENV = "TABLEASE_INSTALL_CHROMIUM";

    /** The install command. */
    public static final String INSTALL = "apt-get update && apt-get install -y chromium";

    private final Path defaultChromium;
    private final Path aptGet;
    private final Map<String, String> env;
    private final boolean root;

    /**
     * @param defaultChromium where Debian's package puts the browser ({@code /usr/bin/chromium})
     * @param aptGet          the package tool ({@code /usr/bin/apt-get})
     * @param env             the environment ({@link #ENV})
     * @param root            whether this process runs as root
     */
    public ChromiumSetup(Path defaultChromium, Path aptGet, Map<String, String> env, boolean root) {
        this.defaultChromium = defaultChromium;
        this.aptGet = aptGet;
        this.env = env;
        this.root = root;
    }

    /** @return a setup for this machine */
    public static ChromiumSetup system(Path defaultChromium) {
        boolean root;
        try {
            root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            root = "root".equals(System.getProperty("user.name"));
        }
        return new ChromiumSetup(defaultChromium, Path.of("/usr/bin/apt-get"), System.getenv(), root);
    }

    /**
     * Checks (and, when allowed, installs) the browser.
     *
     * @param chromium the browser the demo will start
     * @param out      progress of an installation
     * @param err      what to install, when it cannot
     * @return whether the browser is there
     */
    public boolean ensure(Path chromium, PrintStream out, PrintStream err) throws InterruptedException {
        if (Files.isExecutable(chromium)) {
            return true;
        }
        if (!chromium.equals(defaultChromium)) {
            err.println("tablease demo: no executable browser at " + chromium + " (given with --chromium)");
            return false;
        }
        boolean allowed = !"0".equals(env.get(ENV));
        boolean canInstall = root && Files.isExecutable(aptGet);
        if (allowed && canInstall) {
            out.println("tablease demo: " + chromium + " is missing; installing Debian's chromium (" + INSTALL
                    + "; about a minute; set " + ENV + "=0 to forbid this)");
            int exit = install(out);
            if (exit == 0 && Files.isExecutable(chromium)) {
                out.println("tablease demo: chromium installed");
                return true;
            }
            err.println("tablease demo: installing chromium failed (apt-get exit " + exit + ")");
        }
        err.println("tablease demo: the demo needs Debian's chromium at " + chromium + ", which is missing.");
        err.println("  install it with:   sudo " + INSTALL.replace("&& apt-get", "&& sudo apt-get")
                + "    (as root, without sudo)");
        if (!allowed) {
            err.println("  (" + ENV + "=0 forbids the demo to install it itself)");
        } else if (!canInstall) {
            err.println("  (the demo installs it itself only when it runs as root and apt-get exists)");
        }
        err.println("  or use another Chromium or Chrome:   tablease demo --chromium /path/to/chrome");
        return false;
    }

    private int install(PrintStream out) throws InterruptedException {
        try {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", INSTALL).redirectErrorStream(true);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.println("  apt-get: " + line);
                }
            }
            return p.waitFor();
        } catch (IOException e) {
            out.println("  cannot run apt-get: " + e);
            return -1;
        }
    }
}
