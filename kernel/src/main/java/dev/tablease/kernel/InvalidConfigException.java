package dev.tablease.kernel;

/** A {@link KernelConfig} setting has an impossible value; the message names the setting. */
public final class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The name of the offending setting. */
    private final String setting;

    /**
     * Creates the exception.
     *
     * @param setting the name of the offending setting
     * @param message what is wrong with its value
     */
    public InvalidConfigException(String setting, String message) {
        super(setting + ": " + message);
        this.setting = setting;
    }

    /** @return the name of the offending setting, as in {@link KernelConfig.Setting#name()} */
    public String setting() {
        return setting;
    }
}
