package cairn.server.history;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** LookupEvents refuses bad requests with CloudTrail's error codes, on the wire as AWS JSON 1.1 errors. */
final class LookupEventsErrorsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "eu-west-3";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    static Path data;

    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static RunningCairn cairn;

    @BeforeAll
    static void start() throws Exception {
        cairn = RunningCairn.start(data, CLOCK, Map.of());
        StringBuilder records = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < 30; i++) {
            records.append(i == 0 ? "" : ",").append(record("e-" + i, NOW.minusSeconds(3600 - i * 60L), "GetObject"));
        }
        assertThat(cairn.postRecords(records.append("]}").toString().getBytes(StandardCharsets.UTF_8), REGION)
                .statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        cairn.close();
    }

    static String record(String id, Instant time, String name) {
        return "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"alice\","
                + "\"accessKeyId\":\"AKIAALICE\"},\"eventTime\":\"" + time + "\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"" + name + "\",\"awsRegion\":\"" + REGION + "\",\"eventID\":\"" + id + "\","
                + "\"readOnly\":true,\"eventType\":\"AwsApiCall\"}";
    }

    private static HttpResponse<String> lookup(String body) throws Exception {
        return cairn.cloudTrail("LookupEvents", body, REGION);
    }

    private static void assertError(HttpResponse<String> response, String code, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue(code);
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-amz-json-1.1");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON             | {"MaxResults": 5                                      | SerializationException | The request body is not valid JSON.
            MaxResults as a string     | {"MaxResults":"5"}                                    | SerializationException | MaxResults must be an integer.
            StartTime as text          | {"StartTime":"yesterday"}                             | SerializationException | StartTime must be a timestamp in epoch seconds.
            attributes not a list      | {"LookupAttributes":{"AttributeKey":"EventName"}}     | SerializationException | LookupAttributes must be a list.
            trailing content           | {"MaxResults":5} {"x":1}                              | SerializationException | The request body is not valid JSON.
            infinite StartTime         | {"StartTime":1e400}                                   | SerializationException | StartTime must be a timestamp in epoch seconds.
            MaxResults 0               | {"MaxResults":0}                                      | InvalidMaxResultsException | MaxResults must be between 1 and 50, not 0.
            MaxResults 51              | {"MaxResults":51}                                     | InvalidMaxResultsException | MaxResults must be between 1 and 50, not 51.
            start after end            | {"StartTime":1700000100,"EndTime":1700000000}         | InvalidTimeRangeException | StartTime must be before or equal to EndTime.
            unknown attribute key      | {"LookupAttributes":[{"AttributeKey":"Color","AttributeValue":"red"}]} | InvalidLookupAttributesException | Invalid AttributeKey: Color. Valid keys are EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.
            lower-case attribute key   | {"LookupAttributes":[{"AttributeKey":"eventName","AttributeValue":"x"}]} | InvalidLookupAttributesException | Invalid AttributeKey: eventName. Valid keys are EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.
            empty attribute value      | {"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":""}]} | InvalidLookupAttributesException | The AttributeValue of EventName must not be empty.
            two attributes             | {"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"GetObject"},{"AttributeKey":"Username","AttributeValue":"alice"}]} | InvalidLookupAttributesException | LookupAttributes may hold only one attribute; 2 were given. (Cairn ANDs several attributes when history.multi-attribute-lookups is true.)
            other event category       | {"EventCategory":"management"}                        | InvalidEventCategoryException | EventCategory must be insight, not management.
            insight by Username        | {"EventCategory":"insight","LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"alice"}]} | InvalidLookupAttributesException | Insights events can be looked up only by EventId, EventName or EventSource, not Username.
            forged NextToken           | {"NextToken":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} | InvalidNextTokenException | The NextToken is not valid.
            NextToken not base64       | {"NextToken":"%%%"}                                   | InvalidNextTokenException | The NextToken is not valid.
            """)
    void lookupEvents_badRequest_isRefusedWithCloudTrailsError(String name, String body, String code,
                                                               String message) throws Exception {
        assertError(lookup(body), code, message);
    }

    @Test
    void lookupEvents_attributeValueTooLong_isRefused() throws Exception {
        String value = "_".repeat(1001);
        assertError(lookup("{\"LookupAttributes\":[{\"AttributeKey\":\"EventName\",\"AttributeValue\":\"" + value
                        + "\"}]}"), "InvalidLookupAttributesException",
                "The AttributeValue of EventName is longer than 2000 characters.");
    }

    @Test
    void lookupEvents_unknownOperation_isRefused() throws Exception {
        HttpResponse<String> response = cairn.cloudTrail("FlyToTheMoon", "{}", REGION);
        assertError(response, "UnknownOperationException",
                "Cairn does not serve the CloudTrail operation FlyToTheMoon.");
    }

    @Test
    void lookupEvents_unsigned_isRefused() throws Exception {
        HttpResponse<String> response = cairn.post("/", "application/x-amz-json-1.1",
                "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", "{}".getBytes(), null);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(MAPPER.readTree(response.body()).get("__type").asText())
                .isEqualTo("MissingAuthenticationTokenException");
    }

    @Test
    void lookupEvents_tamperedNextToken_isRefused() throws Exception {
        String token = MAPPER.readTree(lookup("{\"MaxResults\":5}").body()).get("NextToken").asText();
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        bytes[5] ^= 1;
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertError(lookup("{\"MaxResults\":5,\"NextToken\":\"" + forged + "\"}"), "InvalidNextTokenException",
                "The NextToken is not valid.");
    }

    @Test
    void lookupEvents_nextTokenWithOtherParameters_isRefused() throws Exception {
        String token = MAPPER.readTree(lookup("{\"MaxResults\":5}").body()).get("NextToken").asText();
        assertError(lookup("{\"MaxResults\":5,\"NextToken\":\"" + token + "\",\"LookupAttributes\":"
                        + "[{\"AttributeKey\":\"EventName\",\"AttributeValue\":\"GetObject\"}]}"),
                "InvalidNextTokenException", "The NextToken was issued for a call with other parameters; "
                        + "send it with the same parameters as the call that returned it.");
        HttpResponse<String> otherRegion = cairn.cloudTrail("LookupEvents",
                "{\"MaxResults\":5,\"NextToken\":\"" + token + "\"}", "eu-west-1");
        assertThat(MAPPER.readTree(otherRegion.body()).get("__type").asText()).isEqualTo("InvalidNextTokenException");
    }

    @Test
    void lookupEvents_staleNextToken_isRefused() throws Exception {
        String token = MAPPER.readTree(lookup("{\"MaxResults\":5}").body()).get("NextToken").asText();
        CLOCK.advance(Duration.ofHours(24).plusSeconds(1));
        try {
            assertError(lookup("{\"MaxResults\":5,\"NextToken\":\"" + token + "\"}"), "InvalidNextTokenException",
                    "The NextToken has expired.");
        } finally {
            CLOCK.set(NOW);
        }
    }

    @Test
    void lookupEvents_nextToken_staysValidWhileNewEventsArrive() throws Exception {
        List<String> seen = new ArrayList<>();
        // By event name, so that the audit events of these very calls (eventName LookupEvents) stay out.
        String byName = "\"LookupAttributes\":[{\"AttributeKey\":\"EventName\",\"AttributeValue\":\"GetObject\"}]";
        JsonNode page = MAPPER.readTree(lookup("{\"MaxResults\":7," + byName + "}").body());
        page.get("Events").forEach(event -> seen.add(event.get("EventId").asText()));
        int extra = 0;
        while (page.has("NextToken")) {
            String late = "{\"Records\":[" + record("new-" + extra, NOW.minusSeconds(5), "GetObject") + ","
                    + record("late-" + extra, NOW.minusSeconds(7200), "GetObject") + "]}";
            assertThat(cairn.postRecords(late.getBytes(StandardCharsets.UTF_8), REGION).statusCode()).isEqualTo(200);
            extra++;
            page = MAPPER.readTree(lookup("{\"MaxResults\":7," + byName + ",\"NextToken\":\""
                    + page.get("NextToken").asText() + "\"}").body());
            page.get("Events").forEach(event -> seen.add(event.get("EventId").asText()));
        }
        List<String> original = new ArrayList<>();
        for (int i = 29; i >= 0; i--) {
            original.add("e-" + i);
        }
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen.stream().filter(id -> id.startsWith("e-")).toList()).containsExactlyElementsOf(original);
        assertThat(seen.stream().filter(id -> id.startsWith("new-"))).isEmpty();
        assertThat(seen.stream().filter(id -> id.startsWith("late-"))).hasSize(extra);
    }
}
