package dev.tablease.cli;

import dev.tablease.testkit.ChromiumProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tablease serve}: its arguments, and a real service on a real Chromium, served and stopped. */
class ServeCommandTest {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+) \\(token in (.+)\\)");

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
            CountDownLatch stop = new CountDownLatch(1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new TableaseCli(o, e,
                    List.of(new ServeCommand(stop))).run("serve", "--cdp", chromium.httpEndpoint().toString(),
                    "--port", "0", "--token-file", tokenFile.toString(), "--max-per-key", "2"));
            Matcher m = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (m == null || !m.find()) {
                assertFalse(exit.isDone(), "exited early: " + out + err);
                assertTrue(System.nanoTime() < deadline, "never listened: " + out + err);
                Thread.sleep(50);
                m = LISTENING.matcher(out.toString(StandardCharsets.UTF_8));
            }
            URI base = URI.create(m.group(1));
            assertEquals(tokenFile.toString(), m.group(2));
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

            stop.countDown();
            assertEquals(0, exit.get(30, TimeUnit.SECONDS), out + "\n" + err);
            assertFalse(Files.exists(tokenFile), "the token file is deleted on stop");
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("tablease serve: stopping"));
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
