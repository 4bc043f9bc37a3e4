package dev.tablease.adapter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adapter's settings: documented defaults, refused impossible values, copies that change one setting. */
@Timeout(10)
class AdapterConfigTest {

    private static final URI LOCAL = URI.create("http://127.0.0.1:9222");

    @Test
    void reconnectDefaults_areThirtySecondsWithATwoSecondLongestPause() {
        AdapterConfig c = AdapterConfig.connect(LOCAL);
        assertEquals(30_000, c.reconnectTimeoutMillis());
        assertEquals(2_000, c.reconnectMaxBackoffMillis());
        AdapterConfig changed = c.withReconnect(5_000, 250);
        assertEquals(5_000, changed.reconnectTimeoutMillis());
        assertEquals(250, changed.reconnectMaxBackoffMillis());
        assertEquals(c.cdpEndpoint(), changed.cdpEndpoint(), "the other settings are kept");
        assertEquals(c.withPollIntervalMillis(50).reconnectTimeoutMillis(), 30_000, "other copies keep them");
    }

    @Test
    void impossibleReconnectSettings_areRefusedNamingTheSetting() {
        AdapterConfig c = AdapterConfig.connect(LOCAL);
        assertMessageStarts("reconnectTimeoutMillis", assertThrows(IllegalArgumentException.class, () -> c.withReconnect(0, 1)));
        assertMessageStarts("reconnectMaxBackoffMillis", assertThrows(IllegalArgumentException.class, () -> c.withReconnect(1_000, -1)));
        assertMessageStarts("reconnectMaxBackoffMillis", assertThrows(IllegalArgumentException.class, () -> c.withReconnect(1_000, 2_000)));
    }

    @Test
    void aCdpEndpointOffTheLoopbackInterface_isRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdapterConfig.connect(URI.create("http://192.0.2.1:9222")));
        assertMessageStarts("cdpEndpoint", e);
    }

    private static void assertMessageStarts(String setting, IllegalArgumentException e) {
        assertTrue(e.getMessage().startsWith(setting), e.getMessage());
    }
}
