package dev.tablease.store;

import dev.tablease.kernel.KernelConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The store was created with another {@link KernelConfig} than the one the caller asked for. The store
 * refuses to open it rather than enforce two configurations on one log. Open it with
 * {@link SqliteKernelStore#openExisting} or {@link PostgresKernelStore#openExisting} to adopt the store's
 * configuration, or point the caller at another store.
 */
public final class StoreConfigMismatchException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final transient KernelConfig fileConfig;
    private final transient KernelConfig requestedConfig;

    /**
     * Creates the exception.
     *
     * @param file            the SQLite database file
     * @param fileConfig      the configuration recorded in the database
     * @param requestedConfig the configuration the caller asked for
     */
    public StoreConfigMismatchException(Path file, KernelConfig fileConfig, KernelConfig requestedConfig) {
        super(file, file + ": the store was created with another kernel config; differing settings (store -> requested): "
                + differences(fileConfig, requestedConfig)
                + " (open it with SqliteKernelStore.openExisting to adopt the store's config)", null);
        this.fileConfig = Objects.requireNonNull(fileConfig, "fileConfig");
        this.requestedConfig = Objects.requireNonNull(requestedConfig, "requestedConfig");
    }

    /**
     * Creates the exception for a database server's store.
     *
     * @param location        the database's location without credentials
     * @param storedConfig    the configuration recorded in the database
     * @param requestedConfig the configuration the caller asked for
     */
    public StoreConfigMismatchException(String location, KernelConfig storedConfig, KernelConfig requestedConfig) {
        super(location, location + ": the database was created with another kernel config; differing settings"
                + " (database -> requested): " + differences(storedConfig, requestedConfig)
                + " (open it with openExisting to adopt the database's config)", null);
        this.fileConfig = Objects.requireNonNull(storedConfig, "storedConfig");
        this.requestedConfig = Objects.requireNonNull(requestedConfig, "requestedConfig");
    }

    /** @return the configuration recorded in the file (or the database) */
    public KernelConfig fileConfig() {
        return fileConfig;
    }

    /** @return the configuration the caller asked for */
    public KernelConfig requestedConfig() {
        return requestedConfig;
    }

    /**
     * Compares two configurations setting by setting.
     *
     * @param a one configuration (the file's)
     * @param b the other (the requested one)
     * @return the settings whose values differ, e.g. {@code [globalMax: 8 -> 4]}
     */
    public static List<String> differences(KernelConfig a, KernelConfig b) {
        List<KernelConfig.Setting> sa = a.settings();
        List<KernelConfig.Setting> sb = b.settings();
        List<String> diff = new ArrayList<>();
        for (KernelConfig.Setting s : sa) {
            String other = sb.stream().filter(t -> t.name().equals(s.name())).map(KernelConfig.Setting::defaultValue)
                    .findFirst().orElse("(absent)");
            if (!other.equals(s.defaultValue())) {
                diff.add(s.name() + ": " + s.defaultValue() + " -> " + other);
            }
        }
        for (KernelConfig.Setting t : sb) {
            if (sa.stream().noneMatch(s -> s.name().equals(t.name()))) {
                diff.add(t.name() + ": (absent) -> " + t.defaultValue());
            }
        }
        return diff;
    }
}
