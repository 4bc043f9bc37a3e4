package dev.tablease.trace;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.tablease.kernel.Decision;

/**
 * Jackson annotations for the sealed {@link Decision} (the kernel has none): every decision is a JSON
 * object whose {@code "type"} is the record's simple name. {@code TraceCodecTest} checks the list
 * against {@code Decision.getPermittedSubclasses()}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Decision.Granted.class, name = "Granted"),
        @JsonSubTypes.Type(value = Decision.Queued.class, name = "Queued"),
        @JsonSubTypes.Type(value = Decision.Rejected.class, name = "Rejected"),
        @JsonSubTypes.Type(value = Decision.Refused.class, name = "Refused"),
        @JsonSubTypes.Type(value = Decision.Extended.class, name = "Extended"),
        @JsonSubTypes.Type(value = Decision.Released.class, name = "Released"),
        @JsonSubTypes.Type(value = Decision.Updated.class, name = "Updated"),
        @JsonSubTypes.Type(value = Decision.Revoked.class, name = "Revoked"),
        @JsonSubTypes.Type(value = Decision.ReservationEnded.class, name = "ReservationEnded"),
        @JsonSubTypes.Type(value = Decision.ReservationMoved.class, name = "ReservationMoved"),
        @JsonSubTypes.Type(value = Decision.OpenTab.class, name = "OpenTab"),
        @JsonSubTypes.Type(value = Decision.CloseTab.class, name = "CloseTab"),
        @JsonSubTypes.Type(value = Decision.ResetTab.class, name = "ResetTab"),
        @JsonSubTypes.Type(value = Decision.Navigate.class, name = "Navigate")
})
abstract class DecisionMixIn {
}
