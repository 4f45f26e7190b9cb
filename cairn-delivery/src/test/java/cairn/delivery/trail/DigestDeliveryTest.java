package cairn.delivery.trail;

import cairn.delivery.digest.DigestKeys;
import cairn.delivery.digest.SigningKeys;
import cairn.delivery.objectstore.InMemoryObjectStore;
import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.ObjectStoreException;
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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Digest chains as the delivery engine writes them (spec 3.1-3.3), driven pass by pass with
 * {@link TrailDelivery#runOnce()} on a clock the test moves: where digests go and when, what they list, how they link
 * and are signed, how chains end (StopLogging, validation off, DeleteTrail) and start again, and that each digest is
 * written once, with the same bytes, across failed writes and crashes.
 */
final class DigestDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "111122223333";
    private static final String BUCKET = "audit-bucket";
    private static final String HOME = "eu-west-1";
    private static final String OTHER_REGION = "us-east-1";
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration PERIOD = Duration.ofMinutes(1);
    /** Twenty seconds and a quarter into a digest period. */
    private static final Instant START = at("12:00:20.250");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    /** The fields of a digest in the order of spec 3.2, then Cairn's own. */
    private static final List<String> DIGEST_FIELDS = List.of("awsAccountId", "digestStartTime", "digestEndTime",
            "digestS3Bucket", "digestS3Object", "digestPublicKeyFingerprint", "digestSignatureAlgorithm",
            "newestEventTime", "oldestEventTime", "previousDigestS3Bucket", "previousDigestS3Object",
            "previousDigestHashValue", "previousDigestHashAlgorithm", "previousDigestSignature", "logFiles",
            "cairnNextDigestTime");
    private static final List<String> PREVIOUS_FIELDS = List.of("previousDigestS3Bucket", "previousDigestS3Object",
            "previousDigestHashValue", "previousDigestHashAlgorithm", "previousDigestSignature");
    private static final List<String> LOG_FILE_FIELDS = List.of("s3Bucket", "s3Object", "hashValue", "hashAlgorithm",
            "newestEventTime", "oldestEventTime");

    @TempDir
    Path folder;

    private EventStore store;
    private ScriptedStore objects;
    private final SettableClock clock = new SettableClock(START);
    private final AtomicReference<List<Trail>> trails = new AtomicReference<>(List.of());
    private final List<TrailDelivery> deliveries = new ArrayList<>();
    private int events;

    // Fixtures.

    /**
     * An in-memory store that notes every attempt to put a digest and can be told to refuse the next digest put
     * (nothing written) or to "crash" after it (the object written, then the caller sees a failure, as when the
     * process dies before it records the write).
     */
    private static final class ScriptedStore implements ObjectStore {
        enum Fault { REFUSE, CRASH_AFTER_WRITE }

        record Put(String key, byte[] bytes, Map<String, String> metadata) {
        }

        final InMemoryObjectStore inner = new InMemoryObjectStore();
        final Deque<Fault> digestFaults = new ArrayDeque<>();
        final List<Put> digestPuts = new ArrayList<>();

        @Override
        public boolean bucketExists(String bucket) {
            return inner.bucketExists(bucket);
        }

        @Override
        public void put(String bucket, String key, byte[] bytes, Map<String, String> metadata, Encryption encryption)
                throws IOException {
            if (!key.contains("/CloudTrail-Digest/")) {
                inner.put(bucket, key, bytes, metadata, encryption);
                return;
            }
            digestPuts.add(new Put(key, bytes.clone(), Map.copyOf(metadata)));
            Fault fault = digestFaults.poll();
            if (fault == Fault.REFUSE) {
                throw new ObjectStoreException(ObjectStoreException.Kind.UNAVAILABLE, "store unavailable");
            }
            inner.put(bucket, key, bytes, metadata, encryption);
            if (fault == Fault.CRASH_AFTER_WRITE) {
                throw new IOException("the process died after writing " + key);
            }
        }

        @Override
        public Optional<StoredObject> get(String bucket, String key) {
            return inner.get(bucket, key);
        }

        @Override
        public Optional<ObjectInfo> head(String bucket, String key) {
            return inner.head(bucket, key);
        }

        @Override
        public List<String> list(String bucket, String prefix, Optional<String> after, int max) throws IOException {
            return inner.list(bucket, prefix, after, max);
        }

        @Override
        public void delete(String bucket, String key) {
            inner.delete(bucket, key);
        }
    }

    /** A digest as stored: its key, its uncompressed JSON, the JSON parsed, its user metadata, its gzip bytes. */
    private record Digest(String key, byte[] json, JsonNode node, Map<String, String> metadata, byte[] gzip) {
        /** The field's text; null when it is JSON null. */
        String field(String name) {
            assertThat(node.has(name)).as("%s has field %s", key, name).isTrue();
            JsonNode value = node.get(name);
            return value.isNull() ? null : value.asText();
        }

        Instant start() {
            return Instant.parse(field("digestStartTime"));
        }

        Instant end() {
            return Instant.parse(field("digestEndTime"));
        }

        String region() {
            String folder = "/CloudTrail-Digest/";
            int from = key.indexOf(folder) + folder.length();
            return key.substring(from, key.indexOf('/', from));
        }

        List<String> logFileKeys() {
            List<String> keys = new ArrayList<>();
            node.get("logFiles").forEach(file -> keys.add(file.get("s3Object").asText()));
            return keys;
        }
    }

    @BeforeEach
    void openStores() throws IOException {
        store = EventStore.open(StoreConfig.in(folder.resolve("log")));
        objects = new ScriptedStore();
        objects.inner.createBucket(BUCKET);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (TrailDelivery delivery : deliveries) {
            delivery.close();
        }
        store.close();
    }

    private static Instant at(String time) {
        return Instant.parse("2024-05-01T" + time + "Z");
    }

    private static String time(String time) {
        return "2024-05-01T" + time + "Z";
    }

    private static String format(Instant instant) {
        return TIME.format(instant);
    }

    private Path stateFolder() {
        return folder.resolve("state");
    }

    private TrailDelivery delivery() {
        return delivery(List.of());
    }

    private TrailDelivery delivery(List<String> regions) {
        TrailDelivery delivery = new TrailDelivery(store, objects, trails::get, stateFolder(),
                new DeliveryConfig(INTERVAL, 6, DeliveryConfig.MAX_FILE_BYTES, 2, PERIOD),
                new SigningKeys(folder.resolve("keys"), clock), regions, clock);
        deliveries.add(delivery);
        return delivery;
    }

    private static Trail trail(String name, boolean multiRegion, Optional<String> prefix) {
        return new Trail(ACCOUNT, name, HOME, BUCKET, prefix, true, multiRegion, true,
                Trail.Logging.NEVER.start(START), Optional.empty());
    }

    private static Trail auditTrail() {
        return trail("audit", false, Optional.empty());
    }

    private static Trail withValidation(Trail trail, boolean validation) {
        return new Trail(trail.accountId(), trail.name(), trail.homeRegion(), trail.s3BucketName(),
                trail.s3KeyPrefix(), trail.includeGlobalServiceEvents(), trail.multiRegion(), validation,
                trail.logging(), trail.selectors(), trail.kmsKeyId());
    }

    /** Moves the clock to {@code time} (of 2024-05-01) and runs one pass. */
    private void passAt(TrailDelivery delivery, String time) {
        clock.set(at(time));
        delivery.runOnce();
    }

    /** A record as the store keeps it, in {@code region}, of the event time given (full ISO text). */
    private byte[] record(String region, String eventTime) {
        int number = ++events;
        String text = "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\","
                + "\"principalId\":\"AIDAEXAMPLE\",\"arn\":\"arn:aws:iam::" + ACCOUNT + ":user/alice\","
                + "\"accountId\":\"" + ACCOUNT + "\",\"userName\":\"alice\"},\"eventTime\":\"" + eventTime + "\","
                + "\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"awsRegion\":\"" + region
                + "\",\"sourceIPAddress\":\"203.0.113.7\",\"userAgent\":\"aws-cli/2.15.0\","
                + "\"requestParameters\":{},\"responseElements\":null,\"requestID\":\"req-" + number + "\","
                + "\"eventID\":\"event-%06d\",\"readOnly\":false,\"eventType\":\"AwsApiCall\",".formatted(number)
                + "\"managementEvent\":true,\"recipientAccountId\":\"" + ACCOUNT + "\","
                + "\"eventCategory\":\"Management\"}";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Appends one record per event time (given as {@code HH:MM:SS} of 2024-05-01), in one batch. */
    private void append(String region, String... eventTimes) {
        List<Entry> entries = new ArrayList<>();
        for (String eventTime : eventTimes) {
            String full = time(eventTime);
            entries.add(new Entry(Instant.parse(full).getEpochSecond(), List.of(), record(region, full)));
        }
        store.append(entries).join();
    }

    // Reading what was delivered.

    private List<String> keys(String infix) throws IOException {
        return objects.list(BUCKET, "", Optional.empty(), 10_000).stream().filter(key -> key.contains(infix))
                .toList();
    }

    private List<String> logFileKeys() throws IOException {
        return keys("/CloudTrail/");
    }

    /** The log file holding the event of the time given ({@code HH:MM:SS}); event times are unique in each test. */
    private String logFileWith(String eventTime) throws IOException {
        List<String> found = new ArrayList<>();
        for (String key : logFileKeys()) {
            for (JsonNode record : JSON.readTree(gunzip(objects.get(BUCKET, key).orElseThrow().bytes()))
                    .get("Records")) {
                if (record.get("eventTime").asText().equals(time(eventTime))) {
                    found.add(key);
                }
            }
        }
        assertThat(found).as("log files with the event of %s", eventTime).hasSize(1);
        return found.getFirst();
    }

    /** Every digest of the region, oldest first. */
    private List<Digest> digests(String region) throws Exception {
        List<Digest> found = new ArrayList<>();
        for (String key : keys("/CloudTrail-Digest/" + region + "/")) {
            found.add(digest(key));
        }
        found.sort(Comparator.comparing(Digest::end));
        return found;
    }

    private List<Digest> allDigests() throws Exception {
        List<Digest> found = new ArrayList<>();
        for (String key : keys("/CloudTrail-Digest/")) {
            found.add(digest(key));
        }
        return found;
    }

    private Digest digest(String key) throws Exception {
        ObjectStore.StoredObject object = objects.get(BUCKET, key).orElseThrow();
        byte[] json = inflateSingleMember(object.bytes());
        return new Digest(key, json, JSON.readTree(json), object.metadata(), object.bytes());
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    /**
     * The bytes of the one gzip member {@code gzip} holds: a plain header, one deflate stream, the trailer (its CRC
     * and length checked), and nothing after it.
     */
    private static byte[] inflateSingleMember(byte[] gzip) throws DataFormatException {
        assertThat(gzip.length).isGreaterThan(18);
        assertThat(gzip[0] & 0xff).isEqualTo(0x1f);
        assertThat(gzip[1] & 0xff).isEqualTo(0x8b);
        assertThat(gzip[2] & 0xff).as("deflate").isEqualTo(8);
        assertThat(gzip[3] & 0xff).as("no optional header fields").isZero();
        Inflater inflater = new Inflater(true);
        inflater.setInput(gzip, 10, gzip.length - 10);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!inflater.finished()) {
            int count = inflater.inflate(buffer);
            assertThat(count > 0 || !inflater.needsInput()).as("deflate stream truncated").isTrue();
            out.write(buffer, 0, count);
        }
        assertThat(inflater.getRemaining()).as("exactly the 8-byte trailer after the one member").isEqualTo(8);
        inflater.end();
        byte[] bytes = out.toByteArray();
        int trailer = gzip.length - 8;
        CRC32 crc = new CRC32();
        crc.update(bytes);
        assertThat(littleEndian(gzip, trailer)).isEqualTo(crc.getValue());
        assertThat(littleEndian(gzip, trailer + 4)).isEqualTo(bytes.length & 0xffffffffL);
        return bytes;
    }

    private static long littleEndian(byte[] bytes, int at) {
        return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16
                | (bytes[at + 3] & 0xffL) << 24;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    /** A JCA key from the DER of a PKCS#1 {@code RSAPublicKey}: SEQUENCE { INTEGER modulus, INTEGER exponent }. */
    private static PublicKey rsaKey(byte[] der) throws Exception {
        int[] at = {0};
        assertThat(der[at[0]++] & 0xff).as("SEQUENCE").isEqualTo(0x30);
        int length = derLength(der, at);
        assertThat(at[0] + length).as("the sequence fills the DER").isEqualTo(der.length);
        BigInteger modulus = derInteger(der, at);
        BigInteger exponent = derInteger(der, at);
        assertThat(at[0]).isEqualTo(der.length);
        assertThat(modulus.bitLength()).isEqualTo(2048);
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
    }

    private static BigInteger derInteger(byte[] der, int[] at) {
        assertThat(der[at[0]++] & 0xff).as("INTEGER").isEqualTo(0x02);
        int length = derLength(der, at);
        byte[] value = java.util.Arrays.copyOfRange(der, at[0], at[0] + length);
        at[0] += length;
        return new BigInteger(value);
    }

    private static int derLength(byte[] der, int[] at) {
        int first = der[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = length << 8 | (der[at[0]++] & 0xff);
        }
        return length;
    }

    /** The region's public key whose MD5-of-DER fingerprint is {@code fingerprint}, as ListPublicKeys gives it. */
    private Optional<SigningKeys.PublicKey> publicKey(String region, String fingerprint) throws Exception {
        List<SigningKeys.PublicKey> found = new ArrayList<>();
        for (SigningKeys.PublicKey key : new SigningKeys(folder.resolve("keys"), clock).publicKeys(region,
                Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))) {
            if (md5(key.pkcs1Der()).equals(fingerprint)) {
                assertThat(key.fingerprint()).isEqualTo(fingerprint);
                found.add(key);
            }
        }
        assertThat(found.size()).isLessThanOrEqualTo(1);
        return found.stream().findFirst();
    }

    /** The exact text spec 3.3 says the digest's signature covers. */
    private static byte[] stringToSign(Digest digest) throws Exception {
        String previous = digest.field("previousDigestSignature");
        return (digest.field("digestEndTime") + "\n" + digest.field("digestS3Bucket") + "/"
                + digest.field("digestS3Object") + "\n" + sha256(digest.json()) + "\n"
                + (previous == null ? "null" : previous)).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean verifies(PublicKey key, byte[] signed, String signatureHex) throws Exception {
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(key);
        verifier.update(signed);
        return verifier.verify(HexFormat.of().parseHex(signatureHex));
    }

    /**
     * Everything one digest must be on its own: one gzip member, signature metadata, fields in spec order, key and
     * fields agreeing, the signature verifying with its region's key, each log file listed with the hash of its
     * uncompressed bytes and the times of its oldest and newest events.
     */
    private void assertWellFormed(Digest digest, Optional<String> prefix, String trailName) throws Exception {
        assertThat(digest.metadata()).containsOnlyKeys("signature", "signature-algorithm");
        assertThat(digest.metadata().get("signature")).matches("[0-9a-f]{512}");
        assertThat(digest.metadata().get("signature-algorithm")).isEqualTo("SHA256withRSA");

        List<String> fields = new ArrayList<>();
        digest.node().fieldNames().forEachRemaining(fields::add);
        assertThat(fields).isEqualTo(DIGEST_FIELDS);
        assertThat(digest.field("awsAccountId")).isEqualTo(ACCOUNT);
        assertThat(digest.field("digestS3Bucket")).isEqualTo(BUCKET);
        assertThat(digest.field("digestS3Object")).isEqualTo(digest.key());
        assertThat(digest.field("digestSignatureAlgorithm")).isEqualTo("SHA256withRSA");
        assertThat(digest.field("digestStartTime")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(digest.field("digestEndTime")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(digest.end()).isAfter(digest.start());
        assertThat(digest.key()).isEqualTo(DigestKeys.key(prefix, ACCOUNT, digest.region(), trailName, HOME,
                digest.end()));
        assertThat(DigestKeys.endOf(digest.key())).hasValue(digest.end());

        String fingerprint = digest.field("digestPublicKeyFingerprint");
        assertThat(fingerprint).matches("[0-9a-f]{32}");
        SigningKeys.PublicKey key = publicKey(digest.region(), fingerprint).orElseThrow(() -> new AssertionError(
                "no key of " + digest.region() + " has the fingerprint " + fingerprint));
        assertThat(verifies(rsaKey(key.pkcs1Der()), stringToSign(digest), digest.metadata().get("signature")))
                .as("signature of %s", digest.key()).isTrue();

        JsonNode logFiles = digest.node().get("logFiles");
        assertThat(logFiles.isArray()).isTrue();
        Instant newest = null;
        Instant oldest = null;
        for (JsonNode file : logFiles) {
            List<String> names = new ArrayList<>();
            file.fieldNames().forEachRemaining(names::add);
            assertThat(names).isEqualTo(LOG_FILE_FIELDS);
            assertThat(file.get("s3Bucket").asText()).isEqualTo(BUCKET);
            assertThat(file.get("hashAlgorithm").asText()).isEqualTo("SHA-256");
            String logKey = file.get("s3Object").asText();
            assertThat(logKey).contains("/CloudTrail/" + digest.region() + "/");
            byte[] text = gunzip(objects.get(BUCKET, logKey).orElseThrow().bytes());
            assertThat(file.get("hashValue").asText()).isEqualTo(sha256(text));
            Instant fileNewest = null;
            Instant fileOldest = null;
            for (JsonNode record : JSON.readTree(text).get("Records")) {
                Instant eventTime = Instant.parse(record.get("eventTime").asText());
                fileNewest = fileNewest == null || eventTime.isAfter(fileNewest) ? eventTime : fileNewest;
                fileOldest = fileOldest == null || eventTime.isBefore(fileOldest) ? eventTime : fileOldest;
            }
            assertThat(file.get("newestEventTime").asText()).isEqualTo(format(fileNewest));
            assertThat(file.get("oldestEventTime").asText()).isEqualTo(format(fileOldest));
            newest = newest == null || fileNewest.isAfter(newest) ? fileNewest : newest;
            oldest = oldest == null || fileOldest.isBefore(oldest) ? fileOldest : oldest;
        }
        assertThat(digest.field("newestEventTime")).isEqualTo(newest == null ? null : format(newest));
        assertThat(digest.field("oldestEventTime")).isEqualTo(oldest == null ? null : format(oldest));
    }

    /**
     * The digests form one chain: the first starts it (all previous* null), each later one links to the one before
     * (its place, the SHA-256 of its uncompressed bytes, its signature) and starts where it ended; every digest but
     * the last says the next is due a period after it ends, and the last says none when the chain {@code ended}.
     */
    private static void assertChain(List<Digest> chain, boolean ended) throws Exception {
        assertThat(chain).isNotEmpty();
        for (String field : PREVIOUS_FIELDS) {
            assertThat(chain.getFirst().field(field)).as("%s of the starting digest", field).isNull();
        }
        for (int i = 1; i < chain.size(); i++) {
            Digest previous = chain.get(i - 1);
            Digest digest = chain.get(i);
            assertThat(digest.field("previousDigestS3Bucket")).isEqualTo(BUCKET);
            assertThat(digest.field("previousDigestS3Object")).isEqualTo(previous.key());
            assertThat(digest.field("previousDigestHashValue")).isEqualTo(sha256(previous.json()));
            assertThat(digest.field("previousDigestHashAlgorithm")).isEqualTo("SHA-256");
            assertThat(digest.field("previousDigestSignature")).isEqualTo(previous.metadata().get("signature"));
            assertThat(digest.start()).isEqualTo(previous.end());
            assertThat(previous.field("cairnNextDigestTime")).isEqualTo(format(previous.end().plus(PERIOD)));
        }
        Digest last = chain.getLast();
        assertThat(last.field("cairnNextDigestTime")).isEqualTo(ended ? null : format(last.end().plus(PERIOD)));
    }

    private void assertAllWellFormed(List<Digest> digests, Optional<String> prefix, String trailName)
            throws Exception {
        for (Digest digest : digests) {
            assertWellFormed(digest, prefix, trailName);
        }
    }

    private static List<String> ends(List<Digest> digests) {
        return digests.stream().map(digest -> digest.field("digestEndTime")).toList();
    }

    // Digests at the period boundaries.

    @Test
    void digests_atEachBoundary_listTheFilesDeliveredBeforeItAndLinkBack() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        append(HOME, "11:58:00", "12:00:05", "11:59:30");
        delivery.runOnce();
        passAt(delivery, "12:00:21.250");
        assertThat(logFileKeys()).hasSize(1);
        String first = logFileWith("12:00:05");
        passAt(delivery, "12:00:59.999");
        assertThat(digests(HOME)).isEmpty();

        passAt(delivery, "12:01:00");
        List<Digest> digests = digests(HOME);
        assertThat(digests).hasSize(1);
        Digest digest = digests.getFirst();
        assertThat(digest.key()).isEqualTo("AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/05/01/"
                + "111122223333_CloudTrail-Digest_eu-west-1_audit_eu-west-1_20240501T120100Z.json.gz");
        // The chain started at the first pass that saw the trail validate, to the second.
        assertThat(digest.field("digestStartTime")).isEqualTo(time("12:00:20"));
        assertThat(digest.field("digestEndTime")).isEqualTo(time("12:01:00"));
        assertThat(digest.logFileKeys()).containsExactly(first);
        assertThat(digest.field("newestEventTime")).isEqualTo(time("12:00:05"));
        assertThat(digest.field("oldestEventTime")).isEqualTo(time("11:58:00"));
        assertThat(digest.field("cairnNextDigestTime")).isEqualTo(time("12:02:00"));

        // An idle period still has its digest: no files, no event times.
        passAt(delivery, "12:02:00");
        digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:02:00"));
        Digest idle = digests.get(1);
        assertThat(idle.node().get("logFiles").isEmpty()).isTrue();
        assertThat(idle.field("newestEventTime")).isNull();
        assertThat(idle.field("oldestEventTime")).isNull();

        append(HOME, "12:01:59");
        passAt(delivery, "12:02:10");
        passAt(delivery, "12:02:11");
        String second = logFileWith("12:01:59");
        passAt(delivery, "12:02:59");
        assertThat(digests(HOME)).hasSize(2);
        passAt(delivery, "12:03:00");
        digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:02:00"), time("12:03:00"));
        assertThat(digests.get(2).logFileKeys()).containsExactly(second);
        assertThat(digests.get(2).field("newestEventTime")).isEqualTo(time("12:01:59"));
        assertThat(digests.get(2).field("oldestEventTime")).isEqualTo(time("12:01:59"));
        assertAllWellFormed(digests, Optional.empty(), "audit");
        assertChain(digests, false);
        assertThat(delivery.status(trail).latestDigest()).hasValue(at("12:03:00"));
        assertThat(delivery.status(trail).latestDigestError()).isEmpty();
    }

    @Test
    void digests_fileDeliveredAtTheBoundary_isInTheNextDigest_andAClockJumpWritesEveryPeriod() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        append(HOME, "12:00:50");
        passAt(delivery, "12:00:58");
        passAt(delivery, "12:00:59");
        String beforeBoundary = logFileWith("12:00:50");
        append(HOME, "12:00:57");
        delivery.runOnce();
        // The pass at the boundary delivers a file stamped 12:01:00, then writes the digest ending then.
        passAt(delivery, "12:01:00");
        String atBoundary = logFileWith("12:00:57");
        List<Digest> digests = digests(HOME);
        assertThat(digests).hasSize(1);
        assertThat(digests.getFirst().logFileKeys()).containsExactly(beforeBoundary);

        // The clock jumps three and a half periods: one digest for each boundary passed, none skipped.
        passAt(delivery, "12:04:30");
        digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:02:00"), time("12:03:00"),
                time("12:04:00"));
        assertThat(digests.get(1).logFileKeys()).containsExactly(atBoundary);
        assertThat(digests.get(2).logFileKeys()).isEmpty();
        assertThat(digests.get(3).logFileKeys()).isEmpty();
        assertAllWellFormed(digests, Optional.empty(), "audit");
        assertChain(digests, false);
    }

    @Test
    void digest_isOneGzipMemberWithSignatureMetadata_andFieldsInSpecOrderWithCairnsFieldLast() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        append(HOME, "12:00:10", "12:00:11");
        delivery.runOnce();
        passAt(delivery, "12:00:21.250");
        passAt(delivery, "12:01:00");
        Digest digest = digests(HOME).getFirst();

        assertThat(gunzip(digest.gzip())).isEqualTo(digest.json());
        assertThat(digest.metadata()).containsOnlyKeys("signature", "signature-algorithm");
        assertThat(digest.metadata().get("signature-algorithm")).isEqualTo("SHA256withRSA");
        assertThat(digest.metadata().get("signature")).matches("[0-9a-f]{512}");
        String logFile = logFileWith("12:00:10");
        String text = new String(digest.json(), StandardCharsets.UTF_8);
        String fingerprint = digest.field("digestPublicKeyFingerprint");
        assertThat(text).isEqualTo("{\"awsAccountId\":\"111122223333\",\"digestStartTime\":\"2024-05-01T12:00:20Z\","
                + "\"digestEndTime\":\"2024-05-01T12:01:00Z\",\"digestS3Bucket\":\"audit-bucket\","
                + "\"digestS3Object\":\"" + digest.key() + "\",\"digestPublicKeyFingerprint\":\"" + fingerprint
                + "\",\"digestSignatureAlgorithm\":\"SHA256withRSA\",\"newestEventTime\":\"2024-05-01T12:00:11Z\","
                + "\"oldestEventTime\":\"2024-05-01T12:00:10Z\",\"previousDigestS3Bucket\":null,"
                + "\"previousDigestS3Object\":null,\"previousDigestHashValue\":null,"
                + "\"previousDigestHashAlgorithm\":null,\"previousDigestSignature\":null,\"logFiles\":[{"
                + "\"s3Bucket\":\"audit-bucket\",\"s3Object\":\"" + logFile + "\",\"hashValue\":\""
                + sha256(gunzip(objects.get(BUCKET, logFile).orElseThrow().bytes())) + "\","
                + "\"hashAlgorithm\":\"SHA-256\",\"newestEventTime\":\"2024-05-01T12:00:11Z\","
                + "\"oldestEventTime\":\"2024-05-01T12:00:10Z\"}],\"cairnNextDigestTime\":\"2024-05-01T12:02:00Z\"}");
        assertWellFormed(digest, Optional.empty(), "audit");
    }

    @Test
    void digest_signature_coversEndKeyHashAndPreviousSignature_withTheRegionsKey() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        passAt(delivery, "12:01:00");
        passAt(delivery, "12:02:00");
        List<Digest> digests = digests(HOME);
        assertThat(digests).hasSize(2);
        SigningKeys.PublicKey published = new SigningKeys(folder.resolve("keys"), clock)
                .publicKeys(HOME, START, clock.instant()).getFirst();
        PublicKey key = rsaKey(published.pkcs1Der());
        assertThat(md5(published.pkcs1Der())).isEqualTo(digests.getFirst().field("digestPublicKeyFingerprint"));

        Digest first = digests.get(0);
        Digest second = digests.get(1);
        byte[] firstSigned = ("2024-05-01T12:01:00Z\naudit-bucket/" + first.key() + "\n" + sha256(first.json())
                + "\nnull").getBytes(StandardCharsets.UTF_8);
        assertThat(verifies(key, firstSigned, first.metadata().get("signature"))).isTrue();
        byte[] secondSigned = ("2024-05-01T12:02:00Z\naudit-bucket/" + second.key() + "\n" + sha256(second.json())
                + "\n" + first.metadata().get("signature")).getBytes(StandardCharsets.UTF_8);
        assertThat(verifies(key, secondSigned, second.metadata().get("signature"))).isTrue();

        // The verifier is not fooled: another byte of the digest, or another previous signature, fails.
        byte[] tampered = second.json().clone();
        tampered[tampered.length - 3] ^= 1;
        assertThat(verifies(key, ("2024-05-01T12:02:00Z\naudit-bucket/" + second.key() + "\n" + sha256(tampered)
                + "\n" + first.metadata().get("signature")).getBytes(StandardCharsets.UTF_8),
                second.metadata().get("signature"))).isFalse();
        assertThat(verifies(key, ("2024-05-01T12:02:00Z\naudit-bucket/" + second.key() + "\n"
                + sha256(second.json()) + "\nnull").getBytes(StandardCharsets.UTF_8),
                second.metadata().get("signature"))).isFalse();
        assertChain(digests, false);
    }

    // How chains end and start again.

    @Test
    void stopLogging_finalDigestComesOnceTheLastFilesAreDelivered_andNoneAfter() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        passAt(delivery, "12:01:00");
        assertThat(digests(HOME)).hasSize(1);

        clock.set(at("12:01:10"));
        append(HOME, "12:01:01", "12:01:02");
        delivery.runOnce();
        delivery.stopLogging(trail);
        trails.set(List.of(trail.withLogging(trail.logging().stop(clock.instant()))));
        append(HOME, "12:01:09");
        delivery.runOnce();
        // The stop's remaining events are not delivered yet: no final digest yet.
        passAt(delivery, "12:01:10.900");
        assertThat(logFileKeys()).isEmpty();
        assertThat(digests(HOME)).hasSize(1);

        passAt(delivery, "12:01:11.100");
        assertThat(logFileKeys()).hasSize(1);
        String logFile = logFileWith("12:01:01");
        List<Digest> digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:01:11"));
        Digest last = digests.getLast();
        assertThat(last.field("digestStartTime")).isEqualTo(time("12:01:00"));
        assertThat(last.logFileKeys()).containsExactly(logFile);
        assertThat(last.field("cairnNextDigestTime")).isNull();
        assertAllWellFormed(digests, Optional.empty(), "audit");
        assertChain(digests, true);

        for (String later : List.of("12:01:12", "12:02:00", "12:05:00", "13:00:00", "23:59:59")) {
            passAt(delivery, later);
        }
        clock.set(at("23:59:59").plus(Duration.ofDays(3)));
        delivery.runOnce();
        assertThat(ends(digests(HOME))).containsExactly(time("12:01:00"), time("12:01:11"));
        assertThat(logFileKeys()).containsExactly(logFile);
    }

    @Test
    void stopLogging_withNothingToDeliver_finalDigestEndsAtLeastASecondAfterItsStart() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        delivery.stopLogging(trail);
        trails.set(List.of(trail.withLogging(trail.logging().stop(clock.instant()))));
        delivery.runOnce();
        List<Digest> digests = digests(HOME);
        assertThat(digests).hasSize(1);
        Digest only = digests.getFirst();
        assertThat(only.field("digestStartTime")).isEqualTo(time("12:00:20"));
        assertThat(only.field("digestEndTime")).isEqualTo(time("12:00:21"));
        assertThat(only.key()).endsWith("_audit_eu-west-1_20240501T120021Z.json.gz");
        assertThat(only.logFileKeys()).isEmpty();
        assertWellFormed(only, Optional.empty(), "audit");
        assertChain(digests, true);

        passAt(delivery, "12:05:00");
        assertThat(digests(HOME)).hasSize(1);
    }

    @Test
    void startLoggingAgain_afterTheFinalDigest_startsANewChain() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        passAt(delivery, "12:01:00");
        clock.set(at("12:01:30"));
        delivery.stopLogging(trail);
        Trail stopped = trail.withLogging(trail.logging().stop(clock.instant()));
        trails.set(List.of(stopped));
        delivery.runOnce();
        passAt(delivery, "12:03:00");
        List<Digest> before = digests(HOME);
        assertThat(ends(before)).containsExactly(time("12:01:00"), time("12:01:30"));

        clock.set(at("12:03:40.500"));
        delivery.startLogging(stopped);
        Trail restarted = stopped.withLogging(stopped.logging().start(clock.instant()));
        trails.set(List.of(restarted));
        delivery.runOnce();
        append(HOME, "12:03:41");
        delivery.runOnce();
        passAt(delivery, "12:03:41.500");
        String logFile = logFileWith("12:03:41");
        passAt(delivery, "12:04:00");
        passAt(delivery, "12:05:00");

        List<Digest> digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:01:30"), time("12:04:00"),
                time("12:05:00"));
        assertChain(digests.subList(0, 2), true);
        List<Digest> newChain = digests.subList(2, 4);
        assertThat(newChain.getFirst().field("digestStartTime")).isEqualTo(time("12:03:40"));
        assertThat(newChain.getFirst().logFileKeys()).containsExactly(logFile);
        assertChain(newChain, false);
        assertAllWellFormed(digests, Optional.empty(), "audit");
    }

    @Test
    void stopAndStartLoggingInOneSecond_theNewChainKeepsTheFinalDigest() throws Exception {
        // The chain starts a second before a boundary, so its final digest (at least a second long) ends on it.
        clock.set(at("12:00:59.300"));
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        clock.set(at("12:00:59.500"));
        delivery.stopLogging(trail);
        Trail stopped = trail.withLogging(trail.logging().stop(clock.instant()));
        trails.set(List.of(stopped));
        delivery.runOnce();
        List<Digest> finalDigest = digests(HOME);
        assertThat(ends(finalDigest)).containsExactly(time("12:01:00"));
        assertChain(finalDigest, true);

        clock.set(at("12:00:59.700"));
        delivery.startLogging(stopped);
        trails.set(List.of(stopped.withLogging(stopped.logging().start(clock.instant()))));
        delivery.runOnce();
        passAt(delivery, "12:01:00");
        passAt(delivery, "12:02:00");

        // The final digest of the first chain is still there as it was written, not replaced by the new chain's.
        Digest kept = digest(finalDigest.getFirst().key());
        assertThat(new String(kept.json(), StandardCharsets.UTF_8))
                .isEqualTo(new String(finalDigest.getFirst().json(), StandardCharsets.UTF_8));
        assertThat(kept.field("cairnNextDigestTime")).isNull();
        List<Digest> digests = digests(HOME);
        // The new chain starts where the old one ended (12:01:00), so its first digest is the one at 12:02:00.
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:02:00"));
        assertAllWellFormed(digests, Optional.empty(), "audit");
        // And the new chain starts no earlier than the old one ended.
        assertThat(digests.get(1).start()).isAfterOrEqualTo(digests.get(0).end());
    }

    @Test
    void validationOff_writesAFinalDigestThenNone_filesDeliveredMeanwhileAreInNoDigest_andOnAgainStartsAChain()
            throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        append(HOME, "12:00:00");
        delivery.runOnce();
        passAt(delivery, "12:00:21.250");
        String validated = logFileWith("12:00:00");
        passAt(delivery, "12:01:00");

        clock.set(at("12:01:05"));
        Trail unvalidated = withValidation(trail, false);
        trails.set(List.of(unvalidated));
        append(HOME, "12:01:04");
        delivery.runOnce();
        List<Digest> digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:01:05"));
        assertThat(digests.getFirst().logFileKeys()).containsExactly(validated);
        assertThat(digests.getLast().logFileKeys()).isEmpty();
        assertChain(digests, true);

        passAt(delivery, "12:01:06");
        String unlisted = logFileWith("12:01:04");
        for (String later : List.of("12:02:00", "12:03:00", "12:04:00")) {
            passAt(delivery, later);
        }
        assertThat(digests(HOME)).hasSize(2);

        clock.set(at("12:04:10.200"));
        trails.set(List.of(trail));
        delivery.runOnce();
        append(HOME, "12:04:10");
        delivery.runOnce();
        passAt(delivery, "12:04:11.200");
        String revalidated = logFileWith("12:04:10");
        passAt(delivery, "12:05:00");
        digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:01:05"), time("12:05:00"));
        Digest restarted = digests.getLast();
        assertThat(restarted.field("digestStartTime")).isEqualTo(time("12:04:10"));
        assertThat(restarted.logFileKeys()).containsExactly(revalidated);
        assertChain(List.of(restarted), false);
        assertThat(digests.stream().flatMap(digest -> digest.logFileKeys().stream())).doesNotContain(unlisted);
        assertAllWellFormed(digests, Optional.empty(), "audit");
    }

    @Test
    void deleteTrail_deliversWhatItLoggedThenWritesOneFinalDigest_andItsRetiredStateGoes() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        passAt(delivery, "12:01:00");

        clock.set(at("12:01:10"));
        append(HOME, "12:01:08", "12:01:09");
        delivery.forget(trail);
        trails.set(List.of());
        delivery.runOnce();
        passAt(delivery, "12:01:11");
        assertThat(logFileKeys()).hasSize(1);
        String logFile = logFileWith("12:01:08");
        for (String later : List.of("12:01:12", "12:02:00", "12:03:00", "13:00:00")) {
            passAt(delivery, later);
        }

        List<Digest> digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:01:11"));
        assertThat(digests.getLast().logFileKeys()).containsExactly(logFile);
        assertAllWellFormed(digests, Optional.empty(), "audit");
        assertChain(digests, true);
        Path retired = stateFolder().resolve("retired");
        try (Stream<Path> files = Files.isDirectory(retired) ? Files.list(retired) : Stream.empty()) {
            assertThat(files.toList()).isEmpty();
        }
        assertThat(Files.exists(stateFolder().resolve(ACCOUNT).resolve(HOME).resolve("audit.json"))).isFalse();
    }

    // Exactly once.

    @Test
    void crashAfterTheDigestIsWritten_restartWritesTheSameBytesUnderTheSameKey_andTheChainGoesOn() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery first = delivery();
        first.startLogging(trail);
        first.runOnce();
        append(HOME, "12:00:15");
        first.runOnce();
        passAt(first, "12:00:21.250");
        objects.digestFaults.add(ScriptedStore.Fault.CRASH_AFTER_WRITE);
        passAt(first, "12:01:00");
        assertThat(objects.digestPuts).hasSize(1);
        ScriptedStore.Put crashed = objects.digestPuts.getFirst();
        assertThat(TrailState.load(stateFolder().resolve(ACCOUNT).resolve(HOME).resolve("audit.json"))
                .pendingDigest()).isPresent();
        first.close();

        append(HOME, "12:00:59");
        clock.set(at("12:01:00.400"));
        TrailDelivery second = delivery();
        second.runOnce();
        assertThat(objects.digestPuts).hasSize(2);
        ScriptedStore.Put again = objects.digestPuts.get(1);
        assertThat(again.key()).isEqualTo(crashed.key());
        assertThat(again.bytes()).isEqualTo(crashed.bytes());
        assertThat(again.metadata()).isEqualTo(crashed.metadata());
        assertThat(objects.get(BUCKET, crashed.key()).orElseThrow().bytes()).isEqualTo(crashed.bytes());
        assertThat(second.status(trail).latestDigest()).hasValue(at("12:01:00.400"));
        assertThat(second.status(trail).latestDigestError()).isEmpty();

        passAt(second, "12:01:01.400");
        String afterRestart = logFileWith("12:00:59");
        passAt(second, "12:02:00");
        passAt(second, "12:02:30");
        List<Digest> digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:02:00"));
        assertThat(digests.getFirst().key()).isEqualTo(crashed.key());
        assertThat(digests.getFirst().logFileKeys()).containsExactly(logFileWith("12:00:15"));
        assertThat(digests.getLast().logFileKeys()).containsExactly(afterRestart);
        assertThat(objects.digestPuts).extracting(ScriptedStore.Put::key).containsExactly(crashed.key(),
                crashed.key(), digests.getLast().key());
        assertAllWellFormed(digests, Optional.empty(), "audit");
        assertChain(digests, false);
    }

    @Test
    void failedDigestPut_isRetriedAfterTheBackoffWithTheSameKeyAndBytes_andStatusReportsIt() throws Exception {
        Trail trail = auditTrail();
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        objects.digestFaults.add(ScriptedStore.Fault.REFUSE);
        passAt(delivery, "12:01:00");
        assertThat(digests(HOME)).isEmpty();
        assertThat(objects.digestPuts).hasSize(1);
        TrailDelivery.Status failed = delivery.status(trail);
        assertThat(failed.latestDigest()).isEmpty();
        assertThat(failed.latestDigestError()).hasValue("ServiceUnavailable");

        // The first retry waits half a second to a second.
        passAt(delivery, "12:01:00.499");
        assertThat(objects.digestPuts).hasSize(1);
        passAt(delivery, "12:01:01");
        assertThat(objects.digestPuts).hasSize(2);
        ScriptedStore.Put refused = objects.digestPuts.get(0);
        ScriptedStore.Put retried = objects.digestPuts.get(1);
        assertThat(retried.key()).isEqualTo(refused.key()).endsWith("_20240501T120100Z.json.gz");
        assertThat(retried.bytes()).isEqualTo(refused.bytes());
        assertThat(retried.metadata()).isEqualTo(refused.metadata());
        TrailDelivery.Status recovered = delivery.status(trail);
        assertThat(recovered.latestDigest()).hasValue(at("12:01:01"));
        assertThat(recovered.latestDigestError()).isEmpty();

        // A later failure keeps the time of the latest digest written, with the error, until the retry succeeds.
        objects.digestFaults.add(ScriptedStore.Fault.REFUSE);
        passAt(delivery, "12:02:00");
        assertThat(delivery.status(trail).latestDigest()).hasValue(at("12:01:01"));
        assertThat(delivery.status(trail).latestDigestError()).hasValue("ServiceUnavailable");
        passAt(delivery, "12:02:01");
        assertThat(delivery.status(trail).latestDigest()).hasValue(at("12:02:01"));
        assertThat(delivery.status(trail).latestDigestError()).isEmpty();

        List<Digest> digests = digests(HOME);
        assertThat(ends(digests)).containsExactly(time("12:01:00"), time("12:02:00"));
        assertThat(objects.digestPuts).extracting(ScriptedStore.Put::key).containsExactly(digests.get(0).key(),
                digests.get(0).key(), digests.get(1).key(), digests.get(1).key());
        assertAllWellFormed(digests, Optional.empty(), "audit");
        assertChain(digests, false);
    }

    // Regions.

    @Test
    void multiRegionTrail_regionsServed_eachHasAChainFromTheStart_emptyWhileIdle() throws Exception {
        Trail trail = trail("org-trail", true, Optional.empty());
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery(List.of(HOME, OTHER_REGION));
        delivery.startLogging(trail);
        delivery.runOnce();
        passAt(delivery, "12:01:00");
        passAt(delivery, "12:02:00");

        List<Digest> other = digests(OTHER_REGION);
        assertThat(ends(digests(HOME))).containsExactly(time("12:01:00"), time("12:02:00"));
        assertThat(ends(other)).containsExactly(time("12:01:00"), time("12:02:00"));
        assertThat(other.getFirst().field("digestStartTime")).isEqualTo(time("12:00:20"));
        assertThat(other).allSatisfy(digest -> assertThat(digest.logFileKeys()).isEmpty());
        assertChain(other, false);
        assertAllWellFormed(other, Optional.empty(), "org-trail");

        // A single-region trail keeps its home region's chain only.
        Trail single = trail("single", false, Optional.empty());
        trails.set(List.of(trail, single));
        delivery.startLogging(single);
        delivery.runOnce();
        passAt(delivery, "12:03:00");
        assertThat(allDigests()).filteredOn(digest -> digest.key().contains("_single_")).hasSize(1)
                .allSatisfy(digest -> assertThat(digest.key()).contains("/CloudTrail-Digest/" + HOME + "/"));
    }

    @Test
    void multiRegionTrail_eachRegionHasItsOwnChain_underItsFolder_signedWithItsOwnKey() throws Exception {
        Optional<String> prefix = Optional.of("org/logs");
        Trail trail = trail("org-trail", true, prefix);
        trails.set(List.of(trail));
        TrailDelivery delivery = delivery();
        delivery.startLogging(trail);
        delivery.runOnce();
        append(HOME, "12:00:01");
        append(OTHER_REGION, "12:00:02", "12:00:03");
        delivery.runOnce();
        passAt(delivery, "12:00:21.250");
        String homeFile = logFileWith("12:00:01");
        String otherFile = logFileWith("12:00:02");
        passAt(delivery, "12:01:00");
        passAt(delivery, "12:02:00");

        List<Digest> home = digests(HOME);
        List<Digest> other = digests(OTHER_REGION);
        assertThat(allDigests()).hasSize(4);
        assertThat(ends(home)).containsExactly(time("12:01:00"), time("12:02:00"));
        assertThat(ends(other)).containsExactly(time("12:01:00"), time("12:02:00"));
        assertThat(other.getFirst().key()).isEqualTo("org/logs/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/"
                + "2024/05/01/111122223333_CloudTrail-Digest_us-east-1_org-trail_eu-west-1_20240501T120100Z.json.gz");
        assertThat(home.getFirst().field("digestStartTime")).isEqualTo(time("12:00:20"));
        // The other region's chain starts with its first file.
        assertThat(other.getFirst().field("digestStartTime")).isEqualTo(time("12:00:21"));
        assertThat(home.getFirst().logFileKeys()).containsExactly(homeFile);
        assertThat(other.getFirst().logFileKeys()).containsExactly(otherFile);
        assertThat(other.getFirst().field("newestEventTime")).isEqualTo(time("12:00:03"));
        assertThat(other.getFirst().field("oldestEventTime")).isEqualTo(time("12:00:02"));
        assertThat(other.get(1).logFileKeys()).isEmpty();

        String homeFingerprint = home.getFirst().field("digestPublicKeyFingerprint");
        String otherFingerprint = other.getFirst().field("digestPublicKeyFingerprint");
        assertThat(otherFingerprint).isNotEqualTo(homeFingerprint);
        assertThat(publicKey(OTHER_REGION, otherFingerprint)).isPresent();
        assertThat(publicKey(HOME, otherFingerprint)).isEmpty();
        assertThat(publicKey(OTHER_REGION, homeFingerprint)).isEmpty();
        PublicKey homeKey = rsaKey(publicKey(HOME, homeFingerprint).orElseThrow().pkcs1Der());
        assertThat(verifies(homeKey, stringToSign(other.getFirst()), other.getFirst().metadata().get("signature")))
                .isFalse();

        assertAllWellFormed(home, prefix, "org-trail");
        assertAllWellFormed(other, prefix, "org-trail");
        assertChain(home, false);
        assertChain(other, false);
    }

    @Test
    void noDigests_forATrailWithoutValidation_orAValidatingTrailThatNeverLogged() throws Exception {
        Trail plain = withValidation(trail("plain", false, Optional.empty()), false);
        Trail idle = trail("idle", false, Optional.empty()).withLogging(Trail.Logging.NEVER);
        trails.set(List.of(plain, idle));
        TrailDelivery delivery = delivery();
        delivery.startLogging(plain);
        delivery.runOnce();
        append(HOME, "12:00:00");
        delivery.runOnce();
        passAt(delivery, "12:00:21.250");
        passAt(delivery, "12:01:00");
        passAt(delivery, "12:05:00");
        assertThat(logFileKeys()).hasSize(1);
        assertThat(allDigests()).isEmpty();
        assertThat(objects.digestPuts).isEmpty();
        assertThat(delivery.status(plain).latestDigest()).isEmpty();
    }
}
