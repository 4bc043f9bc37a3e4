package dev.tablease.trace;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tablease.kernel.Session;

/**
 * Keeps {@link Session}'s derived {@code isBound()} and {@code isWaiting()} out of the JSON: a session
 * is written as its record components only, so it reads back into an equal record.
 */
abstract class SessionMixIn {
    @JsonIgnore
    abstract boolean isBound();

    @JsonIgnore
    abstract boolean isWaiting();
}
