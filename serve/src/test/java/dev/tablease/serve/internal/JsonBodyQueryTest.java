package dev.tablease.serve.internal;

import dev.tablease.serve.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link JsonBody#ofQuery}: a query is read as string fields, strictly, by the same rules as a body. */
class JsonBodyQueryTest {

    private static final Set<String> ALLOWED = Set.of("sessionId", "key", "holder");

    @Test
    void percentEncodedUtf8_plusAsSpace_andRawCharacters_areDecoded() {
        JsonBody b = JsonBody.ofQuery("sessionId=s+1%2Fa%C3%BC&key=chat%F0%9F%98%80&holder=\uD83D\uDE00x", ALLOWED);
        assertEquals("s 1/aü", b.id("sessionId"));
        assertEquals("chat\uD83D\uDE00", b.id("key"));
        assertEquals("\uD83D\uDE00x", b.id("holder"));
    }

    @Test
    void noQuery_isAnEmptyObject_whoseRequiredFieldsAreMissing() {
        ApiException e = assertThrows(ApiException.class, () -> JsonBody.ofQuery(null, ALLOWED).id("sessionId"));
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        assertEquals("x", JsonBody.ofQuery("", ALLOWED).optionalId("key", "x"));
    }

    @Test
    void unknownRepeatedOrBadlyEncodedParameters_areBadRequests() {
        for (String q : new String[] {"sessionId=a&other=1", "sessionId=a&sessionId=b", "sessionId=%2", "sessionId=%zz",
                "sessionId=%E0%A4", "sessionId=%C3%28", "se%ssionId=a"}) {
            ApiException e = assertThrows(ApiException.class, () -> JsonBody.ofQuery(q, ALLOWED), q);
            assertEquals(ErrorCode.BAD_REQUEST, e.code(), q);
            assertTrue(e.getMessage().contains("query"), q + ": " + e.getMessage());
        }
    }
}
