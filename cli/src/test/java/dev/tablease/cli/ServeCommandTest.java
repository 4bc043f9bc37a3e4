package dev.tablease.cli;

import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease serve}: its arguments, and a real service on a real Chromium, served and stopped. */
class ServeCommandTest {

    @Test
    void withoutExactlyOneOfCdpAndLaunch_itIsAUsageError() {
        for (String[] args : new String[][] {{"serve"}, {"serve", "--launch", "--cdp", "http://127.0.0.1:9222"}}) {
            CliRun run = CliRun.run(args);
            assertEquals(2, run.exit(), run.toString());
            assertTrue(run.err().contains("exactly one of --cdp <url> and --launch"), run.err());
        }
    }

    @Test
    void aNonLoopbackHostWithoutTheFlag_oraRemoteCdp_isAUsageError() {
        CliRun host = CliRun.run("serve", "--launch", "--host", "0.0.0.0");
        assertEquals(2, host.exit(), host.toString());
        assertTrue(host.err().contains("--allow-non-loopback"), host.err());
        CliRun cdp = CliRun.run("serve", "--cdp", "http://192.0.2.1:9222");
        assertEquals(2, cdp.exit(), cdp.toString());
        assertTrue(cdp.err().contains("loopback"), cdp.err());
    }

    @Test
    @Timeout(90)
    void serve_listensWithATokenFileAnswersRequestsAndStopsCleanly() throws Exception {
        Path dir = Files.createTempDirectory("tablease-serve-cli-");
        Path tokenFile = dir.resolve("t/serve.token");
        try (ChromiumProcess chromium = ChromiumProcess.start()) {
            ServeRun serve = ServeRun.start(System.getenv(), "--cdp", chromium.httpEndpoint().toString(),
                    "--port", "0", "--token-file", tokenFile.toString(), "--max-per-key", "2");
            URI base = serve.base;
            assertEquals(tokenFile, serve.tokenFile);
            String token = Files.readString(tokenFile).trim();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(base.resolve("/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());
            HttpResponse<String> granted = http.send(HttpRequest.newBuilder(base.resolve("/v1/acquire"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sessionId\":\"s1\",\"key\":\"chatgpt\",\"holder\":\"cli-test\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, granted.statusCode(), granted.body());
            assertTrue(granted.body().contains("\"outcome\":\"granted\""), granted.body());
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(base.resolve("/v1/status"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(status.body().contains("\"maxPerKey\":2"), status.body());

            assertEquals(0, serve.stop(), serve.toString());
            assertFalse(Files.exists(tokenFile), "the token file is deleted on stop");
            assertTrue(serve.err().contains("tablease serve: stopping"));
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
