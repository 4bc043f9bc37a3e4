package dev.tablease.store;

/**
 * Where the adapter's {@code now} comes from: absolute time in milliseconds. The kernel never reads a
 * clock; a {@link KernelStore} reads this one under its lock, so that the {@code now} of consecutive
 * transitions never goes backwards. Tests pass a fake clock.
 */
@FunctionalInterface
public interface MillisClock {

    /** @return the current time in milliseconds */
    long millis();

    /**
     * The system's wall clock.
     *
     * @return a clock reading {@link System#currentTimeMillis()}
     */
    static MillisClock system() {
        return System::currentTimeMillis;
    }
}
