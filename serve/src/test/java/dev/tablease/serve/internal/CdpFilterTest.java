package dev.tablease.serve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The method filter of the CDP sockets, without a socket: what is forwarded, what is answered, and how. */
class CdpFilterTest {

    private static JsonNode answer(String message) throws Exception {
        CdpFilter.Verdict v = CdpFilter.check(message);
        assertInstanceOf(CdpFilter.Answer.class, v, message);
        return Json.MAPPER.readTree(((CdpFilter.Answer) v).json());
    }

    @Test
    void pageLevelCommands_areForwardedUnchanged() {
        for (String m : new String[]{"Runtime.evaluate", "Page.navigate", "DOM.getDocument", "Input.dispatchKeyEvent",
                "Network.enable", "Network.getCookies", "Emulation.setDeviceMetricsOverride", "Fetch.enable"}) {
            assertInstanceOf(CdpFilter.Forward.class, CdpFilter.check("{\"id\":1,\"method\":\"" + m + "\",\"params\":{}}"), m);
            assertNull(CdpFilter.refusal(m), m);
        }
        assertInstanceOf(CdpFilter.Forward.class, CdpFilter.check("{\"id\":2,\"method\":\"Runtime.enable\"}"), "params are optional");
    }

    @Test
    void commandsReachingBeyondTheTab_areRefusedWithMinus32601AndTheirId() throws Exception {
        for (String m : new String[]{"Target.createTarget", "Target.closeTarget", "Target.attachToTarget",
                "Target.setDiscoverTargets", "Browser.close", "Browser.grantPermissions", "SystemInfo.getInfo",
                "Storage.clearDataForOrigin", "Tethering.bind", "ServiceWorker.enable", "Tracing.start", "Memory.getDOMCounters",
                "DOMStorage.getDOMStorageItems", "IndexedDB.requestDatabaseNames", "CacheStorage.requestCacheNames",
                "Page.close", "Page.crash", "Network.clearBrowserCookies", "Network.clearBrowserCache",
                "Network.getAllCookies", "Unknown.thing", "nodot", ".x", "Page."}) {
            JsonNode a = answer("{\"id\":42,\"method\":\"" + m + "\",\"params\":{}}");
            assertEquals(42, a.path("id").asInt(), m);
            assertEquals(CdpFilter.REFUSED, a.path("error").path("code").asInt(), m);
            assertTrue(a.path("error").path("message").asText().startsWith("tablease: " + m + " is refused on a lease's CDP socket: "), a.toString());
        }
        JsonNode child = answer("{\"id\":3,\"sessionId\":\"S\",\"method\":\"Runtime.evaluate\",\"params\":{}}");
        assertEquals(CdpFilter.REFUSED, child.path("error").path("code").asInt());
    }

    @Test
    void malformedMessages_areAnsweredWithJsonRpcCodes_withTheIdWhenThereIsOne() throws Exception {
        assertEquals(CdpFilter.PARSE_ERROR, answer("not json").path("error").path("code").asInt());
        assertEquals(CdpFilter.PARSE_ERROR, answer("{\"id\":1,").path("error").path("code").asInt());
        for (String bad : new String[]{"[1]", "42", "{}", "{\"id\":\"1\",\"method\":\"Runtime.evaluate\"}",
                "{\"id\":1.5,\"method\":\"Runtime.evaluate\"}", "{\"method\":\"Runtime.evaluate\"}"}) {
            JsonNode a = answer(bad);
            assertEquals(CdpFilter.INVALID_REQUEST, a.path("error").path("code").asInt(), bad);
            assertTrue(a.path("id").isMissingNode(), bad);
        }
        for (String bad : new String[]{"{\"id\":7}", "{\"id\":7,\"method\":5}", "{\"id\":7,\"method\":\" \"}",
                "{\"id\":7,\"method\":\"Runtime.evaluate\",\"params\":[1]}"}) {
            JsonNode a = answer(bad);
            assertEquals(7, a.path("id").asInt(), bad);
            assertEquals(CdpFilter.INVALID_REQUEST, a.path("error").path("code").asInt(), bad);
        }
        assertEquals(CdpFilter.PARSE_ERROR, Json.MAPPER.readTree(CdpFilter.binary().json()).path("error").path("code").asInt());
    }

    @Test
    void aLongMethodName_isCutInTheAnswer() throws Exception {
        String m = "Target." + "x".repeat(5000);
        String msg = answer("{\"id\":1,\"method\":\"" + m + "\"}").path("error").path("message").asText();
        assertTrue(msg.length() < 400, msg.length() + " chars");
    }

    @Test
    void theCloseReason_fitsWebSocketsBound() {
        CdpSocket.Close c = new CdpSocket.Close(4003, "é".repeat(200));
        assertTrue(c.reason().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 123, c.reason());
    }
}
