package cairn.server.history;

import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Beyond CloudTrail, behind history.multi-attribute-lookups: several lookup attributes in one call are ANDed. */
final class MultiAttributeLookupTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "ca-central-1";
    private static final List<String> USERS = List.of("ann", "ben", "cat");
    private static final List<String> NAMES = List.of("GetObject", "PutObject", "DeleteObject", "ListBuckets");

    @TempDir
    Path data;

    @Test
    void severalAttributes_withTheOption_areAnded() throws Exception {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        try (RunningCairn cairn = RunningCairn.start(data, new MutableClock(now),
                Map.of("history.multi-attribute-lookups", "true"))) {
            StringBuilder records = new StringBuilder("[");
            for (int i = 0; i < 240; i++) {
                records.append(i == 0 ? "" : ",").append("{\"eventID\":\"m-").append(i).append("\",\"eventTime\":\"")
                        .append(now.minusSeconds(1000 - i)).append("\",\"eventSource\":\"s3.amazonaws.com\",")
                        .append("\"eventName\":\"").append(NAMES.get(i % 4)).append("\",\"awsRegion\":\"")
                        .append(REGION).append("\",\"readOnly\":").append(i % 3 == 0)
                        .append(",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"").append(USERS.get(i % 3))
                        .append("\"}}");
            }
            assertThat(cairn.postRecords(records.append("]").toString().getBytes(StandardCharsets.UTF_8), REGION)
                    .statusCode()).isEqualTo(200);

            List<String> expected = new ArrayList<>();
            for (int i = 239; i >= 0; i--) {
                if (NAMES.get(i % 4).equals("PutObject") && USERS.get(i % 3).equals("ben")) {
                    expected.add("m-" + i);
                }
            }
            try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION).build()) {
                List<String> found = new ArrayList<>();
                client.lookupEventsPaginator(request -> request.maxResults(3).lookupAttributes(
                        LookupAttribute.builder().attributeKey(LookupAttributeKey.EVENT_NAME)
                                .attributeValue("PutObject").build(),
                        LookupAttribute.builder().attributeKey(LookupAttributeKey.USERNAME)
                                .attributeValue("ben").build())).events().stream().map(Event::eventId)
                        .forEach(found::add);
                assertThat(found).isNotEmpty().containsExactlyElementsOf(expected);
            }

            AwsCli.Result cli = cairn.cli(REGION, "cloudtrail", "lookup-events", "--page-size", "5",
                    "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetObject",
                    "AttributeKey=Username,AttributeValue=ann", "AttributeKey=ReadOnly,AttributeValue=true");
            assertThat(cli.exitCode()).as(cli.stderr()).isZero();
            List<String> cliIds = new ArrayList<>();
            MAPPER.readTree(cli.stdout()).get("Events").forEach(event -> cliIds.add(event.get("EventId").asText()));
            List<String> expectedThree = new ArrayList<>();
            for (int i = 239; i >= 0; i--) {
                if (i % 4 == 0 && i % 3 == 0) {
                    expectedThree.add("m-" + i);
                }
            }
            assertThat(cliIds).isNotEmpty().containsExactlyElementsOf(expectedThree);
        }
    }

    @Test
    void severalAttributes_withoutTheOption_areRefusedAsCloudTrailDoes() throws Exception {
        try (RunningCairn cairn = RunningCairn.start(data, new MutableClock(Instant.now()), Map.of())) {
            AwsCli.Result cli = cairn.cli(REGION, "cloudtrail", "lookup-events",
                    "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetObject",
                    "AttributeKey=Username,AttributeValue=ann");
            assertThat(cli.exitCode()).isNotZero();
            assertThat(cli.stderr()).contains("InvalidLookupAttributesException");
            assertThat(cairn.events("{}", REGION)).isEmpty();
        }
    }
}
