package cairn.server.trail;

import cairn.delivery.logfile.LogFileKeys;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailStatusResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery on the clock: a log file is written when the interval has passed since its first event was read, and
 * never before; events that arrive while a trail is stopped are never delivered; GetTrailStatus tells the latest
 * delivery. The test moves the server's clock and runs one delivery pass; it never sleeps.
 */
final class DeliveryTimingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-1";
    private static final Instant START = Instant.parse("2026-03-04T05:06:07Z");

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(START);
    private RunningCairn cairn;
    private CloudTrailClient cloudTrail;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, clock, Map.of("delivery.interval", "60s", "delivery.create-buckets", "true"));
        cloudTrail = cairn.sdk(CloudTrailClient.builder(), REGION).build();
        cloudTrail.createTrail(request -> request.name("timed").s3BucketName("timed-logs").s3KeyPrefix("p/q"));
        cloudTrail.startLogging(request -> request.name("timed"));
    }

    @AfterEach
    void stop() throws Exception {
        cloudTrail.close();
        cairn.close();
    }

    @Test
    void delivery_waitsForTheInterval_thenWritesOneFileWithEveryEvent() throws Exception {
        ingest("a-1", "a-2", "a-3");
        cairn.server().flushAudit();
        cairn.server().delivery().runOnce();
        assertThat(logFiles()).isEmpty();

        clock.advance(Duration.ofSeconds(60).minusMillis(1));
        cairn.server().delivery().runOnce();
        assertThat(logFiles()).isEmpty();

        clock.advance(Duration.ofMillis(1));
        cairn.server().delivery().runOnce();
        List<Path> files = logFiles();
        assertThat(files).hasSize(1);
        String key = data.resolve("buckets/timed-logs").relativize(files.getFirst()).toString();
        assertThat(key).startsWith("p/q/AWSLogs/" + cairn.accountId() + "/CloudTrail/us-east-1/2026/03/04/"
                + cairn.accountId() + "_CloudTrail_us-east-1_20260304T0507Z_");
        assertThat(LogFileKeys.FILE_NAME.matcher(files.getFirst().getFileName().toString()).matches()).isTrue();
        assertThat(eventIds(files.getFirst())).containsSubsequence("a-1", "a-2", "a-3");
        assertThat(field(files.getFirst(), "eventName")).as("the log is cut after the calls answered before "
                + "StartLogging").startsWith("StartLogging").doesNotContain("CreateTrail");

        GetTrailStatusResponse status = cloudTrail.getTrailStatus(request -> request.name("timed"));
        assertThat(status.latestDeliveryTime()).isEqualTo(START.plusSeconds(60));
        assertThat(status.latestDeliveryError()).isNull();
    }

    @Test
    void stopLogging_deliversWhatCameBefore_andNothingOfWhatCameWhileStopped() throws Exception {
        ingest("before-1", "before-2");
        cloudTrail.stopLogging(request -> request.name("timed"));
        ingest("while-stopped");
        cairn.server().flushAudit();
        cloudTrail.startLogging(request -> request.name("timed"));
        ingest("after-1");
        cairn.server().flushAudit();
        cairn.server().delivery().runOnce();
        clock.advance(Duration.ofSeconds(60));
        cairn.server().delivery().runOnce();

        List<String> delivered = new ArrayList<>();
        for (Path file : logFiles()) {
            delivered.addAll(eventIds(file));
        }
        assertThat(delivered).contains("before-1", "before-2", "after-1").doesNotContain("while-stopped");
        assertThat(delivered).doesNotHaveDuplicates();
    }

    private void ingest(String... eventIds) throws Exception {
        StringBuilder body = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < eventIds.length; i++) {
            body.append(i == 0 ? "" : ",").append("{\"eventVersion\":\"1.08\",\"eventTime\":\"")
                    .append(clock.instant().toString().replace(".000", "")).append("\",\"eventSource\":")
                    .append("\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"awsRegion\":\"us-east-1\",")
                    .append("\"eventID\":\"").append(eventIds[i]).append("\",\"readOnly\":false}");
        }
        assertThat(cairn.postRecords(body.append("]}").toString().getBytes(StandardCharsets.UTF_8), REGION)
                .statusCode()).isEqualTo(200);
    }

    private List<Path> logFiles() throws IOException {
        Path bucket = data.resolve("buckets/timed-logs");
        try (Stream<Path> files = Files.walk(bucket)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<String> eventIds(Path file) {
        return field(file, "eventID");
    }

    private static List<String> field(Path file, String name) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            JsonNode root = MAPPER.readTree(in);
            List<String> values = new ArrayList<>();
            root.get("Records").forEach(record -> values.add(record.get(name).asText()));
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
