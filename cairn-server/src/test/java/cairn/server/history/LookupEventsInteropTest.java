package cairn.server.history;

import cairn.server.identity.PermissionSet;
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
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
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
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads every real record of {@code shared/testdata} (events of many accounts) through the native endpoint, as a
 * writer granted all those accounts, then pages through each account's history with the AWS SDK for Java v2 and the
 * AWS CLI, signed by a key of that account, by every lookup attribute, and compares with what the files say, computed
 * here without Cairn's reader. Cairn's own audit events of these calls (not in the files) are set aside.
 */
final class LookupEventsInteropTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path data;

    private static RunningCairn cairn;
    /** account -> region -> attribute -> value -> expected event IDs. */
    private static final Map<String, Map<String, Map<String, Map<String, Set<String>>>>> EXPECTED = new TreeMap<>();
    private static final Map<String, Long> EVENT_TIMES = new LinkedHashMap<>();
    private static final Map<String, AwsCredentialsIdentity> AUDITORS = new TreeMap<>();

    @BeforeAll
    static void loadTestdata() throws Exception {
        // The CLI signs with the real time, so the server's clock starts at it.
        cairn = RunningCairn.start(data, new MutableClock(Instant.now()), Map.of("history.retention", "3650d"));
        Set<String> accounts = new TreeSet<>();
        Testdata.records().forEach(record -> accounts.add(record.get("recipientAccountId").asText()));
        for (String account : accounts) {
            AUDITORS.put(account, cairn.newUser(account, "auditor", PermissionSet.AUDITOR));
        }
        AwsCredentialsIdentity loader = cairn.newUser(cairn.accountId(), "loader", PermissionSet.WRITER,
                accounts.toArray(String[]::new));
        for (Path file : Testdata.files()) {
            var response = cairn.post("/records", "application/json", null, Files.readAllBytes(file), "us-east-1",
                    loader);
            assertThat(response.statusCode()).as(file + ": " + response.body()).isEqualTo(200);
        }
        for (JsonNode record : Testdata.records()) {
            String id = record.get("eventID").asText();
            EVENT_TIMES.put(id, Instant.parse(record.get("eventTime").asText()).getEpochSecond());
            Map<String, Map<String, Set<String>>> region = EXPECTED
                    .computeIfAbsent(record.get("recipientAccountId").asText(), ignored -> new TreeMap<>())
                    .computeIfAbsent(record.get("awsRegion").asText(), ignored -> new TreeMap<>());
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

    private static CloudTrailClient sdk(String account, String region) {
        return cairn.sdk(CloudTrailClient.builder(), region, AUDITORS.get(account)).build();
    }

    /** The events of the files: Cairn's audit events of this test's own calls are not among them. */
    private static List<Event> fromTheFiles(List<Event> events) {
        List<Event> kept = new ArrayList<>();
        for (Event event : events) {
            if (EVENT_TIMES.containsKey(event.eventId())) {
                kept.add(event);
            } else {
                assertThat(event.eventSource()).as("an event neither in the files nor Cairn's own")
                        .isEqualTo("cloudtrail.amazonaws.com");
            }
        }
        return kept;
    }

    @Test
    void lookupEvents_sdkByEveryAttributeAndValue_matchesTheFiles() {
        int lookups = 0;
        int attributesSeen = 0;
        Set<String> attributeNames = new LinkedHashSet<>();
        for (var account : EXPECTED.entrySet()) {
            for (var region : account.getValue().entrySet()) {
                try (CloudTrailClient client = sdk(account.getKey(), region.getKey())) {
                    lookups += lookUpEveryValue(client, account.getKey() + " " + region.getKey(), region.getValue(),
                            attributeNames);
                }
                attributesSeen++;
            }
        }
        assertThat(attributeNames).containsExactlyInAnyOrder("EventId", "EventName", "EventSource", "ReadOnly",
                "Username", "AccessKeyId", "ResourceType", "ResourceName");
        assertThat(attributesSeen).isEqualTo(EXPECTED.values().stream().mapToInt(Map::size).sum());
        assertThat(lookups).isGreaterThan(400);
    }

    /** Pages through every attribute and value of one account's region; returns how many lookups it made. */
    private static int lookUpEveryValue(CloudTrailClient client, String where,
                                        Map<String, Map<String, Set<String>>> attributes, Set<String> attributeNames) {
        int lookups = 0;
        for (var attribute : attributes.entrySet()) {
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
                events = fromTheFiles(events);
                lookups++;
                assertThat(events).extracting(Event::eventId)
                        .as("%s %s=%s", where, attribute.getKey(), value.getKey())
                        .doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(value.getValue());
                assertNewestFirst(events.stream().map(event -> event.eventTime().getEpochSecond()).toList());
            }
        }
        return lookups;
    }

    @Test
    void lookupEvents_sdkEvent_carriesTheRecordAndItsFields() throws Exception {
        JsonNode record = Testdata.records().stream()
                .filter(candidate -> candidate.path("resources").size() > 0).findFirst().orElseThrow();
        try (CloudTrailClient client = sdk(record.get("recipientAccountId").asText(),
                record.get("awsRegion").asText())) {
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
        var busiest = regionWith("*");
        checkCli(busiest, null, null, busiest.region().get("*").get("*"));
        for (String attribute : List.of("EventId", "EventName", "EventSource", "ReadOnly", "Username",
                "AccessKeyId", "ResourceType", "ResourceName")) {
            var values = regionWith(attribute);
            var value = values.region().get(attribute).entrySet().stream()
                    .max((a, b) -> Integer.compare(a.getValue().size(), b.getValue().size())).orElseThrow();
            checkCli(values, attribute, value.getKey(), value.getValue());
        }
    }

    private record AccountRegion(String account, String name, Map<String, Map<String, Set<String>>> region) {
    }

    /** The account and region with the most events for one value of {@code attribute}. */
    private static AccountRegion regionWith(String attribute) {
        List<AccountRegion> all = new ArrayList<>();
        EXPECTED.forEach((account, regions) -> regions.forEach((name, region) ->
                all.add(new AccountRegion(account, name, region))));
        return all.stream().filter(entry -> entry.region().containsKey(attribute))
                .max((a, b) -> Integer.compare(a.region().get(attribute).values().stream().mapToInt(Set::size).max()
                        .orElse(0), b.region().get(attribute).values().stream().mapToInt(Set::size).max()
                        .orElse(0))).orElseThrow();
    }

    private static void checkCli(AccountRegion where, String attribute, String value, Set<String> expected)
            throws Exception {
        List<String> arguments = new ArrayList<>(List.of("cloudtrail", "lookup-events", "--page-size", "4"));
        if (attribute != null) {
            arguments.addAll(List.of("--lookup-attributes", "AttributeKey=" + attribute + ",AttributeValue=" + value));
        }
        String region = where.name();
        AwsCli.Result result = cairn.cli(region, AUDITORS.get(where.account()), arguments.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        JsonNode events = MAPPER.readTree(result.stdout()).get("Events");
        List<String> ids = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        for (JsonNode event : events) {
            if (!EVENT_TIMES.containsKey(event.get("EventId").asText())) {
                assertThat(event.get("EventSource").asText()).isEqualTo("cloudtrail.amazonaws.com");
                continue;
            }
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
