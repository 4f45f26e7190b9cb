package cairn.server.auth;

import cairn.server.http.ApiRoutes;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.AccessDeniedException;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.InvalidNextTokenException;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.LookupEventsResponse;
import software.amazon.awssdk.services.cloudtraildata.CloudTrailDataClient;
import software.amazon.awssdk.services.cloudtraildata.model.AuditEvent;
import software.amazon.awssdk.services.cloudtraildata.model.ChannelInsufficientPermissionException;
import software.amazon.awssdk.services.cloudtraildata.model.PutAuditEventsResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Accounts are walled off from each other, end to end with the AWS SDK for Java v2 and the AWS CLI: an account's
 * lookups (all events, by event ID, with another account's NextToken) never show another account's events, the audit
 * event of every call lands in the caller's account only, permission sets deny what they do not allow (and the
 * denial is audited), and events go into another account only through a grant.
 */
final class AccountIsolationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-2";
    private static final String ACCOUNT_A = "111111111111";
    private static final String ACCOUNT_B = "222222222222";
    private static final String SELF = "cloudtrail.amazonaws.com";
    private static final LookupAttribute FROM_EC2 = attribute(LookupAttributeKey.EVENT_SOURCE, "ec2.amazonaws.com");

    @TempDir
    static Path data;

    // The CLI signs with the real time, so the server's clock starts at it.
    private static final MutableClock CLOCK = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private static RunningCairn cairn;
    private static AwsCredentialsIdentity adminA;
    private static AwsCredentialsIdentity auditorA;
    private static AwsCredentialsIdentity writerA;
    private static AwsCredentialsIdentity writerAGrantedB;
    private static AwsCredentialsIdentity adminB;
    private static AwsCredentialsIdentity auditorB;
    private static CloudTrailClient clientAdminA;
    private static CloudTrailClient clientAdminB;
    private static CloudTrailClient clientAuditorB;
    private static String putRecordsRequestA;
    private static String putRecordsRequestB;

    @BeforeAll
    static void start() throws Exception {
        cairn = RunningCairn.start(data, CLOCK, Map.of());
        adminA = cairn.newUser(ACCOUNT_A, "admin-a", PermissionSet.ADMINISTRATOR);
        auditorA = cairn.newUser(ACCOUNT_A, "auditor-a", PermissionSet.AUDITOR);
        writerA = cairn.newUser(ACCOUNT_A, "writer-a", PermissionSet.WRITER);
        writerAGrantedB = cairn.newUser(ACCOUNT_A, "writer-a-granted-b", PermissionSet.WRITER, ACCOUNT_B);
        adminB = cairn.newUser(ACCOUNT_B, "admin-b", PermissionSet.ADMINISTRATOR);
        auditorB = cairn.newUser(ACCOUNT_B, "auditor-b", PermissionSet.AUDITOR);
        clientAdminA = cairn.sdk(CloudTrailClient.builder(), REGION, adminA).build();
        clientAdminB = cairn.sdk(CloudTrailClient.builder(), REGION, adminB).build();
        clientAuditorB = cairn.sdk(CloudTrailClient.builder(), REGION, auditorB).build();

        Instant now = CLOCK.instant();
        putRecordsRequestA = putRecords(adminA, record("a-1", "RunInstances", now.minusSeconds(120), Optional.empty()),
                record("a-2", "StopInstances", now.minusSeconds(60), Optional.empty()));
        putRecordsRequestB = putRecords(adminB, record("b-1", "CreateVolume", now.minusSeconds(110), Optional.empty()),
                record("b-2", "DeleteVolume", now.minusSeconds(50), Optional.empty()));
    }

    @AfterAll
    static void stop() throws Exception {
        clientAdminA.close();
        clientAdminB.close();
        clientAuditorB.close();
        cairn.close();
    }

    private static String record(String id, String name, Instant time, Optional<String> recipient) {
        return "{\"eventVersion\":\"1.08\",\"eventID\":\"" + id + "\",\"eventTime\":\"" + time + "\","
                + "\"eventSource\":\"" + (recipient.isPresent() ? "cross.example.com" : "ec2.amazonaws.com") + "\","
                + "\"eventName\":\"" + name + "\",\"awsRegion\":\"" + REGION + "\",\"readOnly\":false,"
                + "\"eventType\":\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"ops\"}"
                + recipient.map(account -> ",\"recipientAccountId\":\"" + account + "\"").orElse("") + "}";
    }

    private static HttpResponse<String> postRecords(AwsCredentialsIdentity as, String... records) throws Exception {
        byte[] body = ("{\"Records\":[" + String.join(",", records) + "]}").getBytes(StandardCharsets.UTF_8);
        return cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null, body, REGION, as);
    }

    /** Puts records natively; returns the call's request ID. */
    private static String putRecords(AwsCredentialsIdentity as, String... records) throws Exception {
        HttpResponse<String> response = postRecords(as, records);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("x-amzn-RequestId").orElseThrow();
    }

    private static LookupAttribute attribute(LookupAttributeKey key, String value) {
        return LookupAttribute.builder().attributeKey(key).attributeValue(value).build();
    }

    /** Every event of the history {@code client} reads, all pages. */
    private static List<Event> lookupAll(CloudTrailClient client) {
        List<Event> events = new ArrayList<>();
        client.lookupEventsPaginator(request -> { }).events().forEach(events::add);
        return events;
    }

    /** Every event with one attribute, all pages. */
    private static List<Event> lookup(CloudTrailClient client, LookupAttributeKey key, String value) {
        List<Event> events = new ArrayList<>();
        client.lookupEventsPaginator(request -> request.lookupAttributes(attribute(key, value))).events()
                .forEach(events::add);
        return events;
    }

    private static List<String> eventIds(List<Event> events) {
        return events.stream().map(Event::eventId).toList();
    }

    private static JsonNode cloudTrailEvent(Event event) {
        return parse(event.cloudTrailEvent());
    }

    private static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The audit events of calls to {@code operation} in the history {@code client} reads, by their request IDs. */
    private static Map<String, JsonNode> auditEvents(CloudTrailClient client, String operation) {
        cairn.server().flushAudit();
        Map<String, JsonNode> byRequest = new LinkedHashMap<>();
        for (Event event : lookup(client, LookupAttributeKey.EVENT_NAME, operation)) {
            if (event.eventSource().equals(SELF)) {
                JsonNode record = cloudTrailEvent(event);
                byRequest.put(record.get("requestID").asText(), record);
            }
        }
        return byRequest;
    }

    private static void assertOnlyAccount(List<JsonNode> records, String account) {
        assertThat(records).isNotEmpty().allSatisfy(record -> {
            assertThat(record.get("recipientAccountId").asText()).isEqualTo(account);
            if (record.get("eventSource").asText().equals(SELF)) {
                assertThat(record.get("userIdentity").get("accountId").asText()).isEqualTo(account);
            }
        });
    }

    private static void assertDeniedCallAudited(JsonNode record, AwsCredentialsIdentity caller, String userName,
                                                String action, String permissionSet) {
        assertThat(record.get("errorCode").asText()).isEqualTo("AccessDeniedException");
        assertThat(record.get("errorMessage").asText()).isEqualTo(denied(userName, action, permissionSet));
        assertThat(record.get("recipientAccountId").asText()).isEqualTo(ACCOUNT_A);
        JsonNode identity = record.get("userIdentity");
        assertThat(identity.get("type").asText()).isEqualTo("IAMUser");
        assertThat(identity.get("accountId").asText()).isEqualTo(ACCOUNT_A);
        assertThat(identity.get("userName").asText()).isEqualTo(userName);
        assertThat(identity.get("accessKeyId").asText()).isEqualTo(caller.accessKeyId());
        assertThat(identity.get("arn").asText()).isEqualTo("arn:aws:iam::" + ACCOUNT_A + ":user/" + userName);
    }

    private static String denied(String userName, String action, String permissionSet) {
        return "User: arn:aws:iam::" + ACCOUNT_A + ":user/" + userName + " is not authorized to perform: " + action
                + " because its permission set, " + permissionSet + ", does not allow it.";
    }

    private static List<JsonNode> cliRecords(AwsCli.Result result) throws IOException {
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        List<JsonNode> records = new ArrayList<>();
        for (JsonNode event : MAPPER.readTree(result.stdout()).get("Events")) {
            records.add(parse(event.get("CloudTrailEvent").asText()));
        }
        return records;
    }

    private static List<String> cliEventIds(List<JsonNode> records) {
        return records.stream().map(record -> record.get("eventID").asText()).toList();
    }

    @Test
    void lookupEvents_sdkWithoutAttributes_seesOnlyItsOwnAccountsEvents() {
        List<Event> seenByA = lookupAll(clientAdminA);
        assertThat(eventIds(seenByA)).contains("a-1", "a-2").doesNotContain("b-1", "b-2");
        assertOnlyAccount(seenByA.stream().map(AccountIsolationTest::cloudTrailEvent).toList(), ACCOUNT_A);

        List<Event> seenByB = lookupAll(clientAdminB);
        assertThat(eventIds(seenByB)).contains("b-1", "b-2").doesNotContain("a-1", "a-2");
        assertOnlyAccount(seenByB.stream().map(AccountIsolationTest::cloudTrailEvent).toList(), ACCOUNT_B);
    }

    @Test
    void lookupEvents_sdkSameEventSource_findsOnlyItsOwnAccountsEvents() {
        assertThat(eventIds(lookup(clientAdminA, LookupAttributeKey.EVENT_SOURCE, "ec2.amazonaws.com")))
                .containsExactly("a-2", "a-1");
        assertThat(eventIds(lookup(clientAdminB, LookupAttributeKey.EVENT_SOURCE, "ec2.amazonaws.com")))
                .containsExactly("b-2", "b-1");
    }

    @Test
    void lookupEvents_sdkEventIdOfOtherAccount_findsNothing() {
        assertThat(eventIds(lookup(clientAdminA, LookupAttributeKey.EVENT_ID, "a-1"))).containsExactly("a-1");
        assertThat(lookup(clientAdminA, LookupAttributeKey.EVENT_ID, "b-1")).isEmpty();
        assertThat(eventIds(lookup(clientAdminB, LookupAttributeKey.EVENT_ID, "b-1"))).containsExactly("b-1");
        assertThat(lookup(clientAdminB, LookupAttributeKey.EVENT_ID, "a-1")).isEmpty();
        assertThat(lookup(clientAuditorB, LookupAttributeKey.EVENT_ID, "a-2")).isEmpty();
    }

    @Test
    void lookupEvents_cli_seesOnlyItsOwnAccountsEvents() throws Exception {
        List<JsonNode> seenByA = cliRecords(cairn.cli(REGION, adminA, "cloudtrail", "lookup-events"));
        assertThat(cliEventIds(seenByA)).contains("a-1", "a-2").doesNotContain("b-1", "b-2");
        assertOnlyAccount(seenByA, ACCOUNT_A);

        List<JsonNode> seenByB = cliRecords(cairn.cli(REGION, adminB, "cloudtrail", "lookup-events"));
        assertThat(cliEventIds(seenByB)).contains("b-1", "b-2").doesNotContain("a-1", "a-2");
        assertOnlyAccount(seenByB, ACCOUNT_B);

        assertThat(cliRecords(cairn.cli(REGION, adminA, "cloudtrail", "lookup-events", "--lookup-attributes",
                "AttributeKey=EventId,AttributeValue=b-1"))).isEmpty();
        assertThat(cliRecords(cairn.cli(REGION, adminB, "cloudtrail", "lookup-events", "--lookup-attributes",
                "AttributeKey=EventId,AttributeValue=a-1"))).isEmpty();
    }

    @Test
    void lookupEvents_nextTokenIssuedToOtherAccount_isInvalid() {
        LookupEventsResponse first = clientAdminA.lookupEvents(request -> request.maxResults(1)
                .lookupAttributes(FROM_EC2));
        assertThat(eventIds(first.events())).containsExactly("a-2");
        String token = first.nextToken();
        assertThat(token).isNotNull();

        assertThatThrownBy(() -> clientAdminB.lookupEvents(request -> request.maxResults(1).nextToken(token)
                .lookupAttributes(FROM_EC2)))
                .isInstanceOfSatisfying(InvalidNextTokenException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidNextTokenException");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The NextToken was issued for a call "
                            + "with other parameters; send it with the same parameters as the call that returned it.");
                    assertThat(e.statusCode()).isEqualTo(400);
                });

        LookupEventsResponse second = clientAdminA.lookupEvents(request -> request.maxResults(1).nextToken(token)
                .lookupAttributes(FROM_EC2));
        assertThat(eventIds(second.events())).containsExactly("a-1");
    }

    @Test
    void auditEvents_ofEachAccountsCalls_areInThatAccountsHistoryOnly() {
        String lookupByA = clientAdminA.lookupEvents(request -> request.maxResults(1)).responseMetadata().requestId();
        String lookupByB = clientAdminB.lookupEvents(request -> request.maxResults(1)).responseMetadata().requestId();

        Map<String, JsonNode> putRecordsInA = auditEvents(clientAdminA, "PutRecords");
        Map<String, JsonNode> putRecordsInB = auditEvents(clientAdminB, "PutRecords");
        assertThat(putRecordsInA).containsKey(putRecordsRequestA).doesNotContainKey(putRecordsRequestB);
        assertThat(putRecordsInB).containsKey(putRecordsRequestB).doesNotContainKey(putRecordsRequestA);
        assertThat(putRecordsInA.get(putRecordsRequestA).get("userIdentity").get("userName").asText())
                .isEqualTo("admin-a");
        assertThat(putRecordsInB.get(putRecordsRequestB).get("userIdentity").get("userName").asText())
                .isEqualTo("admin-b");
        assertOnlyAccount(List.copyOf(putRecordsInA.values()), ACCOUNT_A);
        assertOnlyAccount(List.copyOf(putRecordsInB.values()), ACCOUNT_B);

        Map<String, JsonNode> lookupsInA = auditEvents(clientAdminA, "LookupEvents");
        Map<String, JsonNode> lookupsInB = auditEvents(clientAdminB, "LookupEvents");
        assertThat(lookupsInA).containsKey(lookupByA).doesNotContainKey(lookupByB);
        assertThat(lookupsInB).containsKey(lookupByB).doesNotContainKey(lookupByA);
        assertOnlyAccount(List.copyOf(lookupsInA.values()), ACCOUNT_A);
        assertOnlyAccount(List.copyOf(lookupsInB.values()), ACCOUNT_B);
    }

    @Test
    void createTrail_auditorWithSdkAndCli_isDeniedAndAuditedInItsAccount() throws Exception {
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION, auditorA).build()) {
            assertThatThrownBy(() -> client.createTrail(request -> request.name("t").s3BucketName("b")))
                    .isInstanceOfSatisfying(CloudTrailException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                        assertThat(e.awsErrorDetails().errorMessage())
                                .isEqualTo(denied("auditor-a", "cloudtrail:CreateTrail", "auditor"));
                        assertThat(e.statusCode()).isEqualTo(400);
                    });
        }
        AwsCli.Result cli = cairn.cli(REGION, auditorA, "cloudtrail", "create-trail", "--name", "t",
                "--s3-bucket-name", "b");
        assertThat(cli.exitCode()).as(cli.stdout()).isNotZero();
        assertThat(cli.stderr()).contains("(AccessDeniedException)").contains("CreateTrail");

        List<JsonNode> denials = List.copyOf(auditEvents(clientAdminA, "CreateTrail").values());
        assertThat(denials).hasSize(2).allSatisfy(record -> assertDeniedCallAudited(record, auditorA, "auditor-a",
                "cloudtrail:CreateTrail", "auditor"));
        assertThat(denials).extracting(record -> record.get("userAgent").asText().split("/")[0])
                .containsExactlyInAnyOrder("aws-sdk-java", "aws-cli");
        assertThat(auditEvents(clientAdminB, "CreateTrail")).isEmpty();
    }

    @Test
    void lookupEvents_writer_isDeniedAndAuditedInItsAccount() {
        String requestId;
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION, writerA).build()) {
            Throwable thrown = catchThrowable(client::lookupEvents);
            assertThat(thrown).isInstanceOfSatisfying(AccessDeniedException.class, e -> {
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo(denied("writer-a", "cloudtrail:LookupEvents", "writer"));
                assertThat(e.statusCode()).isEqualTo(400);
            });
            requestId = ((AccessDeniedException) thrown).requestId();
        }
        Map<String, JsonNode> lookupsInA = auditEvents(clientAdminA, "LookupEvents");
        assertThat(lookupsInA).containsKey(requestId);
        assertDeniedCallAudited(lookupsInA.get(requestId), writerA, "writer-a", "cloudtrail:LookupEvents", "writer");
        assertThat(auditEvents(clientAdminB, "LookupEvents")).doesNotContainKey(requestId);
    }

    @Test
    void putRecords_writerIntoUngrantedAccount_isDeniedAndStoresNothing() throws Exception {
        HttpResponse<String> response = postRecords(writerA, record("a-into-b-denied", "SneakIn",
                CLOCK.instant().minusSeconds(30), Optional.of(ACCOUNT_B)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo("AccessDeniedException");
        assertThat(error.get("message").asText()).isEqualTo("User: arn:aws:iam::" + ACCOUNT_A + ":user/writer-a is "
                + "not authorized to put events into account " + ACCOUNT_B + " (record 0); it may put events into its "
                + "own account, " + ACCOUNT_A + ", and the accounts granted to it.");

        assertThat(lookup(clientAuditorB, LookupAttributeKey.EVENT_ID, "a-into-b-denied")).isEmpty();
        assertThat(lookup(clientAuditorB, LookupAttributeKey.EVENT_NAME, "SneakIn")).isEmpty();
        assertThat(lookup(clientAdminA, LookupAttributeKey.EVENT_ID, "a-into-b-denied")).isEmpty();

        String requestId = response.headers().firstValue("x-amzn-RequestId").orElseThrow();
        Map<String, JsonNode> putRecordsInA = auditEvents(clientAdminA, "PutRecords");
        assertThat(putRecordsInA).containsKey(requestId);
        JsonNode audited = putRecordsInA.get(requestId);
        assertThat(audited.get("errorCode").asText()).isEqualTo("AccessDeniedException");
        assertThat(audited.get("userIdentity").get("userName").asText()).isEqualTo("writer-a");
        assertThat(audited.get("userIdentity").get("accessKeyId").asText()).isEqualTo(writerA.accessKeyId());
        assertThat(auditEvents(clientAdminB, "PutRecords")).doesNotContainKey(requestId);
    }

    @Test
    void putRecords_writerGrantedOtherAccount_putsIntoItSeenOnlyThere() throws Exception {
        HttpResponse<String> response = postRecords(writerAGrantedB, record("a-into-b", "HandOver",
                CLOCK.instant().minusSeconds(20), Optional.of(ACCOUNT_B)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(MAPPER.readTree(response.body()).get("eventIDs").get(0).asText()).isEqualTo("a-into-b");

        List<Event> seenByB = lookup(clientAuditorB, LookupAttributeKey.EVENT_ID, "a-into-b");
        assertThat(eventIds(seenByB)).containsExactly("a-into-b");
        assertThat(cloudTrailEvent(seenByB.getFirst()).get("recipientAccountId").asText()).isEqualTo(ACCOUNT_B);
        assertThat(lookup(clientAdminA, LookupAttributeKey.EVENT_ID, "a-into-b")).isEmpty();
        assertThat(lookup(clientAdminA, LookupAttributeKey.EVENT_NAME, "HandOver")).isEmpty();

        // The call itself is the caller's: its audit event is in A, though the event it carried is in B.
        String requestId = response.headers().firstValue("x-amzn-RequestId").orElseThrow();
        assertThat(auditEvents(clientAdminA, "PutRecords")).containsKey(requestId);
        assertThat(auditEvents(clientAdminB, "PutRecords")).doesNotContainKey(requestId);
    }

    @Test
    void putAuditEvents_writerIntoOtherAccountsChannel_isChannelInsufficientPermission() {
        String channelA = cairn.server().directory().account(ACCOUNT_A).orElseThrow().channelArn(REGION);
        String channelB = cairn.server().directory().account(ACCOUNT_B).orElseThrow().channelArn(REGION);
        try (CloudTrailDataClient client = cairn.sdk(CloudTrailDataClient.builder(), REGION, writerA).build()) {
            assertThatThrownBy(() -> client.putAuditEvents(request -> request.channelArn(channelB)
                    .auditEvents(auditEvent("into-b", ACCOUNT_B))))
                    .isInstanceOfSatisfying(ChannelInsufficientPermissionException.class, e -> {
                        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The channel " + channelB
                                + " belongs to account " + ACCOUNT_B + "; arn:aws:iam::" + ACCOUNT_A
                                + ":user/writer-a may put events only into its own account, " + ACCOUNT_A
                                + ", and the accounts granted to it.");
                        assertThat(e.statusCode()).isEqualTo(403);
                    });
            PutAuditEventsResponse own = client.putAuditEvents(request -> request.channelArn(channelA)
                    .auditEvents(auditEvent("into-a", ACCOUNT_A)));
            assertThat(own.failed()).isEmpty();
            assertThat(own.successful()).hasSize(1);
        }
        assertThat(lookup(clientAuditorB, LookupAttributeKey.EVENT_SOURCE, "app.example.com")).isEmpty();
        assertThat(lookup(clientAdminA, LookupAttributeKey.EVENT_SOURCE, "app.example.com")).hasSize(1);
    }

    private static AuditEvent auditEvent(String id, String recipient) {
        String eventData = "{\"version\":\"1.0\",\"userIdentity\":{\"type\":\"User\",\"principalId\":\"app\"},"
                + "\"eventSource\":\"app.example.com\",\"eventName\":\"Export\",\"eventTime\":\""
                + CLOCK.instant().minusSeconds(10) + "\",\"UID\":\"" + id + "\",\"recipientAccountId\":\"" + recipient
                + "\"}";
        return AuditEvent.builder().id(id).eventData(eventData).build();
    }
}
