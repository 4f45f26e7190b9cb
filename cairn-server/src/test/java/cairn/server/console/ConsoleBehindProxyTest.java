package cairn.server.console;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static cairn.server.console.ConsoleClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A console behind a reverse proxy that ends TLS (console.public-url): browsers' origin is the public address, which
 * the cross-site checks take as the console's own, cookies are Secure, and the public host is answered on loopback.
 */
final class ConsoleBehindProxyTest {
    static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path data;

    @Test
    void publicUrl_isTheConsolesOwnOrigin_cookiesAreSecure_andItsHostIsAnswered() throws Exception {
        try (RunningCairn cairn = RunningCairn.start(data, new MutableClock(Instant.now()), Map.of(
                "console.enabled", "true", "console.initial-password", PASSWORD,
                "console.public-url", "https://cairn.example.com"))) {
            ConsoleClient browser = new ConsoleClient(cairn.console());
            HttpResponse<String> foreign = signIn(browser, "https://attacker.example");
            assertThat(foreign.statusCode()).isEqualTo(403);
            assertThat(json(foreign).get("__type").asText()).isEqualTo("CrossSiteRequest");

            HttpResponse<String> signedIn = signIn(browser, "https://cairn.example.com");
            assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
            assertThat(signedIn.headers().allValues("Set-Cookie")).hasSize(2)
                    .allSatisfy(cookie -> assertThat(cookie).endsWith("; Secure"));
            cairn.server().flushAudit();
            JsonNode login = cairn.events("{\"LookupAttributes\":[{\"AttributeKey\":\"EventName\","
                    + "\"AttributeValue\":\"ConsoleLogin\"}]}", "us-east-1").get(0);
            assertThat(ConsoleClient.JSON.readTree(login.get("CloudTrailEvent").asText()).get("additionalEventData")
                    .get("LoginTo").asText())
                    .isEqualTo("https://cairn.example.com/");

            for (String host : List.of("cairn.example.com", "CAIRN.example.com:443")) {
                assertThat(statusLine(cairn.console(), host)).as(host).isEqualTo("HTTP/1.1 401 Unauthorized");
            }
            for (String host : List.of("cairn.example.com:8443", "attacker.example")) {
                assertThat(statusLine(cairn.console(), host)).as(host).isEqualTo("HTTP/1.1 403 Forbidden");
            }
        }
    }

    private static HttpResponse<String> signIn(ConsoleClient browser, String origin) throws Exception {
        return browser.send(HttpRequest.newBuilder(browser.console().resolve("/console/signin"))
                .header("Content-Type", "application/json").header("Origin", origin)
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + PASSWORD
                        + "\"}")));
    }

    /** The status line of GET /console/session sent with {@code host} as its Host header. */
    private static String statusLine(URI console, String host) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", console.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /console/session HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }
}
