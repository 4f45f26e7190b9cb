package cairn.cli;

import cairn.cli.ValidateLogsFixture.Outcome;
import cairn.cli.ValidateLogsFixture.Stored;
import cairn.cli.ValidateLogsFixture.Trail;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;

import static cairn.cli.ValidateLogsFixture.START;
import static cairn.cli.ValidateLogsFixture.display;
import static cairn.cli.ValidateLogsFixture.range;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tampering with what a trail delivered, each case checked with both validators where the AWS CLI (1.45.11) can see
 * it: where the AWS CLI reports a problem, Cairn prints the same INVALID lines and, when it finds nothing more, the same
 * output; where the AWS CLI misses something (a digest hidden behind another deleted one, a deleted newest digest, the
 * log files no valid digest lists any more, a second gzip member, a replaced key in a key file), Cairn reports it too.
 * Cairn exits with 1 in every case.
 *
 * <p>The trail delivers for six and a half hours of moved clock, with activity in every hour, so each of the six digests
 * (01:00 to 06:00) lists log files; a second trail beside it is stopped and started again, for the final digest of a
 * chain. After each test the buckets are put back as they were delivered (and the server's key, for the test that
 * replaces it).
 *
 * <p>Three tests fail on purpose, each on a shortfall of the main code that its comment describes: a log file cut
 * short ({@link #logFileCutShort_bothSayHashDoesNotMatch}), a deleted digest whose period holds the end of the range
 * ({@link #digestCoveringTheEndOfTheRangeDeleted_cairnSaysNotFound}), and a deleted final digest of a stopped chain
 * ({@link #finalDigestOfAStoppedChainDeleted_cairnNamesItsLogFilesUnchecked}).
 */
final class ValidateLogsTamperTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant END = START.plus(Duration.ofMinutes(6 * 60 + 30));
    private static final String NOT_CHECKED = "INVALID: not checked, no valid digest lists it";
    private static final Instant STOPPED = START.plus(Duration.ofMinutes(2 * 60 + 45));
    /** The stopped chain's final digest: once the file holding the StopLogging event is delivered. */
    private static final Instant FINAL = STOPPED.plus(ValidateLogsFixture.INTERVAL);
    private static final Instant RESTARTED = START.plus(Duration.ofMinutes(3 * 60 + 50));

    private static ValidateLogsFixture fixture;
    private static Trail trail;
    private static SortedMap<String, Stored> delivered;
    /** A second trail, stopped at 02:45 (its chain's final digest) and started again at 03:50 (a new chain). */
    private static Trail restarted;
    private static SortedMap<String, Stored> deliveredRestarted;
    /** An RSA key pair of the test's own, which the server never had. */
    private static KeyPair otherKey;

    @BeforeAll
    static void deliverSixHours() throws Exception {
        fixture = new ValidateLogsFixture();
        trail = fixture.createTrail("tamper", "tamper-logs");
        restarted = fixture.createTrail("restarted", "restarted-logs");
        for (int hour = 0; hour < 6; hour++) {
            fixture.advanceTo(START.plus(Duration.ofMinutes(hour * 60L + 10)));
            fixture.activity(3);
            fixture.advanceTo(START.plus(Duration.ofMinutes(hour * 60L + 40)));
            fixture.activity(2);
            if (hour == 2) {
                fixture.advanceTo(STOPPED);
                fixture.stopLogging(restarted);
            }
            if (hour == 3) {
                fixture.advanceTo(RESTARTED);
                fixture.startLogging(restarted);
            }
        }
        fixture.advanceTo(END);
        delivered = fixture.snapshot(trail.bucket());
        deliveredRestarted = fixture.snapshot(restarted.bucket());
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        otherKey = generator.generateKeyPair();
    }

    @AfterAll
    static void stop() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
    }

    @AfterEach
    void putBackWhatWasDelivered() {
        fixture.restore(trail.bucket(), delivered);
        fixture.restore(restarted.bucket(), deliveredRestarted);
    }

    // ---- what was delivered ----

    /** The key of the digest, as delivered, that ends at {@code hour}:00. */
    private static String digest(int hour) {
        String stamp = String.format("_20260301T%02d0000Z.json.gz", hour);
        return delivered.keySet().stream().filter(key -> key.contains("/CloudTrail-Digest/") && key.endsWith(stamp))
                .findFirst().orElseThrow(() -> new AssertionError("no digest " + stamp + " in " + delivered.keySet()));
    }

    private static JsonNode digestJson(String key) throws IOException {
        return JSON.readTree(ValidateLogsFixture.gunzip(delivered.get(key).bytes()));
    }

    /** The log files the digest lists, in its order. */
    private static List<String> logsOf(String digestKey) throws IOException {
        List<String> logs = new ArrayList<>();
        digestJson(digestKey).get("logFiles").forEach(log -> logs.add(log.get("s3Object").asText()));
        return logs;
    }

    private static int allLogs() throws IOException {
        int count = 0;
        for (int hour = 1; hour <= 6; hour++) {
            count += logsOf(digest(hour)).size();
        }
        return count;
    }

    private static String digestLine(String key, String verdict) {
        return "Digest file\ts3://" + trail.bucket() + "/" + key + "\t" + verdict;
    }

    private static String logLine(String key, String verdict) {
        return "Log file\ts3://" + trail.bucket() + "/" + key + "\t" + verdict;
    }

    /** stderr as both validators print it: each line followed by an empty one. */
    private static String errors(List<String> lines) {
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line).append("\n\n"));
        return text.toString();
    }

    private static List<String> notChecked(List<String> logs) {
        return logs.stream().map(log -> logLine(log, NOT_CHECKED)).toList();
    }

    private static List<String> concat(List<String> one, List<String> other) {
        return Stream.concat(one.stream(), other.stream()).toList();
    }

    /** The summary on stdout, after the start line. */
    private static String summary(String found, String... ratios) {
        return "Validating log files for trail " + trail.arn() + " between " + display(START) + " and "
                + display(END) + "\n\n" + "Results requested for " + display(START) + " to " + display(END) + "\n"
                + found + "\n" + String.join("\n", ratios) + "\n";
    }

    private static String found(int endHour) {
        return found(0, endHour);
    }

    /** The range of the valid digests found, from the start of one to the end of another (hours after START). */
    private static String found(int startHour, int endHour) {
        return "Results found for " + display(START.plus(Duration.ofHours(startHour))) + " to "
                + display(START.plus(Duration.ofHours(endHour))) + ":\n";
    }

    private static String ratio(int valid, int total, String name) {
        return valid + "/" + total + " " + name + " files valid" + (valid == total ? ""
                : ", " + (total - valid) + "/" + total + " " + name + " files INVALID");
    }

    private record Both(Outcome aws, Outcome cairn) {
    }

    private static Both validate(String... more) throws Exception {
        List<String> arguments = range(trail, START, END, more);
        return new Both(fixture.aws(arguments), fixture.cairn(arguments));
    }

    /** Both print exactly the same, and exit with 1. */
    private static void assertSameInvalid(Both both) {
        assertThat(both.cairn().stdout()).as("stdout; %s", both).isEqualTo(both.aws().stdout());
        assertThat(both.cairn().stderr()).as("stderr; %s", both).isEqualTo(both.aws().stderr());
        assertThat(both.aws().exitCode()).as("the AWS CLI; %s", both).isEqualTo(1);
        assertThat(both.cairn().exitCode()).as("cairn; %s", both).isEqualTo(1);
    }

    // ---- the untouched trail ----

    @Test
    void untouched_bothFindEverythingValid() throws Exception {
        Both both = validate();

        assertThat(both.aws().exitCode()).as(both.toString()).isZero();
        assertThat(both.aws().stderr()).isEmpty();
        assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(6, 6, "digest"),
                ratio(allLogs(), allLogs(), "log")));
        assertThat(both.cairn()).isEqualTo(both.aws());
    }

    // ---- log files ----

    @Test
    void logFileWithOneByteChanged_reGzipped_bothSayHashDoesNotMatch() throws Exception {
        String log = logsOf(digest(3)).getFirst();
        byte[] json = ValidateLogsFixture.gunzip(delivered.get(log).bytes());
        int at = new String(json, StandardCharsets.UTF_8).indexOf("validate-logs-");
        assertThat(at).isPositive();
        json[at] = 'V';
        fixture.put(trail.bucket(), log, ValidateLogsFixture.gzip(json), Map.of());

        Both both = validate();

        assertThat(both.aws().stderr()).isEqualTo(errors(List.of(logLine(log, "INVALID: hash value doesn't match"))));
        assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(6, 6, "digest"),
                ratio(allLogs() - 1, allLogs(), "log")));
        assertSameInvalid(both);
    }

    @Test
    void logFileWithOneByteCorrupted_raw_bothSayInvalidFormat() throws Exception {
        String log = logsOf(digest(4)).getLast();
        byte[] original = delivered.get(log).bytes();
        assertThat(original[3]).as("no optional header fields: the deflate stream starts at byte 10").isZero();
        // Bytes whose change is sure to be an error to zlib and to Java alike: the first byte of the deflate stream,
        // given the reserved block type 11, then a byte of the CRC-32 in the trailer. (A byte changed at random in
        // the deflate stream may instead leave a stream that waits for more input: see logFileCutShort.)
        for (int at : new int[]{10, original.length - 6}) {
            byte[] corrupted = original.clone();
            corrupted[at] ^= at == 10 ? (byte) (~original[10] & 0x06) : 0x10;
            assertThat(corrupted[at]).isNotEqualTo(original[at]);
            fixture.put(trail.bucket(), log, corrupted, Map.of());

            Both both = validate();

            assertThat(both.aws().stderr()).as("byte %d; %s", at, both)
                    .isEqualTo(errors(List.of(logLine(log, "INVALID: invalid format"))));
            assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(6, 6, "digest"),
                    ratio(allLogs() - 1, allLogs(), "log")));
            assertSameInvalid(both);
        }
    }

    @Test
    void logFileDeleted_bothSayNotFound() throws Exception {
        String log = logsOf(digest(2)).getFirst();
        fixture.delete(trail.bucket(), log);

        Both both = validate("--verbose");

        assertThat(both.aws().stderr()).isEqualTo("\n" + errors(List.of(logLine(log, "INVALID: not found"))));
        assertThat(both.aws().stdout()).endsWith("\n" + ratio(6, 6, "digest") + "\n"
                + ratio(allLogs() - 1, allLogs(), "log") + "\n");
        assertSameInvalid(both);
    }

    @Test
    void logFileWithASecondGzipMember_awsCliSaysValid_cairnSaysUnexpectedData() throws Exception {
        String log = logsOf(digest(5)).getFirst();
        byte[] original = delivered.get(log).bytes();
        byte[] member = ValidateLogsFixture.gzip("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8));
        byte[] appended = Arrays.copyOf(original, original.length + member.length);
        System.arraycopy(member, 0, appended, original.length, member.length);
        fixture.put(trail.bucket(), log, appended, Map.of());

        Both both = validate();

        // The AWS CLI 1.45.11 hashes the first member only (newer CLIs flag the rest, as Cairn does).
        assertThat(both.aws().exitCode()).as(both.toString()).isZero();
        assertThat(both.aws().stderr()).isEmpty();
        assertThat(both.cairn().stderr()).isEqualTo(errors(List.of(logLine(log,
                "INVALID: unexpected data after end of compressed stream"))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(6), ratio(6, 6, "digest"),
                ratio(allLogs() - 1, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    /**
     * A log file cut short (in the middle, inside its header, or to nothing): the AWS CLI inflates it with zlib's
     * {@code decompressobj}, which waits for the rest without complaint, hashes what came out and says {@code hash
     * value doesn't match}. Cairn promises the AWS CLI's words, line for line, but says {@code invalid format}: see
     * GzipCheck.inflate, which calls every stream that ends early NOT_GZIP.
     */
    @Test
    void logFileCutShort_bothSayHashDoesNotMatch() throws Exception {
        String log = logsOf(digest(2)).getLast();
        byte[] original = delivered.get(log).bytes();
        SoftAssertions softly = new SoftAssertions();
        for (int length : new int[]{original.length / 2, 10, 0}) {
            fixture.put(trail.bucket(), log, Arrays.copyOf(original, length), Map.of());

            Both both = validate();

            softly.assertThat(both.aws().stderr()).as("%d bytes: the AWS CLI", length)
                    .isEqualTo(errors(List.of(logLine(log, "INVALID: hash value doesn't match"))));
            softly.assertThat(both.aws().exitCode()).as("%d bytes: the AWS CLI", length).isEqualTo(1);
            softly.assertThat(both.cairn().exitCode()).as("%d bytes: cairn", length).isEqualTo(1);
            softly.assertThat(both.cairn().stderr()).as("%d bytes: cairn's stderr", length)
                    .isEqualTo(both.aws().stderr());
            softly.assertThat(both.cairn().stdout()).as("%d bytes: cairn's stdout", length)
                    .isEqualTo(both.aws().stdout());
        }
        softly.assertAll();
    }

    @Test
    void logFileWithItsTrailerCutOff_awsCliSaysValid_cairnSaysInvalid() throws Exception {
        String log = logsOf(digest(4)).getFirst();
        byte[] original = delivered.get(log).bytes();
        // The deflate stream is whole, the CRC-32 and size after it gone: zlib hashes it all and never checks them.
        fixture.put(trail.bucket(), log, Arrays.copyOf(original, original.length - 8), Map.of());

        Both both = validate();

        assertThat(both.aws().exitCode()).as(both.toString()).isZero();
        assertThat(both.aws().stderr()).isEmpty();
        assertThat(both.cairn().stderr()).isEqualTo(errors(List.of(logLine(log, "INVALID: invalid format"))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(6), ratio(6, 6, "digest"),
                ratio(allLogs() - 1, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    // ---- digests ----

    @Test
    void middleDigestDeleted_bothSayNotFound_cairnNamesItsLogFilesUnchecked() throws Exception {
        String deleted = digest(3);
        fixture.delete(trail.bucket(), deleted);

        Both both = validate();

        int unchecked = logsOf(deleted).size();
        assertThat(both.aws().stderr()).isEqualTo(errors(List.of(digestLine(deleted, "INVALID: not found"))));
        assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(5, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs() - unchecked, "log")));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(
                List.of(digestLine(deleted, "INVALID: not found")), notChecked(logsOf(deleted)))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(6), ratio(5, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    @Test
    void twoConsecutiveDigestsDeleted_awsCliNamesOne_cairnNamesBothAndTheirLogFiles() throws Exception {
        String older = digest(3);
        String newer = digest(4);
        fixture.delete(trail.bucket(), older);
        fixture.delete(trail.bucket(), newer);

        Both both = validate();

        int unchecked = logsOf(older).size() + logsOf(newer).size();
        // The AWS CLI follows 05:00's link to 04:00, finds it missing, and goes on with the next key listed: 02:00.
        assertThat(both.aws().stderr()).isEqualTo(errors(List.of(digestLine(newer, "INVALID: not found"))));
        assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(4, 5, "digest"),
                ratio(allLogs() - unchecked, allLogs() - unchecked, "log")));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(List.of(digestLine(newer, "INVALID: not found"),
                digestLine(older, "INVALID: not found")), notChecked(concat(logsOf(older), logsOf(newer))))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(6), ratio(4, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    @Test
    void twoConsecutiveDigestsDeleted_verbose_cairnListsTheSameValidFiles_thenWhatTheAwsCliMisses()
            throws Exception {
        String older = digest(3);
        String newer = digest(4);
        fixture.delete(trail.bucket(), older);
        fixture.delete(trail.bucket(), newer);

        Both both = validate("--verbose");

        List<String> awsValid = both.aws().stdout().lines().filter(line -> line.endsWith("\tvalid")).toList();
        assertThat(awsValid).hasSize(4 + allLogs() - logsOf(older).size() - logsOf(newer).size());
        assertThat(both.cairn().stdout().lines().filter(line -> line.endsWith("\tvalid"))).isEqualTo(awsValid);
        // A verbose line before it: the AWS CLI's error starts with an empty line, and so does Cairn's.
        assertThat(both.aws().stderr()).isEqualTo("\n" + errors(List.of(digestLine(newer, "INVALID: not found"))));
        // Cairn's own findings come after the walk, after more verbose lines: another empty line before them.
        assertThat(both.cairn().stderr()).isEqualTo("\n" + errors(List.of(digestLine(newer, "INVALID: not found")))
                + "\n" + errors(concat(List.of(digestLine(older, "INVALID: not found")),
                notChecked(concat(logsOf(older), logsOf(newer))))));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    @Test
    void oldestDigestDeleted_bothSayNotFound_cairnNamesItsLogFilesUnchecked() throws Exception {
        String oldest = digest(1);
        fixture.delete(trail.bucket(), oldest);

        Both both = validate();

        // The oldest valid digest now starts at 01:00: both find the range from there.
        int unchecked = logsOf(oldest).size();
        assertThat(both.aws().stderr()).isEqualTo(errors(List.of(digestLine(oldest, "INVALID: not found"))));
        assertThat(both.aws().stdout()).isEqualTo(summary(found(1, 6), ratio(5, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs() - unchecked, "log")));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(
                List.of(digestLine(oldest, "INVALID: not found")), notChecked(logsOf(oldest)))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(1, 6), ratio(5, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    @Test
    void newestDigestDeleted_awsCliShortensTheRange_cairnSaysNotFound() throws Exception {
        String newest = digest(6);
        fixture.delete(trail.bucket(), newest);

        Both both = validate();

        int unchecked = logsOf(newest).size();
        assertThat(both.aws().exitCode()).as(both.toString()).isZero();
        assertThat(both.aws().stderr()).isEmpty();
        assertThat(both.aws().stdout()).isEqualTo(summary(found(5), ratio(5, 5, "digest"),
                ratio(allLogs() - unchecked, allLogs() - unchecked, "log")));
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(List.of(digestLine(newest, "INVALID: not found")),
                notChecked(logsOf(newest)))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(5), ratio(5, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    /**
     * The range ends at 03:30, inside the period of the 04:00 digest, which lists the log files delivered from 03:00
     * on. With it deleted, the newest digest left ends at 03:00 and says its successor is due at 04:00: the chain no
     * longer reaches the end of the range, and the log file delivered at 03:11, inside the range, is checked by no one.
     * The AWS CLI (which lists digests up to an hour past the end for this very reason) silently stops at 03:00; Cairn
     * promises to name a deleted newest digest, but only expects a successor due at or before the end of the range
     * (LogValidator.extras), so it says everything is valid too.
     */
    @Test
    void digestCoveringTheEndOfTheRangeDeleted_cairnSaysNotFound() throws Exception {
        String straddling = digest(4);
        Instant end = START.plus(Duration.ofMinutes(3 * 60 + 30));
        List<String> arguments = range(trail, START, end);
        Outcome before = fixture.cairn(arguments);
        assertThat(before.exitCode()).as(before.toString()).isZero();
        assertThat(before.stdout()).contains("Results found for " + display(START) + " to " + display(end) + ":");
        fixture.delete(trail.bucket(), straddling);

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).as(aws.toString()).isZero();
        assertThat(aws.stdout()).contains("Results found for " + display(START) + " to "
                + display(START.plus(Duration.ofHours(3))) + ":");
        assertThat(cairn.errLines()).as(cairn.toString())
                .contains(digestLine(straddling, "INVALID: not found"),
                        logLine(logsOf(straddling).getFirst(), NOT_CHECKED));
        assertThat(cairn.exitCode()).as(cairn.toString()).isEqualTo(1);
    }

    /**
     * The final digest of a stopped chain deleted: the next digest the walk finds is the first of the chain
     * StartLogging began, which links to none, so the AWS CLI reports a mere gap, from the end of the digest before the
     * deleted one (02:00) to 03:50, and finds all valid; the log files the final digest listed are checked by no one.
     * The 02:00 digest says its successor was due at 03:00, and nothing ends there or links to it, so Cairn could tell
     * (its class comment promises that where the chain is broken it names the log files no valid digest vouches for),
     * but it only follows the successor times of the newest valid digest and of the digests before an invalid one.
     */
    @Test
    void finalDigestOfAStoppedChainDeleted_cairnNamesItsLogFilesUnchecked() throws Exception {
        String finalDigest = restartedDigest(FINAL);
        JsonNode json = JSON.readTree(ValidateLogsFixture.gunzip(deliveredRestarted.get(finalDigest).bytes()));
        assertThat(json.get("cairnNextDigestTime").isNull()).as("a final digest").isTrue();
        List<String> logs = new ArrayList<>();
        json.get("logFiles").forEach(log -> logs.add(log.get("s3Object").asText()));
        assertThat(logs).isNotEmpty();
        fixture.delete(restarted.bucket(), finalDigest);

        List<String> arguments = range(restarted, START, END);
        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).as(aws.toString()).isZero();
        assertThat(aws.stderr()).isEqualTo("No log files were delivered by CloudTrail between "
                + display(START.plus(Duration.ofHours(2))) + " and " + display(RESTARTED) + "\n\n");
        List<String> unchecked = logs.stream().map(log -> "Log file\ts3://" + restarted.bucket() + "/" + log + "\t"
                + NOT_CHECKED).toList();
        assertThat(cairn.errLines()).as(cairn.toString()).containsAll(unchecked);
        assertThat(cairn.exitCode()).as(cairn.toString()).isEqualTo(1);
    }

    @Test
    void finalDigestOfAStoppedChain_untouched_bothReportTheGapOnly() throws Exception {
        List<String> arguments = range(restarted, START, END, "--verbose");

        Outcome aws = fixture.aws(arguments);
        Outcome cairn = fixture.cairn(arguments);

        assertThat(aws.exitCode()).as(aws.toString()).isZero();
        assertThat(aws.stderr()).isEqualTo("\nNo log files were delivered by CloudTrail between " + display(FINAL)
                + " and " + display(RESTARTED) + "\n\n");
        assertThat(cairn).isEqualTo(aws);
    }

    private static String restartedDigest(Instant end) {
        String stamp = "_" + display(end).replace("-", "").replace(":", "") + ".json.gz";
        return deliveredRestarted.keySet().stream().filter(key -> key.endsWith(stamp)).findFirst()
                .orElseThrow(() -> new AssertionError("no digest " + stamp + " in " + deliveredRestarted.keySet()));
    }

    @Test
    void digestMovedToAnotherKey_bothSayNotFoundAndMoved() throws Exception {
        String original = digest(4);
        String moved = original.replace("_20260301T040000Z.json.gz", "_20260301T035959Z.json.gz");
        fixture.move(trail.bucket(), original, moved);

        Both both = validate();

        int unchecked = logsOf(original).size();
        List<String> awsLines = List.of(digestLine(original, "INVALID: not found"),
                digestLine(moved, "INVALID: has been moved from its original location"));
        assertThat(both.aws().stderr()).isEqualTo(errors(awsLines));
        assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(5, 7, "digest"),
                ratio(allLogs() - unchecked, allLogs() - unchecked, "log")));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(awsLines, notChecked(logsOf(original)))));
        assertThat(both.cairn().stdout()).isEqualTo(summary(found(6), ratio(5, 7, "digest"),
                ratio(allLogs() - unchecked, allLogs(), "log")));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    @Test
    void digestSignedWithAnotherKey_bothSayPublicKeyNotFound() throws Exception {
        String forged = digest(3);
        ObjectNode json = (ObjectNode) digestJson(forged);
        String fingerprint = fingerprint(otherKey);
        json.put("digestPublicKeyFingerprint", fingerprint);
        putSigned(forged, json, otherKey);

        Both both = validate();

        int unchecked = logsOf(forged).size();
        String line = digestLine(forged, "INVALID: public key not found in region " + ValidateLogsFixture.REGION
                + " for fingerprint " + fingerprint);
        assertThat(both.aws().stderr()).isEqualTo(errors(List.of(line)));
        assertThat(both.aws().stdout()).isEqualTo(summary(found(6), ratio(5, 6, "digest"),
                ratio(allLogs() - unchecked, allLogs() - unchecked, "log")));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(List.of(line), notChecked(logsOf(forged)))));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    @Test
    void digestSignedWithAnotherKey_underTheServersFingerprint_bothSaySignatureVerificationFailed()
            throws Exception {
        String forged = digest(2);
        ObjectNode json = (ObjectNode) digestJson(forged);
        ((ArrayNode) json.get("logFiles")).removeAll();
        putSigned(forged, json, otherKey);

        Both both = validate();

        String line = digestLine(forged, "INVALID: signature verification failed");
        assertThat(both.aws().stderr()).isEqualTo(errors(List.of(line)));
        assertThat(both.aws().exitCode()).isEqualTo(1);
        assertThat(both.cairn().stderr()).isEqualTo(errors(concat(List.of(line), notChecked(logsOf(forged)))));
        assertThat(both.cairn().exitCode()).isEqualTo(1);
    }

    /** Puts the digest {@code json} at {@code key}, signed with {@code key} as CloudTrail signs (spec 3.3). */
    private static void putSigned(String key, ObjectNode json, KeyPair signer) throws GeneralSecurityException {
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        JsonNode previous = json.get("previousDigestSignature");
        String toSign = json.get("digestEndTime").asText() + "\n" + trail.bucket() + "/" + key + "\n"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)) + "\n"
                + (previous.isNull() ? "null" : previous.asText());
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(signer.getPrivate());
        signature.update(toSign.getBytes(StandardCharsets.UTF_8));
        fixture.put(trail.bucket(), key, ValidateLogsFixture.gzip(bytes), Map.of("signature",
                HexFormat.of().formatHex(signature.sign()), "signature-algorithm", "SHA256withRSA"));
    }

    /** The DER PKCS#1 RSAPublicKey of a 2048-bit key: its X.509 SubjectPublicKeyInfo less the 24-byte header. */
    private static byte[] pkcs1(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        byte[] pkcs1 = Arrays.copyOfRange(spki, 24, spki.length);
        assertThat(pkcs1.length).isEqualTo(270);
        assertThat(pkcs1[0]).isEqualTo((byte) 0x30);
        return pkcs1;
    }

    private static String fingerprint(KeyPair pair) throws GeneralSecurityException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(pkcs1(pair)));
    }

    // ---- public keys ----

    @Test
    void publicKeyReplacedInTheKeyFile_sameFingerprint_cairnSaysSignatureVerificationFailed() throws Exception {
        Path folder = Files.createTempDirectory("cairn-validate-logs-keys");
        try {
            Outcome listed = fixture.awsCli(fixture.cairn().endpoint(), fixture.cairn().admin(), List.of(
                    "--region", ValidateLogsFixture.REGION, "cloudtrail", "list-public-keys",
                    "--start-time", display(START), "--end-time", display(END.plus(Duration.ofHours(2)))));
            assertThat(listed.exitCode()).as(listed.toString()).isZero();
            ObjectNode keys = (ObjectNode) JSON.readTree(listed.stdout());
            assertThat(keys.get("PublicKeyList")).hasSize(1);
            ((ObjectNode) keys.get("PublicKeyList").get(0)).put("Value",
                    Base64.getEncoder().encodeToString(pkcs1(otherKey)));
            Path file = folder.resolve("public-keys.json");
            Files.writeString(file, keys.toString());

            Outcome cairn = fixture.cairnAs(fixture.cairn().admin(), range(trail, START, END, "--public-keys",
                    file.toString(), "--s3-bucket", trail.bucket(), "--s3-endpoint-url",
                    fixture.motoEndpoint().toString()));

            List<String> lines = new ArrayList<>();
            List<String> logs = new ArrayList<>();
            for (int hour = 6; hour >= 1; hour--) {
                lines.add(digestLine(digest(hour), "INVALID: signature verification failed"));
                logs.addAll(0, logsOf(digest(hour)));
            }
            assertThat(cairn.stderr()).as(cairn.toString()).isEqualTo(errors(concat(lines, notChecked(logs))));
            assertThat(cairn.stdout()).isEqualTo(summary("No valid digests found in range\n", ratio(0, 6, "digest"),
                    ratio(0, allLogs(), "log")));
            assertThat(cairn.exitCode()).isEqualTo(1);
        } finally {
            ValidateLogsFixture.deleteTree(folder);
        }
    }

    /**
     * The server's key file replaced by another key pair: the server hands out the new key, whose fingerprint (the MD5
     * of its bytes, which the server computes as it reads the file) no digest names, so both validators find no key
     * for any digest. (A different key under the same fingerprint cannot come from the server, which derives the
     * fingerprint from the key; the key-file test above covers that.)
     */
    @Test
    void publicKeyReplacedOnTheServer_bothSayPublicKeyNotFound() throws Exception {
        Path regionKeys = fixture.data().resolve("keys").resolve(ValidateLogsFixture.REGION);
        Path keyFile;
        try (Stream<Path> files = Files.list(regionKeys)) {
            List<Path> found = files.filter(path -> path.toString().endsWith(".json")).toList();
            assertThat(found).hasSize(1);
            keyFile = found.getFirst();
        }
        byte[] original = Files.readAllBytes(keyFile);
        ObjectNode replaced = (ObjectNode) JSON.readTree(original);
        String fingerprint = replaced.get("fingerprint").asText();
        replaced.put("publicKey", Base64.getEncoder().encodeToString(pkcs1(otherKey)));
        replaced.put("privateKey", Base64.getEncoder().encodeToString(otherKey.getPrivate().getEncoded()));
        replaced.put("fingerprint", fingerprint(otherKey));
        try {
            Files.writeString(keyFile, replaced.toString());
            fixture.restart();

            Both both = validate();

            List<String> lines = new ArrayList<>();
            List<String> logs = new ArrayList<>();
            for (int hour = 6; hour >= 1; hour--) {
                lines.add(digestLine(digest(hour), "INVALID: public key not found in region "
                        + ValidateLogsFixture.REGION + " for fingerprint " + fingerprint));
                logs.addAll(0, logsOf(digest(hour)));
            }
            assertThat(both.aws().stderr()).as(both.toString()).isEqualTo(errors(lines));
            assertThat(both.aws().stdout()).isEqualTo(summary("No valid digests found in range\n",
                    ratio(0, 6, "digest")));
            assertThat(both.aws().exitCode()).isEqualTo(1);
            assertThat(both.cairn().stderr()).isEqualTo(errors(concat(lines, notChecked(logs))));
            assertThat(both.cairn().stdout()).isEqualTo(summary("No valid digests found in range\n",
                    ratio(0, 6, "digest"), ratio(0, allLogs(), "log")));
            assertThat(both.cairn().exitCode()).isEqualTo(1);
        } finally {
            Files.write(keyFile, original);
            fixture.restart();
        }
        assertThat(validate().cairn().exitCode()).as("the key put back").isZero();
    }
}
