package cairn.server.ingest;

import cairn.server.http.ApiRoutes;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import cairn.server.testing.TestSigning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The native batch endpoint: records as in log files, all or nothing, with the fields the server owns filled in. */
final class NativeIngestTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-2";
    private static final String GOOD = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-02-01T10:00:00Z\","
            + "\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"awsRegion\":\"us-east-2\","
            + "\"eventType\":\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"bob\"}}";

    @TempDir
    Path data;

    private RunningCairn cairn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, new MutableClock(Instant.parse("2026-02-02T00:00:00Z")), Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    private JsonNode allEvents() throws Exception {
        return cairn.events("{}", REGION);
    }

    @Test
    void records_withoutServerFields_getThemSplicedInAndTheRestKeptByteForByte() throws Exception {
        HttpResponse<String> response = cairn.postRecords(("[" + GOOD + "]").getBytes(StandardCharsets.UTF_8), REGION);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = MAPPER.readTree(response.body());
        assertThat(answer.get("recordCount").asInt()).isEqualTo(1);
        String eventId = answer.get("eventIDs").get(0).asText();
        String stored = allEvents().get(0).get("CloudTrailEvent").asText();
        String accountId = cairn.server().installation().accountId();
        assertThat(stored).isEqualTo("{\"eventID\":\"" + eventId + "\",\"recipientAccountId\":\"" + accountId
                + "\",\"eventCategory\":\"Management\",\"managementEvent\":true,\"readOnly\":false,"
                + GOOD.substring(1));
    }

    @Test
    void records_completeRecord_isStoredUnchanged() throws Exception {
        String record = "{ \"eventID\" : \"id-1\",\n \"eventTime\":\"2026-02-01T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-2\",\"recipientAccountId\":\"999988887777\","
                + "\"eventCategory\":\"Management\",\"readOnly\":true, \"unknownNewField\": [1, 2, {\"x\": null}] }";
        AwsCredentialsIdentity importer = cairn.newUser(cairn.accountId(), "importer", PermissionSet.WRITER,
                "999988887777");
        AwsCredentialsIdentity reader = cairn.newUser("999988887777", "reader", PermissionSet.AUDITOR);
        assertThat(cairn.post("/records", "application/json", null, ("{\"Records\":[" + record + "]}")
                .getBytes(StandardCharsets.UTF_8), REGION, importer).statusCode()).isEqualTo(200);
        HttpResponse<String> lookup = cairn.post("/", "application/x-amz-json-1.1", ApiRoutes.TARGET_PREFIX
                + "LookupEvents", "{}".getBytes(StandardCharsets.UTF_8), REGION, reader);
        assertThat(MAPPER.readTree(lookup.body()).get("Events").get(0).get("CloudTrailEvent").asText())
                .isEqualTo(record);
    }

    @Test
    void records_dataEvent_isStoredButLeftOutOfTheHistoryAsCloudTrailDoes() throws Exception {
        String data = GOOD.replace("\"eventType\"", "\"eventCategory\":\"Data\",\"eventType\"")
                .replace("CreateUser", "GetObject");
        String management = GOOD.replace("CreateUser", "ListUsers");
        HttpResponse<String> response = cairn.postRecords(("[" + data + "," + management + "]")
                .getBytes(StandardCharsets.UTF_8), REGION);
        assertThat(MAPPER.readTree(response.body()).get("recordCount").asInt()).isEqualTo(2);
        assertThat(allEvents()).extracting(event -> event.get("EventName").asText()).containsExactly("ListUsers");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON               | {"Records":[{"eventTime":                                      | SerializationException | The body is not valid JSON: Unexpected end-of-input within/between Object entries at byte 25
            not records                  | {"Events":[]}                                                   | InvalidParameterException | The body must be {"Records":[...]} or a JSON array of CloudTrail records.
            empty batch                  | []                                                              | InvalidParameterException | The batch holds no records.
            a record not an object       | [GOOD, 42]                                                      | InvalidParameterException | Record 1 is not a JSON object.
            readOnly as a string         | [GOOD, {"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r","readOnly":"true"}] | InvalidParameterException | Record 1: field readOnly must be a boolean (true or false), not a string
            eventTime not a time         | [{"eventTime":"yesterday","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventTime is not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ: yesterday
            eventTime a number           | [{"eventTime":1700000000,"eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventTime must be a string, not a number
            userIdentity a string        | [{"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r","userIdentity":"me"}] | InvalidParameterException | Record 0: field userIdentity must be an object, not a string
            userIdentity.userName number | [{"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r","userIdentity":{"userName":7}}] | InvalidParameterException | Record 0: userIdentity.userName must be a string, not a number
            resources of strings         | [{"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r","resources":["arn"]}] | InvalidParameterException | Record 0: field resources must hold objects, not a string
            missing awsRegion            | [GOOD, {"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b"}] | InvalidParameterException | Record 1: required field awsRegion is missing
            missing eventTime            | [{"eventSource":"a","eventName":"b","awsRegion":"r"}]           | InvalidParameterException | Record 0: required field eventTime is missing
            missing eventName            | [{"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","awsRegion":"r"}] | InvalidParameterException | Record 0: required field eventName is missing
            insight without details      | [{"eventTime":"2026-02-01T10:00:00Z","eventCategory":"Insight","awsRegion":"r"}] | InvalidParameterException | Record 0: required field insightDetails is missing
            duplicate field              | [{"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","eventName":"c","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventName appears twice
            trailing content             | [GOOD] []                                                       | SerializationException | Unexpected content after the records.
            null eventID                 | [{"eventID":null,"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventID must be a string, not null (leave it out to have the server fill it in)
            null readOnly                | [{"readOnly":null,"eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field readOnly must be a boolean (true or false), not null (leave it out to have the server fill it in)
            empty eventID                | [{"eventID":"","eventTime":"2026-02-01T10:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventID must not be empty (leave it out to have the server fill it in)
            eventTime with an offset     | [{"eventTime":"2026-02-01T10:00:00+05:00","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventTime is not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ: 2026-02-01T10:00:00+05:00
            eventTime before 1970        | [{"eventTime":"1960-01-01T00:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventTime must be between 1970-01-01T00:00:00Z and 2242-03-16T12:56:31Z: 1960-01-01T00:00:00Z
            eventTime past the store     | [{"eventTime":"2300-01-01T00:00:00Z","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 0: field eventTime must be between 1970-01-01T00:00:00Z and 2242-03-16T12:56:31Z: 2300-01-01T00:00:00Z
            eventTime in the future      | [GOOD, {"eventTime":"2026-02-03T00:00:01Z","eventSource":"a","eventName":"b","awsRegion":"r"}] | InvalidParameterException | Record 1: field eventTime is more than 24 hours ahead of the server's clock: 2026-02-03T00:00:01Z
            """)
    void records_badBatch_isRefusedAndNothingIsStored(String name, String body, String code, String message)
            throws Exception {
        HttpResponse<String> response = cairn.postRecords(body.replace("GOOD", GOOD).getBytes(StandardCharsets.UTF_8),
                REGION);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(allEvents()).isEmpty();
    }

    @Test
    void records_eventOver256KB_isRefusedAndNothingIsStored() throws Exception {
        String big = GOOD.substring(0, GOOD.length() - 1) + ",\"requestParameters\":{\"blob\":\""
                + "x".repeat(256 * 1024) + "\"}}";
        HttpResponse<String> response = cairn.postRecords(("[" + GOOD + "," + big + "]")
                .getBytes(StandardCharsets.UTF_8), REGION);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(MAPPER.readTree(response.body()).get("message").asText())
                .isEqualTo("Record 1: the record is " + big.length() + " bytes, more than the limit of 262144 bytes (256 KB)");
        assertThat(allEvents()).isEmpty();
    }

    @Test
    void records_bodyOverTheRequestLimit_isRefusedWith413() throws Exception {
        byte[] body = new byte[(16 << 20) + 10];
        java.util.Arrays.fill(body, (byte) ' ');
        HttpResponse<String> response = cairn.postRecords(body, REGION);
        assertThat(response.statusCode()).isEqualTo(413);
        JsonNode error = MAPPER.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo("RequestEntityTooLargeException");
        assertThat(error.get("message").asText()).isEqualTo("The request body of 16777226 bytes is larger than the "
                + "limit of 16777216 bytes (ingest.max-request-size).");
        assertThat(allEvents()).isEmpty();
    }

    @Test
    void records_chunkedBody_isReadAndLimitedToo() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        byte[] good = ("[" + GOOD + "]").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> accepted = http.send(chunked(good), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        byte[] huge = new byte[(16 << 20) + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> refused = http.send(chunked(huge), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(MAPPER.readTree(refused.body()).get("message").asText())
                .isEqualTo("The request body is larger than the limit of 16777216 bytes (ingest.max-request-size).");
        assertThat(allEvents()).hasSize(1);
    }

    private java.net.http.HttpRequest chunked(byte[] body) {
        return TestSigning.post(cairn.endpoint().resolve("/records"), "application/json", Optional.empty(), body,
                        "cloudtrail", REGION, cairn.admin(), cairn.clock(), Optional.empty())
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(body))).build();
    }

    @Test
    void records_atTheLimitBeforeTheServerFields_isRefusedAndNothingIsStored() throws Exception {
        String prefix = "{\"eventTime\":\"2026-02-01T10:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"b\","
                + "\"awsRegion\":\"us-east-2\",\"requestParameters\":{\"blob\":\"";
        String record = prefix + "z".repeat(256 * 1024 - prefix.length() - 3) + "\"}}";
        assertThat(record.length()).isEqualTo(256 * 1024);
        HttpResponse<String> response = cairn.postRecords(("[" + record + "]").getBytes(StandardCharsets.UTF_8), REGION);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(MAPPER.readTree(response.body()).get("message").asText()).startsWith("Record 0: with the fields "
                + "the server fills in, the record is ");
        assertThat(allEvents()).isEmpty();
    }

    @Test
    void records_unsigned_isRefused() throws Exception {
        HttpResponse<String> response = cairn.postRecords(("[" + GOOD + "]").getBytes(StandardCharsets.UTF_8), null);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(allEvents()).isEmpty();
    }
}
