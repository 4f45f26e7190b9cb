package cairn.server.history;

import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import cairn.server.testing.Testdata;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.LookupEventsRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads every real record of {@code shared/testdata} through the native endpoint, then pages through the history
 * with the AWS SDK for Java v2 and the AWS CLI by every lookup attribute, and compares with what the files say,
 * computed here without Cairn's reader.
 */
final class LookupEventsInteropTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-12-01T00:00:00Z");

    @TempDir
    static Path data;

    private static RunningCairn cairn;
    /** region -> attribute -> value -> expected event IDs. */
    private static final Map<String, Map<String, Map<String, Set<String>>>> EXPECTED = new TreeMap<>();
    private static final Map<String, Long> EVENT_TIMES = new LinkedHashMap<>();

    @BeforeAll
    static void loadTestdata() throws Exception {
        cairn = RunningCairn.start(data, new MutableClock(NOW), Map.of("history.retention", "3650d"));
        for (Path file : Testdata.files()) {
            var response = cairn.postRecords(Files.readAllBytes(file), "us-east-1");
            assertThat(response.statusCode()).as(file + ": " + response.body()).isEqualTo(200);
        }
        for (JsonNode record : Testdata.records()) {
            String id = record.get("eventID").asText();
            EVENT_TIMES.put(id, Instant.parse(record.get("eventTime").asText()).getEpochSecond());
            Map<String, Map<String, Set<String>>> region =
                    EXPECTED.computeIfAbsent(record.get("awsRegion").asText(), ignored -> new TreeMap<>());
            expect(region, "EventId", id, id);
            expect(region, "EventName", text(record, "eventName"), id);
            expect(region, "EventSource", text(record, "eventSource"), id);
            expect(region, "ReadOnly", record.has("readOnly") ? record.get("readOnly").asText() : null, id);
            JsonNode identity = record.path("userIdentity");
            expect(region, "Username", username(identity), id);
            expect(region, "AccessKeyId", text(identity, "accessKeyId"), id);
            for (JsonNode resource : record.path("resources")) {
                expect(region, "ResourceType", text(resource, "type"), id);
                expect(region, "ResourceName", Optional.ofNullable(text(resource, "ARN"))
                        .orElse(text(resource, "ARNPrefix")), id);
            }
            expect(region, "*", "*", id);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        cairn.close();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isEmpty() ? null : value.asText();
    }

    /** The documented Username rule, written again here from the record's fields. */
    private static String username(JsonNode identity) {
        String type = text(identity, "type");
        String userName = text(identity, "userName");
        if (userName != null || type == null) {
            return userName;
        }
        return switch (type) {
            case "Root" -> "root";
            case "AssumedRole", "FederatedUser", "WebIdentityUser", "SAMLUser" -> {
                String arn = text(identity, "arn");
                yield arn == null ? null : arn.substring(arn.lastIndexOf('/') + 1);
            }
            default -> null;
        };
    }

    private static void expect(Map<String, Map<String, Set<String>>> region, String attribute, String value,
                               String id) {
        if (value != null) {
            region.computeIfAbsent(attribute, ignored -> new TreeMap<>())
                    .computeIfAbsent(value, ignored -> new LinkedHashSet<>()).add(id);
        }
    }

    private static CloudTrailClient sdk(String region) {
        return CloudTrailClient.builder()
                .endpointOverride(cairn.endpoint())
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Test
    void lookupEvents_sdkByEveryAttributeAndValue_matchesTheFiles() {
        int lookups = 0;
        int attributesSeen = 0;
        Set<String> attributeNames = new LinkedHashSet<>();
        for (var region : EXPECTED.entrySet()) {
            try (CloudTrailClient client = sdk(region.getKey())) {
                for (var attribute : region.getValue().entrySet()) {
                    for (var value : attribute.getValue().entrySet()) {
                        LookupEventsRequest.Builder request = LookupEventsRequest.builder().maxResults(7);
                        if (!attribute.getKey().equals("*")) {
                            request.lookupAttributes(LookupAttribute.builder()
                                    .attributeKey(LookupAttributeKey.fromValue(attribute.getKey()))
                                    .attributeValue(value.getKey()).build());
                            attributeNames.add(attribute.getKey());
                        }
                        List<Event> events = new ArrayList<>();
                        client.lookupEventsPaginator(request.build()).events().forEach(events::add);
                        lookups++;
                        assertThat(events).extracting(Event::eventId)
                                .as("%s %s=%s", region.getKey(), attribute.getKey(), value.getKey())
                                .doesNotHaveDuplicates()
                                .containsExactlyInAnyOrderElementsOf(value.getValue());
                        assertNewestFirst(events.stream().map(event -> event.eventTime().getEpochSecond()).toList());
                    }
                }
                attributesSeen++;
            }
        }
        assertThat(attributeNames).containsExactlyInAnyOrder("EventId", "EventName", "EventSource", "ReadOnly",
                "Username", "AccessKeyId", "ResourceType", "ResourceName");
        assertThat(attributesSeen).isEqualTo(EXPECTED.size());
        assertThat(lookups).isGreaterThan(400);
    }

    @Test
    void lookupEvents_sdkEvent_carriesTheRecordAndItsFields() throws Exception {
        JsonNode record = Testdata.records().stream()
                .filter(candidate -> candidate.path("resources").size() > 0).findFirst().orElseThrow();
        try (CloudTrailClient client = sdk(record.get("awsRegion").asText())) {
            Event event = client.lookupEvents(LookupEventsRequest.builder().lookupAttributes(LookupAttribute.builder()
                    .attributeKey(LookupAttributeKey.EVENT_ID).attributeValue(record.get("eventID").asText())
                    .build()).build()).events().getFirst();
            assertThat(MAPPER.readTree(event.cloudTrailEvent())).isEqualTo(record);
            assertThat(event.eventName()).isEqualTo(record.get("eventName").asText());
            assertThat(event.eventSource()).isEqualTo(record.get("eventSource").asText());
            assertThat(event.readOnly()).isEqualTo(record.get("readOnly").asText());
            assertThat(event.eventTime()).isEqualTo(Instant.parse(record.get("eventTime").asText()));
            assertThat(event.accessKeyId()).isEqualTo(record.path("userIdentity").get("accessKeyId").asText());
            assertThat(event.resources()).hasSize(record.get("resources").size());
            assertThat(event.resources().getFirst().resourceType())
                    .isEqualTo(record.get("resources").get(0).get("type").asText());
        }
    }

    @Test
    void lookupEvents_awsCliPagesByEveryAttribute_matchesTheFiles() throws Exception {
        String busiest = EXPECTED.entrySet().stream()
                .max((a, b) -> Integer.compare(a.getValue().get("*").get("*").size(),
                        b.getValue().get("*").get("*").size())).orElseThrow().getKey();
        Map<String, Map<String, Set<String>>> region = EXPECTED.get(busiest);
        checkCli(busiest, null, null, region.get("*").get("*"));
        for (String attribute : List.of("EventId", "EventName", "EventSource", "ReadOnly", "Username",
                "AccessKeyId", "ResourceType", "ResourceName")) {
            var values = regionWith(attribute);
            var value = values.getValue().get(attribute).entrySet().stream()
                    .max((a, b) -> Integer.compare(a.getValue().size(), b.getValue().size())).orElseThrow();
            checkCli(values.getKey(), attribute, value.getKey(), value.getValue());
        }
    }

    private static Map.Entry<String, Map<String, Map<String, Set<String>>>> regionWith(String attribute) {
        return EXPECTED.entrySet().stream().filter(entry -> entry.getValue().containsKey(attribute))
                .max((a, b) -> Integer.compare(a.getValue().get(attribute).values().stream().mapToInt(Set::size).max()
                        .orElse(0), b.getValue().get(attribute).values().stream().mapToInt(Set::size).max()
                        .orElse(0))).orElseThrow();
    }

    private static void checkCli(String region, String attribute, String value, Set<String> expected)
            throws Exception {
        List<String> arguments = new ArrayList<>(List.of("cloudtrail", "lookup-events", "--page-size", "4"));
        if (attribute != null) {
            arguments.addAll(List.of("--lookup-attributes", "AttributeKey=" + attribute + ",AttributeValue=" + value));
        }
        AwsCli.Result result = AwsCli.run(cairn.endpoint(), region, arguments.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        JsonNode events = MAPPER.readTree(result.stdout()).get("Events");
        List<String> ids = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        for (JsonNode event : events) {
            ids.add(event.get("EventId").asText());
            times.add(EVENT_TIMES.get(event.get("EventId").asText()));
            assertThat(MAPPER.readTree(event.get("CloudTrailEvent").asText()).get("eventID").asText())
                    .isEqualTo(event.get("EventId").asText());
        }
        assertThat(ids).as("aws cli %s %s=%s", region, attribute, value).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expected);
        assertNewestFirst(times);
    }

    private static void assertNewestFirst(List<Long> times) {
        for (int i = 1; i < times.size(); i++) {
            assertThat(times.get(i)).as("event %d is not newer than event %d", i, i - 1)
                    .isLessThanOrEqualTo(times.get(i - 1));
        }
    }
}
