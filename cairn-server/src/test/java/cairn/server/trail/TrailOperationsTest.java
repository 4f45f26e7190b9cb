package cairn.server.trail;

import cairn.server.identity.PermissionSet;
import cairn.server.testing.AwsCli;
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
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailStatusResponse;
import software.amazon.awssdk.services.cloudtrail.model.Trail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The trail operations so far (CreateTrail, UpdateTrail, GetTrail, DescribeTrails, ListTrails, GetTrailStatus,
 * StartLogging, StopLogging, DeleteTrail) with the AWS CLI and the SDK: CloudTrail's output shapes, its errors, the home-region and
 * per-region limit rules, trails kept across a restart, and accounts kept apart.
 */
final class TrailOperationsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-1";

    @TempDir
    Path data;

    // The CLI signs with the real time, so the server's clock starts at it.
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private RunningCairn cairn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "us-east-1,eu-west-1"));
        Files.createDirectories(data.resolve("buckets/audit-logs"));
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    private CloudTrailClient sdk(String region) {
        return cairn.sdk(CloudTrailClient.builder(), region).build();
    }

    private JsonNode cli(String... arguments) throws Exception {
        AwsCli.Result result = cairn.cli(REGION, arguments);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result.stdout().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(result.stdout());
    }

    private static void assertSdkError(Runnable call, String code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(CloudTrailException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(message);
        });
    }

    @Test
    void awsCli_trailLifecycle_givesCloudTrailsOutput() throws Exception {
        String account = cairn.accountId();
        String arn = "arn:aws:cloudtrail:us-east-1:" + account + ":trail/main-trail";
        JsonNode created = cli("cloudtrail", "create-trail", "--name", "main-trail", "--s3-bucket-name", "audit-logs",
                "--s3-key-prefix", "team/a", "--is-multi-region-trail", "--enable-log-file-validation");
        assertThat(created).isEqualTo(MAPPER.readTree("{\"Name\":\"main-trail\",\"S3BucketName\":\"audit-logs\","
                + "\"S3KeyPrefix\":\"team/a\",\"IncludeGlobalServiceEvents\":true,\"IsMultiRegionTrail\":true,"
                + "\"TrailARN\":\"" + arn + "\",\"LogFileValidationEnabled\":true,\"IsOrganizationTrail\":false}"));

        JsonNode described = MAPPER.readTree("{\"Name\":\"main-trail\",\"S3BucketName\":\"audit-logs\","
                + "\"S3KeyPrefix\":\"team/a\",\"IncludeGlobalServiceEvents\":true,\"IsMultiRegionTrail\":true,"
                + "\"HomeRegion\":\"us-east-1\",\"TrailARN\":\"" + arn + "\",\"LogFileValidationEnabled\":true,"
                + "\"HasCustomEventSelectors\":false,\"HasInsightSelectors\":false,\"IsOrganizationTrail\":false}");
        assertThat(cli("cloudtrail", "get-trail", "--name", "main-trail").get("Trail")).isEqualTo(described);
        assertThat(cli("cloudtrail", "describe-trails").get("trailList")).containsExactly(described);
        assertThat(cli("cloudtrail", "describe-trails", "--trail-name-list", "main-trail", "no-such-trail", arn)
                .get("trailList")).containsExactly(described, described);
        assertThat(cli("cloudtrail", "describe-trails", "--trail-name-list", "no-such-trail").get("trailList"))
                .isEmpty();
        assertThat(cli("cloudtrail", "list-trails").get("Trails")).isEqualTo(MAPPER.readTree("[{\"TrailARN\":\""
                + arn + "\",\"Name\":\"main-trail\",\"HomeRegion\":\"us-east-1\"}]"));
        assertThat(cli("cloudtrail", "get-trail-status", "--name", arn))
                .isEqualTo(MAPPER.readTree("{\"IsLogging\":false,\"LatestDeliveryAttemptTime\":\"\","
                        + "\"LatestNotificationAttemptTime\":\"\",\"LatestNotificationAttemptSucceeded\":\"\","
                        + "\"LatestDeliveryAttemptSucceeded\":\"\",\"TimeLoggingStarted\":\"\","
                        + "\"TimeLoggingStopped\":\"\"}"));

        cli("cloudtrail", "start-logging", "--name", "main-trail");
        JsonNode logging = cli("cloudtrail", "get-trail-status", "--name", "main-trail");
        assertThat(logging.get("IsLogging").asBoolean()).isTrue();
        assertThat(logging.has("StartLoggingTime")).isTrue();
        cli("cloudtrail", "stop-logging", "--name", "main-trail");
        JsonNode stopped = cli("cloudtrail", "get-trail-status", "--name", "main-trail");
        assertThat(stopped.get("IsLogging").asBoolean()).isFalse();
        assertThat(stopped.has("StopLoggingTime")).isTrue();

        cli("cloudtrail", "delete-trail", "--name", "main-trail");
        assertThat(cli("cloudtrail", "describe-trails").get("trailList")).isEmpty();
        assertThat(Files.isDirectory(data.resolve("buckets/audit-logs"))).isTrue();
    }

    @Test
    void sdk_startAndStopLogging_areStampedWithTheServersClock() {
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("trail-1").s3BucketName("audit-logs"));
            client.startLogging(request -> request.name("trail-1"));
            Instant started = clock.instant();
            clock.advance(Duration.ofMinutes(5));
            client.stopLogging(request -> request.name("trail-1"));
            GetTrailStatusResponse status = client.getTrailStatus(request -> request.name("trail-1"));
            assertThat(status.isLogging()).isFalse();
            assertThat(status.startLoggingTime()).isEqualTo(started);
            assertThat(status.stopLoggingTime()).isEqualTo(started.plus(Duration.ofMinutes(5)));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ab | audit-logs | InvalidTrailNameException | Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.
            my--trail | audit-logs | InvalidTrailNameException | Trail name cannot have adjacent periods (.), underscores (_) or dashes (-): my--trail
            -trail | audit-logs | InvalidTrailNameException | Trail name must start and end with a letter or number: -trail
            192.168.5.4 | audit-logs | InvalidTrailNameException | Trail name cannot be formatted as an IP address: 192.168.5.4
            good-trail | Audit_Logs | InvalidS3BucketNameException | Bucket name is not valid: Audit_Logs (3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit).
            good-trail | no-such-bucket | S3BucketDoesNotExistException | S3 bucket no-such-bucket does not exist.
            """)
    void sdk_createTrailWithBadInput_isRefusedAndNothingIsCreated(String name, String bucket, String code,
                                                                  String message) {
        try (CloudTrailClient client = sdk(REGION)) {
            assertSdkError(() -> client.createTrail(request -> request.name(name).s3BucketName(bucket)), code,
                    message);
            assertThat(client.describeTrails().trailList()).isEmpty();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ../escape | S3KeyPrefix must not hold an empty, . or .. segment: ../escape
            /absolute | S3KeyPrefix must not start with / nor hold a backslash or control characters: /absolute
            a//b | S3KeyPrefix must not hold an empty, . or .. segment: a//b
            """)
    void sdk_prefixThatWouldLeaveTheBucket_isInvalidS3Prefix(String prefix, String message) {
        try (CloudTrailClient client = sdk(REGION)) {
            assertSdkError(() -> client.createTrail(request -> request.name("trail-1").s3BucketName("audit-logs")
                    .s3KeyPrefix(prefix)), "InvalidS3PrefixException", message);
            assertSdkError(() -> client.createTrail(request -> request.name("trail-1").s3BucketName("audit-logs")
                    .s3KeyPrefix("p".repeat(201))), "InvalidS3PrefixException",
                    "S3KeyPrefix is 201 characters; the most is 200.");
        }
    }

    @Test
    void sdk_trailRules_duplicatesLimitsHomeRegionAndUnknownTrails() {
        String account = cairn.accountId();
        try (CloudTrailClient east = sdk(REGION); CloudTrailClient west = sdk("eu-west-1")) {
            east.createTrail(request -> request.name("everywhere").s3BucketName("audit-logs").isMultiRegionTrail(true));
            assertSdkError(() -> east.createTrail(request -> request.name("everywhere").s3BucketName("audit-logs")),
                    "TrailAlreadyExistsException", "Trail everywhere already exists for customer: " + account);
            assertSdkError(() -> east.createTrail(request -> request.name("partial").s3BucketName("audit-logs")
                            .isMultiRegionTrail(true).includeGlobalServiceEvents(false)),
                    "InvalidParameterCombinationException", "Multi-Region trail must include global service events.");

            // The multi-region trail shows in the other region as a shadow trail, and counts there.
            assertThat(west.describeTrails().trailList()).extracting(Trail::name).containsExactly("everywhere");
            assertThat(west.describeTrails(request -> request.includeShadowTrails(false)).trailList()).isEmpty();
            assertThat(west.getTrail(request -> request.name("everywhere")).trail().homeRegion()).isEqualTo(REGION);
            assertSdkError(() -> west.deleteTrail(request -> request.name("everywhere")),
                    "InvalidHomeRegionException", "This operation must be called from the trail's home region, "
                            + "us-east-1, not eu-west-1.");
            for (int i = 1; i <= 4; i++) {
                String name = "west-" + i;
                west.createTrail(request -> request.name(name).s3BucketName("audit-logs"));
            }
            assertSdkError(() -> west.createTrail(request -> request.name("west-5").s3BucketName("audit-logs")),
                    "MaximumNumberOfTrailsExceededException", "User: " + account + " already has 5 trails in "
                            + "eu-west-1; the most is 5.");

            assertSdkError(() -> east.getTrail(request -> request.name("west-1")), "TrailNotFoundException",
                    "Unknown trail: arn:aws:cloudtrail:us-east-1:" + account + ":trail/west-1 for the user: "
                            + account);
            assertThat(east.getTrail(request -> request.name("arn:aws:cloudtrail:eu-west-1:" + account
                    + ":trail/west-1")).trail().homeRegion()).isEqualTo("eu-west-1");
            assertSdkError(() -> east.getTrail(request -> request.name("arn:aws:cloudtrail:nowhere")),
                    "CloudTrailARNInvalidException", "Invalid trail ARN: arn:aws:cloudtrail:nowhere");
            assertSdkError(() -> east.getTrail(request -> request.name("")), "TrailNotProvidedException",
                    "Trail name or ARN is required (Name).");
        }
    }

    @Test
    void sdk_anyRegionServed_multiRegionTrailsStillCountInEveryRegion() throws Exception {
        cairn.close();
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "*"));
        String account = cairn.accountId();
        try (CloudTrailClient east = sdk(REGION); CloudTrailClient south = sdk("ap-south-2")) {
            for (int i = 1; i <= 4; i++) {
                String name = "south-" + i;
                south.createTrail(request -> request.name(name).s3BucketName("audit-logs"));
            }
            east.createTrail(request -> request.name("everywhere").s3BucketName("audit-logs").isMultiRegionTrail(true));
            assertSdkError(() -> east.createTrail(request -> request.name("everywhere-2").s3BucketName("audit-logs")
                            .isMultiRegionTrail(true)), "MaximumNumberOfTrailsExceededException",
                    "User: " + account + " already has 5 trails in ap-south-2; the most is 5.");
            // Updating the trail that is already counted does not count it twice.
            assertThat(east.updateTrail(request -> request.name("everywhere").s3KeyPrefix("again")).s3KeyPrefix())
                    .isEqualTo("again");
            assertSdkError(() -> south.createTrail(request -> request.name("south-5").s3BucketName("audit-logs")),
                    "MaximumNumberOfTrailsExceededException",
                    "User: " + account + " already has 5 trails in ap-south-2; the most is 5.");
        }
    }

    @Test
    void awsCliAndSdk_updateTrail_changesOnlyTheFieldsSent() throws Exception {
        Files.createDirectories(data.resolve("buckets/other-logs"));
        String arn = "arn:aws:cloudtrail:us-east-1:" + cairn.accountId() + ":trail/changing";
        cli("cloudtrail", "create-trail", "--name", "changing", "--s3-bucket-name", "audit-logs", "--s3-key-prefix",
                "before");
        JsonNode updated = cli("cloudtrail", "update-trail", "--name", "changing", "--s3-bucket-name", "other-logs",
                "--is-multi-region-trail");
        assertThat(updated).isEqualTo(MAPPER.readTree("{\"Name\":\"changing\",\"S3BucketName\":\"other-logs\","
                + "\"S3KeyPrefix\":\"before\",\"IncludeGlobalServiceEvents\":true,\"IsMultiRegionTrail\":true,"
                + "\"TrailARN\":\"" + arn + "\",\"LogFileValidationEnabled\":false,\"IsOrganizationTrail\":false}"));
        try (CloudTrailClient east = sdk(REGION); CloudTrailClient west = sdk("eu-west-1")) {
            east.updateTrail(request -> request.name(arn).s3KeyPrefix("after").enableLogFileValidation(true));
            Trail trail = west.getTrail(request -> request.name("changing")).trail();
            assertThat(trail.s3BucketName()).isEqualTo("other-logs");
            assertThat(trail.s3KeyPrefix()).isEqualTo("after");
            assertThat(trail.logFileValidationEnabled()).isTrue();
            assertThat(trail.isMultiRegionTrail()).isTrue();
            assertSdkError(() -> west.updateTrail(request -> request.name("changing").s3KeyPrefix("x")),
                    "InvalidHomeRegionException", "This operation must be called from the trail's home region, "
                            + "us-east-1, not eu-west-1.");
            assertSdkError(() -> east.updateTrail(request -> request.name("changing").s3BucketName("gone-bucket")),
                    "S3BucketDoesNotExistException", "S3 bucket gone-bucket does not exist.");
            assertSdkError(() -> east.updateTrail(request -> request.name("changing")
                    .includeGlobalServiceEvents(false)), "InvalidParameterCombinationException",
                    "Multi-Region trail must include global service events.");
            assertSdkError(() -> east.updateTrail(request -> request.name("missing").s3KeyPrefix("x")),
                    "TrailNotFoundException", "Unknown trail: arn:aws:cloudtrail:us-east-1:" + cairn.accountId()
                            + ":trail/missing for the user: " + cairn.accountId());
            assertThat(east.getTrail(request -> request.name("changing")).trail().s3KeyPrefix()).isEqualTo("after");
        }
    }

    @Test
    void trails_afterARestart_areStillThere() throws Exception {
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("kept").s3BucketName("audit-logs").s3KeyPrefix("p"));
            client.startLogging(request -> request.name("kept"));
        }
        cairn.close();
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "us-east-1,eu-west-1"));
        try (CloudTrailClient client = sdk(REGION)) {
            Trail trail = client.getTrail(request -> request.name("kept")).trail();
            assertThat(trail.s3KeyPrefix()).isEqualTo("p");
            assertThat(client.getTrailStatus(request -> request.name("kept")).isLogging()).isTrue();
        }
    }

    @Test
    void trails_ofAnotherAccount_cannotBeSeenOrChanged() {
        AwsCredentialsIdentity other = cairn.newUser("222233334444", "owner", PermissionSet.ADMINISTRATOR);
        try (CloudTrailClient mine = sdk(REGION);
             CloudTrailClient theirs = cairn.sdk(CloudTrailClient.builder(), REGION, other).build()) {
            mine.createTrail(request -> request.name("private").s3BucketName("audit-logs"));
            String arn = mine.getTrail(request -> request.name("private")).trail().trailARN();
            assertThat(theirs.describeTrails().trailList()).isEmpty();
            assertThat(theirs.listTrails(request -> { }).trails()).isEmpty();
            assertSdkError(() -> theirs.getTrail(request -> request.name(arn)), "TrailNotFoundException",
                    "Unknown trail: " + arn + " for the user: 222233334444");
            assertSdkError(() -> theirs.stopLogging(request -> request.name("private")), "TrailNotFoundException",
                    "Unknown trail: arn:aws:cloudtrail:us-east-1:222233334444:trail/private for the user: "
                            + "222233334444");
            assertThat(mine.describeTrails().trailList()).hasSize(1);
        }
    }
}
