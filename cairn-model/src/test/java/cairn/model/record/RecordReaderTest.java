package cairn.model.record;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class RecordReaderTest {
    private static final String ASSUMED_ROLE = """
            {"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:deploy-bot",
              "arn":"arn:aws:sts::111122223333:assumed-role/Deployer/deploy-bot","accountId":"111122223333",
              "accessKeyId":"ASIAEXAMPLE","sessionContext":{"attributes":{"mfaAuthenticated":"false"}}},
             "eventTime":"2024-07-31T13:06:24Z","eventSource":"iam.amazonaws.com","eventName":"AttachRolePolicy",
             "awsRegion":"us-east-1","readOnly":false,"eventID":"id-1",
             "resources":[{"accountId":"111122223333","type":"AWS::IAM::Role","ARN":"arn:aws:iam::111122223333:role/x"},
                          {"type":"AWS::IAM::Policy","ARNPrefix":"arn:aws:iam::aws:policy/"}],
             "eventCategory":"Management","note":"caf\u00e9 ☕"}""";

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readBatch_wrappedRecords_givesExactByteSpans() {
        String first = "{ \"eventTime\" : \"2024-01-01T00:00:00Z\", \"eventSource\":\"a\",\"eventName\":\"é\",\"awsRegion\":\"r\" }";
        String second = ASSUMED_ROLE;
        byte[] body = bytes("{\"Records\" : [\n  " + first + " ,\n" + second + "\n]}\n");
        List<ParsedRecord> records = RecordReader.readBatch(body, 10);
        assertThat(records).hasSize(2);
        assertThat(new String(Arrays.copyOfRange(body, records.get(0).start(), records.get(0).end()),
                StandardCharsets.UTF_8)).isEqualTo(first);
        assertThat(new String(Arrays.copyOfRange(body, records.get(1).start(), records.get(1).end()),
                StandardCharsets.UTF_8)).isEqualTo(second);
    }

    @Test
    void readRecord_assumedRole_givesTheLookupFields() throws Exception {
        ParsedRecord record = RecordReader.readRecord(bytes(ASSUMED_ROLE));
        assertThat(record.eventId()).hasValue("id-1");
        assertThat(record.eventTime()).isEqualTo(1722431184L);
        assertThat(record.eventName()).hasValue("AttachRolePolicy");
        assertThat(record.eventSource()).hasValue("iam.amazonaws.com");
        assertThat(record.awsRegion()).isEqualTo("us-east-1");
        assertThat(record.readOnly()).hasValue(false);
        assertThat(record.userIdentity().accessKeyId()).hasValue("ASIAEXAMPLE");
        assertThat(record.userIdentity().lookupUsername()).hasValue("deploy-bot");
        assertThat(record.resources()).containsExactly(
                new Resource(Optional.of("AWS::IAM::Role"), Optional.of("arn:aws:iam::111122223333:role/x")),
                new Resource(Optional.of("AWS::IAM::Policy"), Optional.of("arn:aws:iam::aws:policy/")));
        assertThat(record.insight()).isFalse();
    }

    @Test
    void readRecord_insightsEvent_takesSourceAndNameFromInsightDetails() throws Exception {
        ParsedRecord record = RecordReader.readRecord(bytes("""
                {"eventVersion":"1.07","eventTime":"2024-01-01T10:00:00Z","awsRegion":"us-east-1","eventID":"i-1",
                 "eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","sharedEventID":"s-1",
                 "insightDetails":{"state":"Start","eventSource":"ec2.amazonaws.com","eventName":"RunInstances",
                   "insightType":"ApiCallRateInsight","insightContext":{"statistics":{"baseline":{"average":0.1},
                   "insight":{"average":2.5},"insightDuration":5,"baselineDuration":11336}}},
                 "eventCategory":"Insight"}"""));
        assertThat(record.insight()).isTrue();
        assertThat(record.eventSource()).hasValue("ec2.amazonaws.com");
        assertThat(record.eventName()).hasValue("RunInstances");
        assertThat(record.userIdentity()).isEqualTo(UserIdentity.NONE);
    }

    @Test
    void readRecord_outsideEvent_takesItsFieldsFromEventData() throws Exception {
        ParsedRecord record = RecordReader.readRecord(bytes("""
                {"eventVersion":"1.11","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":"x",
                 "eventTime":"2024-01-01T10:00:00Z","awsRegion":"us-east-1","recipientAccountId":"111122223333",
                 "metadata":{"ingestionTime":"2024-01-01T10:00:01Z","channelARN":"arn:aws:cloudtrail:us-east-1:111122223333:channel/c"},
                 "eventData":{"version":"1","userIdentity":{"type":"User","principalId":"p","userName":"dana"},
                   "eventSource":"app.example.com","eventName":"Login","UID":"u"}}"""));
        assertThat(record.eventSource()).hasValue("app.example.com");
        assertThat(record.eventName()).hasValue("Login");
        assertThat(record.userIdentity().lookupUsername()).hasValue("dana");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::1:user/alice"}               | alice
            {"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root"}   | root
            {"type":"Root","userName":"my-alias"}                                                 | my-alias
            {"type":"FederatedUser","arn":"arn:aws:sts::1:federated-user/fed"}                    | fed
            {"type":"AssumedRole","principalId":"AROA1:session-9"}                                | session-9
            {"type":"AWSService","invokedBy":"lambda.amazonaws.com"}                              | NONE
            {"type":"SomethingNew","userName":"zed"}                                              | zed
            """)
    void lookupUsername_byIdentityType(String identity, String expected) throws Exception {
        ParsedRecord record = RecordReader.readRecord(bytes("{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":"
                + "\"a\",\"eventName\":\"b\",\"awsRegion\":\"r\",\"userIdentity\":" + identity + "}"));
        assertThat(record.userIdentity().lookupUsername())
                .isEqualTo(expected.equals("NONE") ? Optional.empty() : Optional.of(expected));
    }

    @Test
    void readBatch_tooManyRecords_isRefused() {
        String record = "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"b\",\"awsRegion\":\"r\"}";
        assertThatThrownBy(() -> RecordReader.readBatch(bytes("[" + record + "," + record + "," + record + "]"), 2))
                .isInstanceOfSatisfying(CloudTrailException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER);
                    assertThat(e.getMessage()).isEqualTo("The batch has more than 2 records.");
                });
    }

    @Test
    void readRecord_invalidUtf8_isInvalidData() {
        byte[] body = bytes("{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"XX\",\"awsRegion\":\"r\"}");
        int at = new String(body, StandardCharsets.UTF_8).indexOf("XX");
        body[at] = (byte) 0xC3;
        body[at + 1] = (byte) 0x28;
        assertThatThrownBy(() -> RecordReader.readRecord(body)).isInstanceOfSatisfying(RecordProblem.class,
                problem -> assertThat(problem.kind()).isEqualTo(RecordProblem.Kind.INVALID_DATA));
    }
}
