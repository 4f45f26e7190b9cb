package cairn.model.trail;

import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which stored records a trail delivers: its account, its regions, global service events, its selectors. */
final class TrailTakesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "111122223333";
    private static final String OTHER_ACCOUNT = "444455556666";

    private static Trail trail(String homeRegion, boolean multiRegion, boolean includeGlobalServiceEvents) {
        return new Trail(ACCOUNT, "audit", homeRegion, "audit-bucket", Optional.empty(), includeGlobalServiceEvents,
                multiRegion, false, Trail.Logging.NEVER, Optional.empty());
    }

    /** A stored management event (the fields the server fills in are there). */
    private static ParsedRecord event(String account, String region, String source, String name,
                                      Map<String, Object> extra) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("eventVersion", "1.09");
        fields.put("userIdentity", Map.of("type", "IAMUser", "userName", "alice", "accountId", account));
        fields.put("eventTime", "2024-05-01T12:00:00Z");
        fields.put("eventSource", source);
        fields.put("eventName", name);
        fields.put("awsRegion", region);
        fields.put("eventID", "0f1e2d3c-0000-4000-8000-000000000001");
        fields.put("readOnly", false);
        fields.put("eventType", "AwsApiCall");
        fields.put("managementEvent", true);
        fields.put("recipientAccountId", account);
        fields.put("eventCategory", "Management");
        fields.putAll(extra);
        return read(fields);
    }

    private static ParsedRecord event(String account, String region, String source) {
        return event(account, region, source, "AnyCall", Map.of());
    }

    private static ParsedRecord read(Map<String, Object> fields) {
        try {
            return RecordReader.readStored(JSON.writeValueAsBytes(fields));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void takes_ownAccountInHomeRegion_isTaken() {
        assertThat(trail("eu-west-1", false, true).takes(event(ACCOUNT, "eu-west-1", "ec2.amazonaws.com")))
                .isTrue();
    }

    @Test
    void takes_otherAccountsEvent_isRefused() {
        assertThat(trail("eu-west-1", false, true).takes(event(OTHER_ACCOUNT, "eu-west-1", "ec2.amazonaws.com")))
                .isFalse();
        assertThat(trail("eu-west-1", true, true).takes(event(OTHER_ACCOUNT, "eu-west-1", "ec2.amazonaws.com")))
                .isFalse();
    }

    @Test
    void takes_recordWithoutRecipientAccount_isRefused() {
        Map<String, Object> fields = new LinkedHashMap<>(Map.of("eventTime", "2024-05-01T12:00:00Z",
                "eventSource", "ec2.amazonaws.com", "eventName", "RunInstances", "awsRegion", "eu-west-1",
                "eventCategory", "Management", "readOnly", false));
        assertThat(trail("eu-west-1", true, true).takes(read(fields))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"})
    void takes_singleRegionTrail_refusesOtherRegions(String region) {
        assertThat(trail("eu-west-1", false, true).takes(event(ACCOUNT, region, "ec2.amazonaws.com"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"eu-west-1", "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"})
    void takes_multiRegionTrail_takesEveryRegion(String region) {
        assertThat(trail("eu-west-1", true, false).takes(event(ACCOUNT, region, "ec2.amazonaws.com"))).isTrue();
    }

    @ParameterizedTest(name = "home {0}, multi-region {1}, global {2} -> {3}")
    @CsvSource(textBlock = """
            eu-west-1, false, true,  true
            eu-west-1, false, false, false
            eu-west-1, true,  true,  true
            eu-west-1, true,  false, false
            us-east-1, false, true,  true
            us-east-1, false, false, false
            us-east-1, true,  false, false
            """)
    void takes_iamEventInUsEast1_dependsOnGlobalServiceEvents(String homeRegion, boolean multiRegion,
                                                              boolean includeGlobal, boolean expected) {
        Trail trail = trail(homeRegion, multiRegion, includeGlobal);
        assertThat(trail.takes(event(ACCOUNT, "us-east-1", "iam.amazonaws.com", "CreateUser", Map.of())))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iam.amazonaws.com", "sts.amazonaws.com", "cloudfront.amazonaws.com",
            "route53.amazonaws.com", "signin.amazonaws.com", "organizations.amazonaws.com"})
    void takes_everyGlobalService_isTakenByAnotherRegionsTrailIncludingThem(String source) {
        assertThat(trail("eu-west-1", false, true).takes(event(ACCOUNT, "us-east-1", source))).isTrue();
        assertThat(trail("eu-west-1", false, false).takes(event(ACCOUNT, "us-east-1", source))).isFalse();
    }

    @Test
    void takes_globalServiceInAnotherRegion_isARegionalEvent() {
        // STS called at a regional endpoint is recorded in that region, like any other service's events.
        ParsedRecord regionalSts = event(ACCOUNT, "eu-west-1", "sts.amazonaws.com", "AssumeRole", Map.of());
        assertThat(trail("eu-west-1", false, false).takes(regionalSts)).isTrue();
        assertThat(trail("us-west-2", false, true).takes(regionalSts)).isFalse();
    }

    @Test
    void takes_regionalServiceInUsEast1_ignoresGlobalServiceEvents() {
        ParsedRecord ec2 = event(ACCOUNT, "us-east-1", "ec2.amazonaws.com");
        assertThat(trail("us-east-1", false, false).takes(ec2)).isTrue();
        assertThat(trail("eu-west-1", false, true).takes(ec2)).isFalse();
    }

    @Test
    void takes_insightRecord_isNeverTaken() {
        Map<String, Object> fields = new LinkedHashMap<>(Map.of("eventVersion", "1.07",
                "eventTime", "2024-05-01T12:00:00Z", "awsRegion", "eu-west-1", "eventID", "i-1",
                "eventType", "AwsCloudTrailInsight", "recipientAccountId", ACCOUNT, "sharedEventID", "s-1",
                "eventCategory", "Insight", "insightDetails", Map.of("state", "Start",
                        "eventSource", "ec2.amazonaws.com", "eventName", "RunInstances",
                        "insightType", "ApiCallRateInsight")));
        ParsedRecord insight = read(fields);
        assertThat(insight.insight()).isTrue();
        assertThat(trail("eu-west-1", false, true).takes(insight)).isFalse();
        assertThat(trail("eu-west-1", true, true).takes(insight)).isFalse();
    }

    @Test
    void takes_customSelectors_areApplied() throws Exception {
        Trail readsOnly = trail("eu-west-1", false, true).withSelectors(EventSelectors.parse(
                JSON.readTree("[{\"ReadWriteType\":\"ReadOnly\"}]"), null));
        assertThat(readsOnly.takes(event(ACCOUNT, "eu-west-1", "ec2.amazonaws.com", "DescribeInstances",
                Map.of("readOnly", true)))).isTrue();
        assertThat(readsOnly.takes(event(ACCOUNT, "eu-west-1", "ec2.amazonaws.com", "RunInstances",
                Map.of("readOnly", false)))).isFalse();
    }

    @Test
    void takes_withoutCustomSelectors_takesNoDataEvents() {
        ParsedRecord getObject = event(ACCOUNT, "eu-west-1", "s3.amazonaws.com", "GetObject", Map.of(
                "eventCategory", "Data", "managementEvent", false, "readOnly", true,
                "resources", List.of(Map.of("type", "AWS::S3::Object", "ARN", "arn:aws:s3:::b/k"))));
        assertThat(trail("eu-west-1", true, true).takes(getObject)).isFalse();
    }

    @Test
    void takes_customSelectors_doNotWidenAccountOrRegion() throws Exception {
        Trail managementOnly = trail("eu-west-1", false, true).withSelectors(EventSelectors.parse(null,
                JSON.readTree("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]""")));
        assertThat(managementOnly.takes(event(ACCOUNT, "eu-west-1", "ec2.amazonaws.com"))).isTrue();
        assertThat(managementOnly.takes(event(ACCOUNT, "us-west-2", "ec2.amazonaws.com"))).isFalse();
        assertThat(managementOnly.takes(event(OTHER_ACCOUNT, "eu-west-1", "ec2.amazonaws.com"))).isFalse();
    }
}
