package cairn.server.audit;

import cairn.model.error.ErrorCode;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import cairn.server.history.HistoryTerms;
import cairn.server.http.ApiRoutes;
import cairn.server.identity.Caller;
import cairn.server.identity.Directory;
import cairn.server.identity.Principal;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import cairn.store.Entry;
import cairn.store.EventStore;
import cairn.store.StoreConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.LookupEventsResponse;
import software.amazon.awssdk.services.cloudtraildata.CloudTrailDataClient;
import software.amazon.awssdk.services.cloudtraildata.model.AuditEvent;
import software.amazon.awssdk.services.cloudtraildata.model.PutAuditEventsResponse;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every call to Cairn's API becomes a management event from {@code cloudtrail.amazonaws.com}, checked here field by
 * field for one successful and one failed call of every operation (LookupEvents, PutAuditEvents, the native
 * PutRecords), for refused signatures and denied calls; ingest calls cause exactly one event each.
 */
final class SelfAuditTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "eu-west-1";
    private static final Instant NOW = Instant.parse("2026-08-01T12:00:00Z");
    private static final String RECORD = "{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-08-01T11:00:00Z\","
            + "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"awsRegion\":\"" + REGION
            + "\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"eve\"}}";

    @TempDir
    Path data;

    private RunningCairn cairn;
    private AwsCredentialsIdentity auditor;
    private AwsCredentialsIdentity writer;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, new MutableClock(NOW), Map.of());
        auditor = cairn.newUser(cairn.accountId(), "ann", PermissionSet.AUDITOR);
        writer = cairn.newUser(cairn.accountId(), "wes", PermissionSet.WRITER);
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    /** Every audit event of the installation's account, by request ID, read as its administrator. */
    private Map<String, JsonNode> auditEvents() throws Exception {
        cairn.server().flushAudit();
        Map<String, JsonNode> events = new java.util.LinkedHashMap<>();
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION).build()) {
            client.lookupEventsPaginator(request -> request.lookupAttributes(attribute -> attribute
                    .attributeKey(LookupAttributeKey.EVENT_SOURCE).attributeValue("cloudtrail.amazonaws.com")))
                    .events().forEach(event -> {
                        try {
                            JsonNode record = MAPPER.readTree(event.cloudTrailEvent());
                            assertThat(record.get("eventID").asText()).isEqualTo(event.eventId());
                            events.put(record.get("requestID").asText(), record);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    });
        }
        return events;
    }

    private Caller caller(AwsCredentialsIdentity key) {
        return cairn.server().directory().credential(key.accessKeyId()).orElseThrow().caller();
    }

    /** The fields every audit event of an authenticated call has, each compared with what it must be. */
    private void assertCall(JsonNode event, AwsCredentialsIdentity key, String eventName, boolean readOnly) {
        Caller caller = caller(key);
        assertThat(event.get("eventVersion").asText()).isEqualTo("1.11");
        JsonNode identity = event.get("userIdentity");
        assertThat(identity.get("type").asText()).isEqualTo("IAMUser");
        assertThat(identity.get("principalId").asText()).isEqualTo(caller.principal().id()).startsWith("AIDA");
        assertThat(identity.get("arn").asText())
                .isEqualTo("arn:aws:iam::" + cairn.accountId() + ":user/" + caller.principal().name());
        assertThat(identity.get("accountId").asText()).isEqualTo(cairn.accountId());
        assertThat(identity.get("accessKeyId").asText()).isEqualTo(key.accessKeyId());
        assertThat(identity.get("userName").asText()).isEqualTo(caller.principal().name());
        assertThat(event.get("eventTime").asText()).isEqualTo("2026-08-01T12:00:00Z");
        assertThat(event.get("eventSource").asText()).isEqualTo("cloudtrail.amazonaws.com");
        assertThat(event.get("eventName").asText()).isEqualTo(eventName);
        assertThat(event.get("awsRegion").asText()).isEqualTo(REGION);
        assertThat(event.get("sourceIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(event.get("userAgent").asText()).isNotEmpty();
        assertThat(event.get("eventID").asText()).hasSize(36);
        assertThat(event.get("readOnly").asBoolean()).isEqualTo(readOnly);
        assertThat(event.get("eventType").asText()).isEqualTo("AwsApiCall");
        assertThat(event.get("managementEvent").asBoolean()).isTrue();
        assertThat(event.get("recipientAccountId").asText()).isEqualTo(cairn.accountId());
        assertThat(event.get("eventCategory").asText()).isEqualTo("Management");
        assertThat(event.toString()).doesNotContain(key.secretAccessKey());
    }

    private static void assertSucceeded(JsonNode event) {
        assertThat(event.has("errorCode")).isFalse();
        assertThat(event.has("errorMessage")).isFalse();
    }

    private static void assertFailed(JsonNode event, AwsServiceException failure) {
        assertThat(event.get("errorCode").asText()).isEqualTo(failure.awsErrorDetails().errorCode());
        assertThat(event.get("errorMessage").asText()).isEqualTo(failure.awsErrorDetails().errorMessage());
        assertThat(event.get("responseElements").isNull()).isTrue();
    }

    @Test
    void lookupEvents_successAndFailure_areEventsWithEveryField() throws Exception {
        String requestId;
        AwsServiceException failure;
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION, auditor).build()) {
            LookupEventsResponse ok = client.lookupEvents(request -> request.maxResults(5).lookupAttributes(
                    attribute -> attribute.attributeKey(LookupAttributeKey.EVENT_NAME).attributeValue("RunInstances")));
            requestId = ok.responseMetadata().requestId();
            failure = catchService(() -> client.lookupEvents(request -> request.maxResults(500)));
        }
        Map<String, JsonNode> events = auditEvents();

        JsonNode success = events.get(requestId);
        assertCall(success, auditor, "LookupEvents", true);
        assertSucceeded(success);
        assertThat(success.get("requestParameters")).isEqualTo(MAPPER.readTree("{\"maxResults\":5,"
                + "\"lookupAttributes\":[{\"attributeKey\":\"EventName\",\"attributeValue\":\"RunInstances\"}]}"));
        assertThat(success.get("responseElements").isNull()).isTrue();
        assertThat(success.get("userAgent").asText()).contains("aws-sdk-java");

        JsonNode failed = events.get(failure.requestId());
        assertCall(failed, auditor, "LookupEvents", true);
        assertFailed(failed, failure);
        assertThat(failed.get("errorCode").asText()).isEqualTo("InvalidMaxResultsException");
        assertThat(failed.get("requestParameters")).isEqualTo(MAPPER.readTree("{\"maxResults\":500}"));
    }

    @Test
    void putAuditEvents_successAndFailure_areEventsWithEveryField() throws Exception {
        String channelArn = cairn.server().installation().channelArn(REGION);
        String eventData = "{\"version\":\"1.0\",\"userIdentity\":{\"type\":\"User\",\"principalId\":\"carol\"},"
                + "\"eventSource\":\"billing.example.com\",\"eventName\":\"Pay\",\"eventTime\":\"2026-08-01T11:00:00Z\","
                + "\"UID\":\"u-1\",\"recipientAccountId\":\"" + cairn.accountId() + "\"}";
        String requestId;
        AwsServiceException failure;
        try (CloudTrailDataClient client = cairn.sdk(CloudTrailDataClient.builder(), REGION, writer).build()) {
            PutAuditEventsResponse ok = client.putAuditEvents(request -> request.channelArn(channelArn)
                    .auditEvents(AuditEvent.builder().id("a").eventData(eventData).build()));
            assertThat(ok.successful()).hasSize(1);
            requestId = ok.responseMetadata().requestId();
            failure = catchService(() -> client.putAuditEvents(request -> request.channelArn(channelArn + "x")
                    .auditEvents(AuditEvent.builder().id("a").eventData(eventData).build())));
        }
        Map<String, JsonNode> events = auditEvents();

        JsonNode success = events.get(requestId);
        assertCall(success, writer, "PutAuditEvents", false);
        assertSucceeded(success);
        assertThat(success.get("requestParameters")).isEqualTo(MAPPER.readTree("{\"channelArn\":\"" + channelArn
                + "\"}"));
        assertThat(success.get("responseElements"))
                .isEqualTo(MAPPER.readTree("{\"successfulCount\":1,\"failedCount\":0}"));

        JsonNode failed = events.get(failure.requestId());
        assertCall(failed, writer, "PutAuditEvents", false);
        assertFailed(failed, failure);
        assertThat(failed.get("errorCode").asText()).isEqualTo("ChannelNotFound");
    }

    @Test
    void putRecords_successAndFailure_areEventsWithEveryField() throws Exception {
        HttpResponse<String> ok = cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null,
                ("[" + RECORD + "," + RECORD + "]").getBytes(StandardCharsets.UTF_8), REGION, writer);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> bad = cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null,
                "[{\"eventTime\":".getBytes(StandardCharsets.UTF_8), REGION, writer);
        assertThat(bad.statusCode()).isEqualTo(400);
        Map<String, JsonNode> events = auditEvents();

        JsonNode success = events.get(ok.headers().firstValue("x-amzn-RequestId").orElseThrow());
        assertCall(success, writer, "PutRecords", false);
        assertSucceeded(success);
        assertThat(success.get("requestParameters")).isEqualTo(MAPPER.readTree("{\"recordCount\":2}"));
        assertThat(success.get("responseElements")).isEqualTo(MAPPER.readTree("{\"recordCount\":2}"));
        assertThat(success.get("userAgent").asText()).startsWith("Java-http-client/");

        JsonNode failed = events.get(bad.headers().firstValue("x-amzn-RequestId").orElseThrow());
        assertCall(failed, writer, "PutRecords", false);
        JsonNode error = MAPPER.readTree(bad.body());
        assertThat(failed.get("errorCode").asText()).isEqualTo(error.get("__type").asText());
        assertThat(failed.get("errorMessage").asText()).isEqualTo(error.get("message").asText());
        assertThat(failed.get("requestParameters").isNull()).isTrue();
        assertThat(failed.get("responseElements").isNull()).isTrue();
    }

    @Test
    void refusedSignaturesAndDeniedCalls_areEventsOfTheAccountConcerned() throws Exception {
        AwsCredentialsIdentity wrongSecret = AwsCredentialsIdentity.create(auditor.accessKeyId(), "wrong");
        AwsCredentialsIdentity unknown = AwsCredentialsIdentity.create("AKIANOSUCHKEY0000000", "whatever");
        AwsServiceException badSignature;
        AwsServiceException unknownKey;
        AwsServiceException denied;
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION, wrongSecret).build()) {
            badSignature = catchService(client::lookupEvents);
        }
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION, unknown).build()) {
            unknownKey = catchService(client::lookupEvents);
        }
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION, writer).build()) {
            denied = catchService(client::lookupEvents);
        }
        Map<String, JsonNode> events = auditEvents();

        JsonNode signature = events.get(badSignature.requestId());
        assertCall(signature, auditor, "LookupEvents", true);
        assertFailed(signature, badSignature);
        assertThat(signature.get("errorCode").asText()).isEqualTo("InvalidSignatureException");
        assertThat(signature.get("requestParameters").isNull()).isTrue();

        JsonNode stranger = events.get(unknownKey.requestId());
        assertThat(stranger.get("userIdentity")).isEqualTo(MAPPER.readTree("{\"type\":\"Unknown\","
                + "\"accessKeyId\":\"AKIANOSUCHKEY0000000\"}"));
        assertThat(stranger.get("errorCode").asText()).isEqualTo("UnrecognizedClientException");
        assertThat(stranger.get("recipientAccountId").asText()).isEqualTo(cairn.accountId());

        JsonNode refused = events.get(denied.requestId());
        assertCall(refused, writer, "LookupEvents", true);
        assertFailed(refused, denied);
        assertThat(refused.get("errorCode").asText()).isEqualTo("AccessDeniedException");
        assertThat(refused.get("errorMessage").asText()).startsWith("User: arn:aws:iam::" + cairn.accountId()
                + ":user/wes is not authorized to perform: cloudtrail:LookupEvents");
    }

    @Test
    void ingestCalls_causeOneAuditEventEachAndNoMore() throws Exception {
        List<String> requestIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null,
                    ("[" + RECORD + "]").getBytes(StandardCharsets.UTF_8), REGION, writer);
            assertThat(response.statusCode()).isEqualTo(200);
            requestIds.add(response.headers().firstValue("x-amzn-RequestId").orElseThrow());
        }
        Map<String, JsonNode> events = auditEvents();
        assertThat(events.values().stream().filter(event -> event.get("eventName").asText().equals("PutRecords")))
                .extracting(event -> event.get("requestID").asText()).containsExactlyInAnyOrderElementsOf(requestIds);
        assertThat(events.values()).extracting(event -> event.get("eventName").asText())
                .containsExactly("PutRecords", "PutRecords", "PutRecords", "PutRecords", "PutRecords");
        assertThat(cairn.events("{}", REGION)).hasSize(5);
    }

    @Test
    void entry_termsTakenFromTheCall_areTheTermsOfTheRecordParsedBack() throws Exception {
        Directory directory = cairn.server().directory();
        directory.createPrincipal(cairn.accountId(), Principal.Type.ROLE, "ops", PermissionSet.AUDITOR, List.of());
        Caller role = directory.credential(directory.assumeRole(cairn.accountId(), "ops", "night-shift",
                Duration.ofHours(1)).key().id()).orElseThrow().caller();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Call call = new Call("request-" + i, NOW, "10.0.0.1", Optional.of("agent"));
            call.operation(i % 2 == 0 ? "LookupEvents" : "PutRecords", i % 2 == 0);
            calls.add(call);
        }
        calls.get(0).scope(writer.accessKeyId(), REGION);
        calls.get(0).authenticated(caller(writer));
        calls.get(1).scope(role.key().id(), "us-west-2");
        calls.get(1).authenticated(role);
        calls.get(2).scope(auditor.accessKeyId(), REGION);
        calls.get(2).claimed(directory.credential(auditor.accessKeyId()).orElseThrow());
        calls.get(2).failed(ErrorCode.INVALID_SIGNATURE, "no");
        calls.get(3).scope("AKIANOSUCHKEY0000000", REGION);
        calls.get(3).failed(ErrorCode.UNRECOGNIZED_CLIENT, "no");
        try (EventStore store = EventStore.open(new StoreConfig(data.resolve("scratch"), 1 << 20,
                StoreConfig.DEFAULT_MAX_ENTRY_BYTES))) {
            SelfAudit audit = new SelfAudit(store, cairn.accountId());
            for (Call call : calls) {
                Entry entry = audit.entry(call);
                ParsedRecord parsed = RecordReader.readRecord(entry.body());
                JsonNode record = MAPPER.readTree(entry.body());
                List<byte[]> expected = HistoryTerms.of(parsed, record.get("eventID").asText(),
                        record.get("recipientAccountId").asText());
                assertThat(entry.terms()).as(call.requestId()).usingElementComparator(Arrays::compare)
                        .containsExactlyElementsOf(expected);
                assertThat(entry.eventTime()).isEqualTo(parsed.eventTime());
            }
        }
    }

    private static AwsServiceException catchService(Runnable call) {
        try {
            call.run();
        } catch (AwsServiceException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }
}
