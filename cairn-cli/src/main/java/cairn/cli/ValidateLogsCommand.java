package cairn.cli;

import cairn.delivery.objectstore.LocalObjectStore;
import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.s3.S3ObjectStore;
import cairn.delivery.objectstore.s3.S3Settings;
import cairn.delivery.validation.LogValidator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClientBuilder;
import software.amazon.awssdk.services.cloudtrail.model.PublicKey;
import software.amazon.awssdk.services.cloudtrail.model.Trail;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * {@code cairn validate-logs}: the AWS CLI's {@code aws cloudtrail validate-logs}, with its arguments, output and exit
 * codes, and the checks it lacks (see {@link LogValidator}). The trail's bucket and the public keys come from a running
 * Cairn (DescribeTrails, ListPublicKeys), or from {@code --s3-bucket} and a key file ({@code aws cloudtrail
 * list-public-keys} output) with no server at all; the files from S3 or from a Cairn data folder's local buckets.
 */
@Command(name = "validate-logs", mixinStandardHelpOptions = true,
        description = "Validates a trail's log files against its signed digests, as aws cloudtrail validate-logs "
                + "does, and more.")
final class ValidateLogsCommand implements Callable<Integer> {
    private static final Pattern TRAIL_ARN = Pattern.compile("arn:.+:cloudtrail:.+:\\d{12}:trail/.+");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--trail-arn", required = true, description = "the ARN of the trail to validate")
    String trailArn;

    @Option(names = "--start-time", required = true,
            description = "validate log files delivered from this time on (UTC unless it says otherwise)")
    String startTime;

    @Option(names = "--end-time", description = "validate log files delivered until this time (default: now)")
    String endTime;

    @Option(names = "--s3-bucket", description = "the bucket the digests are in (default: the trail's)")
    String bucket;

    @Option(names = "--s3-prefix", description = "the key prefix of the files (only with --s3-bucket)")
    String prefix;

    @Option(names = "--account-id", description = "the account whose files to validate (default: the ARN's)")
    String accountId;

    @Option(names = "--verbose", description = "list every valid file too")
    boolean verbose;

    @Option(names = "--region", description = "the region whose digests to walk (default: AWS_REGION, "
            + "AWS_DEFAULT_REGION, else the trail's home region)")
    String region;

    @Option(names = "--endpoint-url", description = "the Cairn API, for DescribeTrails and ListPublicKeys "
            + "(default: the AWS SDK's configuration, e.g. AWS_ENDPOINT_URL_CLOUDTRAIL)")
    URI endpoint;

    @Option(names = "--public-keys", description = "a file of public keys, as aws cloudtrail list-public-keys "
            + "prints them; no server is asked")
    Path keyFile;

    @Option(names = "--data", description = "read the buckets of this Cairn data folder (its buckets/ folder) "
            + "instead of S3")
    Path data;

    @Option(names = "--s3-endpoint-url", description = "the S3 endpoint (default: AWS_ENDPOINT_URL_S3, "
            + "AWS_ENDPOINT_URL, else AWS's)")
    URI s3Endpoint;

    @Option(names = "--threads", description = "how many log files to check at once (default: one per processor)")
    Integer threads;

