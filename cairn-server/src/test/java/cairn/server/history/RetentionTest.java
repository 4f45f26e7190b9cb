package cairn.server.history;

import cairn.server.audit.SelfAudit;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Events older than the retention leave the lookups at once, and their segments leave the disk. */
final class RetentionTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "ap-south-1";
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path data;

    @Test
    void clockMovedPastRetention_oldEventsLeaveLookupsAndDisk() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (RunningCairn cairn = RunningCairn.start(data, clock, Map.of("history.retention", "30d",
                "store.segment-size", "1MB", "ingest.max-request-size", "512KB"))) {
            for (int batch = 0; batch < 5; batch++) {
                assertThat(cairn.postRecords(batch("old-" + batch, START.minus(Duration.ofDays(1)), 1000), REGION)
                        .statusCode()).isEqualTo(200);
            }
            clock.advance(Duration.ofDays(20));
            assertThat(cairn.postRecords(batch("new", clock.instant(), 10), REGION).statusCode()).isEqualTo(200);
            assertThat(count(cairn)).isEqualTo(5010);
            cairn.server().flushAudit();
            int segmentsBefore = segmentFiles();
            assertThat(segmentsBefore).isGreaterThan(2);

            clock.advance(Duration.ofDays(11));
            assertThat(count(cairn)).as("old events leave the lookups as soon as they pass the retention")
                    .isEqualTo(10);
            cairn.server().flushAudit();
            int deleted = cairn.server().expire();
            assertThat(deleted).isEqualTo(segmentsBefore - 1);
            assertThat(segmentFiles()).isEqualTo(1);
            assertThat(count(cairn)).isEqualTo(10);

            clock.advance(Duration.ofDays(31));
            assertThat(count(cairn)).isZero();
            cairn.server().flushAudit();
            assertThat(cairn.server().expire()).as("the last segment also holds the audit events of the lookups "
                    + "just made, which are recent").isZero();
            assertThat(cairn.postRecords(batch("newest", clock.instant(), 3), REGION).statusCode()).isEqualTo(200);
            assertThat(count(cairn)).isEqualTo(3);
        }
    }

    @Test
    void trailThatCannotDeliver_holdsBackRetention_untilItHasDelivered() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (RunningCairn cairn = RunningCairn.start(data, clock, Map.of("history.retention", "30d",
                "store.segment-size", "1MB", "ingest.max-request-size", "512KB", "delivery.interval", "1s"));
             CloudTrailClient cloudTrail = cairn.sdk(CloudTrailClient.builder(), REGION).build()) {
            Files.createDirectories(data.resolve("buckets/held"));
            cloudTrail.createTrail(request -> request.name("held").s3BucketName("held"));
            cloudTrail.startLogging(request -> request.name("held"));
            cairn.server().delivery().runOnce();
            Files.delete(data.resolve("buckets/held"));
            for (int batch = 0; batch < 5; batch++) {
                assertThat(cairn.postRecords(batch("old-" + batch, START, 1000), REGION).statusCode())
                        .isEqualTo(200);
            }
            cairn.server().flushAudit();
            cairn.server().delivery().runOnce();
            clock.advance(Duration.ofSeconds(1));
            cairn.server().delivery().runOnce();
            assertThat(cloudTrail.getTrailStatus(request -> request.name("held")).latestDeliveryError())
                    .isEqualTo("NoSuchBucket");
            int segmentsBefore = segmentFiles();
            assertThat(segmentsBefore).isGreaterThan(2);

            clock.advance(Duration.ofDays(31));
            cairn.server().flushAudit();
            assertThat(cairn.server().expire()).as("the trail has yet to deliver them").isZero();
            assertThat(segmentFiles()).isEqualTo(segmentsBefore);

            Files.createDirectories(data.resolve("buckets/held"));
            cairn.server().delivery().runOnce();
            assertThat(cloudTrail.getTrailStatus(request -> request.name("held")).latestDeliveryError()).isNull();
            cairn.server().flushAudit();
            assertThat(cairn.server().expire()).isGreaterThan(0);
            long delivered = 0;
            try (Stream<Path> files = Files.walk(data.resolve("buckets/held"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
                        for (JsonNode record : MAPPER.readTree(in).get("Records")) {
                            if (record.get("eventID").asText().startsWith("old-")) {
                                delivered++;
                            }
                        }
                    }
                }
            }
            assertThat(delivered).isEqualTo(5000);
        }
    }

    private int segmentFiles() throws Exception {
        try (Stream<Path> files = Files.list(data.resolve("log"))) {
            return (int) files.filter(file -> file.toString().endsWith(".log")).count();
        }
    }

    private static int count(RunningCairn cairn) throws Exception {
        int total = 0;
        String token = null;
        do {
            String body = "{" + (token == null ? "" : "\"NextToken\":\"" + token + "\"") + "}";
            JsonNode page = MAPPER.readTree(cairn.cloudTrail("LookupEvents", body, REGION).body());
            for (JsonNode event : page.get("Events")) {
                if (!event.get("EventSource").asText().equals(SelfAudit.EVENT_SOURCE)) {
                    total++;
                }
            }
            token = page.has("NextToken") ? page.get("NextToken").asText() : null;
        } while (token != null);
        return total;
    }

    private static byte[] batch(String prefix, Instant time, int count) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"eventID\":\"").append(prefix).append('-').append(i)
                    .append("\",\"eventTime\":\"").append(time).append("\",\"eventSource\":\"kms.amazonaws.com\","
                            + "\"eventName\":\"Decrypt\",\"awsRegion\":\"").append(REGION)
                    .append("\",\"requestParameters\":{\"pad\":\"").append("q".repeat(200)).append("\"}}");
        }
        return body.append("]").toString().getBytes(StandardCharsets.UTF_8);
    }
}
