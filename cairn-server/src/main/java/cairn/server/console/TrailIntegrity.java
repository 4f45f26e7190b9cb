package cairn.server.console;

import cairn.delivery.digest.DigestKeys;
import cairn.delivery.digest.SigningKeys;
import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.validation.LogValidator;
import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.json.StrictJson;
import cairn.model.trail.Trail;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

import static java.util.Objects.requireNonNull;

/**
 * A trail's integrity, for the console: the newest digests of its chain in a region, read back from its bucket, and a
 * validation of a time range run in the server exactly as {@code cairn validate-logs} runs it (the same
 * {@link LogValidator}, its output and exit code).
 */
public final class TrailIntegrity {
    static final int MAX_DIGESTS = 48;
    static final Duration MAX_RANGE = Duration.ofDays(31);
    /** What a validation's output and errors keep each, at most (characters). */
    static final int MAX_OUTPUT = 1 << 20;
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

    /** One validation at a time: each uses every core. */
    private final java.util.concurrent.Semaphore validating = new java.util.concurrent.Semaphore(1);
    private final ObjectStore buckets;
    private final SigningKeys keys;
    private final Clock clock;

    TrailIntegrity(ObjectStore buckets, SigningKeys keys, Clock clock) {
        this.buckets = requireNonNull(buckets, "buckets is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** {@code {"trailARN","region","logFileValidation","digests":[...newest first]}}; see docs/CONSOLE.md. */
    ObjectNode chain(Trail trail, String region) {
        ObjectNode answer = StrictJson.MAPPER.createObjectNode();
        answer.put("trailARN", trail.arn());
        answer.put("region", region);
        answer.put("logFileValidation", trail.logFileValidation());
        ArrayNode digests = answer.putArray("digests");
        String folder = DigestKeys.regionFolder(trail.s3KeyPrefix(), trail.accountId(), region) + "/";
        String marker = "_CloudTrail-Digest_" + region + "_" + trail.name() + "_" + trail.homeRegion() + "_";
        Instant today = clock.instant();
        List<String> found = new ArrayList<>();
        try {
            for (int daysBack = 0; daysBack < 3 && found.size() < MAX_DIGESTS; daysBack++) {
                String dayFolder = folder + DAY.format(today.minus(Duration.ofDays(daysBack))) + "/";
                List<String> day = new ArrayList<>();
                Optional<String> after = Optional.empty();
                while (true) {
                    List<String> page = buckets.list(trail.s3BucketName(), dayFolder, after, 1000);
                    page.stream().filter(key -> key.contains(marker)).forEach(day::add);
                    if (page.size() < 1000) {
                        break;
                    }
                    after = Optional.of(page.getLast());
                }
                day.sort(java.util.Comparator.reverseOrder());
                for (String key : day) {
                    if (found.size() < MAX_DIGESTS) {
                        found.add(key);
                    }
                }
            }
            for (String key : found) {
                digests.add(describe(trail.s3BucketName(), key));
            }
        } catch (IOException e) {
            answer.put("error", "Cannot read the digests in bucket " + trail.s3BucketName() + ": " + e.getMessage());
        }
        return answer;
    }

    private ObjectNode describe(String bucket, String key) throws IOException {
        ObjectNode digest = StrictJson.MAPPER.createObjectNode();
        digest.put("key", key);
        DigestKeys.endOf(key).ifPresent(end -> digest.put("time", end.getEpochSecond()));
        Optional<ObjectStore.StoredObject> stored = buckets.get(bucket, key);
        if (stored.isEmpty()) {
            digest.put("problem", "deleted while being read");
            return digest;
        }
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(stored.get().bytes()))) {
            JsonNode json = StrictJson.MAPPER.readTree(in);
            digest.put("start", epoch(json.path("digestStartTime")));
            digest.put("end", epoch(json.path("digestEndTime")));
            digest.put("logFiles", json.path("logFiles").size());
            JsonNode previous = json.path("previousDigestS3Object");
            if (previous.isTextual()) {
                digest.put("previousKey", previous.asText());
            } else {
                digest.putNull("previousKey");
            }
        } catch (IOException | RuntimeException e) {
            digest.put("problem", "not a readable digest: " + e.getMessage());
        }
        return digest;
    }

    private static long epoch(JsonNode time) {
        return time.isTextual() ? Instant.parse(time.asText()).getEpochSecond() : 0;
    }

    /** Runs the validation of {@code [start, end]}; {@code {"exitCode","output","errors"}}. */
    ObjectNode validate(Trail trail, String region, Instant start, Instant end) {
        if (start.isAfter(end)) {
            throw new CloudTrailException(ErrorCode.INVALID_TIME_RANGE,
                    "Invalid time range specified: start-time must occur before end-time");
        }
        if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
            throw new CloudTrailException(ErrorCode.INVALID_TIME_RANGE, "The console validates at most "
                    + MAX_RANGE.toDays() + " days at a time (one validation runs at once); validate longer ranges "
                    + "with cairn validate-logs.");
        }
        if (!validating.tryAcquire()) {
            throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "Another validation is running; try again "
                    + "when it ends.");
        }
        try {
            return run(trail, region, start, end);
        } finally {
            validating.release();
        }
    }

    private ObjectNode run(Trail trail, String region, Instant start, Instant end) {
        LogValidator.PublicKeys publicKeys = (from, to) -> {
            Map<String, byte[]> found = new HashMap<>();
            for (SigningKeys.PublicKey key : keys.publicKeys(region, from, to)) {
                found.put(key.fingerprint(), key.pkcs1Der());
            }
            return found;
        };
        LogValidator.Target target = new LogValidator.Target(trail.arn(), trail.accountId(), trail.homeRegion(),
                region, trail.name(), trail.s3BucketName(), trail.s3KeyPrefix(), start, end, false);
        Bounded output = new Bounded();
        Bounded errors = new Bounded();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService checkers = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "cairn-console-validate");
            thread.setDaemon(true);
            return thread;
        });
        int exitCode;
        try (PrintWriter out = new PrintWriter(output); PrintWriter err = new PrintWriter(errors)) {
            exitCode = new LogValidator(buckets, publicKeys, checkers, clock).run(target, out, err);
        } catch (UncheckedIOException e) {
            exitCode = 255;
            errors.add("\n" + e.getMessage() + "\n");
        } finally {
            checkers.shutdownNow();
        }
        ObjectNode answer = StrictJson.MAPPER.createObjectNode();
        answer.put("exitCode", exitCode);
        answer.put("output", output.toString());
        answer.put("errors", errors.toString());
        return answer;
    }

    /** Text kept up to {@link #MAX_OUTPUT} characters, then a line that says how much more there was. */
    private static final class Bounded extends java.io.Writer {
        private final StringBuilder kept = new StringBuilder();
        private long dropped;

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            // No IOException: text is kept or counted, never refused.
            int room = Math.max(0, MAX_OUTPUT - kept.length());
            kept.append(chars, offset, Math.min(room, length));
            dropped += Math.max(0, length - room);
        }

        void add(String text) {
            write(text.toCharArray(), 0, text.length());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public synchronized String toString() {
            return dropped == 0 ? kept.toString() : kept + "\n... " + dropped + " more characters not shown (run "
                    + "cairn validate-logs for the whole output)\n";
        }
    }
}
