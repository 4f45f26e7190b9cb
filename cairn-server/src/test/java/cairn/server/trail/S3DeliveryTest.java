package cairn.server.trail;

import cairn.delivery.objectstore.s3.FaultProxy;
import cairn.delivery.objectstore.s3.MotoServer;
import cairn.server.audit.SelfAudit;
import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailStatusResponse;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.Trail;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Trails delivering to a real S3-compatible server (moto server), through a proxy that takes the store down, slows
 * it, or refuses on command: files land under CloudTrail's keys and the AWS CLI lists and fetches them; CreateTrail
 * and UpdateTrail check the bucket; an outage is reported by GetTrailStatus and retried with backoff, and once the
 * store is back every selected event, Cairn's own included, is in exactly one file, in log order. The tests move the
 * server's clock and run delivery passes; they never sleep for time to pass (one waits, briefly, for an upload to
 * reach the proxy).
 */
final class S3DeliveryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-1";
    private static final Instant START = Instant.parse("2026-03-04T05:06:07Z");
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Longer than the longest backoff after a transient failure (a minute), so the next pass tries again. */
    private static final Duration PAST_TRANSIENT_BACKOFF = Duration.ofSeconds(61);
    /** The buckets that live in moto; every other one is a local folder. */
    private static final List<String> S3_BUCKETS = List.of("cli-logs", "steady-logs", "gone-logs", "checked-logs",
            "missing-logs", "kms-logs", "moved-logs", "abandoned-logs");
    private static final String KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    /** Spec 2.1's key layout. */
    private static final Pattern KEY = Pattern.compile("(?:(.+)/)?AWSLogs/(\\d{12})/CloudTrail/([a-z0-9-]+)/"
            + "(\\d{4}/\\d{2}/\\d{2})/(\\d{12})_CloudTrail_([a-z0-9-]+)_(\\d{8}T\\d{4}Z)_([A-Za-z0-9]{16})"
            + "\\.json\\.gz");
    private static final DateTimeFormatter KEY_DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'")
            .withZone(ZoneOffset.UTC);
    private static final AwsCredentialsIdentity MOTO_CREDENTIALS =
            AwsCredentialsIdentity.create(MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY);

    private static MotoServer moto;
    private static FaultProxy proxy;
    /** Straight to moto, never through the proxy: what the test reads is what the store holds. */
    private static S3Client s3;

    @TempDir
    Path data;
    @TempDir
    Path downloads;

    private MutableClock clock;
    private RunningCairn cairn;
    private CloudTrailClient cloudTrail;

    /** One delivered object: its key and its records, in the file's order. */
    private record LogFile(String key, List<JsonNode> records) {
        List<String> eventIds() {
            return records.stream().map(record -> record.get("eventID").asText()).toList();
        }

        /** The IDs of the records the test ingested, leaving out Cairn's own audit events. */
        List<String> ingestedIds() {
            return records.stream().filter(record -> !isSelf(record)).map(record -> record.get("eventID").asText())
                    .toList();
        }

        List<String> selfEventNames() {
            return records.stream().filter(S3DeliveryTest::isSelf).map(record -> record.get("eventName").asText())
                    .toList();
        }
    }

    @BeforeAll
    static void startStore() throws IOException {
        moto = new MotoServer();
        proxy = new FaultProxy(moto.endpoint());
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.of(MotoServer.REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stopStore() throws IOException {
        if (s3 != null) {
            s3.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void emptyStore() {
        proxy.pass();
        moto.reset();
    }

    @AfterEach
    void stopCairn() throws IOException {
        // A stalled store would hold up the delivery thread that close() waits for.
        proxy.pass();
        if (cloudTrail != null) {
            cloudTrail.close();
        }
        if (cairn != null) {
            cairn.close();
        }
    }

    private void start(Instant at) throws IOException {
        clock = new MutableClock(at);
        cairn = RunningCairn.start(data, clock, Map.of(
                "delivery.interval", INTERVAL.toSeconds() + "s",
                "s3.connections", "moto",
                "s3.moto.endpoint", proxy.endpoint().toString(),
                "s3.moto.access-key-id", MotoServer.ACCESS_KEY_ID,
                "s3.moto.secret-access-key", MotoServer.SECRET_ACCESS_KEY,
                "s3.moto.buckets", String.join(",", S3_BUCKETS),
                "s3.moto.timeout", "2s"));
        cloudTrail = cairn.sdk(CloudTrailClient.builder(), REGION).build();
    }

    @Test
    void awsCli_trailToMoto_filesListedAndFetchedWithAwsS3() throws Exception {
        // The AWS CLI signs with the real time, so the server's clock starts there.
        start(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        moto.createBucket("cli-logs");
        cli("cloudtrail", "create-trail", "--name", "to-moto", "--s3-bucket-name", "cli-logs", "--s3-key-prefix",
                "team-a");
        clock.advance(Duration.ofSeconds(1));
        cli("cloudtrail", "start-logging", "--name", "to-moto");
        ingest("cli-1", "cli-2", "cli-3");
        deliverAfterInterval();
        Instant firstDelivery = clock.instant();
        ingest("cli-4", "cli-5");
        deliverAfterInterval();
        Instant secondDelivery = clock.instant();

        JsonNode status = cli("cloudtrail", "get-trail-status", "--name", "to-moto");
        assertThat(status.get("LatestDeliveryTime").asLong()).isEqualTo(secondDelivery.getEpochSecond());
        assertThat(status.has("LatestDeliveryError")).isFalse();

        AwsCli.Result listed = AwsCli.run(moto.endpoint(), MotoServer.REGION, MOTO_CREDENTIALS, "s3", "ls",
                "--recursive", "s3://cli-logs/");
        assertThat(listed.exitCode()).as(listed.stderr()).isZero();
        List<String> keys = listed.stdout().lines().filter(line -> !line.isBlank())
                .map(line -> line.substring(line.lastIndexOf(' ') + 1)).sorted().toList();
        List<LogFile> files = logFiles("cli-logs");
        assertThat(keys).as("aws s3 ls lists what the bucket holds, and nothing else (no write check left over)")
                .isEqualTo(files.stream().map(LogFile::key).sorted().toList()).hasSize(2);

        Map<String, Instant> deliveredAt = new HashMap<>();
        for (String key : keys) {
            Path local = downloads.resolve(key.substring(key.lastIndexOf('/') + 1));
            AwsCli.Result copied = AwsCli.run(moto.endpoint(), MotoServer.REGION, MOTO_CREDENTIALS, "s3", "cp",
                    "s3://cli-logs/" + key, local.toString());
            assertThat(copied.exitCode()).as(copied.stderr()).isZero();
            JsonNode root = gunzipJson(Files.readAllBytes(local));
            List<String> fields = new ArrayList<>();
            root.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsExactly("Records");
            LogFile file = new LogFile(key, recordsOf(root));
            if (file.ingestedIds().contains("cli-1")) {
                assertThat(file.ingestedIds()).containsExactly("cli-1", "cli-2", "cli-3");
                assertThat(file.selfEventNames()).as("the first file starts with the trail's own StartLogging")
                        .containsExactly("StartLogging", "PutRecords");
                assertThat(file.records().getFirst().get("eventName").asText()).isEqualTo("StartLogging");
                deliveredAt.put(key, firstDelivery);
            } else {
                assertThat(file.ingestedIds()).containsExactly("cli-4", "cli-5");
                assertThat(file.selfEventNames()).containsExactly("PutRecords");
                deliveredAt.put(key, secondDelivery);
            }
            HeadObjectResponse head = s3.headObject(request -> request.bucket("cli-logs").key(key));
            assertThat(head.serverSideEncryption()).isEqualTo(ServerSideEncryption.AES256);
        }
        assertThat(deliveredAt).hasSize(2);
        deliveredAt.forEach((key, delivered) -> {
            Matcher matcher = KEY.matcher(key);
            assertThat(matcher.matches()).as(key).isTrue();
            assertThat(matcher.group(1)).isEqualTo("team-a");
            assertThat(matcher.group(2)).isEqualTo(cairn.accountId());
            assertThat(matcher.group(3)).isEqualTo(REGION);
            assertThat(matcher.group(4)).isEqualTo(KEY_DATE.format(delivered));
            assertThat(matcher.group(5)).isEqualTo(cairn.accountId());
            assertThat(matcher.group(6)).isEqualTo(REGION);
            assertThat(matcher.group(7)).isEqualTo(KEY_TIME.format(delivered));
        });
    }

    @Test
    void outage_storeDownDuringSteadyIngest_everySelectedEventDeliveredOnce() throws Exception {
        start(START);
        moto.createBucket("steady-logs");
        cloudTrail.createTrail(request -> request.name("steady").s3BucketName("steady-logs"));
        clock.advance(Duration.ofSeconds(1));
        cloudTrail.startLogging(request -> request.name("steady"));
        Instant loggingStarted = clock.instant();
        Steady steady = new Steady();

        steady.run(5);
        GetTrailStatusResponse healthy = status("steady");
        assertThat(healthy.latestDeliveryError()).isNull();
        Instant lastGood = healthy.latestDeliveryTime();
        assertThat(lastGood).isAfter(loggingStarted);

        proxy.refuse();
        List<String> attempts = steady.run(12);
        GetTrailStatusResponse down = status("steady");
        assertThat(down.latestDeliveryError()).isEqualTo("ServiceUnavailable");
        assertThat(down.latestDeliveryTime()).as("no delivery while the store is down").isEqualTo(lastGood);
        // 1 s doubling (with jitter from half): tries at about 0, 1, 2-3, 4-7 and 8-15 s into the outage.
        List<String> distinctAttempts = attempts.stream().distinct().toList();
        assertThat(distinctAttempts).as("the attempt time moves on with retries, but not on every pass: %s",
                attempts).hasSizeBetween(4, 6);
        assertThat(Instant.parse(distinctAttempts.getLast())).isAfter(Instant.parse(distinctAttempts.getFirst()));

        proxy.failWith(503);
        steady.run(3);
        clock.advance(PAST_TRANSIENT_BACKOFF);
        deliver();
        GetTrailStatusResponse throttled = status("steady");
        assertThat(throttled.latestDeliveryError()).isEqualTo("SlowDown");
        assertThat(throttled.latestDeliveryAttemptTime()).isEqualTo(clock.instant().toString());

        proxy.stall();
        steady.run(2);
        clock.advance(PAST_TRANSIENT_BACKOFF);
        deliver();
        GetTrailStatusResponse timedOut = status("steady");
        assertThat(timedOut.latestDeliveryError()).isEqualTo("ServiceUnavailable");
        assertThat(timedOut.latestDeliveryAttemptTime()).isEqualTo(clock.instant().toString());
        assertThat(timedOut.latestDeliveryTime()).isEqualTo(lastGood);

        proxy.pass();
        steady.run(5);
        Instant lastCall = clock.instant();
        drain();
        GetTrailStatusResponse recovered = status("steady");
        assertThat(recovered.latestDeliveryError()).isNull();
        assertThat(recovered.latestDeliveryTime()).isAfter(lastCall);

        assertDeliveredOnceInOrder("steady-logs", steady.ingested, loggingStarted, lastCall);
    }

    @Test
    void createTrail_s3Checks() throws Exception {
        start(START);
        for (String bucket : List.of("checked-logs", "kms-logs", "moved-logs")) {
            moto.createBucket(bucket);
        }
        Files.createDirectories(data.resolve("buckets/local-logs"));

        assertSdkError(() -> cloudTrail.createTrail(request -> request.name("missing").s3BucketName("missing-logs")),
                "S3BucketDoesNotExistException", "S3 bucket missing-logs does not exist.");
        proxy.failWith(403, "AccessDenied", "Access Denied");
        assertSdkError(() -> cloudTrail.createTrail(request -> request.name("denied").s3BucketName("checked-logs")),
                "InsufficientS3BucketPolicyException", "Incorrect S3 bucket policy is detected for bucket: "
                        + "checked-logs");
        proxy.refuse();
        assertThatThrownBy(() -> cloudTrail.createTrail(request -> request.name("unreachable")
                .s3BucketName("checked-logs"))).isInstanceOfSatisfying(CloudTrailException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ServiceUnavailableException");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Cannot reach the store of bucket "
                            + "checked-logs to check it (ServiceUnavailable); try again.");
                });
        proxy.pass();
        assertThat(cloudTrail.describeTrails().trailList()).as("no trail is created when a check fails").isEmpty();
        assertThat(keysOf("checked-logs")).isEmpty();

        cloudTrail.createTrail(request -> request.name("sealed").s3BucketName("kms-logs").kmsKeyId(KMS_KEY));
        assertThat(cloudTrail.getTrail(request -> request.name("sealed")).trail().kmsKeyId()).isEqualTo(KMS_KEY);
        assertThat(keysOf("kms-logs")).as("the write check leaves nothing behind").isEmpty();
        assertSdkError(() -> cloudTrail.createTrail(request -> request.name("local-sealed").s3BucketName("local-logs")
                        .kmsKeyId(KMS_KEY)), "UnsupportedOperationException", "Bucket local-logs is a local bucket, "
                        + "which Cairn does not encrypt with KMS keys yet; KmsKeyId needs an S3 bucket.");
        assertSdkError(() -> cloudTrail.createTrail(request -> request.name("bad-key").s3BucketName("kms-logs")
                .kmsKeyId("not a key")), "InvalidKmsKeyIdException", "KmsKeyId must be a KMS key ID, an alias "
                + "(alias/...), or a key or alias ARN: not a key");
        cloudTrail.createTrail(request -> request.name("moving").s3BucketName("local-logs"));
        assertThat(cloudTrail.describeTrails().trailList()).extracting(Trail::name)
                .containsExactlyInAnyOrder("sealed", "moving");

        clock.advance(Duration.ofSeconds(1));
        cloudTrail.startLogging(request -> request.name("sealed"));
        cloudTrail.startLogging(request -> request.name("moving"));
        ingest("before-1", "before-2");
        deliverAfterInterval();

        List<LogFile> sealed = logFiles("kms-logs");
        assertThat(sealed).isNotEmpty();
        assertThat(sealed.stream().flatMap(file -> file.ingestedIds().stream()))
                .containsExactly("before-1", "before-2");
        for (LogFile file : sealed) {
            HeadObjectResponse head = s3.headObject(request -> request.bucket("kms-logs").key(file.key()));
            assertThat(head.serverSideEncryption()).isEqualTo(ServerSideEncryption.AWS_KMS);
            assertThat(head.ssekmsKeyId()).isEqualTo(KMS_KEY);
        }
        assertThat(localIngestedIds("local-logs")).containsExactly("before-1", "before-2");

        cloudTrail.updateTrail(request -> request.name("moving").s3BucketName("moved-logs"));
        assertThat(keysOf("moved-logs")).as("the write check leaves nothing behind").isEmpty();
        ingest("after-1", "after-2");
        deliverAfterInterval();

        assertThat(logFiles("moved-logs").stream().flatMap(file -> file.ingestedIds().stream()))
                .containsExactly("after-1", "after-2");
        assertThat(localIngestedIds("local-logs")).as("nothing more goes to the bucket the trail left")
                .containsExactly("before-1", "before-2");
        assertThat(status("moving").latestDeliveryError()).isNull();
    }

    @Test
    void permanentError_bucketDeletedInMoto_reportedNotHammered() throws Exception {
        start(START);
        moto.createBucket("gone-logs");
        cloudTrail.createTrail(request -> request.name("gone").s3BucketName("gone-logs"));
        clock.advance(Duration.ofSeconds(1));
        cloudTrail.startLogging(request -> request.name("gone"));
        ingest("first-1", "first-2");
        deliverAfterInterval();
        assertThat(logFiles("gone-logs").stream().flatMap(file -> file.ingestedIds().stream()))
                .containsExactly("first-1", "first-2");

        clock.advance(Duration.ofSeconds(1));
        Instant deleted = clock.instant();
        for (String key : keysOf("gone-logs")) {
            s3.deleteObject(request -> request.bucket("gone-logs").key(key));
        }
        s3.deleteBucket(request -> request.bucket("gone-logs"));
        List<String> ingested = new ArrayList<>(List.of("gone-1", "gone-2"));
        ingest("gone-1", "gone-2");
        deliverAfterInterval();
        GetTrailStatusResponse failed = status("gone");
        assertThat(failed.latestDeliveryError()).isEqualTo("NoSuchBucket");
        assertThat(failed.latestDeliveryAttemptTime()).isEqualTo(clock.instant().toString());

        long connectionsBefore = proxy.connections();
        List<String> attempts = new ArrayList<>();
        for (int second = 1; second <= 120; second++) {
            clock.advance(Duration.ofSeconds(1));
            if (second % 30 == 0) {
                String id = "gone-" + (2 + second / 30);
                ingest(id);
                ingested.add(id);
            }
            deliver();
            GetTrailStatusResponse status = status("gone");
            assertThat(status.latestDeliveryError()).isEqualTo("NoSuchBucket");
            attempts.add(status.latestDeliveryAttemptTime());
        }
        Instant lastCall = clock.instant();
        // 30 s doubling up to 5 minutes (with jitter from half): tries again about 15-30 s, then 45-90 s, then
        // 105-210 s after the first failure.
        List<String> retries = attempts.stream().distinct().filter(time -> !time.equals(
                failed.latestDeliveryAttemptTime())).toList();
        assertThat(retries).as("retries in 120 passes: %s", attempts).hasSizeBetween(2, 3);
        long refusedPuts = moto.output().lines().filter(line -> line.contains("\"PUT /gone-logs/")
                && line.contains("\" 404")).count();
        assertThat(refusedPuts).as("PutObject calls moto refused; its output:%n%s", moto.output())
                .isBetween(3L, 4L);
        assertThat(proxy.connections() - connectionsBefore).isLessThanOrEqualTo(3);

        moto.createBucket("gone-logs");
        clock.advance(Duration.ofMinutes(5));
        drain();
        GetTrailStatusResponse recovered = status("gone");
        assertThat(recovered.latestDeliveryError()).isNull();
        assertThat(recovered.latestDeliveryTime()).isAfter(lastCall);
        assertDeliveredOnceInOrder("gone-logs", ingested, deleted, lastCall);
    }

    @Test
    void outage_storeGoesDownMidUpload_reportedAsServiceUnavailable() throws Exception {
        start(START);
        moto.createBucket("steady-logs");
        cloudTrail.createTrail(request -> request.name("steady").s3BucketName("steady-logs"));
        clock.advance(Duration.ofSeconds(1));
        cloudTrail.startLogging(request -> request.name("steady"));
        ingest("mid-1");
        deliver();

        proxy.stall();
        long accepted = proxy.connections();
        clock.advance(INTERVAL);
        CompletableFuture<Boolean> pass = CompletableFuture.supplyAsync(() -> cairn.server().delivery().runOnce());
        awaitConnectionAfter(accepted);
        proxy.refuse();
        pass.get(30, TimeUnit.SECONDS);

        assertThat(status("steady").latestDeliveryError()).as("a store that goes down with an upload in flight is "
                + "down, not an internal error").isEqualTo("ServiceUnavailable");
    }

    @Test
    void permanentError_trailMovedToAnotherBucket_backlogDeliveredThere() throws Exception {
        start(START);
        moto.createBucket("abandoned-logs");
        moto.createBucket("moved-logs");
        cloudTrail.createTrail(request -> request.name("abandoned").s3BucketName("abandoned-logs"));
        clock.advance(Duration.ofSeconds(1));
        cloudTrail.startLogging(request -> request.name("abandoned"));
        s3.deleteBucket(request -> request.bucket("abandoned-logs"));
        ingest("stuck-1", "stuck-2");
        deliverAfterInterval();
        assertThat(status("abandoned").latestDeliveryError()).isEqualTo("NoSuchBucket");

        cloudTrail.updateTrail(request -> request.name("abandoned").s3BucketName("moved-logs"));
        ingest("after-1");
        for (int pass = 0; pass < 4; pass++) {
            clock.advance(Duration.ofMinutes(5));
            deliver();
        }

        assertThat(status("abandoned").latestDeliveryError()).isNull();
        assertThat(logFiles("moved-logs").stream().flatMap(file -> file.ingestedIds().stream()))
                .containsExactly("stuck-1", "stuck-2", "after-1");
    }

    /** Waits (real time, briefly) until the proxy has accepted a connection more than {@code accepted}. */
    private static void awaitConnectionAfter(long accepted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (proxy.connections() <= accepted) {
            assertThat(System.nanoTime()).as("an upload reaches the proxy").isLessThan(deadline);
            // Polling for the upload to arrive, not waiting for time to pass.
            Thread.sleep(5);
        }
    }

    /**
     * Ingest at a steady pace: every simulated second a batch of three events, a delivery pass, a look at the
     * trail's status; the clock then moves on a second.
     */
    private final class Steady {
        final List<String> ingested = new ArrayList<>();

        /** Runs {@code seconds} seconds; returns the LatestDeliveryAttemptTime seen after each pass. */
        List<String> run(int seconds) throws Exception {
            List<String> attempts = new ArrayList<>();
            for (int second = 0; second < seconds; second++) {
                String[] ids = new String[3];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = "steady-" + (ingested.size() + 1);
                    ingested.add(ids[i]);
                }
                ingest(ids);
                deliver();
                attempts.add(status("steady").latestDeliveryAttemptTime());
                clock.advance(INTERVAL);
            }
            return attempts;
        }
    }

    /**
     * Every event ingested, and every audit event of the account stamped {@code from} to {@code to}, is in exactly
     * one file of the bucket; the ingested ones in the order they were sent, across files and within each.
     */
    private void assertDeliveredOnceInOrder(String bucket, List<String> ingested, Instant from, Instant to)
            throws IOException {
        List<LogFile> files = new ArrayList<>(logFiles(bucket));
        List<String> everyId = files.stream().flatMap(file -> file.eventIds().stream()).toList();
        assertThat(everyId).as("no event is delivered twice").doesNotHaveDuplicates();

        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < ingested.size(); i++) {
            position.put(ingested.get(i), i);
        }
        files.removeIf(file -> file.ingestedIds().isEmpty());
        files.sort(Comparator.comparing(file -> position.get(file.ingestedIds().getFirst())));
        assertThat(files.stream().flatMap(file -> file.ingestedIds().stream()).toList())
                .as("every ingested event once, in order across files and within each").isEqualTo(ingested);
        List<String> keyTimes = files.stream().map(file -> keyTime(file.key())).toList();
        assertThat(keyTimes).as("file keys follow the log's order").isSorted();

        Set<String> selfIds = new LinkedHashSet<>();
        for (LogFile file : logFiles(bucket)) {
            file.records().stream().filter(S3DeliveryTest::isSelf)
                    .forEach(record -> selfIds.add(record.get("eventID").asText()));
        }
        assertThat(selfIds).as("Cairn's own events from %s to %s", from, to)
                .containsExactlyInAnyOrderElementsOf(selfEventIds(from, to));
        assertThat(everyId).hasSize(ingested.size() + selfIds.size());
    }

    /** The IDs of Cairn's own events of the account in the region, stamped {@code from} to {@code to}. */
    private List<String> selfEventIds(Instant from, Instant to) {
        // Lookups are audited too: stamped later, they stay out of the range.
        clock.advance(Duration.ofSeconds(1));
        return cloudTrail.lookupEventsPaginator(request -> request.startTime(from).endTime(to)
                        .lookupAttributes(LookupAttribute.builder().attributeKey(LookupAttributeKey.EVENT_SOURCE)
                                .attributeValue(SelfAudit.EVENT_SOURCE).build()))
                .events().stream().map(Event::eventId).toList();
    }

    private static String keyTime(String key) {
        Matcher matcher = KEY.matcher(key);
        assertThat(matcher.matches()).as(key).isTrue();
        return matcher.group(7);
    }

    private void ingest(String... eventIds) throws Exception {
        StringBuilder body = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < eventIds.length; i++) {
            body.append(i == 0 ? "" : ",").append("{\"eventVersion\":\"1.08\",\"eventTime\":\"")
                    .append(clock.instant()).append("\",\"eventSource\":")
                    .append("\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"awsRegion\":\"us-east-1\",")
                    .append("\"eventID\":\"").append(eventIds[i]).append("\",\"readOnly\":false}");
        }
        assertThat(cairn.postRecords(body.append("]}").toString().getBytes(StandardCharsets.UTF_8), REGION)
                .statusCode()).isEqualTo(200);
    }

    /** A delivery pass at the clock's time, once the audit events of the calls answered so far are stored. */
    private void deliver() {
        cairn.server().flushAudit();
        cairn.server().delivery().runOnce();
    }

    /** Reads what is there, then closes the batch an interval later. */
    private void deliverAfterInterval() {
        deliver();
        clock.advance(INTERVAL);
        deliver();
    }

    /** Delivers everything owed: past any transient backoff, a pass to retry and read, another to close. */
    private void drain() {
        for (int pass = 0; pass < 3; pass++) {
            clock.advance(PAST_TRANSIENT_BACKOFF);
            deliver();
        }
    }

    private GetTrailStatusResponse status(String trail) {
        return cloudTrail.getTrailStatus(request -> request.name(trail));
    }

    private JsonNode cli(String... arguments) throws Exception {
        AwsCli.Result result = cairn.cli(REGION, arguments);
        assertThat(result.exitCode()).as("aws %s: %s", String.join(" ", arguments), result.stderr()).isZero();
        return result.stdout().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(result.stdout());
    }

    private static void assertSdkError(Runnable call, String code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(CloudTrailException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(message);
        });
    }

    private static List<String> keysOf(String bucket) {
        return s3.listObjectsV2Paginator(request -> request.bucket(bucket)).contents().stream().map(S3Object::key)
                .toList();
    }

    /** The bucket's objects in key order, each read back and gunzipped. */
    private static List<LogFile> logFiles(String bucket) {
        List<LogFile> files = new ArrayList<>();
        for (String key : keysOf(bucket)) {
            byte[] bytes = s3.getObjectAsBytes(request -> request.bucket(bucket).key(key)).asByteArray();
            files.add(new LogFile(key, recordsOf(gunzipJson(bytes))));
        }
        return files;
    }

    /** The IDs of the ingested events in the files of a local bucket. */
    private List<String> localIngestedIds(String bucket) throws IOException {
        Path folder = data.resolve("buckets").resolve(bucket);
        List<String> ids = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path file : paths.filter(path -> path.toString().endsWith(".json.gz")).sorted().toList()) {
                ids.addAll(new LogFile(file.toString(), recordsOf(gunzipJson(Files.readAllBytes(file))))
                        .ingestedIds());
            }
        }
        return ids;
    }

    private static JsonNode gunzipJson(byte[] gzipped) {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> recordsOf(JsonNode root) {
        List<JsonNode> records = new ArrayList<>();
        root.get("Records").forEach(records::add);
        return records;
    }

    private static boolean isSelf(JsonNode record) {
        return record.get("eventSource").asText().equals(SelfAudit.EVENT_SOURCE);
    }
}
