package cairn.server.ingest;

import cairn.server.identity.PermissionSet;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.cloudtraildata.CloudTrailDataClient;
import software.amazon.awssdk.services.cloudtraildata.model.AuditEvent;
import software.amazon.awssdk.services.cloudtraildata.model.ChannelInsufficientPermissionException;
import software.amazon.awssdk.services.cloudtraildata.model.ChannelNotFoundException;
import software.amazon.awssdk.services.cloudtraildata.model.CloudTrailDataException;
import software.amazon.awssdk.services.cloudtraildata.model.DuplicatedAuditEventIdException;
import software.amazon.awssdk.services.cloudtraildata.model.InvalidChannelArnException;
import software.amazon.awssdk.services.cloudtraildata.model.PutAuditEventsResponse;
import software.amazon.awssdk.services.cloudtraildata.model.ResultErrorEntry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PutAuditEvents through the AWS SDK for Java v2 cloudtrail-data client. */
final class PutAuditEventsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-west-2";

    @TempDir
    Path data;

    private RunningCairn cairn;
    private CloudTrailDataClient client;
    private String account;
    private String channelArn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, new MutableClock(Instant.parse("2026-05-01T00:00:00Z")), Map.of());
        account = cairn.server().installation().accountId();
        channelArn = cairn.server().installation().channelArn(REGION);
        client = cairn.sdk(CloudTrailDataClient.builder(), REGION).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        cairn.close();
    }

    private String eventData(String name) {
        return "{\"version\":\"1.0\",\"userIdentity\":{\"type\":\"User\",\"principalId\":\"carol\",\"details\":"
                + "{\"team\":\"ops\"}},\"eventSource\":\"billing.example.com\",\"eventName\":\"" + name + "\","
                + "\"eventTime\":\"2026-04-30T10:00:00Z\",\"UID\":\"req-" + name + "\",\"recipientAccountId\":\""
                + account + "\",\"sourceIPAddress\":\"10.0.0.7\",\"requestParameters\":{\"invoice\":42}}";
    }

    private static String checksum(String text) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private JsonNode lookup(String body) throws Exception {
        return cairn.events(body, REGION);
    }

    @Test
    void putAuditEvents_goodEvents_areStoredInCloudTrailsShapeAndFoundByLookups() throws Exception {
        String first = eventData("PayInvoice");
        String firstChecksum = checksum(first);
        PutAuditEventsResponse response = client.putAuditEvents(request -> request.channelArn(channelArn)
                .auditEvents(AuditEvent.builder().id("one").eventData(first).eventDataChecksum(firstChecksum).build(),
                        AuditEvent.builder().id("two").eventData(eventData("ListInvoices")).build()));
        assertThat(response.failed()).isEmpty();
        assertThat(response.successful()).extracting(entry -> entry.id()).containsExactly("one", "two");
        String eventId = response.successful().getFirst().eventID();

        JsonNode found = lookup("{\"LookupAttributes\":[{\"AttributeKey\":\"EventName\",\"AttributeValue\":"
                + "\"PayInvoice\"}]}");
        assertThat(found).hasSize(1);
        assertThat(found.get(0).get("EventSource").asText()).isEqualTo("billing.example.com");
        JsonNode record = MAPPER.readTree(found.get(0).get("CloudTrailEvent").asText());
        assertThat(record.get("eventID").asText()).isEqualTo(eventId);
        assertThat(record.get("eventCategory").asText()).isEqualTo("ActivityAuditLog");
        assertThat(record.get("eventType").asText()).isEqualTo("ActivityLog");
        assertThat(record.get("eventTime").asText()).isEqualTo("2026-04-30T10:00:00Z");
        assertThat(record.get("awsRegion").asText()).isEqualTo(REGION);
        assertThat(record.get("recipientAccountId").asText()).isEqualTo(account);
        assertThat(record.get("metadata").get("channelARN").asText()).isEqualTo(channelArn);
        assertThat(record.get("metadata").get("ingestionTime").asText()).isEqualTo("2026-05-01T00:00:00Z");
        assertThat(record.get("eventData")).isEqualTo(MAPPER.readTree(first));
        assertThat(lookup("{\"LookupAttributes\":[{\"AttributeKey\":\"EventSource\",\"AttributeValue\":"
                + "\"billing.example.com\"}]}")).hasSize(2);
    }

    @Test
    void putAuditEvents_channelIdInsteadOfArn_isAccepted() {
        PutAuditEventsResponse response = client.putAuditEvents(request -> request
                .channelArn(cairn.server().installation().channelId())
                .auditEvents(AuditEvent.builder().id("a").eventData(eventData("X")).build()));
        assertThat(response.successful()).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bad checksum             | CHECKSUM                                                        | InvalidChecksum | eventDataChecksum does not match the SHA-256 of eventData.
            not JSON                 | {"version":                                                     | InvalidData | eventData must be exactly one JSON object, with no key twice.
            not an object            | [1,2]                                                           | InvalidData | eventData must be a JSON object.
            missing eventName        | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"ACCOUNT"} | FieldNotFound | eventData.eventName is required.
            missing principalId      | {"version":"1","userIdentity":{"type":"a"},"eventSource":"s","eventName":"n","eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"ACCOUNT"} | FieldNotFound | eventData.userIdentity.principalId is required.
            eventName a number       | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":5,"eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"ACCOUNT"} | InvalidData | eventData.eventName must be a string.
            bad time                 | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"soon","UID":"u","recipientAccountId":"ACCOUNT"} | InvalidData | eventData.eventTime must be a UTC time of the form yyyy-MM-ddTHH:mm:ss, not soon.
            bad address              | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"2026-04-30T10:00:00","UID":"u","recipientAccountId":"ACCOUNT","sourceIPAddress":"example.com"} | InvalidData | eventData.sourceIPAddress must be an IPv4 or IPv6 address.
            other recipient          | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"000000000000"} | InvalidRecipient | eventData.recipientAccountId must be the channel owner's account, ACCOUNT.
            trailing fields          | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"ACCOUNT"},"userIdentity":{"type":"IAMUser","userName":"mallory"},"eventSource":"iam.amazonaws.com" | InvalidData | eventData must be exactly one JSON object, with no key twice.
            duplicate key            | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventName":"m","eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"ACCOUNT"} | InvalidData | eventData must be exactly one JSON object, with no key twice.
            time in the future       | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"9999-01-01T00:00:00","UID":"u","recipientAccountId":"ACCOUNT"} | InvalidData | eventData.eventTime is more than 24 hours ahead of the server's clock: 9999-01-01T00:00:00.
            errorCode too long       | {"version":"1","userIdentity":{"type":"a","principalId":"b"},"eventSource":"s","eventName":"n","eventTime":"2026-04-30T10:00:00Z","UID":"u","recipientAccountId":"ACCOUNT","errorCode":"LONG"} | FieldTooLong | eventData.errorCode is longer than 256 characters.
            """)
    void putAuditEvents_oneBadEvent_isReportedAloneAndTheOthersStored(String name, String bad, String code,
                                                                    String message) throws Exception {
        String good = eventData("Fine");
        String badData = bad.replace("ACCOUNT", account).replace("LONG", "e".repeat(257));
        String wrongChecksum = checksum(good + " ");
        AuditEvent badEvent = bad.equals("CHECKSUM")
                ? AuditEvent.builder().id("bad").eventData(good).eventDataChecksum(wrongChecksum).build()
                : AuditEvent.builder().id("bad").eventData(badData).build();
        PutAuditEventsResponse response = client.putAuditEvents(request -> request.channelArn(channelArn)
                .auditEvents(AuditEvent.builder().id("good-1").eventData(good).build(), badEvent,
                        AuditEvent.builder().id("good-2").eventData(good).build()));
        assertThat(response.successful()).extracting(entry -> entry.id()).containsExactly("good-1", "good-2");
        assertThat(response.failed()).extracting(ResultErrorEntry::id, ResultErrorEntry::errorCode,
                ResultErrorEntry::errorMessage).containsExactly(org.assertj.core.groups.Tuple.tuple("bad", code,
                message.replace("ACCOUNT", account)));
        assertThat(lookup("{}")).hasSize(2);
    }

    @Test
    void putAuditEvents_eventDataOver256KB_failsThatEvent() throws Exception {
        String huge = eventData("Huge").replace("\"invoice\":42", "\"blob\":\"" + "x".repeat(256 * 1024) + "\"");
        PutAuditEventsResponse response = client.putAuditEvents(request -> request.channelArn(channelArn)
                .auditEvents(AuditEvent.builder().id("huge").eventData(huge).build()));
        assertThat(response.failed()).extracting(ResultErrorEntry::errorCode).containsExactly("FieldTooLong");
        assertThat(lookup("{}")).isEmpty();
    }

    @Test
    void putAuditEvents_moreThan100Events_isRefusedWhole() throws Exception {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            events.add(AuditEvent.builder().id("e" + i).eventData(eventData("N" + i)).build());
        }
        assertThatThrownBy(() -> client.putAuditEvents(request -> request.channelArn(channelArn).auditEvents(events)))
                .isInstanceOfSatisfying(CloudTrailDataException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("auditEvents must hold 1 to 100 events; it holds 101.");
                });
        assertThat(lookup("{}")).isEmpty();
    }

    @Test
    void putAuditEvents_requestOver1MB_isRefusedWhole() throws Exception {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            events.add(AuditEvent.builder().id("e" + i).eventData(eventData("Big").replace("\"invoice\":42",
                    "\"blob\":\"" + "y".repeat(200 * 1024) + "\"")).build());
        }
        assertThatThrownBy(() -> client.putAuditEvents(request -> request.channelArn(channelArn).auditEvents(events)))
                .isInstanceOfSatisfying(CloudTrailDataException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.awsErrorDetails().errorMessage()).endsWith("PutAuditEvents takes at most 1 MB (1048576 bytes).");
                });
        assertThat(lookup("{}")).isEmpty();
    }

    @Test
    void putAuditEvents_duplicateIds_isRefusedWhole() throws Exception {
        assertThatThrownBy(() -> client.putAuditEvents(request -> request.channelArn(channelArn).auditEvents(
                AuditEvent.builder().id("same").eventData(eventData("A")).build(),
                AuditEvent.builder().id("same").eventData(eventData("B")).build())))
                .isInstanceOf(DuplicatedAuditEventIdException.class)
                .hasMessageStartingWith("Two audit events have the id same.");
        assertThat(lookup("{}")).isEmpty();
    }

    @Test
    void putAuditEvents_unknownChannel_isRefused() {
        assertThatThrownBy(() -> client.putAuditEvents(request -> request
                .channelArn("arn:aws:cloudtrail:" + REGION + ":" + account + ":channel/nope")
                .auditEvents(AuditEvent.builder().id("a").eventData(eventData("A")).build())))
                .isInstanceOf(ChannelNotFoundException.class);
    }

    @Test
    void putAuditEvents_otherAccountsChannel_isRefused() {
        cairn.newUser("222233334444", "owner", PermissionSet.ADMINISTRATOR);
        String otherChannel = cairn.server().directory().account("222233334444").orElseThrow().channelArn(REGION);
        assertThatThrownBy(() -> client.putAuditEvents(request -> request.channelArn(otherChannel)
                .auditEvents(AuditEvent.builder().id("a").eventData(eventData("A")).build())))
                .isInstanceOf(ChannelInsufficientPermissionException.class);
    }

    @Test
    void putAuditEvents_ownChannelIdUnderAnotherAccountsArn_isNotFound() {
        assertThatThrownBy(() -> client.putAuditEvents(request -> request
                .channelArn("arn:aws:cloudtrail:" + REGION + ":000000000000:channel/"
                        + cairn.server().installation().channelId())
                .auditEvents(AuditEvent.builder().id("a").eventData(eventData("A")).build())))
                .isInstanceOf(ChannelNotFoundException.class);
    }

    @Test
    void putAuditEvents_malformedChannelArn_isRefused() {
        assertThatThrownBy(() -> client.putAuditEvents(request -> request.channelArn("arn:aws:s3:::bucket")
                .auditEvents(AuditEvent.builder().id("a").eventData(eventData("A")).build())))
                .isInstanceOf(InvalidChannelArnException.class);
    }
}
