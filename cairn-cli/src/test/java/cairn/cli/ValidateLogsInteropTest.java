package cairn.cli;

import cairn.cli.ValidateLogsFixture.Outcome;
import cairn.cli.ValidateLogsFixture.Trail;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static cairn.cli.ValidateLogsFixture.START;
import static cairn.cli.ValidateLogsFixture.display;
import static cairn.cli.ValidateLogsFixture.range;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code cairn validate-logs} against the AWS CLI's {@code aws cloudtrail validate-logs} (the preinstalled 1.45.11),
 * both run on the same files: a multi-region trail with a key prefix that validates its log files, delivering into
 * moto for nine and a half hours of a moved clock from 20:00, past midnight into the next day's folders, with hours of
 * activity (in two regions), idle hours (empty digests), and a StopLogging (the chain's final digest) followed later by
 * StartLogging (a new chain, whose first digest links to none, so both validators report the gap). The AWS CLI must
 * find everything valid, and Cairn must print the same stdout and stderr, byte for byte, with the same exit code: also
 * verbose, also over parts of the range, also for the other region's chain, also from a second server that holds the
 * same files in local buckets, also with the public keys from a file and no server at all; and both must fail alike
 * where there is nothing to validate (a range before any key, a trail with no digest yet, an unknown trail, an
 * invalid ARN).
 *
 * <p>Where both fail, the AWS CLI prints no usage text (the errors are raised after its arguments were parsed), so
 * the whole of stdout and stderr is compared there too.
 */
final class ValidateLogsInteropTest {
    private static final String OTHER_REGION = "eu-west-1";
    /** The trail starts at 20:00 and delivers past midnight, into the next day's folders. */
    private static final Instant T0 = START.plus(Duration.ofHours(20));
    private static final Instant STOPPED = at(4, 30);
    private static final Instant RESTARTED = at(5, 20);
    /** The first chain's final digest: once the file holding the StopLogging event is delivered, an interval on. */
    private static final Instant FINAL = STOPPED.plus(ValidateLogsFixture.INTERVAL);
    private static final Instant END = at(9, 30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ValidateLogsFixture fixture;
    private static Trail trail;
    private static Trail quiet;

    @BeforeAll
    static void deliverNineHours() throws Exception {
        fixture = new ValidateLogsFixture();
        fixture.advanceTo(T0);
        trail = fixture.createTrail("interop", "interop-logs", "audit/cairn", true);
        fixture.advanceTo(at(0, 10));
        fixture.activity(3);
        fixture.advanceTo(at(0, 40));
        fixture.activity(2);
        fixture.activity(2, OTHER_REGION);
        fixture.advanceTo(at(1, 20));
        fixture.activity(4);
        // 22:00 to 00:00: idle, the digests of 23:00 and 00:00 list no log file
        fixture.advanceTo(at(4, 15));
        fixture.activity(2);
        fixture.activity(1, OTHER_REGION);
        fixture.advanceTo(STOPPED);
        fixture.stopLogging(trail);
        fixture.advanceTo(at(5, 0));
        fixture.activity(3);
        fixture.advanceTo(RESTARTED);
        fixture.startLogging(trail);
        fixture.advanceTo(at(5, 40));
        fixture.activity(2);
        fixture.activity(2, OTHER_REGION);
        fixture.advanceTo(at(7, 10));
        fixture.activity(5);
        // 03:11 to 05:30: idle again
        fixture.advanceTo(END);
        quiet = fixture.createTrail("quiet", "quiet-logs");
    }

    /** The time {@code hours} and {@code minutes} after the trail was created. */
    private static Instant at(int hours, int minutes) {
        return T0.plus(Duration.ofMinutes(hours * 60L + minutes));
    }

    /** The stamp of a digest key. */
    private static String stamp(Instant time) {
        return display(time).replace("-", "").replace(":", "");
    }

    @AfterAll
    static void stop() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static void assertSame(Outcome cairn, Outcome aws) {
        assertThat(cairn.stdout()).as("stdout; cairn %s\naws %s", cairn, aws).isEqualTo(aws.stdout());
        assertThat(cairn.stderr()).as("stderr; cairn %s\naws %s", cairn, aws).isEqualTo(aws.stderr());
        assertThat(cairn.exitCode()).as("exit code; cairn %s\naws %s", cairn, aws).isEqualTo(aws.exitCode());
    }

    /**
     * The gap between the first chain's final digest, written once the StopLogging event itself is delivered, and the
     * start of the chain StartLogging began.
     */
    private static String gapLine() {
        return "No log files were delivered by CloudTrail between " + display(FINAL) + " and "
                + display(RESTARTED);
    }

    @Test
    void theDeliveredChains_areWhatTheTestExpects() throws IOException {
        List<String> stamps = fixture.digests(trail).stream()
                .map(key -> key.substring(key.length() - 24, key.length() - 8)).toList();
        assertThat(stamps).containsExactly(stamp(at(1, 0)), stamp(at(2, 0)), stamp(at(3, 0)), stamp(at(4, 0)),
                stamp(FINAL), stamp(at(6, 0)), stamp(at(7, 0)), stamp(at(8, 0)), stamp(at(9, 0)));
        assertThat(fixture.digests(trail).get(3)).as("past midnight")
                .contains("/CloudTrail-Digest/us-east-1/2026/03/02/").startsWith("audit/cairn/AWSLogs/");
        assertThat(fixture.digests(quiet)).isEmpty();

        Map<Instant, JsonNode> digests = new LinkedHashMap<>();
        for (String key : fixture.digests(trail)) {
            JsonNode digest = JSON.readTree(ValidateLogsFixture.gunzip(fixture.get(trail.bucket(), key).bytes()));
            digests.put(Instant.parse(digest.get("digestEndTime").asText()), digest);
        }
        assertThat(digests.get(at(3, 0)).get("logFiles")).as("idle hour").isEmpty();
        assertThat(digests.get(at(4, 0)).get("logFiles")).as("idle hour").isEmpty();
        assertThat(digests.get(at(9, 0)).get("logFiles")).as("idle hour").isEmpty();
        assertThat(digests.get(FINAL).get("cairnNextDigestTime").isNull()).as("final digest").isTrue();
        assertThat(digests.get(at(6, 0)).get("previousDigestS3Object").isNull()).as("new chain").isTrue();
        assertThat(digests.get(at(6, 0)).get("digestStartTime").asText()).isEqualTo(display(RESTARTED));
        assertThat(digests.get(at(7, 0)).get("previousDigestS3Object").asText())
                .endsWith("_" + stamp(at(6, 0)) + ".json.gz");
        assertThat(fixture.digests(trail, OTHER_REGION)).as("the other region's chain").isNotEmpty();
    }

    @Test
    void wholeRange_awsCliFindsAllValid_cairnPrintsTheSame() throws Exception {
        List<String> arguments = range(trail, T0, END);

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).as(aws.toString()).isZero();
        assertThat(aws.stderr()).as("the gap goes to stderr").isEqualTo(gapLine() + "\n\n");
        assertThat(aws.stdout()).startsWith("Validating log files for trail " + trail.arn() + " between "
                + "2026-03-01T20:00:00Z and 2026-03-02T05:30:00Z\n\n"
                + "Results requested for 2026-03-01T20:00:00Z to 2026-03-02T05:30:00Z\n"
                + "Results found for 2026-03-01T20:00:00Z to 2026-03-02T05:00:00Z:\n\n"
                + "9/9 digest files valid\n");
        assertThat(aws.stdout()).matches("(?s).*\n(\\d+)/\\1 log files valid\n$");
        assertSame(cairn, aws);
    }

    @Test
    void wholeRange_verbose_everyFileListed_cairnPrintsTheSame() throws Exception {
        List<String> arguments = range(trail, T0, END, "--verbose");

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).as(aws.toString()).isZero();
        assertThat(aws.stdout().lines().filter(line -> line.startsWith("Digest file\t") && line.endsWith("\tvalid")))
                .hasSize(9);
        assertThat(aws.stdout().lines().filter(line -> line.startsWith("Log file\t") && line.endsWith("\tvalid")))
                .hasSize(fixture.logFiles(trail).size());
        // After a single-spaced verbose line, the gap line on stderr starts with an empty line.
        assertThat(aws.stderr()).isEqualTo("\n" + gapLine() + "\n\n");
        assertSame(cairn, aws);
    }

    @Test
    void partsOfTheRange_cairnPrintsTheSame() throws Exception {
        for (List<String> arguments : List.of(
                range(trail, at(2, 30), at(6, 30)),
                range(trail, at(2, 30), at(6, 30), "--verbose"),
                range(trail, RESTARTED, END, "--verbose"),
                range(trail, T0, STOPPED),
                range(trail, START, at(1, 0), "--verbose"),
                range(trail, at(3, 59), at(4, 1), "--verbose"))) {
            Outcome aws = fixture.aws(arguments);
            Outcome cairn = fixture.cairn(arguments);

            assertThat(aws.exitCode()).as(arguments + "\n" + aws).isZero();
            assertSame(cairn, aws);
        }
    }

    @Test
    void otherRegion_ofTheMultiRegionTrail_cairnPrintsTheSame() throws Exception {
        for (boolean verbose : new boolean[]{false, true}) {
            List<String> arguments = range(trail, T0, END);
            arguments.set(arguments.indexOf("--region") + 1, OTHER_REGION);
            if (verbose) {
                arguments.add("--verbose");
            }

            Outcome aws = fixture.aws(arguments);
            Outcome cairn = fixture.cairn(arguments);

            assertThat(aws.exitCode()).as(aws.toString()).isZero();
            assertThat(aws.stdout()).as(aws.toString()).containsPattern("\n(\\d+)/\\1 digest files valid\n");
            if (verbose) {
                assertThat(aws.stdout()).contains("/CloudTrail-Digest/" + OTHER_REGION + "/");
            }
            assertSame(cairn, aws);
        }
    }

    @Test
    void localBuckets_ofASecondServer_cairnPrintsWhatTheAwsCliPrintsOnS3() throws Exception {
        Path twin = Files.createTempDirectory("cairn-validate-logs-twin");
        try {
            Outcome aws = fixture.aws(range(trail, T0, END, "--verbose"));
            List<String> arguments = range(trail, T0, END, "--verbose", "--data", twin.toString());
            Outcome local;
            try (RunningCairn second = fixture.localTwin(twin, trail.bucket())) {
                assertThat(twin.resolve("buckets").resolve(trail.bucket())).isDirectory();
                List<String> withServer = new ArrayList<>(arguments);
                withServer.addAll(List.of("--endpoint-url", second.endpoint().toString()));
                local = fixture.cairnAs(second.admin(), withServer);
            }
            assertThat(aws.exitCode()).as(aws.toString()).isZero();
            assertSame(local, aws);

            // The second server is stopped: the keys come from a file, the bucket and prefix are named.
            Path keys = publicKeysFile(twin);
            List<String> offline = new ArrayList<>(arguments);
            offline.addAll(List.of("--public-keys", keys.toString(), "--s3-bucket", trail.bucket(), "--s3-prefix",
                    trail.prefix()));
            Outcome awsWithBucket = fixture.aws(range(trail, T0, END, "--verbose", "--s3-bucket", trail.bucket(),
                    "--s3-prefix", trail.prefix()));
            Outcome cairnOffline = fixture.cairnAs(fixture.cairn().admin(), offline);

            assertThat(awsWithBucket.exitCode()).as(awsWithBucket.toString()).isZero();
            assertSame(cairnOffline, awsWithBucket);
        } finally {
            ValidateLogsFixture.deleteTree(twin);
        }
    }

    @Test
    void publicKeysFromAFile_noServerAsked_cairnPrintsTheSame() throws Exception {
        Path folder = Files.createTempDirectory("cairn-validate-logs-keys");
        try {
            Path keys = publicKeysFile(folder);
            for (boolean verbose : new boolean[]{false, true}) {
                List<String> arguments = range(trail, T0, END, "--s3-bucket", trail.bucket(), "--s3-prefix",
                        trail.prefix());
                if (verbose) {
                    arguments.add("--verbose");
                }
                Outcome aws = fixture.aws(arguments);
                List<String> offline = new ArrayList<>(arguments);
                // No --endpoint-url: were a server asked, it would be AWS's, and the call would fail.
                offline.addAll(List.of("--public-keys", keys.toString(), "--s3-endpoint-url",
                        fixture.motoEndpoint().toString()));
                Outcome cairn = fixture.cairnAs(fixture.cairn().admin(), offline);

                assertThat(aws.exitCode()).as(aws.toString()).isZero();
                assertSame(cairn, aws);
            }
        } finally {
            ValidateLogsFixture.deleteTree(folder);
        }
    }

    /** {@code aws cloudtrail list-public-keys} over the whole range, its output written to a file. */
    private static Path publicKeysFile(Path folder) throws Exception {
        Outcome listed = fixture.awsCli(fixture.cairn().endpoint(), fixture.cairn().admin(), List.of(
                "--region", ValidateLogsFixture.REGION, "cloudtrail", "list-public-keys",
                "--start-time", display(T0), "--end-time", display(END.plus(Duration.ofHours(2)))));
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.stdout()).contains("\"PublicKeyList\"", "\"Fingerprint\"");
        Path file = folder.resolve("public-keys.json");
        Files.writeString(file, listed.stdout());
        return file;
    }

    @Test
    void rangeBeforeAnyKey_bothFailAlike_noPublicKeys() throws Exception {
        List<String> arguments = range(trail, Instant.parse("2026-02-20T00:00:00Z"),
                Instant.parse("2026-02-21T00:00:00Z"));

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).isEqualTo(255);
        assertThat(aws.stdout()).isEqualTo("Validating log files for trail " + trail.arn() + " between "
                + "2026-02-20T00:00:00Z and 2026-02-21T00:00:00Z\n\n");
        assertThat(aws.stderr()).isEqualTo("\nNo public keys found between 2026-02-20T00:00:00Z and "
                + "2026-02-21T02:00:00Z\n");
        assertSame(cairn, aws);
    }

    @Test
    void rangeAfterEveryDigest_bothSayNoDigestsFound() throws Exception {
        List<String> arguments = range(trail, Instant.parse("2026-03-10T00:00:00Z"),
                Instant.parse("2026-03-11T00:00:00Z"));

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).isZero();
        assertThat(aws.stdout()).isEqualTo("Validating log files for trail " + trail.arn() + " between "
                + "2026-03-10T00:00:00Z and 2026-03-11T00:00:00Z\n\n"
                + "Results requested for 2026-03-10T00:00:00Z to 2026-03-11T00:00:00Z\nNo digests found\n");
        assertThat(aws.stderr()).isEmpty();
        assertSame(cairn, aws);
    }

    @Test
    void trailWithNoDigestYet_bothSayNoDigestsFound() throws Exception {
        List<String> arguments = range(quiet, at(9, 0), END);

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).isZero();
        assertThat(aws.stdout()).endsWith("No digests found\n");
        assertThat(aws.stderr()).isEmpty();
        assertSame(cairn, aws);
    }

    @Test
    void unknownTrail_bothFailAlike() throws Exception {
        String arn = "arn:aws:cloudtrail:us-east-1:" + fixture.account() + ":trail/no-such-trail";
        List<String> arguments = range(arn, T0, END);

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).isEqualTo(255);
        assertThat(aws.stdout()).isEmpty();
        assertThat(aws.stderr()).isEqualTo("\nA trail could not be found for " + arn + "\n");
        assertSame(cairn, aws);
    }

    @Test
    void invalidArn_bothFailAlike() throws Exception {
        for (String arn : List.of("arn:aws:cloudtrail:us-east-1:12345:trail/interop", "interop",
                "arn:aws:s3:::interop-logs")) {
            List<String> arguments = range(arn, T0, END);

            Outcome aws = fixture.aws(arguments);
            Outcome cairn = fixture.cairn(arguments);

            assertThat(aws.exitCode()).as(aws.toString()).isEqualTo(255);
            assertThat(aws.stdout()).isEmpty();
            assertThat(aws.stderr()).isEqualTo("\nInvalid trail ARN provided: " + arn + "\n");
            assertSame(cairn, aws);
        }
    }
}
