package cairn.delivery.trail;

import cairn.delivery.logfile.LogFileKeys;
import cairn.delivery.objectstore.LocalObjectStore;
import cairn.delivery.objectstore.ObjectStore;
import cairn.model.trail.Trail;
import cairn.store.Entry;
import cairn.store.EventStore;
import cairn.store.StoreConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery driven pass by pass with {@link TrailDelivery#runOnce()} on a settable clock, over a real event store and
 * a local object store: when files are written, how they are cut, where they go, and that a batch is delivered once
 * across restarts and failures.
 */
final class TrailDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "111122223333";
    private static final String OTHER_ACCOUNT = "444455556666";
    private static final String BUCKET = "audit-bucket";
    private static final String OTHER_BUCKET = "other-bucket";
    private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");
    private static final Instant FIRST_DELIVERY = START.plusSeconds(1);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final long LARGE = DeliveryConfig.MAX_FILE_BYTES;
    private static final String EVENT_TIME = "2024-05-01T11:59:30Z";

    @TempDir
    Path folder;

    private EventStore store;
    private LocalObjectStore objects;
    private final SettableClock clock = new SettableClock(START);
    private final AtomicReference<List<Trail>> trails = new AtomicReference<>(List.of());
    private final List<TrailDelivery> deliveries = new ArrayList<>();
    private int events;

    @BeforeEach
    void openStores() throws IOException {
        store = EventStore.open(StoreConfig.in(folder.resolve("log")));
        objects = new LocalObjectStore(folder.resolve("objects"));
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (TrailDelivery delivery : deliveries) {
            delivery.close();
        }
        store.close();
    }

    private TrailDelivery delivery(long maxFileBytes) {
        return delivery(folder.resolve("state"), objects, maxFileBytes);
    }

    private TrailDelivery delivery(Path stateFolder, ObjectStore into, long maxFileBytes) {
        TrailDelivery delivery = new TrailDelivery(store, into, trails::get, stateFolder,
                new DeliveryConfig(INTERVAL, 6, maxFileBytes, 2),
                new cairn.delivery.digest.SigningKeys(folder.resolve("keys"), clock), clock);
        deliveries.add(delivery);
        return delivery;
    }

    private static Trail trail(String account, String name, boolean multiRegion, String bucket,
                               Optional<String> prefix) {
        return new Trail(account, name, "eu-west-1", bucket, prefix, true, multiRegion, false,
                Trail.Logging.NEVER.start(START), Optional.empty());
    }

    private static Trail auditTrail() {
        return trail(ACCOUNT, "audit", false, BUCKET, Optional.empty());
    }

    private static Path stateFile(Path stateFolder, Trail trail) {
        return stateFolder.resolve(trail.accountId()).resolve(trail.homeRegion()).resolve(trail.name() + ".json");
    }

    /** A record as the store keeps it: the server's fields (recipientAccountId, eventCategory, ...) filled in. */
    private byte[] record(String account, String region, int padding) {
        int number = ++events;
        String text = "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\","
                + "\"principalId\":\"AIDAEXAMPLE\",\"arn\":\"arn:aws:iam::" + account + ":user/alice\","
                + "\"accountId\":\"" + account + "\","
                + "\"userName\":\"alice\"},\"eventTime\":\"" + EVENT_TIME + "\",\"eventSource\":\"ec2.amazonaws.com\","
                + "\"eventName\":\"RunInstances\",\"awsRegion\":\"" + region + "\",\"sourceIPAddress\":\"203.0.113.7\","
                + "\"userAgent\":\"aws-cli/2.15.0\",\"requestParameters\":{\"note\":\"" + "n".repeat(padding) + "\"},"
                + "\"responseElements\":null,\"requestID\":\"req-" + number + "\","
                + "\"eventID\":\"event-%06d\",\"readOnly\":false,\"eventType\":\"AwsApiCall\",\"managementEvent\":true,"
                        .formatted(number)
                + "\"recipientAccountId\":\"" + account + "\",\"eventCategory\":\"Management\"}";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Appends records as one batch, as an ingestion request does, and returns them. */
    private List<byte[]> append(List<byte[]> records) {
        long time = Instant.parse(EVENT_TIME).getEpochSecond();
        store.append(records.stream().map(record -> new Entry(time, List.of(), record)).toList()).join();
        return records;
    }

    private List<byte[]> append(String account, String region, int count) {
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(record(account, region, 0));
        }
        return append(records);
    }

    private byte[] appendOne(String account, String region) {
        return append(account, region, 1).getFirst();
    }

    /** Every object of the bucket, by key, its bytes as stored (gzip) in hex, so that maps compare by content. */
    private static Map<String, String> stored(ObjectStore from, String bucket) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (String key : from.list(bucket, "", Optional.empty(), 10_000)) {
            files.put(key, HexFormat.of().formatHex(from.get(bucket, key).orElseThrow().bytes()));
        }
        return files;
    }

    /** Every log file of the bucket, by key, inflated. */
    private static Map<String, String> delivered(ObjectStore from, String bucket) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (String key : from.list(bucket, "", Optional.empty(), 10_000)) {
            files.put(key, new String(gunzip(from.get(bucket, key).orElseThrow().bytes()), StandardCharsets.UTF_8));
        }
        return files;
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    /** The text of a log file holding {@code records}, in order. */
    private static String logFile(List<byte[]> records) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        text.writeBytes("{\"Records\":[".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                text.write(',');
            }
            text.writeBytes(records.get(i));
        }
        text.writeBytes("]}".getBytes(StandardCharsets.US_ASCII));
        return text.toString(StandardCharsets.UTF_8);
    }

    private static List<String> eventIds(String logFile) throws IOException {
        List<String> ids = new ArrayList<>();
        for (JsonNode record : JSON.readTree(logFile).get("Records")) {
            ids.add(record.get("eventID").asText());
        }
        return ids;
    }

    private static String eventId(byte[] record) throws IOException {
        return JSON.readTree(record).get("eventID").asText();
    }

    /** The folder and the start of the file name of a log file delivered at {@link #FIRST_DELIVERY}'s minute. */
    private static String keyStart(String prefix, String account, String region) {
        return prefix + "AWSLogs/" + account + "/CloudTrail/" + region + "/2024/05/01/" + account + "_CloudTrail_"
                + region + "_20240501T1200Z_";
    }

    private static void assertLogFileKey(String key, String prefix, String account, String region) {
        assertThat(key).startsWith(keyStart(prefix, account, region)).endsWith(".json.gz");
        String start = keyStart(prefix, account, region);
        String unique = key.substring(start.length(), key.length() - ".json.gz".length());
        assertThat(unique).matches("[A-Za-z0-9]{16}");
        assertThat(LogFileKeys.FILE_NAME.matcher(key.substring(key.lastIndexOf('/') + 1)).matches()).isTrue();
    }

    private static TrailDelivery.Status status(Optional<Instant> latestDelivery, Optional<Instant> latestAttempt,
                                               Optional<Instant> latestSuccess, Optional<String> latestError) {
        return new TrailDelivery.Status(latestDelivery, latestAttempt, latestSuccess, latestError, Optional.empty(), Optional.empty());
    }

    private static final TrailDelivery.Status NO_STATUS = status(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    // When files are written.

    @Test
    void runOnce_beforeTheInterval_deliversNothingAndAFileAfterIt() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        List<byte[]> records = append(ACCOUNT, "eu-west-1", 3);

        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEmpty();
        clock.advance(Duration.ofMillis(999));
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEmpty();
        assertThat(delivery.status(trail)).isEqualTo(NO_STATUS);

        clock.advance(Duration.ofMillis(1));
        delivery.runOnce();
        Map<String, String> files = delivered(objects, BUCKET);
        assertThat(files).hasSize(1);
        String key = files.keySet().iterator().next();
        assertLogFileKey(key, "", ACCOUNT, "eu-west-1");
        assertThat(files.get(key)).isEqualTo(logFile(records));
        assertThat(delivery.status(trail)).isEqualTo(status(Optional.of(FIRST_DELIVERY), Optional.of(FIRST_DELIVERY),
                Optional.of(FIRST_DELIVERY), Optional.empty()));

        clock.advance(Duration.ofSeconds(10));
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET)).isEqualTo(files);
    }

    @Test
    void runOnce_recordsArrivingDuringTheInterval_joinTheSameFile() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        List<byte[]> records = new ArrayList<>(append(ACCOUNT, "eu-west-1", 2));
        delivery.runOnce();
        clock.advance(Duration.ofMillis(600));
        records.addAll(append(ACCOUNT, "eu-west-1", 2));
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEmpty();

        clock.advance(Duration.ofMillis(400));
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(records));
    }

    @Test
    void runOnce_nextBatch_waitsItsOwnInterval() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        List<byte[]> first = append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).hasSize(1);

        List<byte[]> second = append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(Duration.ofMillis(999));
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).hasSize(1);
        clock.advance(Duration.ofMillis(1));
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactlyInAnyOrder(logFile(first), logFile(second));
        assertThat(delivery.status(trail).latestDelivery()).hasValue(START.plusSeconds(2));
    }

    @Test
    void runOnce_trailNeverStarted_deliversNothing() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        append(ACCOUNT, "eu-west-1", 3);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEmpty();
        assertThat(Files.exists(stateFile(folder.resolve("state"), trail))).isFalse();
        assertThat(delivery.status(trail)).isEqualTo(NO_STATUS);
    }

    // How files are cut.

    @Test
    void runOnce_smallMaxFileBytes_splitsIntoFullFilesNoneOverTheLimit() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(4096);
        delivery.startLogging(trail);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(record(ACCOUNT, "eu-west-1", (i * 37) % 300));
        }
        append(records);
        List<String> allIds = new ArrayList<>();
        for (byte[] record : records) {
            allIds.add(eventId(record));
        }

        // Full files go at once; the last, not full, waits for the interval.
        delivery.runOnce();
        int fullFiles = stored(objects, BUCKET).size();
        assertThat(fullFiles).isGreaterThanOrEqualTo(3);
        clock.advance(INTERVAL);
        delivery.runOnce();
        Map<String, String> files = delivered(objects, BUCKET);
        assertThat(files).hasSize(fullFiles + 1);

        List<List<String>> byFile = new ArrayList<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            assertLogFileKey(file.getKey(), "", ACCOUNT, "eu-west-1");
            assertThat(file.getValue().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
            byFile.add(eventIds(file.getValue()));
        }
        byFile.sort(Comparator.comparing(List::getFirst));
        List<String> concatenated = byFile.stream().flatMap(List::stream).toList();
        assertThat(concatenated).isEqualTo(allIds);
        // Each file is exactly its records, and was cut only when the next record would not fit.
        int at = 0;
        for (int i = 0; i < byFile.size(); i++) {
            List<byte[]> inFile = records.subList(at, at + byFile.get(i).size());
            String text = logFile(inFile);
            assertThat(files).containsValue(text);
            at += inFile.size();
            if (at < records.size()) {
                assertThat(text.getBytes(StandardCharsets.UTF_8).length + 1 + records.get(at).length)
                        .isGreaterThan(4096);
            }
        }
    }

    @Test
    void runOnce_recordLargerThanTheLimit_goesAloneInItsFile() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(1024);
        delivery.startLogging(trail);
        byte[] small = record(ACCOUNT, "eu-west-1", 0);
        byte[] large = record(ACCOUNT, "eu-west-1", 2000);
        byte[] after = record(ACCOUNT, "eu-west-1", 0);
        append(List.of(small, large, after));
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactlyInAnyOrder(logFile(List.of(small)),
                logFile(List.of(large)), logFile(List.of(after)));
    }

    // Where files go.

    @Test
    void runOnce_twoAccountsAndRegions_oneFilePerAccountRegionOfEachTrail() throws IOException {
        Trail organization = trail(ACCOUNT, "org-trail", true, BUCKET, Optional.of("org/logs"));
        Trail local = trail(OTHER_ACCOUNT, "local", false, OTHER_BUCKET, Optional.empty());
        trails.set(List.of(organization, local));
        objects.createBucket(BUCKET);
        objects.createBucket(OTHER_BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(organization);
        delivery.startLogging(local);
        byte[] ownIreland1 = appendOne(ACCOUNT, "eu-west-1");
        byte[] otherIreland1 = appendOne(OTHER_ACCOUNT, "eu-west-1");
        byte[] ownVirginia = appendOne(ACCOUNT, "us-east-1");
        byte[] ownIreland2 = appendOne(ACCOUNT, "eu-west-1");
        appendOne(OTHER_ACCOUNT, "us-east-1");
        byte[] ownMumbai = appendOne(ACCOUNT, "ap-south-1");
        byte[] otherIreland2 = appendOne(OTHER_ACCOUNT, "eu-west-1");

        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();

        Map<String, String> own = delivered(objects, BUCKET);
        assertThat(own).hasSize(3);
        Map<String, String> byRegion = new TreeMap<>();
        for (Map.Entry<String, String> file : own.entrySet()) {
            String region = file.getKey().split("/")[5];
            assertLogFileKey(file.getKey(), "org/logs/", ACCOUNT, region);
            byRegion.put(region, file.getValue());
        }
        assertThat(byRegion).containsOnlyKeys("ap-south-1", "eu-west-1", "us-east-1");
        assertThat(byRegion.get("eu-west-1")).isEqualTo(logFile(List.of(ownIreland1, ownIreland2)));
        assertThat(byRegion.get("us-east-1")).isEqualTo(logFile(List.of(ownVirginia)));
        assertThat(byRegion.get("ap-south-1")).isEqualTo(logFile(List.of(ownMumbai)));

        // The other account's single-region trail: its home region only, and none of the first account's events.
        Map<String, String> other = delivered(objects, OTHER_BUCKET);
        assertThat(other).hasSize(1);
        String key = other.keySet().iterator().next();
        assertLogFileKey(key, "", OTHER_ACCOUNT, "eu-west-1");
        assertThat(other.get(key)).isEqualTo(logFile(List.of(otherIreland1, otherIreland2)));
    }

    @Test
    void runOnce_onlyOtherAccountsEvents_movesTheCursorAndWritesNothing() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        append(OTHER_ACCOUNT, "eu-west-1", 5);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEmpty();
        assertThat(TrailState.load(stateFile(folder.resolve("state"), trail)).cursor()).isEqualTo(5);
    }

    @Test
    void runOnce_unreadableAndInsightRecords_areNotDelivered() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        byte[] before = record(ACCOUNT, "eu-west-1", 0);
        byte[] insight = ("{\"eventVersion\":\"1.07\",\"eventTime\":\"" + EVENT_TIME + "\",\"awsRegion\":\"eu-west-1\","
                + "\"eventID\":\"i-1\",\"eventType\":\"AwsCloudTrailInsight\",\"recipientAccountId\":\"" + ACCOUNT
                + "\",\"sharedEventID\":\"s-1\",\"insightDetails\":{\"state\":\"Start\",\"eventSource\":"
                + "\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"insightType\":\"ApiCallRateInsight\"},"
                + "\"eventCategory\":\"Insight\"}").getBytes(StandardCharsets.UTF_8);
        byte[] unreadable = "{\"eventTime\":\"not a time\"".getBytes(StandardCharsets.UTF_8);
        byte[] after = record(ACCOUNT, "eu-west-1", 0);
        append(List.of(before, insight, unreadable, after));
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(List.of(before, after)));
    }

    // Once across restarts and failures.

    @Test
    void runOnce_newDeliveryAfterACrash_deliversNothingTwice() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery first = delivery(LARGE);
        first.startLogging(trail);
        List<byte[]> delivered = append(ACCOUNT, "eu-west-1", 3);
        first.runOnce();
        clock.advance(INTERVAL);
        first.runOnce();
        assertThat(stored(objects, BUCKET)).hasSize(1);
        // Read but not yet due when the process stops: kept only in memory.
        List<byte[]> gathered = append(ACCOUNT, "eu-west-1", 2);
        first.runOnce();
        first.close();

        TrailDelivery second = delivery(LARGE);
        List<byte[]> later = append(ACCOUNT, "eu-west-1", 1);
        second.runOnce();
        clock.advance(INTERVAL);
        second.runOnce();
        List<byte[]> afterRestart = new ArrayList<>(gathered);
        afterRestart.addAll(later);
        assertThat(delivered(objects, BUCKET).values()).containsExactlyInAnyOrder(logFile(delivered),
                logFile(afterRestart));

        clock.advance(Duration.ofMinutes(5));
        second.runOnce();
        assertThat(stored(objects, BUCKET)).hasSize(2);
    }

    @Test
    void runOnce_batchPendingAtACrashAfterAFailedWrite_isWrittenAsItWouldHaveBeen() throws Exception {
        Trail trail = trail(ACCOUNT, "audit", true, BUCKET, Optional.of("logs"));
        trails.set(List.of(trail));
        // The same trail delivering into another store without trouble, for the objects expected.
        LocalObjectStore reference = new LocalObjectStore(folder.resolve("reference-objects"));
        reference.createBucket(BUCKET);
        TrailDelivery expected = delivery(folder.resolve("reference-state"), reference, LARGE);
        Path stateFolder = folder.resolve("state");
        TrailDelivery failing = delivery(stateFolder, objects, LARGE);
        expected.startLogging(trail);
        failing.startLogging(trail);
        append(List.of(record(ACCOUNT, "eu-west-1", 10), record(ACCOUNT, "us-east-1", 20),
                record(ACCOUNT, "eu-west-1", 30), record(ACCOUNT, "us-east-1", 40)));
        expected.runOnce();
        failing.runOnce();
        clock.advance(INTERVAL);
        expected.runOnce();
        failing.runOnce();
        assertThat(stored(reference, BUCKET)).hasSize(2);
        assertThat(failing.status(trail)).isEqualTo(status(Optional.empty(), Optional.of(FIRST_DELIVERY),
                Optional.empty(), Optional.of("NoSuchBucket")));
        TrailState.Pending pending = TrailState.load(stateFile(stateFolder, trail)).pending().orElseThrow();
        assertThat(pending).isEqualTo(new TrailState.Pending(0, 3, FIRST_DELIVERY, 6, trail));
        failing.close();

        objects.createBucket(BUCKET);
        // Another minute: the keys keep the minute the batch was first due.
        clock.advance(Duration.ofMinutes(2));
        TrailDelivery restarted = delivery(stateFolder, objects, LARGE);
        restarted.runOnce();
        assertThat(stored(objects, BUCKET)).isEqualTo(stored(reference, BUCKET));
        TrailState state = TrailState.load(stateFile(stateFolder, trail));
        assertThat(state.pending()).isEmpty();
        assertThat(state.cursor()).isEqualTo(4);
        assertThat(restarted.status(trail)).isEqualTo(status(Optional.of(FIRST_DELIVERY),
                Optional.of(START.plusSeconds(121)), Optional.of(START.plusSeconds(121)), Optional.empty()));
    }

    @Test
    void runOnce_batchPendingAtACrashBetweenTwoPuts_isFinishedWithIdenticalObjects() throws Exception {
        Trail trail = trail(ACCOUNT, "audit", true, BUCKET, Optional.empty());
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery first = delivery(folder.resolve("state"), objects, LARGE);
        first.startLogging(trail);
        append(List.of(record(ACCOUNT, "eu-west-1", 0), record(ACCOUNT, "us-west-2", 0),
                record(ACCOUNT, "eu-west-1", 0)));
        first.runOnce();
        clock.advance(INTERVAL);
        first.runOnce();
        Map<String, String> wanted = stored(objects, BUCKET);
        assertThat(wanted).hasSize(2);
        first.close();

        // The state as it was on disk when the first of the two objects was written and the process died.
        Path crashedState = folder.resolve("crashed-state");
        TrailState state = TrailState.load(stateFile(crashedState, trail));
        state.open(0);
        state.begin(new TrailState.Pending(0, 2, FIRST_DELIVERY, 6, trail));
        String secondKey = wanted.keySet().stream().skip(1).findFirst().orElseThrow();
        objects.delete(BUCKET, secondKey);
        clock.advance(Duration.ofMinutes(3));

        TrailDelivery restarted = delivery(crashedState, objects, LARGE);
        restarted.runOnce();
        assertThat(stored(objects, BUCKET)).isEqualTo(wanted);
        assertThat(TrailState.load(stateFile(crashedState, trail)).cursor()).isEqualTo(3);
        clock.advance(INTERVAL);
        restarted.runOnce();
        assertThat(stored(objects, BUCKET)).isEqualTo(wanted);
    }

    @Test
    void runOnce_missingBucket_reportsNoSuchBucketAndLosesNothing() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        List<byte[]> first = append(ACCOUNT, "eu-west-1", 3);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivery.status(trail)).isEqualTo(status(Optional.empty(), Optional.of(FIRST_DELIVERY),
                Optional.empty(), Optional.of("NoSuchBucket")));
        List<byte[]> second = append(ACCOUNT, "eu-west-1", 2);

        // A missing bucket is a failure time alone does not mend: the first retry comes after 15 to 30 s.
        objects.createBucket(BUCKET);
        delivery.runOnce();
        clock.advance(Duration.ofMillis(14_999));
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEmpty();
        assertThat(delivery.status(trail).latestError()).hasValue("NoSuchBucket");

        clock.advance(Duration.ofMillis(15_001));
        Instant retried = FIRST_DELIVERY.plusSeconds(30);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(first));
        assertThat(delivery.status(trail)).isEqualTo(status(Optional.of(FIRST_DELIVERY), Optional.of(retried),
                Optional.of(retried), Optional.empty()));

        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactlyInAnyOrder(logFile(first), logFile(second));
    }

    @Test
    void runOnce_bucketDeletedAfterADelivery_failsThenCatchesUp() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        append(ACCOUNT, "eu-west-1", 1);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).hasSize(1);
        deleteFolders(objects.root().resolve(BUCKET));

        List<byte[]> second = append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivery.status(trail).latestError()).hasValue("NoSuchBucket");
        assertThat(delivery.status(trail).latestSuccess()).hasValue(FIRST_DELIVERY);

        objects.createBucket(BUCKET);
        clock.advance(Duration.ofSeconds(30));
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(second));
    }

    private static void deleteFolders(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Test
    void runOnce_missingBucketWhileSplittingBySize_losesNothingAndKeepsTheOrder() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery(4096);
        delivery.startLogging(trail);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            records.add(record(ACCOUNT, "eu-west-1", (i * 53) % 250));
        }
        append(records);
        delivery.runOnce();
        assertThat(delivery.status(trail).latestError()).hasValue("NoSuchBucket");

        objects.createBucket(BUCKET);
        clock.advance(Duration.ofSeconds(30));
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        List<List<String>> byFile = new ArrayList<>();
        for (String file : delivered(objects, BUCKET).values()) {
            assertThat(file.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
            byFile.add(eventIds(file));
        }
        byFile.sort(Comparator.comparing(List::getFirst));
        List<String> allIds = new ArrayList<>();
        for (byte[] record : records) {
            allIds.add(eventId(record));
        }
        assertThat(byFile.stream().flatMap(List::stream).toList()).isEqualTo(allIds);
        assertThat(delivery.status(trail).latestError()).isEmpty();
    }

    @Test
    void runOnce_pendingBatchAcrossAStop_isRedoneWithoutWhatCameWhileStopped() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery first = delivery(LARGE);
        first.startLogging(trail);
        byte[] logged1 = appendOne(ACCOUNT, "eu-west-1");
        first.stopLogging(trail);
        appendOne(ACCOUNT, "eu-west-1");
        first.startLogging(trail);
        byte[] logged2 = appendOne(ACCOUNT, "eu-west-1");
        first.runOnce();
        clock.advance(INTERVAL);
        first.runOnce();
        assertThat(TrailState.load(stateFile(folder.resolve("state"), trail)).pending()).isPresent();
        first.close();

        objects.createBucket(BUCKET);
        TrailDelivery restarted = delivery(LARGE);
        restarted.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(List.of(logged1, logged2)));
    }

    @Test
    void runOnce_pendingBatchAfterTheTrailMoved_followsTheTrailWithTheSameRecords() throws Exception {
        Trail before = trail(ACCOUNT, "audit", false, BUCKET, Optional.of("old"));
        Trail after = trail(ACCOUNT, "audit", false, BUCKET, Optional.of("new"));
        trails.set(List.of(before));
        TrailDelivery first = delivery(LARGE);
        first.startLogging(before);
        List<byte[]> pending = append(ACCOUNT, "eu-west-1", 2);
        first.runOnce();
        clock.advance(INTERVAL);
        first.runOnce();
        first.close();

        // The bucket was missing, so the batch is pending; UpdateTrail moves the trail, and the batch goes along.
        trails.set(List.of(after));
        objects.createBucket(BUCKET);
        TrailDelivery restarted = delivery(LARGE);
        restarted.runOnce();
        List<byte[]> later = append(ACCOUNT, "eu-west-1", 1);
        restarted.runOnce();
        clock.advance(INTERVAL);
        restarted.runOnce();
        Map<String, String> files = delivered(objects, BUCKET);
        assertThat(files.keySet()).hasSize(2).allMatch(key -> key.startsWith("new/AWSLogs/111122223333/CloudTrail/"
                + "eu-west-1/2024/05/01/"));
        assertThat(files.values()).containsExactlyInAnyOrder(logFile(pending), logFile(later));
    }

    // Logging windows.

    @Test
    void runOnce_stopAndStartLogging_deliversOnlyWhatArrivedWhileLogging() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        appendOne(ACCOUNT, "eu-west-1");
        delivery.startLogging(trail);
        byte[] logged1 = appendOne(ACCOUNT, "eu-west-1");
        byte[] logged2 = appendOne(ACCOUNT, "eu-west-1");
        delivery.stopLogging(trail);
        append(ACCOUNT, "eu-west-1", 2);
        delivery.startLogging(trail);
        byte[] logged3 = appendOne(ACCOUNT, "eu-west-1");

        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(List.of(logged1, logged2, logged3)));
    }

    @Test
    void runOnce_afterStopLogging_stillDeliversWhatCameBeforeTheStop() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        List<byte[]> beforeStop = append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        delivery.stopLogging(trail);
        append(ACCOUNT, "eu-west-1", 2);
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(beforeStop));

        append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).hasSize(1);
    }

    @Test
    void runOnce_stopWhileABatchIsGathered_stopsAtTheStopOffset() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        List<byte[]> logged = new ArrayList<>(append(ACCOUNT, "eu-west-1", 2));
        delivery.runOnce();
        logged.addAll(append(ACCOUNT, "eu-west-1", 1));
        delivery.stopLogging(trail);
        append(ACCOUNT, "eu-west-1", 1);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(logged));
    }

    // Starting up.

    @Test
    void start_trailLoggingWithoutState_opensAWindowAtTheEndOfTheLog() throws Exception {
        // A crash came between StartLogging's two writes: the trail says it logs, its delivery state does not exist.
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        appendOne(ACCOUNT, "eu-west-1");
        TrailDelivery delivery = delivery(LARGE);
        delivery.start();
        assertThat(TrailState.load(stateFile(folder.resolve("state"), trail)).windows())
                .containsExactly(new TrailState.Window(1, OptionalLong.empty()));
        List<byte[]> logged = append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        // The delivery thread may have written the file first; either way it is written once.
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(logged));
    }

    @Test
    void start_trailStoppedWithAnOpenWindow_closesItAtTheEndOfTheLog() throws Exception {
        // A crash came between StopLogging's two writes: the trail says it is stopped, its window is still open.
        Trail trail = auditTrail().withLogging(Trail.Logging.NEVER.start(START).stop(START));
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailState.load(stateFile(folder.resolve("state"), trail)).open(0);
        List<byte[]> beforeStart = append(ACCOUNT, "eu-west-1", 2);
        TrailDelivery delivery = delivery(LARGE);
        delivery.start();
        assertThat(TrailState.load(stateFile(folder.resolve("state"), trail)).windows())
                .containsExactly(new TrailState.Window(0, OptionalLong.of(2)));
        append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(delivered(objects, BUCKET).values()).containsExactly(logFile(beforeStart));
    }

    @Test
    void start_trailNeverLogged_getsNoState() throws Exception {
        Trail trail = auditTrail().withLogging(Trail.Logging.NEVER);
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery(LARGE);
        delivery.start();
        assertThat(Files.exists(stateFile(folder.resolve("state"), trail))).isFalse();
    }

    // Forgetting a trail.

    @Test
    void forget_deletesTheStateFileAndLeavesTheObjects() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        Map<String, String> files = stored(objects, BUCKET);
        assertThat(files).hasSize(1);
        Path stateFile = stateFile(folder.resolve("state"), trail);
        assertThat(Files.exists(stateFile)).isTrue();

        delivery.forget(trail);
        assertThat(Files.exists(stateFile)).isFalse();
        assertThat(stored(objects, BUCKET)).isEqualTo(files);
        assertThat(delivery.status(trail)).isEqualTo(NO_STATUS);

        append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        clock.advance(INTERVAL);
        delivery.runOnce();
        assertThat(stored(objects, BUCKET)).isEqualTo(files);
        assertThat(Files.exists(stateFile)).isFalse();
    }

    @Test
    void forget_whileABatchIsGathered_stillDeliversWhatWasLogged_thenItsStateGoes() throws IOException {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        objects.createBucket(BUCKET);
        TrailDelivery delivery = delivery(LARGE);
        delivery.startLogging(trail);
        append(ACCOUNT, "eu-west-1", 2);
        delivery.runOnce();
        delivery.forget(trail);
        trails.set(List.of());
        append(ACCOUNT, "eu-west-1", 3);
        assertThat(Files.exists(stateFile(folder.resolve("state"), trail))).isFalse();
        assertThat(folder.resolve("state").resolve("retired")).isNotEmptyDirectory();
        for (int i = 0; i < 3; i++) {
            clock.advance(INTERVAL);
            delivery.runOnce();
        }
        Map<String, String> files = delivered(objects, BUCKET);
        assertThat(files).hasSize(1);
        assertThat(eventIds(files.values().iterator().next())).hasSize(2);
        assertThat(folder.resolve("state").resolve("retired")).isEmptyDirectory();
        assertThat(Files.exists(stateFile(folder.resolve("state"), trail))).isFalse();
    }
}
