package cairn.server.console;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The console over HTTPS (console.tls-keystore): the session cookie is then also Secure. */
final class ConsoleTlsTest {
    static final String PASSWORD = "correct horse battery staple";
    static final String STORE_PASSWORD = "keystore-secret";

    @TempDir
    Path data;
    @TempDir
    Path keys;

    /** A self-signed certificate for 127.0.0.1 and localhost, made by the JDK's keytool. */
    private Path keystore() throws Exception {
        Path store = keys.resolve("console.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "console", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(output).isZero();
        return store;
    }

    private static SSLContext trusting(Path store) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, STORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keyStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    @Test
    void signIn_overHttps_setsASecureCookie_andTheEventSaysWhere() throws Exception {
        Path store = keystore();
        try (RunningCairn cairn = RunningCairn.start(data, new MutableClock(Instant.now()), Map.of(
                "console.enabled", "true", "console.initial-password", PASSWORD,
                "console.tls-keystore", store.toString(), "console.tls-keystore-password", STORE_PASSWORD))) {
            URI console = URI.create("https://127.0.0.1:" + cairn.server().consolePort().orElseThrow() + "/");
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(store))
                    .cookieHandler(new CookieManager()).build();

            HttpResponse<String> signIn = https.send(HttpRequest.newBuilder(console.resolve("/console/signin"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + PASSWORD
                            + "\"}")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(signIn.statusCode()).isEqualTo(200);
            assertThat(signIn.headers().firstValue("Set-Cookie")).get().asString()
                    .endsWith("; HttpOnly; SameSite=Strict; Max-Age=43200; Secure");
            assertThat(https.send(HttpRequest.newBuilder(console.resolve("/console/session")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            cairn.server().flushAudit();
            JsonNode events = ConsoleClient.json(cairn.cloudTrail("LookupEvents", "{\"LookupAttributes\":[{"
                    + "\"AttributeKey\":\"EventName\",\"AttributeValue\":\"ConsoleLogin\"}]}", "us-east-1"))
                    .get("Events");
            JsonNode login = ConsoleClient.JSON.readTree(events.get(0).get("CloudTrailEvent").asText());
            assertThat(login.get("additionalEventData").get("LoginTo").asText()).isEqualTo(console.toString());
            assertThat(List.of(cairn.server().consolePort().orElseThrow())).doesNotContain(cairn.server().port());
        }
    }
}
