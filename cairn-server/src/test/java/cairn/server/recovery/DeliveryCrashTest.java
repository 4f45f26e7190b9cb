package cairn.server.recovery;

import cairn.delivery.digest.SigningKeys;
import cairn.delivery.objectstore.LocalObjectStore;
import cairn.delivery.validation.LogValidator;
import cairn.server.audit.SelfAudit;
import cairn.server.testing.TestSigning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedEventSelector;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedFieldSelector;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once delivery across crashes: a real Cairn process delivers two trails with a 1 s interval while clients
 * stream events in, and is killed with SIGKILL at random moments ten times, each time restarted on the same data
 * folder; every other kill waits, after its random delay, for a batch to be pending, its file being written, or its
 * file just written. Afterwards every acknowledged event a trail selects is in exactly one of the trail's log files,
 * and nothing else of the test's is; an event whose batch was in flight at a kill is there at most once. The seed and
 * what each kill met are printed.
 */
final class DeliveryCrashTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "eu-central-1";
    private static final int KILLS = 10;
    private static final int CLIENTS = 2;
    private static final int BATCH = 20;
    private static final String ALL_TRAIL = "all-management";
    private static final String ALL_BUCKET = "crash-all";
    private static final String WRITES_TRAIL = "writes-only";
    private static final String WRITES_BUCKET = "crash-writes";
    private static final String WRITES_PREFIX = "audit/w";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    /** Spec 2.1: the name AWS's processing library recognises log files by. */
    private static final Pattern FILE_NAME = Pattern.compile(".+_CloudTrail_[\\w\\-]+_\\d{8}T\\d{4}Z_\\w+\\.json\\.gz");

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Every event ID posted, and those of the batches answered 200 (acknowledged). */
    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    /** Answers a kill does not explain: a 4xx, or event IDs other than those sent. */
    private final List<String> unexpectedAnswers = Collections.synchronizedList(new ArrayList<>());

    @Test
    void sigkillTenTimesWhileTwoTrailsDeliver_everyAcknowledgedSelectedEventIsInExactlyOneFile() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long began = System.nanoTime();
        long startedAt = System.currentTimeMillis();
        StringBuilder story = new StringBuilder("seed " + seed);

        Server server = Server.start(data);
        AtomicReference<Server> current = new AtomicReference<>(server);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        try {
            String account = server.accountId();
            createTrails(server.endpoint());
            AtomicInteger batches = new AtomicInteger();
            for (int client = 0; client < CLIENTS; client++) {
                int id = client;
                clients.add(Thread.ofPlatform().name("ingest-" + id)
                        .start(() -> ingestUntilStopped(id, current, batches, stop)));
            }
            int pendingAtKill = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                // The random moment: anywhere from before the first delivery of this life to after a few of them.
                // A kill at a random moment seldom hits the few milliseconds exactly-once is about, so every other
                // kill then waits for a batch to be pending (decided, not known written), and then for its file to
                // be half written, or written with the cursor not yet past it.
                int delay = 300 + random.nextInt(2201);
                Thread.sleep(delay);
                Aim aim = kill % 2 == 1 ? Aim.NONE : AIMS.get((kill / 2 - 1) % AIMS.size());
                boolean hit = aim == Aim.NONE || awaitPendingBatch(account, aim, Duration.ofMillis(3000));
                server.kill();
                int pending = pendingBatches(account).size();
                pendingAtKill += pending > 0 ? 1 : 0;
                int temporary = temporaryFiles().size();
                long starting = System.nanoTime();
                server = Server.start(data);
                current.set(server);
                story.append(String.format("; kill %d after %d ms%s: %d pending, %d temporary file(s), restart %d ms",
                        kill, delay, aim == Aim.NONE ? "" : hit ? " aimed " + aim : " (aim " + aim + " missed)",
                        pending, temporary, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting)));
            }
            System.out.println("DeliveryCrashTest: " + story);
            int before = acknowledged.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (acknowledged.size() == before && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(acknowledged.size()).as("events acknowledged by the last server").isGreaterThan(before);
            stop.set(true);
            for (Thread client : clients) {
                client.join(30_000);
                assertThat(client.isAlive()).as(client.getName() + " stopped").isFalse();
            }
            assertThat(unexpectedAnswers).as("answers a kill does not explain").isEmpty();
            assertThat(acknowledged.size()).as("acknowledged events").isGreaterThanOrEqualTo(1000);

            Set<String> acknowledgedWrites = writes(acknowledged);
            Map<Path, List<String>> parsed = new HashMap<>();
            long waitFrom = System.nanoTime();
            long deliveryDeadline = waitFrom + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deliveryDeadline
                    && !(eventFiles(ALL_BUCKET, parsed).keySet().containsAll(acknowledged)
                    && eventFiles(WRITES_BUCKET, parsed).keySet().containsAll(acknowledgedWrites))) {
                Thread.sleep(200);
            }
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitFrom);
            // The validating trail stops, so that its chain ends with a final digest listing its last files.
            stopAndAwaitFinalDigest(server.endpoint());
            server.stop();

            assertThat(temporaryFiles()).as("temporary files left in the buckets").isEmpty();
            Map<String, List<String>> all = eventFiles(ALL_BUCKET, new HashMap<>());
            Map<String, List<String>> writes = eventFiles(WRITES_BUCKET, new HashMap<>());
            assertNoDuplicates(ALL_TRAIL, all);
            assertNoDuplicates(WRITES_TRAIL, writes);

            Set<String> ours = withoutAudit(all.keySet());
            Set<String> oursWritten = withoutAudit(writes.keySet());
            Set<String> unacknowledged = minus(sent, acknowledged);
            System.out.printf("DeliveryCrashTest: %d kill(s) found a batch pending; %d batches, %d events "
                            + "acknowledged, %d not (of which %d stored and delivered); files: %d in %s, %d in %s; "
                            + "waited %d ms for the last deliveries; %d ms in all%n",
                    pendingAtKill, batches.get(), acknowledged.size(), unacknowledged.size(),
                    unacknowledged.size() - minus(unacknowledged, ours).size(), logFiles(ALL_BUCKET).size(),
                    ALL_BUCKET, logFiles(WRITES_BUCKET).size(), WRITES_BUCKET, waited,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
            assertNone(ALL_TRAIL + ": acknowledged events not delivered", minus(acknowledged, ours));
            assertNone(ALL_TRAIL + ": events delivered that the test never sent", minus(ours, sent));
            assertNone(WRITES_TRAIL + ": acknowledged writes not delivered", minus(acknowledgedWrites, oursWritten));
            assertNone(WRITES_TRAIL + ": events delivered that are not writes the test sent",
                    minus(oursWritten, writes(sent)));
            // Both trails read the same log: an unacknowledged event that was stored anyway is in both or neither.
            assertNone("writes " + ALL_TRAIL + " delivered and " + WRITES_TRAIL + " did not",
                    minus(writes(ours), oursWritten));

            assertKeys(account, ALL_BUCKET, "");
            assertKeys(account, WRITES_BUCKET, WRITES_PREFIX + "/");
            assertDigestsVouchForEveryFileOnce(account, Instant.ofEpochMilli(startedAt).minusSeconds(60));
        } finally {
            stop.set(true);
            current.get().process().destroyForcibly();
            server.process().destroyForcibly();
        }
    }

    private void createTrails(URI endpoint) throws IOException {
        try (CloudTrailClient cloudTrail = TestSigning.configure(CloudTrailClient.builder(), endpoint, REGION,
                administrator(), Clock.systemUTC()).build()) {
            cloudTrail.createTrail(request -> request.name(ALL_TRAIL).s3BucketName(ALL_BUCKET)
                    .enableLogFileValidation(true));
            cloudTrail.createTrail(request -> request.name(WRITES_TRAIL).s3BucketName(WRITES_BUCKET)
                    .s3KeyPrefix(WRITES_PREFIX));
            cloudTrail.putEventSelectors(request -> request.trailName(WRITES_TRAIL).advancedEventSelectors(
                    AdvancedEventSelector.builder().name("management writes").fieldSelectors(
                            AdvancedFieldSelector.builder().field("eventCategory").equalsValue("Management").build(),
                            AdvancedFieldSelector.builder().field("readOnly").equalsValue("false").build())
                            .build()));
            cloudTrail.startLogging(request -> request.name(ALL_TRAIL));
            cloudTrail.startLogging(request -> request.name(WRITES_TRAIL));
        }
    }

    /**
     * Posts batches to whichever server is current until told to stop; a batch counts as acknowledged only when it
     * is answered 200. A kill fails the request in flight; the client then tries the next server.
     */
    private void ingestUntilStopped(int client, AtomicReference<Server> current, AtomicInteger batches,
                                    AtomicBoolean stop) {
        for (int batch = 0; !stop.get(); batch++) {
            List<String> ids = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                ids.add("c" + client + "-b" + batch + "-" + i + (i % 2 == 0 ? "-put" : "-get"));
            }
            sent.addAll(ids);
            try {
                HttpResponse<String> response = post(current.get().endpoint(), batch(ids));
                if (response.statusCode() == 200) {
                    List<String> stored = new ArrayList<>();
                    MAPPER.readTree(response.body()).get("eventIDs").forEach(id -> stored.add(id.asText()));
                    if (!stored.equals(ids)) {
                        unexpectedAnswers.add("batch " + ids.getFirst() + " stored as " + stored);
                    }
                    acknowledged.addAll(ids);
                    batches.incrementAndGet();
                } else if (response.statusCode() < 500) {
                    unexpectedAnswers.add(response.statusCode() + " " + response.body());
                }
            } catch (IOException e) {
                // The server died under the request, or is not up yet: back off a little, then try the next one.
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Management events of ec2, alternately a write (PutThing) and a read (GetThing). */
    private static String batch(List<String> ids) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        StringBuilder body = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < ids.size(); i++) {
            boolean write = ids.get(i).endsWith("-put");
            body.append(i == 0 ? "" : ",").append("{\"eventVersion\":\"1.08\",\"eventID\":\"").append(ids.get(i))
                    .append("\",\"eventTime\":\"").append(now).append("\",\"eventSource\":\"ec2.amazonaws.com\","
                            + "\"eventName\":\"").append(write ? "PutThing" : "GetThing")
                    .append("\",\"readOnly\":").append(!write).append(",\"awsRegion\":\"").append(REGION)
                    .append("\",\"eventType\":\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\","
                            + "\"userName\":\"crash\"},\"requestParameters\":{\"padding\":\"")
                    .append("p".repeat(200)).append("\"}}");
        }
        return body.append("]}").toString();
    }

    private static Set<String> writes(Set<String> ids) {
        Set<String> writes = new HashSet<>();
        for (String id : ids) {
            if (id.endsWith("-put")) {
                writes.add(id);
            }
        }
        return writes;
    }

    private HttpResponse<String> post(URI endpoint, String body) throws IOException, InterruptedException {
        return http.send(TestSigning.post(endpoint.resolve("/records"), "application/json", Optional.empty(),
                body.getBytes(StandardCharsets.UTF_8), "cloudtrail", REGION, administrator(), Clock.systemUTC(),
                Optional.empty()).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The administrator's key, as the child process wrote it at first start. */
    private AwsCredentialsIdentity administrator() throws IOException {
        Properties credentials = new Properties();
        try (var reader = Files.newBufferedReader(data.resolve("installation/credentials"))) {
            credentials.load(reader);
        }
        return AwsCredentialsIdentity.create(credentials.getProperty("aws_access_key_id"),
                credentials.getProperty("aws_secret_access_key"));
    }

    /** The log files in a folder, and whether one is being written. */
    private record Listing(long logFiles, boolean writing) {
        static Listing of(Path folder) {
            try (Stream<Path> files = Files.list(folder)) {
                long temporary = 0;
                long all = 0;
                for (Path file : (Iterable<Path>) files::iterator) {
                    all++;
                    temporary += file.toString().endsWith(".cairn-tmp") ? 1 : 0;
                }
                return new Listing(all - temporary, temporary > 0);
            } catch (IOException e) {
                return new Listing(0, false);
            }
        }
    }

    /** Where a kill is aimed, after its random delay. */
    private enum Aim {
        /** Nowhere: the random moment. */
        NONE,
        /** A batch is pending and its file is likely not written yet. */
        PENDING,
        /** A batch is pending and its file is being written (its temporary file is there). */
        WRITING,
        /** A batch is pending and its file has just appeared in the bucket. */
        WRITTEN
    }

    private static final List<Aim> AIMS = List.of(Aim.PENDING, Aim.WRITTEN, Aim.WRITING, Aim.PENDING, Aim.WRITTEN);

    /** The buckets of the trails whose state file has a batch pending (decided, not known written). */
    private List<String> pendingBatches(String account) {
        List<String> buckets = new ArrayList<>();
        for (String trail : List.of(ALL_TRAIL, WRITES_TRAIL)) {
            Path state = data.resolve("delivery").resolve(account).resolve(REGION).resolve(trail + ".json");
            try {
                JsonNode batch = MAPPER.readTree(Files.readAllBytes(state)).get("pending");
                if (batch != null && !batch.isNull()) {
                    buckets.add(trail.equals(ALL_TRAIL) ? ALL_BUCKET : WRITES_BUCKET);
                }
            } catch (IOException e) {
                // Not written yet, or replaced while read: no batch seen pending this time.
            }
        }
        return buckets;
    }

    /**
     * Watches the trails' state files until one has a batch pending and then, for {@link Aim#WRITING}, until a
     * temporary file appears in its bucket, or for {@link Aim#WRITTEN}, until a new log file appears while the batch
     * is still pending; false when that did not happen within {@code limit}.
     */
    private boolean awaitPendingBatch(String account, Aim aim, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> pending = pendingBatches(account);
            if (!pending.isEmpty() && aim == Aim.PENDING) {
                return true;
            }
            if (!pending.isEmpty()) {
                // The file is written, and appears, a few milliseconds before the cursor moves: watch its folder
                // without sleeping.
                String bucket = pending.getFirst();
                Path folder = data.resolve("buckets").resolve(bucket)
                        .resolve((bucket.equals(WRITES_BUCKET) ? WRITES_PREFIX + "/" : "") + "AWSLogs/" + account
                                + "/CloudTrail/" + REGION + "/" + DAY.format(Instant.now()));
                long files = Listing.of(folder).logFiles();
                for (int look = 1; System.nanoTime() < deadline; look++) {
                    Listing listing = Listing.of(folder);
                    if (aim == Aim.WRITING ? listing.writing() : listing.logFiles() > files) {
                        return true;
                    }
                    if (look % 16 == 0 && !pendingBatches(account).contains(bucket)) {
                        break;
                    }
                    Thread.onSpinWait();
                }
            }
            Thread.sleep(1);
        }
        return false;
    }

    /**
     * The files of the bucket each event ID is in, by their keys; Cairn's own audit events are listed as
     * {@code audit:<eventID>}. {@code parsed} keeps the IDs of the files already read (a file, once there, only ever
     * gets the same bytes again).
     */
    private Map<String, List<String>> eventFiles(String bucket, Map<Path, List<String>> parsed) throws IOException {
        Path folder = data.resolve("buckets").resolve(bucket);
        Map<String, List<String>> files = new HashMap<>();
        for (Path file : logFiles(bucket)) {
            String key = folder.relativize(file).toString();
            for (String id : parsed.computeIfAbsent(file, DeliveryCrashTest::eventIds)) {
                files.computeIfAbsent(id, ignored -> new ArrayList<>()).add(key);
            }
        }
        return files;
    }

    private static List<String> eventIds(Path file) {
        List<String> ids = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            JsonNode root = MAPPER.readTree(in);
            assertThat(root.fieldNames()).toIterable().as(file.toString()).containsExactly("Records");
            for (JsonNode record : root.get("Records")) {
                String id = record.get("eventID").asText();
                boolean audit = record.get("eventSource").asText().equals(SelfAudit.EVENT_SOURCE);
                ids.add(audit ? "audit:" + id : id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return ids;
    }

    /** No event ID is delivered twice, in one file or in two; a failure names the first few and their files. */
    private static void assertNoDuplicates(String trail, Map<String, List<String>> files) {
        Map<String, List<String>> duplicates = new TreeMap<>();
        files.forEach((id, in) -> {
            if (in.size() > 1) {
                duplicates.put(id, in);
            }
        });
        Map<String, List<String>> first = new TreeMap<>();
        duplicates.entrySet().stream().limit(5).forEach(entry -> first.put(entry.getKey(), entry.getValue()));
        assertThat(first).as(duplicates.size() + " event IDs delivered more than once by " + trail
                + " (the first few, and the files they are in)").isEmpty();
    }

    private static Set<String> withoutAudit(Set<String> ids) {
        Set<String> ours = new HashSet<>(ids);
        ours.removeIf(id -> id.startsWith("audit:"));
        return ours;
    }

    /** A failure names how many there are and the first few. */
    private static void assertNone(String what, Set<String> ids) {
        assertThat(ids.stream().sorted().limit(10).toList()).as(what + ": " + ids.size() + ", the first few")
                .isEmpty();
    }

    /** The elements of {@code from} not in {@code less}. */
    private static Set<String> minus(Set<String> from, Set<String> less) {
        Set<String> rest = new HashSet<>(from);
        rest.removeAll(less);
        return rest;
    }

    /** The log files of a bucket (temporary files, which no reader sees, left out). */
    private List<Path> logFiles(String bucket) throws IOException {
        Path folder = data.resolve("buckets").resolve(bucket);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).filter(file -> !file.toString().endsWith(".cairn-tmp"))
                    .filter(file -> !file.toString().contains("/CloudTrail-Digest/")).sorted().toList();
        }
    }

    private List<Path> temporaryFiles() throws IOException {
        try (Stream<Path> files = Files.walk(data.resolve("buckets"))) {
            return files.filter(file -> file.toString().endsWith(".cairn-tmp")).toList();
        }
    }

    /** StopLogging on the validating trail, then waits (up to 60 s) for its chain's final digest. */
    private void stopAndAwaitFinalDigest(URI endpoint) throws Exception {
        try (CloudTrailClient cloudTrail = TestSigning.configure(CloudTrailClient.builder(), endpoint, REGION,
                administrator(), Clock.systemUTC()).build()) {
            cloudTrail.stopLogging(request -> request.name(ALL_TRAIL));
        }
        Path digests = data.resolve("buckets").resolve(ALL_BUCKET);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.walk(digests)) {
                for (Path file : files.filter(path -> path.toString().contains("/CloudTrail-Digest/")
                        && path.toString().endsWith(".json.gz")).toList()) {
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                        if (MAPPER.readTree(in).path("cairnNextDigestTime").isNull()) {
                            return;
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no final digest within 60 s of StopLogging");
    }

    /**
     * The validating trail's digests, written across the kills, form a valid chain (each digest once, signed, linked
     * to the one before), and list every log file in the bucket exactly once: {@code validate-logs} over the local
     * bucket, with the keys read from the data folder, finds everything valid.
     */
    private void assertDigestsVouchForEveryFileOnce(String account, Instant from) throws IOException {
        SigningKeys keys = new SigningKeys(data.resolve("keys"), Clock.systemUTC());
        LogValidator validator = new LogValidator(new LocalObjectStore(data.resolve("buckets")), (start, end) -> {
            Map<String, byte[]> found = new HashMap<>();
            for (SigningKeys.PublicKey key : keys.publicKeys(REGION, start, end)) {
                found.put(key.fingerprint(), key.pkcs1Der());
            }
            return found;
        }, Runnable::run, Clock.systemUTC());
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = validator.run(new LogValidator.Target("arn:aws:cloudtrail:" + REGION + ":" + account + ":trail/"
                        + ALL_TRAIL, account, REGION, REGION, ALL_TRAIL, ALL_BUCKET, Optional.empty(), from,
                        Instant.now(), true), new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(err.toString()).as("validate-logs found nothing wrong").isEmpty();
        List<String> vouched = out.toString().lines().filter(line -> line.startsWith("Log file\t"))
                .map(line -> line.split("\t")[1]).toList();
        Set<String> inBucket = new HashSet<>();
        Path folder = data.resolve("buckets").resolve(ALL_BUCKET);
        for (Path file : logFiles(ALL_BUCKET)) {
            inBucket.add("s3://" + ALL_BUCKET + "/" + folder.relativize(file).toString().replace('\\', '/'));
        }
        assertThat(vouched).as("log files vouched for").doesNotHaveDuplicates();
        assertThat(Set.copyOf(vouched)).as("log files vouched for").isEqualTo(inBucket);
        System.out.println("DeliveryCrashTest: " + out.toString().lines().filter(line -> line.contains("files valid"))
                .toList());
    }

    /** Every object is a log file, under {@code <prefix>AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/}. */
    private void assertKeys(String account, String bucket, String prefix) throws IOException {
        Path folder = data.resolve("buckets").resolve(bucket);
        Pattern key = Pattern.compile(Pattern.quote(prefix + "AWSLogs/" + account + "/CloudTrail/" + REGION + "/")
                + "(\\d{4})/(\\d{2})/(\\d{2})/" + Pattern.quote(account + "_CloudTrail_" + REGION + "_")
                + "(\\d{4})(\\d{2})(\\d{2})T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz");
        List<Path> files = logFiles(bucket);
        assertThat(files).as("log files in " + bucket).isNotEmpty();
        for (Path file : files) {
            assertThat(file.getFileName().toString()).matches(FILE_NAME);
            String name = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            Matcher matcher = key.matcher(name);
            assertThat(matcher.matches()).as(name).isTrue();
            assertThat(matcher.group(1) + matcher.group(2) + matcher.group(3)).as(name)
                    .isEqualTo(matcher.group(4) + matcher.group(5) + matcher.group(6));
        }
    }

    /** A Cairn server in its own JVM, as `cairn serve` runs it, on a port of its choosing. */
    private record Server(Process process, URI endpoint, String accountId, List<String> output) {
        private static final Pattern LISTENING = Pattern.compile("Cairn is listening on (http://\\S+) .*");
        private static final Pattern ACCOUNT = Pattern.compile("Account (\\d{12});.*");

        static Server start(Path data) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), "cairn.server.Main", "--data", data.toString(),
                    "--port", "0", "--set", "delivery.interval=1s", "--set", "delivery.create-buckets=true",
                    "--set", "delivery.digest-period=2s",
                    "--set", "server.regions=" + REGION,
                    "--set", "history.retention=3650d")
                    .redirectErrorStream(true).start();
            List<String> output = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch ready = new CountDownLatch(1);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        output.add(line);
                        if (line.startsWith("Try:")) {
                            ready.countDown();
                        }
                    }
                } catch (IOException e) {
                    // The process was killed.
                }
                ready.countDown();
            });
            if (!ready.await(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            List<String> lines;
            synchronized (output) {
                lines = List.copyOf(output);
            }
            Optional<Matcher> listening = lines.stream().map(LISTENING::matcher).filter(Matcher::matches).findFirst();
            Optional<Matcher> account = lines.stream().map(ACCOUNT::matcher).filter(Matcher::matches).findFirst();
            assertThat(listening.isPresent() && account.isPresent()).as("server output: " + lines).isTrue();
            return new Server(process, URI.create(listening.get().group(1)), account.get().group(1), output);
        }

        /** SIGKILL: no shutdown hook, no flush, no close. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("killed server exited").isTrue();
        }

        /** SIGTERM: the shutdown hook closes the server, the delivery thread included. */
        void stop() throws InterruptedException {
            process.destroy();
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            assertThat(exited).as("stopped server exited; output: " + output).isTrue();
        }
    }
}
