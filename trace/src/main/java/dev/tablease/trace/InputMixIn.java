package dev.tablease.trace;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tablease.kernel.Input;

/**
 * Jackson annotations for the sealed {@link Input} (the kernel has none): every input is a JSON object
 * whose {@code "type"} is the record's simple name. Permitted subclasses are not discovered by Jackson,
 * so each is listed; {@code TraceCodecTest} checks the list against {@code Input.getPermittedSubclasses()}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Input.Acquire.class, name = "Acquire"),
        @JsonSubTypes.Type(value = Input.Heartbeat.class, name = "Heartbeat"),
        @JsonSubTypes.Type(value = Input.Release.class, name = "Release"),
        @JsonSubTypes.Type(value = Input.UpdateSession.class, name = "UpdateSession"),
        @JsonSubTypes.Type(value = Input.Cancel.class, name = "Cancel"),
        @JsonSubTypes.Type(value = Input.TabOpened.class, name = "TabOpened"),
        @JsonSubTypes.Type(value = Input.TabOpenFailed.class, name = "TabOpenFailed"),
        @JsonSubTypes.Type(value = Input.TabGone.class, name = "TabGone"),
        @JsonSubTypes.Type(value = Input.TabClosed.class, name = "TabClosed"),
        @JsonSubTypes.Type(value = Input.Tick.class, name = "Tick")
})
abstract class InputMixIn {
}
