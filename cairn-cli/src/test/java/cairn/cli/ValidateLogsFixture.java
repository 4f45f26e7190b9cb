package cairn.cli;

import cairn.delivery.objectstore.LocalObjectStore;
import cairn.delivery.objectstore.ObjectStore;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkGlobalTime;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CreateTrailResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A Cairn server whose buckets are in a moto S3 server, on a clock the test moves (it starts in the past, at
 * {@link #START}, so that every time a test names is before the real now), with what the validate-logs tests need:
 * trails that validate their log files, calls that give them events, moving the clock while delivery does what is
 * due, the objects in moto to read and tamper with, and both validators: the AWS CLI ({@code aws cloudtrail
 * validate-logs}) and {@code cairn validate-logs}, each run with the same arguments and giving its exit code, stdout
 * and stderr. One serves a whole test class.
 *
 * <p>Both validators call the server (DescribeTrails, ListPublicKeys), which checks that a request was signed within
 * 15 minutes of its own clock, so each signs at the server's time, not the real one:
 * <ul>
 *   <li>the AWS CLI runs with a {@code sitecustomize.py} on its {@code PYTHONPATH} that makes botocore's SigV4 signer
 *       read the time from {@code CAIRN_TEST_SIGNING_TIME} (epoch seconds; botocore's {@code get_current_datetime},
 *       which {@code SigV4Auth.add_auth} calls, is replaced; were it gone, Cairn would answer "Signature expired",
 *       which the outcome shows); its S3 client reaches moto through {@code AWS_ENDPOINT_URL_S3} (spec 3.9), its
 *       CloudTrail client Cairn through {@code --endpoint-url}; the rest of its environment is cleared of
 *       {@code AWS_*} variables and config files;</li>
 *   <li>{@code cairn validate-logs} runs in-process (as {@link CommandRun} does), its SDK clients signing with the
 *       offset from the real time the SDK keeps for clock skew ({@link SdkGlobalTime}, which every new client starts
 *       from), and the Cairn administrator's key given as the system properties {@code aws.accessKeyId} and
 *       {@code aws.secretAccessKey}, the first source of the SDK's default credentials chain. Both are put back
 *       after each run.</li>
 * </ul>
 * Moto takes any credentials, so both validators read it with the administrator's key.
 */
final class ValidateLogsFixture implements AutoCloseable {
    static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
    static final String REGION = "us-east-1";
    static final Duration INTERVAL = Duration.ofSeconds(60);
    /** Moto takes any credentials. */
    private static final String MOTO_KEY = "testing";
    private static final String MOTO_SECRET = "testing";
    private static final DateTimeFormatter DISPLAY = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String SITE_CUSTOMIZE = """
            import os
            _now = os.environ.get('CAIRN_TEST_SIGNING_TIME')
            if _now:
                import datetime
                import botocore.auth
                _fixed = datetime.datetime.fromtimestamp(int(_now), datetime.timezone.utc)
                def _signing_time(remove_tzinfo=True):
                    return _fixed.replace(tzinfo=None) if remove_tzinfo else _fixed
                botocore.auth.get_current_datetime = _signing_time
            """;

    private final Path folder;
    private final Path data;
    private final Path python;
    private final MutableClock clock = new MutableClock(START);
    private final Process moto;
    private final URI motoEndpoint;
    private final S3Client s3;
    private final AtomicInteger events = new AtomicInteger();
    private RunningCairn cairn;
    private CloudTrailClient cloudTrail;

    /** A trail: its name, ARN, bucket and key prefix ("" for none). */
    record Trail(String name, String arn, String bucket, String prefix) {
        /** Where its keys start: {@code <prefix>/AWSLogs/} or {@code AWSLogs/}. */
        String awsLogs() {
            return (prefix.isEmpty() ? "" : prefix + "/") + "AWSLogs/";
        }
    }

    /** What one validator run gave. */
    record Outcome(int exitCode, String stdout, String stderr) {
        List<String> errLines() {
            return stderr.lines().filter(line -> !line.isEmpty()).toList();
        }

        List<String> outLines() {
            return stdout.lines().filter(line -> !line.isEmpty()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr + "---";
        }
    }

    /** An object as stored: its bytes and user metadata. */
    record Stored(byte[] bytes, Map<String, String> metadata) {
    }

    ValidateLogsFixture() throws IOException {
        folder = Files.createTempDirectory("cairn-validate-logs");
        data = folder.resolve("data");
        python = folder.resolve("python");
        Files.createDirectories(python);
        Files.writeString(python.resolve("sitecustomize.py"), SITE_CUSTOMIZE);
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        motoEndpoint = URI.create("http://127.0.0.1:" + port);
        moto = startMoto(port);
        S3Client client = null;
        try {
            client = motoClient();
            s3 = client;
            start();
        } catch (IOException | RuntimeException e) {
            if (client != null) {
                client.close();
            }
            stopMoto();
            deleteTree(folder);
            throw e;
        }
    }

    private S3Client motoClient() {
        return S3Client.builder()
                .endpointOverride(motoEndpoint)
                .forcePathStyle(true)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MOTO_KEY, MOTO_SECRET)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /**
     * Starts {@code moto_server} (preinstalled; the cairn-delivery test-jar's launcher is not on this module's
     * classpath) and returns once it answers, or fails with its output.
     */
    private Process startMoto(int port) throws IOException {
        Path log = folder.resolve("moto.log");
        Process process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                http.send(HttpRequest.newBuilder(motoEndpoint.resolve("/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return process;
            } catch (IOException notYet) {
                // not answering yet: wait a little for the process, which also notices it ending
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IOException("moto_server did not answer on " + motoEndpoint + "; its output:\n"
                + Files.readString(log));
    }

    private Map<String, String> motoSettings() {
        return Map.of("s3.connections", "moto",
                "s3.moto.endpoint", motoEndpoint.toString(),
                "s3.moto.access-key-id", MOTO_KEY,
                "s3.moto.secret-access-key", MOTO_SECRET,
                "s3.moto.buckets", "*");
    }

    private void start() throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(motoSettings());
        settings.put("delivery.interval", INTERVAL.toSeconds() + "s");
        settings.put("delivery.digest-period", "1h");
        cairn = RunningCairn.start(data, clock, settings);
        cloudTrail = cairn.sdk(CloudTrailClient.builder(), REGION).build();
    }

    /** Stops the server and starts it again on the same data folder and clock (it reads its keys anew). */
    void restart() throws IOException {
        cloudTrail.close();
        cairn.close();
        start();
    }

    RunningCairn cairn() {
        return cairn;
    }

    MutableClock clock() {
        return clock;
    }

    Path data() {
        return data;
    }

    CloudTrailClient cloudTrail() {
        return cloudTrail;
    }

    URI motoEndpoint() {
        return motoEndpoint;
    }

    String account() {
        return cairn.accountId();
    }

    static String display(Instant time) {
        return DISPLAY.format(time);
    }

    // ---- trails and events ----

    /** Creates the bucket in moto and a trail that validates its log files into it, and starts it logging. */
    Trail createTrail(String name, String bucket) {
        return createTrail(name, bucket, "", false);
    }

    /**
     * Creates the bucket in moto and a trail that validates its log files into it, under {@code prefix} ("" for
     * none), in every region when {@code multiRegion}, and starts it logging.
     */
    Trail createTrail(String name, String bucket, String prefix, boolean multiRegion) {
        s3.createBucket(request -> request.bucket(bucket));
        CreateTrailResponse created = cloudTrail.createTrail(request -> request.name(name).s3BucketName(bucket)
                .s3KeyPrefix(prefix.isEmpty() ? null : prefix).isMultiRegionTrail(multiRegion)
                .enableLogFileValidation(true));
        cloudTrail.startLogging(request -> request.name(name));
        return new Trail(name, created.trailARN(), bucket, prefix);
    }

    void stopLogging(Trail trail) {
        cloudTrail.stopLogging(request -> request.name(trail.name()));
    }

    void startLogging(Trail trail) {
        cloudTrail.startLogging(request -> request.name(trail.name()));
    }

    /**
     * Activity at the clock's time: {@code count} records sent to the batch endpoint, and one CloudTrail call
     * (DescribeTrails), whose audit event trails deliver too.
     */
    void activity(int count) throws IOException, InterruptedException {
        activity(count, REGION);
    }

    /** {@link #activity(int)} with the records' {@code awsRegion} {@code region} (the call stays in us-east-1). */
    void activity(int count, String region) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder("{\"Records\":[");
        String time = display(clock.instant());
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"eventVersion\":\"1.08\",\"eventTime\":\"").append(time)
                    .append("\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",")
                    .append("\"awsRegion\":\"").append(region).append("\",\"eventID\":\"validate-logs-")
                    .append(events.incrementAndGet()).append("\",\"readOnly\":false}");
        }
        var response = cairn.postRecords(body.append("]}").toString().getBytes(StandardCharsets.UTF_8), REGION);
        if (response.statusCode() != 200) {
            throw new AssertionError("posting records failed: " + response.statusCode() + " " + response.body());
        }
        cloudTrail.describeTrails(request -> { });
    }

    /** Delivers what is due at the clock's time: the audit events are stored, then passes run until none is behind. */
    void deliverDue() {
        cairn.server().flushAudit();
        for (int pass = 0; pass < 1000 && cairn.server().delivery().runOnce(); pass++) {
            // another pass: a trail still had records to read
        }
    }

    /** Moves the clock by {@code by}, one delivery interval at a time, delivering what is due at each step. */
    void advance(Duration by) {
        Instant until = clock.instant().plus(by);
        deliverDue();
        while (clock.instant().isBefore(until)) {
            Instant next = clock.instant().plus(INTERVAL);
            clock.set(next.isAfter(until) ? until : next);
            deliverDue();
        }
    }

    /** Moves the clock to {@code time} (not before now), delivering what is due on the way. */
    void advanceTo(Instant time) {
        if (time.isBefore(clock.instant())) {
            throw new IllegalArgumentException("the clock is at " + clock.instant() + ", past " + time);
        }
        advance(Duration.between(clock.instant(), time));
    }

    // ---- the objects in moto ----

    /** The keys of {@code bucket} under {@code prefix}, in key order. */
    List<String> keys(String bucket, String prefix) {
        List<String> keys = new ArrayList<>();
        for (S3Object object : s3.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix))
                .contents()) {
            keys.add(object.key());
        }
        return keys;
    }

    /** The digest keys of the trail, oldest first. */
    List<String> digests(Trail trail) {
        return digests(trail, REGION);
    }

    /** The digest keys of the trail delivered for {@code region}, oldest first. */
    List<String> digests(Trail trail, String region) {
        return keys(trail.bucket(), trail.awsLogs() + account() + "/CloudTrail-Digest/" + region + "/").stream()
                .filter(key -> key.contains("_CloudTrail-Digest_" + region + "_" + trail.name() + "_")).toList();
    }

    /** The log file keys of the trail, oldest first. */
    List<String> logFiles(Trail trail) {
        return logFiles(trail, REGION);
    }

    /** The log file keys of the trail delivered for {@code region}, oldest first. */
    List<String> logFiles(Trail trail, String region) {
        return keys(trail.bucket(), trail.awsLogs() + account() + "/CloudTrail/" + region + "/");
    }

    Stored get(String bucket, String key) {
        var response = s3.getObjectAsBytes(request -> request.bucket(bucket).key(key));
        GetObjectResponse head = response.response();
        return new Stored(response.asByteArray(), Map.copyOf(head.metadata()));
    }

    void put(String bucket, String key, byte[] bytes, Map<String, String> metadata) {
        s3.putObject(request -> request.bucket(bucket).key(key).metadata(metadata), RequestBody.fromBytes(bytes));
    }

    void delete(String bucket, String key) {
        s3.deleteObject(request -> request.bucket(bucket).key(key));
    }

    /** Copies an object, with its metadata, to another key of the same bucket. */
    void copy(String bucket, String from, String to) {
        Stored stored = get(bucket, from);
        put(bucket, to, stored.bytes(), stored.metadata());
    }

    /** Moves an object, with its metadata, to another key of the same bucket. */
    void move(String bucket, String from, String to) {
        copy(bucket, from, to);
        delete(bucket, from);
    }

    /** Every object of the bucket, by key. */
    SortedMap<String, Stored> snapshot(String bucket) {
        SortedMap<String, Stored> objects = new TreeMap<>();
        for (String key : keys(bucket, "")) {
            objects.put(key, get(bucket, key));
        }
        return objects;
    }

    /** Makes the bucket hold exactly {@code objects} again. */
    void restore(String bucket, SortedMap<String, Stored> objects) {
        for (String key : keys(bucket, "")) {
            if (!objects.containsKey(key)) {
                delete(bucket, key);
            }
        }
        objects.forEach((key, stored) -> put(bucket, key, stored.bytes(), stored.metadata()));
    }

    static byte[] gunzip(byte[] gzip) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---- a second server on local buckets ----

    /**
     * A second server on local buckets, in {@code folder}: the installation, identity, signing keys and trails of
     * this one (so the same account, administrator, keys and trail ARNs), and the objects of {@code buckets} copied
     * from moto, metadata included, into its own buckets. Its clock stands at this one's time; the caller closes it.
     */
    RunningCairn localTwin(Path twin, String... buckets) throws IOException {
        for (String part : List.of("installation", "identity", "keys", "trails")) {
            copyTree(data.resolve(part), twin.resolve(part));
        }
        LocalObjectStore local = new LocalObjectStore(twin.resolve("buckets"));
        for (String bucket : buckets) {
            local.createBucket(bucket);
            for (Map.Entry<String, Stored> object : snapshot(bucket).entrySet()) {
                local.put(bucket, object.getKey(), object.getValue().bytes(), object.getValue().metadata(),
                        ObjectStore.Encryption.of(java.util.Optional.empty()));
            }
        }
        return RunningCairn.start(twin, new MutableClock(clock.instant()),
                Map.of("delivery.interval", INTERVAL.toSeconds() + "s", "delivery.create-buckets", "true"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }

    // ---- the validators ----

    /** The arguments every run takes: the trail, the range, and the region. */
    static List<String> range(Trail trail, Instant start, Instant end, String... more) {
        return range(trail.arn(), start, end, more);
    }

    static List<String> range(String arn, Instant start, Instant end, String... more) {
        List<String> arguments = new ArrayList<>(List.of("--trail-arn", arn, "--start-time", display(start),
                "--end-time", display(end), "--region", REGION));
        arguments.addAll(List.of(more));
        return arguments;
    }

    /**
     * {@code aws cloudtrail validate-logs} with these arguments, against this server (its CloudTrail client) and
     * moto (its S3 client), signing at the server's time.
     */
    Outcome aws(List<String> arguments) throws IOException, InterruptedException {
        return awsCli(cairn.endpoint(), cairn.admin(), prepend(List.of("cloudtrail", "validate-logs"), arguments));
    }

    /** Any {@code aws} command, with these credentials, against {@code endpoint} and moto, at the server's time. */
    Outcome awsCli(URI endpoint, AwsCredentialsIdentity credentials, List<String> arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", endpoint.toString(), "--output",
                "json"));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(key -> key.startsWith("AWS_"));
        environment.put("AWS_ACCESS_KEY_ID", credentials.accessKeyId());
        environment.put("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey());
        environment.put("AWS_CONFIG_FILE", "/dev/null");
        environment.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        environment.put("AWS_PAGER", "");
        environment.put("AWS_ENDPOINT_URL_S3", motoEndpoint.toString());
        environment.put("CAIRN_TEST_SIGNING_TIME", Long.toString(clock.instant().getEpochSecond()));
        String pythonPath = environment.get("PYTHONPATH");
        environment.put("PYTHONPATH", python + (pythonPath == null || pythonPath.isEmpty() ? ""
                : java.io.File.pathSeparator + pythonPath));
        Path out = Files.createTempFile(folder, "aws", ".out");
        Path err = Files.createTempFile(folder, "aws", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("aws did not finish: " + command);
        }
        Outcome outcome = new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return outcome;
    }

    /**
     * {@code cairn validate-logs} with these arguments, in-process, against this server (with
     * {@code --endpoint-url}) and moto (with {@code --s3-endpoint-url}), signing at the server's time.
     */
    Outcome cairn(List<String> arguments) {
        List<String> all = new ArrayList<>(arguments);
        all.addAll(List.of("--endpoint-url", cairn.endpoint().toString(), "--s3-endpoint-url",
                motoEndpoint.toString()));
        return cairnAs(cairn.admin(), all);
    }

    /** {@code cairn validate-logs} with exactly these arguments, as {@code credentials}, at the server's time. */
    Outcome cairnAs(AwsCredentialsIdentity credentials, List<String> arguments) {
        Map<String, String> saved = new LinkedHashMap<>();
        for (String property : List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.sessionToken")) {
            saved.put(property, System.getProperty(property));
        }
        int offset = SdkGlobalTime.getGlobalTimeOffset();
        System.setProperty("aws.accessKeyId", credentials.accessKeyId());
        System.setProperty("aws.secretAccessKey", credentials.secretAccessKey());
        System.clearProperty("aws.sessionToken");
        // The SDK signs at the real time less this offset (seconds): the server's time.
        SdkGlobalTime.setGlobalTimeOffset(Math.toIntExact(Instant.now().getEpochSecond()
                - clock.instant().getEpochSecond()));
        try {
            // Overdue digests are judged at the server's time, not the real one, which is much later.
            List<String> all = prepend(List.of("validate-logs"), arguments);
            all.addAll(List.of("--as-of", clock.instant().toString()));
            CommandRun run = CommandRun.cairn(all.toArray(String[]::new));
            return new Outcome(run.status(), run.out(), run.err());
        } finally {
            SdkGlobalTime.setGlobalTimeOffset(offset);
            saved.forEach((property, value) -> {
                if (value == null) {
                    System.clearProperty(property);
                } else {
                    System.setProperty(property, value);
                }
            });
        }
    }

    private static List<String> prepend(List<String> first, List<String> rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(rest);
        return all;
    }

    @Override
    public void close() throws IOException {
        try {
            if (cloudTrail != null) {
                cloudTrail.close();
            }
            if (cairn != null) {
                cairn.close();
            }
        } finally {
            try {
                s3.close();
                stopMoto();
            } finally {
                deleteTree(folder);
            }
        }
    }

    private void stopMoto() {
        moto.descendants().forEach(ProcessHandle::destroy);
        moto.destroy();
        try {
            if (!moto.waitFor(5, TimeUnit.SECONDS)) {
                moto.destroyForcibly();
            }
        } catch (InterruptedException e) {
            moto.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
