package dev.tablease.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A machine-wide clock that only moves forward while the machine runs: the same value in every process,
 * untouched by changes of the wall clock (an NTP step, a manual {@code date -s}), reset only by a reboot,
 * which changes {@link Reading#bootId()}. {@link SqliteKernelStore} advances its time line by this clock so
 * that a wall-clock jump neither expires live leases nor freezes time (see {@code docs/store.md}, "Time").
 *
 * <p>{@link #system()} reads Linux's {@code /proc/uptime} (CLOCK_BOOTTIME: counts suspend too, 10 ms
 * resolution) and {@code /proc/sys/kernel/random/boot_id}. {@link System#nanoTime()} is not used: Java
 * defines its origin per JVM only, so two processes cannot compare it.
 */
@FunctionalInterface
public interface BootClock {

    /**
     * One reading.
     *
     * @param bootId identifies the boot; readings of different boots are not comparable
     * @param millis milliseconds since that boot
     */
    record Reading(String bootId, long millis) {
        /**
         * Validates the reading.
         *
         * @param bootId identifies the boot, not blank
         * @param millis milliseconds since that boot, not negative
         * @throws IllegalArgumentException when {@code bootId} is blank or {@code millis} negative
         */
        public Reading {
            Objects.requireNonNull(bootId, "bootId");
            if (bootId.isBlank() || millis < 0) {
                throw new IllegalArgumentException("bad boot clock reading: " + bootId + " " + millis);
            }
        }
    }

    /** @return the current reading, or {@code null} when this machine offers no such clock */
    Reading read();

    /**
     * No boot clock: the store then falls back to the wall clock alone (see {@code docs/store.md}).
     *
     * @return a clock whose every reading is {@code null}
     */
    static BootClock none() {
        return () -> null;
    }

    /** @return Linux's boot clock when {@code /proc} offers it, else {@link #none()} */
    static BootClock system() {
        return LinuxBootClock.INSTANCE.available() ? LinuxBootClock.INSTANCE : none();
    }

    /** {@code /proc/uptime} and {@code /proc/sys/kernel/random/boot_id}. */
    final class LinuxBootClock implements BootClock {
        static final LinuxBootClock INSTANCE = new LinuxBootClock(Path.of("/proc/uptime"),
                Path.of("/proc/sys/kernel/random/boot_id"));

        /** How much of {@code /proc/uptime} is read: far more than its two numbers. */
        private static final int UPTIME_BYTES = 128;
        /** The file read at each reading ({@code /proc/uptime}). */
        private final Path uptime;
        /** The boot's id, read once; {@code null} when there is none. */
        private final String bootId;

        LinuxBootClock(Path uptime, Path bootIdFile) {
            this.uptime = uptime;
            String id;
            try {
                id = Files.readString(bootIdFile, StandardCharsets.US_ASCII).trim();
            } catch (IOException | RuntimeException e) {
                id = null;
            }
            this.bootId = id == null || id.isEmpty() ? null : id;
        }

        boolean available() {
            try {
                return bootId != null && read() != null;
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public Reading read() {
            if (bootId == null) {
                return null;
            }
            return new Reading(bootId, parseUptimeMillis(readUptime()));
        }

        /**
         * Reads the first {@value #UPTIME_BYTES} bytes of {@link #uptime} (the whole file: "12345.67 2345.67\n")
         * into a small buffer. {@code Files.readString} sized its buffer for a file of unknown length (procfs says
         * 0) and copied it as it grew: a quarter of a transition's CPU time in the profile of issue 17.
         *
         * @return the text read
         */
        private String readUptime() {
            byte[] buf = new byte[UPTIME_BYTES];
            int n = 0;
            try (java.io.InputStream in = Files.newInputStream(uptime)) {
                for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
                    n += r;
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + uptime + ": " + e, e);
            }
            return new String(buf, 0, n, StandardCharsets.US_ASCII);
        }

        /** @return the first number of {@code /proc/uptime} ("12345.67 2345.67") in milliseconds */
        static long parseUptimeMillis(String text) {
            String first = text.trim().split("\\s+")[0];
            int dot = first.indexOf('.');
            String whole = dot < 0 ? first : first.substring(0, dot);
            String frac = dot < 0 ? "" : first.substring(dot + 1);
            frac = (frac + "000").substring(0, 3);
            return Math.addExact(Math.multiplyExact(Long.parseLong(whole), 1000L), Long.parseLong(frac));
        }
    }
}
