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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery on the clock: a log file is written when the interval has passed since its first event was read, and
 * never before; events that arrive while a trail is stopped are never delivered; GetTrailStatus tells the latest
 * delivery. The test moves the server's clock and runs one delivery pass; it never sleeps.
 *
 * <p>The bucket is a local folder here; {@link DeliveryTimingOnS3Test} runs the same tests with it in an S3 server,
 * through the hooks {@link #bucketSettings()}, {@link #createBucket(String)} and {@link #objects(String)}.
 */
class DeliveryTimingTest {
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
        Map<String, String> settings = new LinkedHashMap<>(Map.of("delivery.interval", "60s"));
        settings.putAll(bucketSettings());
        cairn = RunningCairn.start(data, clock, settings);
        cloudTrail = cairn.sdk(CloudTrailClient.builder(), REGION).build();
        createBucket("timed-logs");
        cloudTrail.createTrail(request -> request.name("timed").s3BucketName("timed-logs").s3KeyPrefix("p/q"));
        cloudTrail.startLogging(request -> request.name("timed"));
    }

    @AfterEach
    void stop() throws Exception {
        cloudTrail.close();
        cairn.close();
    }

    /** The settings that put the server's buckets in their store: local folders, which CreateTrail creates. */
    Map<String, String> bucketSettings() {
        return Map.of("delivery.create-buckets", "true");
    }

    /** Makes {@code bucket} before a trail names it: nothing to do for a local folder, which CreateTrail creates. */
    void createBucket(String bucket) throws IOException {
    }

    /** The objects of {@code bucket}, their bytes by key in key order; none when the bucket does not exist. */
    SortedMap<String, byte[]> objects(String bucket) throws IOException {
        Path folder = data.resolve("buckets").resolve(bucket);
        SortedMap<String, byte[]> objects = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return objects;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                objects.put(folder.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
        return objects;
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
        SortedMap<String, byte[]> files = logFiles();
        assertThat(files).hasSize(1);
        String key = files.firstKey();
        assertThat(key).startsWith("p/q/AWSLogs/" + cairn.accountId() + "/CloudTrail/us-east-1/2026/03/04/"
                + cairn.accountId() + "_CloudTrail_us-east-1_20260304T0507Z_");
        assertThat(LogFileKeys.FILE_NAME.matcher(key.substring(key.lastIndexOf('/') + 1)).matches()).isTrue();
        assertThat(eventIds(files.get(key))).containsSubsequence("a-1", "a-2", "a-3");
        assertThat(field(files.get(key), "eventName")).as("the log is cut after the calls answered before "
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
        for (byte[] file : logFiles().values()) {
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

    private SortedMap<String, byte[]> logFiles() throws IOException {
        return objects("timed-logs");
    }

    private static List<String> eventIds(byte[] file) {
        return field(file, "eventID");
    }

    private static List<String> field(byte[] file, String name) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            JsonNode root = MAPPER.readTree(in);
            List<String> values = new ArrayList<>();
            root.get("Records").forEach(record -> values.add(record.get(name).asText()));
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
