package cairn.server.console;

import cairn.server.http.ApiRoutes;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static cairn.server.console.ConsoleClient.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A console of a Cairn serving several regions: the session offers them, and each call runs in the one it names. */
final class ConsoleRegionsTest {
    static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path data;

    private static HttpResponse<String> api(ConsoleClient browser, String token, String region, String operation,
                                            String body) throws Exception {
        return browser.send(HttpRequest.newBuilder(browser.console().resolve("/console/api"))
                .header("X-Amz-Target", ApiRoutes.TARGET_PREFIX + operation).header("X-Cairn-CSRF", token)
                .header("X-Cairn-Region", region).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void callsRunInTheRegionTheyName_andTheHistoryIsPerRegion() throws Exception {
        try (RunningCairn cairn = RunningCairn.start(data, new MutableClock(Instant.now()), Map.of(
                "console.enabled", "true", "console.initial-password", PASSWORD, "server.regions",
                "us-east-1,eu-west-1", "delivery.create-buckets", "true"))) {
            ConsoleClient browser = new ConsoleClient(cairn.console());
            JsonNode session = json(browser.signIn("admin", PASSWORD));
            assertThat(session.get("regions").toString()).isEqualTo("[\"us-east-1\",\"eu-west-1\"]");
            assertThat(session.get("region").asText()).isEqualTo("us-east-1");
            String token = session.get("csrfToken").asText();

            HttpResponse<String> created = api(browser, token, "eu-west-1", "CreateTrail",
                    "{\"Name\":\"europe\",\"S3BucketName\":\"europe-logs\"}");
            assertThat(json(created).get("TrailARN").asText()).isEqualTo("arn:aws:cloudtrail:eu-west-1:"
                    + cairn.accountId() + ":trail/europe");
            cairn.server().flushAudit();

            String createTrails = "{\"LookupAttributes\":[{\"AttributeKey\":\"EventName\","
                    + "\"AttributeValue\":\"CreateTrail\"}]}";
            assertThat(json(api(browser, token, "eu-west-1", "LookupEvents", createTrails)).get("Events"))
                    .hasSize(1);
            assertThat(json(api(browser, token, "us-east-1", "LookupEvents", createTrails)).get("Events"))
                    .isEmpty();
            assertThat(json(api(browser, token, "ap-south-1", "ListTrails", "{}")).get("message").asText())
                    .isEqualTo("This Cairn does not serve the region ap-south-1.");
        }
    }
}