    @Option(names = "--as-of", description = "judge which digests are overdue as at this time (default: now), e.g. "
            + "when validating a copy of a bucket taken earlier")
    String asOf;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return validate(out, err);
        } catch (Failure failure) {
            out.flush();
            err.print("\n" + failure.getMessage() + "\n");
            return 255;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** An error that ends the command as the AWS CLI's do: its message on stderr, exit code 255. */
    private static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    private int validate(PrintWriter out, PrintWriter err) {
        Instant start = time(startTime);
        Instant end = endTime == null ? Instant.now() : time(endTime);
        if (start.isAfter(end)) {
            throw new Failure("Invalid time range specified: start-time must occur before end-time");
        }
        if (!TRAIL_ARN.matcher(trailArn).lookingAt()) {
            throw new Failure("Invalid trail ARN provided: " + trailArn);
        }
        String[] parts = trailArn.split(":");
        String homeRegion = parts[3];
        String sourceRegion = Optional.ofNullable(region).or(() -> env("AWS_REGION"))
                .or(() -> env("AWS_DEFAULT_REGION")).orElse(homeRegion);
        String account = accountId != null ? accountId : parts[4];
        String name = trailArn.substring(trailArn.lastIndexOf('/') + 1);
        try (CloudTrailClient cloudTrail = keyFile != null && bucket != null ? null : cloudTrail(sourceRegion)) {
            String trailBucket = bucket;
            Optional<String> trailPrefix = Optional.ofNullable(prefix).filter(value -> !value.isEmpty());
            if (trailBucket == null) {
                Trail trail = cloudTrail.describeTrails(request -> { }).trailList().stream()
                        .filter(candidate -> trailArn.equals(candidate.trailARN())).findFirst()
                        .orElseThrow(() -> new Failure("A trail could not be found for " + trailArn));
                trailBucket = trail.s3BucketName();
                trailPrefix = Optional.ofNullable(trail.s3KeyPrefix()).filter(value -> !value.isEmpty());
            }
            LogValidator.PublicKeys keys = keyFile != null ? fromFile(keyFile) : fromServer(cloudTrail);
            LogValidator.Target target = new LogValidator.Target(trailArn, account, homeRegion, sourceRegion, name,
                    trailBucket, trailPrefix, start, end, verbose);
            int parallelism = threads != null ? Math.max(1, threads) : Runtime.getRuntime().availableProcessors();
            ExecutorService checkers = Executors.newFixedThreadPool(parallelism, runnable -> {
                Thread thread = new Thread(runnable, "cairn-validate");
                thread.setDaemon(true);
                return thread;
            });
            try (Store store = store(sourceRegion)) {
                Clock clock = asOf == null ? Clock.systemUTC() : Clock.fixed(time(asOf), java.time.ZoneOffset.UTC);
                return new LogValidator(store.objects(), keys, checkers, clock).run(target, out, err);
            } finally {
                checkers.shutdownNow();
            }
        } catch (SdkException e) {
            throw new Failure("An error occurred: " + e.getMessage());
        }
    }

    private static Instant time(String text) {
        try {
            return LogValidator.parseTime(text);
        } catch (IllegalArgumentException e) {
            throw new Failure(e.getMessage());
        }
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank());
    }

    private CloudTrailClient cloudTrail(String clientRegion) {
        CloudTrailClientBuilder builder = CloudTrailClient.builder().region(Region.of(clientRegion))
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /** ListPublicKeys on the server: every key whose validity meets the range, in one call, as the AWS CLI makes. */
    private static LogValidator.PublicKeys fromServer(CloudTrailClient cloudTrail) {
        return (from, to) -> {
            Map<String, byte[]> keys = new HashMap<>();
            try {
                for (PublicKey key : cloudTrail.listPublicKeys(request -> request.startTime(from).endTime(to))
                        .publicKeyList()) {
                    keys.put(key.fingerprint(), key.value().asByteArray());
                }
            } catch (SdkException e) {
                throw new IOException(e.getMessage(), e);
            }
            return keys;
        };
    }

    /**
     * The keys of a file {@code aws cloudtrail list-public-keys} wrote ({@code PublicKeyList} of base64 {@code Value},
     * {@code Fingerprint}, and validity times as epoch seconds or ISO text), those whose validity meets the range.
     */
    private static LogValidator.PublicKeys fromFile(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new Failure("Cannot read the public keys in " + file + ": " + e.getMessage());
        }
        if (root == null || !root.path("PublicKeyList").isArray()) {
            throw new Failure("Cannot read the public keys in " + file + ": no PublicKeyList in it (write it with "
                    + "aws cloudtrail list-public-keys)");
        }
        record Entry(String fingerprint, byte[] der, Instant from, Instant to) {
        }
        List<Entry> entries = new java.util.ArrayList<>();
        for (JsonNode key : root.get("PublicKeyList")) {
            try {
                entries.add(new Entry(key.get("Fingerprint").asText(),
                        Base64.getDecoder().decode(key.get("Value").asText()),
                        fileTime(key.get("ValidityStartTime")), fileTime(key.get("ValidityEndTime"))));
            } catch (RuntimeException e) {
                throw new Failure("Cannot read the public keys in " + file + ": a key lacks a valid Fingerprint, "
                        + "Value, ValidityStartTime or ValidityEndTime: " + key);
            }
        }
        return (from, to) -> {
            Map<String, byte[]> keys = new HashMap<>();
            for (Entry entry : entries) {
                if (!entry.from().isAfter(to) && !entry.to().isBefore(from)) {
                    keys.put(entry.fingerprint(), entry.der());
                }
            }
            return keys;
        };
    }

    private static Instant fileTime(JsonNode node) {
        if (node.isNumber()) {
            return Instant.ofEpochMilli(Math.round(node.asDouble() * 1000));
        }
        return LogValidator.parseTime(node.asText());
    }

    /** The object store the files are read from, closed after. */
    private record Store(ObjectStore objects, AutoCloseable closer) implements AutoCloseable {
        @Override
        public void close() {
            try {
                closer.close();
            } catch (Exception e) {
                // Nothing was written; a failure to let go of connections changes no result.
            }
        }
    }

    private Store store(String clientRegion) {
        if (data != null) {
            Path buckets = data.resolve("buckets");
            if (!Files.isDirectory(buckets)) {
                throw new Failure(data.toAbsolutePath() + " is not a Cairn data folder (no buckets/ in it)");
            }
            return new Store(new LocalObjectStore(buckets), () -> { });
        }
        Optional<URI> s3 = Optional.ofNullable(s3Endpoint).or(() -> env("AWS_ENDPOINT_URL_S3").map(URI::create))
                .or(() -> env("AWS_ENDPOINT_URL").map(URI::create));
        try {
            S3ObjectStore objects = new S3ObjectStore(new S3Settings("validate-logs", s3, clientRegion,
                    s3.isPresent(), Optional.empty(), Optional.empty(), Optional.empty(),
                    env("AWS_CA_BUNDLE").map(Path::of), Duration.ofMinutes(2), S3Settings.MIN_PART_BYTES, List.of()));
            return new Store(objects, objects);
        } catch (IOException e) {
            throw new Failure("Cannot connect to S3: " + e.getMessage());
        }
    }
}
