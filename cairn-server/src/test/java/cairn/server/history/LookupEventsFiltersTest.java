package cairn.server.history;

import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.EventCategory;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.LookupEventsResponse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** LookupEvents' time range, Insights events apart, regions apart, and its default page size, through the SDK. */
final class LookupEventsFiltersTest {
    private static final Instant BASE = Instant.parse("2026-09-01T12:00:00Z");

    @TempDir
    static Path data;

    private static RunningCairn cairn;

    @BeforeAll
    static void load() throws Exception {
        cairn = RunningCairn.start(data, new MutableClock(BASE.plusSeconds(86_400)), Map.of());
        StringBuilder records = new StringBuilder("[");
        for (int i = 0; i < 60; i++) {
            records.append(i == 0 ? "" : ",").append(event("t-" + i, BASE.plusSeconds(i), "us-east-1"));
        }
        records.append(",").append(event("elsewhere", BASE, "eu-north-1"));
        records.append(",").append(insight("insight-start", BASE.plusSeconds(10), "Start"));
        records.append(",").append(insight("insight-end", BASE.plusSeconds(20), "End"));
        assertThat(cairn.postRecords(records.append("]").toString().getBytes(StandardCharsets.UTF_8), "us-east-1")
                .statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        cairn.close();
    }

    private static String event(String id, Instant time, String region) {
        return "{\"eventVersion\":\"1.11\",\"eventID\":\"" + id + "\",\"eventTime\":\"" + time + "\",\"eventSource\":"
                + "\"ec2.amazonaws.com\",\"eventName\":\"DescribeInstances\",\"awsRegion\":\"" + region + "\","
                + "\"readOnly\":true,\"eventType\":\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\",\"userName\":\"u\"}}";
    }

    private static String insight(String id, Instant time, String state) {
        return "{\"eventVersion\":\"1.07\",\"eventID\":\"" + id + "\",\"eventTime\":\"" + time + "\",\"awsRegion\":"
                + "\"us-east-1\",\"eventType\":\"AwsCloudTrailInsight\",\"eventCategory\":\"Insight\",\"sharedEventID\":"
                + "\"s-1\",\"insightDetails\":{\"state\":\"" + state + "\","
                + "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"insightType\":"
                + "\"ApiCallRateInsight\",\"insightContext\":{\"statistics\":{\"baseline\":{\"average\":0.1},"
                + "\"insight\":{\"average\":3.2},\"insightDuration\":5,\"baselineDuration\":11336}}}}";
    }

    private static CloudTrailClient client(String region) {
        return cairn.sdk(CloudTrailClient.builder(), region).build();
    }

    @Test
    void lookupEvents_timeRange_isInclusiveAtBothEnds() {
        try (CloudTrailClient client = client("us-east-1")) {
            List<String> ids = client.lookupEventsPaginator(request -> request.startTime(BASE.plusSeconds(10))
                    .endTime(BASE.plusSeconds(14))).events().stream().map(Event::eventId).toList();
            assertThat(ids).containsExactly("t-14", "t-13", "t-12", "t-11", "t-10");
        }
    }

    @Test
    void lookupEvents_noMaxResults_givesPagesOf50() {
        try (CloudTrailClient client = client("us-east-1")) {
            // Up to the day after, so that the audit events of these very calls stay out.
            LookupEventsResponse first = client.lookupEvents(request -> request.endTime(BASE.plusSeconds(3600)));
            assertThat(first.events()).hasSize(50);
            assertThat(first.events().getFirst().eventId()).isEqualTo("t-59");
            LookupEventsResponse second = client.lookupEvents(request -> request.endTime(BASE.plusSeconds(3600))
                    .nextToken(first.nextToken()));
            assertThat(second.events()).extracting(Event::eventId).containsExactly("t-9", "t-8", "t-7", "t-6", "t-5",
                    "t-4", "t-3", "t-2", "t-1", "t-0");
            assertThat(second.nextToken()).isNull();
        }
    }

    @Test
    void lookupEvents_insightCategory_givesOnlyInsightsEvents() {
        try (CloudTrailClient client = client("us-east-1")) {
            assertThat(client.lookupEventsPaginator(request -> request.eventCategory(EventCategory.INSIGHT)).events())
                    .extracting(Event::eventId).containsExactly("insight-end", "insight-start");
            assertThat(client.lookupEventsPaginator(request -> request.eventCategory(EventCategory.INSIGHT)
                    .lookupAttributes(LookupAttribute.builder().attributeKey(LookupAttributeKey.EVENT_NAME)
                            .attributeValue("RunInstances").build())).events()).hasSize(2);
            assertThat(client.lookupEventsPaginator(request -> request.endTime(BASE.plusSeconds(3600))).events())
                    .extracting(Event::eventId).doesNotContain("insight-start", "insight-end").hasSize(60);
        }
    }

    @Test
    void lookupEvents_otherRegion_seesOnlyItsOwnEvents() {
        try (CloudTrailClient client = client("eu-north-1")) {
            assertThat(client.lookupEventsPaginator(request -> request.endTime(BASE.plusSeconds(3600))).events())
                    .extracting(Event::eventId).containsExactly("elsewhere");
        }
        try (CloudTrailClient client = client("ap-southeast-7")) {
            assertThat(client.lookupEventsPaginator(request -> request.endTime(BASE.plusSeconds(3600))).events())
                    .isEmpty();
        }
    }
}
