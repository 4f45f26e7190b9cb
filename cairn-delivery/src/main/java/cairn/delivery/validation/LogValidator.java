package cairn.delivery.validation;

import cairn.delivery.digest.DigestFile;
import cairn.delivery.digest.DigestKeys;
import cairn.delivery.objectstore.ObjectStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * {@code validate-logs}: walks a trail's digest chain back from the newest digest in the range, checks each digest
 * (place, public key, signature) and each log file it lists (SHA-256 of the inflated bytes), and prints what it
 * finds in the AWS CLI's words, line for line (spec 3.5-3.7), with its exit code: 0 when everything is valid, 1 when
 * anything is not.
 *
 * <p>Beyond the AWS CLI it checks what the CLI leaves out, each finding an {@code INVALID} line of the same form that
 * counts in the totals: that a digest is the one its successor's signed {@code previousDigestSignature} and
 * {@code previousDigestHashValue} name; that each gzip file is one member with nothing after it; that the chain
 * reaches the end of the range (a Cairn digest says when its successor is due, so a deleted newest digest is named);
 * and, where the chain is broken, every digest the break hides and every log file no valid digest vouches for.
 *
 * <p>Log files are checked in parallel on the executor given; the output keeps the chain's order.
 */
public final class LogValidator {
    /** How late a digest may be written after its period ends before the chain is said to be cut short. */
    public static final Duration GRACE = Duration.ofMinutes(15);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DISPLAY = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LOG_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern LOG_NAME = Pattern.compile("_CloudTrail_[\\w\\-]+_(\\d{8}T\\d{4}Z)_\\w+\\.json\\.gz$");
    private static final List<String> REQUIRED = List.of("digestPublicKeyFingerprint", "digestS3Bucket",
            "digestS3Object", "previousDigestSignature", "digestEndTime", "digestStartTime");

    private final ObjectStore store;
    private final PublicKeys publicKeys;
    private final Executor checkers;
    private final Clock clock;

    /** Where the public keys come from: a running server's ListPublicKeys, or a file. */
    @FunctionalInterface
    public interface PublicKeys {
        /** The keys whose validity meets {@code [from, to]}, by fingerprint, as DER bytes. */
        Map<String, byte[]> between(Instant from, Instant to) throws IOException;
    }

    /**
     * What to validate: the trail (ARN, account, home region, name), the region whose digests are walked, the
     * bucket and prefix they are in, the time range, and whether valid files are listed too.
     */
    public record Target(String trailArn, String account, String homeRegion, String sourceRegion, String trailName,
                         String bucket, Optional<String> prefix, Instant start, Instant end, boolean verbose) {
        public Target {
            requireNonNull(trailArn, "trailArn is null");
            requireNonNull(account, "account is null");
            requireNonNull(homeRegion, "homeRegion is null");
            requireNonNull(sourceRegion, "sourceRegion is null");
            requireNonNull(trailName, "trailName is null");
            requireNonNull(bucket, "bucket is null");
            requireNonNull(prefix, "prefix is null");
            requireNonNull(start, "start is null");
            requireNonNull(end, "end is null");
        }
    }

    /** A failure that ends the run, as the AWS CLI's uncaught errors do: its message, exit code 255. */
    public static final class Abort extends RuntimeException {
        public Abort(String message, Throwable cause) {
            super(message, cause);
        }

        public Abort(String message) {
            super(message);
        }
    }

    public LogValidator(ObjectStore store, PublicKeys publicKeys, Executor checkers, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.publicKeys = requireNonNull(publicKeys, "publicKeys is null");
        this.checkers = requireNonNull(checkers, "checkers is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Prints the start line; {@link #run} prints the rest. */
    public static String startLine(Target target) {
        return "Validating log files for trail " + target.trailArn() + " between " + display(target.start())
                + " and " + display(target.end()) + "\n\n";
    }

    /**
     * Validates, printing as the AWS CLI does (its start line included) and returning the exit code. An
     * {@link Abort} (no public keys, a store failing other than with a missing object) is printed, after what was
     * printed before it, as {@code \n<message>\n} on {@code err}, and gives 255.
     */
    public int run(Target target, PrintWriter out, PrintWriter err) {
        out.print(startLine(target));
        Run run = new Run(target);
        try {
            run.walk(false);
            run.walk(true);
            run.extras();
        } catch (Abort abort) {
            run.print(out, err);
            err.print("\n" + abort.getMessage() + "\n");
            return 255;
        }
        if (!run.print(out, err)) {
            return 255;
        }
        return run.summary(out);
    }

    static String display(Instant time) {
        return DISPLAY.format(time);
    }

    private enum Kind { DIGEST, BACKFILL_DIGEST, LOG, NOTE }

    /** One output line: its text, whether it goes to stderr, what it counts as. */
    private record Line(Kind kind, String text, boolean error, boolean valid) {
    }

    /** A valid digest, as the extra checks need it. */
    private record Valid(String bucket, String key, Instant start, Instant end, Optional<Instant> next) {
    }

    /** What a digest's successor vouches for: its signature and hash, and where the successor is. */
    private record Link(String signature, Optional<String> sha256, String from) {
    }

    /** A digest found invalid, with the line that says so. */
    private static final class DigestProblem extends Exception {
        DigestProblem(String line) {
            super(line, null, false, false);
        }
    }

    /** A digest that was read and checked. */
    private record Digest(JsonNode json, String signature, String sha256, Instant start, Instant end) {
    }

    private final class Run {
        private final Target target;
        private final List<CompletableFuture<Line>> lines = new ArrayList<>();
        private final Set<String> seenDigests = new HashSet<>();
        private final Set<String> listedLogs = new HashSet<>();
        private final List<Valid> valid = new ArrayList<>();
        private final List<Instant> breaks = new ArrayList<>();
        private Optional<Instant> foundStart = Optional.empty();
        private Optional<Instant> foundEnd = Optional.empty();
        private int validDigests;
        private int invalidDigests;
        private int validBackfill;
        private int invalidBackfill;
        private int validLogs;
        private int invalidLogs;
        private boolean lastDoubleSpace = true;

        Run(Target target) {
            this.target = target;
        }

        /** The walk over the normal chain (or the backfill digests'), as the AWS CLI's DigestTraverser does it. */
        void walk(boolean backfill) {
            String bucket = target.bucket();
            Deque<String> digests = listDigests(bucket, target.end(), backfill);
            Map<String, byte[]> keys = backfill ? new HashMap<>()
                    : loadKeys(target.start(), target.end().plus(Duration.ofHours(2)));
            String key = digests.pollLast();
            if (key == null) {
                return;
            }
            Instant lastStart = keyDate(key, backfill);
            Optional<Link> link = Optional.empty();
            while (key != null && !target.start().isAfter(lastStart)) {
                seenDigests.add(bucket + "/" + key);
                Optional<ObjectStore.StoredObject> object;
                try {
                    object = store.get(bucket, key);
                } catch (IOException e) {
                    throw new Abort(errorText(e), e);
                }
                if (object.isEmpty()) {
                    digestInvalid(backfill, "Digest file\ts3://" + bucket + "/" + key + "\tINVALID: not found");
                    if (!backfill) {
                        breaks.add(keyDate(key, false));
                    }
                    key = nextOlder(digests, key, backfill);
                    link = Optional.empty();
                    continue;
                }
                Digest digest;
                try {
                    digest = check(bucket, key, object.get(), keys, backfill, link);
                } catch (DigestProblem problem) {
                    digestInvalid(backfill, problem.getMessage());
                    if (!backfill) {
                        breaks.add(keyDate(key, false));
                    }
                    key = nextOlder(digests, key, backfill);
                    link = Optional.empty();
                    continue;
                }
                lastStart = digest.start();
                accept(bucket, key, digest, backfill);
                JsonNode previousBucket = digest.json().get("previousDigestS3Bucket");
                JsonNode previousKey = digest.json().get("previousDigestS3Object");
                if (previousBucket == null || previousBucket.isNull() || previousKey == null
                        || previousKey.isNull()) {
                    String older = nextOlder(digests, key, backfill);
                    if (older != null) {
                        note((backfill ? "(backfill) " : "") + "No log files were delivered by CloudTrail between "
                                + display(keyDate(older, backfill)) + " and " + display(lastStart));
                    }
                    key = older;
                    link = Optional.empty();
                } else {
                    link = Optional.of(new Link(text(digest.json(), "previousDigestSignature").orElse(""),
                            text(digest.json(), "previousDigestHashValue"), "s3://" + bucket + "/" + key));
                    key = previousKey.asText();
                    if (!previousBucket.asText().equals(bucket)) {
                        bucket = previousBucket.asText();
                        digests = listDigests(bucket, digest.end(), backfill);
                    }
                }
            }
        }

        /** The digest keys of the range, oldest first, as the AWS CLI lists and filters them. */
        private Deque<String> listDigests(String bucket, Instant end, boolean backfill) {
            String folder = DigestKeys.regionFolder(target.prefix(), target.account(), target.sourceRegion());
            String marker = DigestKeys.key(target.prefix(), target.account(), target.sourceRegion(),
                    target.trailName(), target.homeRegion(), target.start().minus(Duration.ofMinutes(1))
                            .truncatedTo(ChronoUnit.SECONDS));
            Pattern name = Pattern.compile("^" + Pattern.quote(folder) + "/\\d+/\\d+/\\d+/"
                    + Pattern.quote(target.account() + "_CloudTrail-Digest_" + target.sourceRegion() + "_"
                    + target.trailName() + "_" + target.homeRegion() + "_") + ".+(?:_backfill)?\\.json\\.gz$");
            String first = DigestKeys.stamp(target.start().truncatedTo(ChronoUnit.SECONDS));
            String last = DigestKeys.stamp(end.plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS));
            Deque<String> keys = new ArrayDeque<>();
            eachKey(bucket, folder, Optional.of(marker), key -> {
                if (!name.matcher(key).matches()) {
                    return true;
                }
                String stamp = stampOf(key);
                if (stamp.compareTo(last) > 0) {
                    return false;
                }
                if (stamp.compareTo(first) >= 0 && isBackfill(key) == backfill) {
                    keys.add(key);
                }
                return true;
            });
            return keys;
        }

        /** Hands {@code visitor} the keys under {@code prefix} after {@code after}, in order, until it says stop. */
        private void eachKey(String bucket, String prefix, Optional<String> after,
                             java.util.function.Predicate<String> visitor) {
            Optional<String> from = after;
            try {
                while (true) {
                    List<String> page = store.list(bucket, prefix, from, 1000);
                    for (String key : page) {
                        if (!visitor.test(key)) {
                            return;
                        }
                    }
                    if (page.size() < 1000) {
                        return;
                    }
                    from = Optional.of(page.getLast());
                }
            } catch (IOException e) {
                throw new Abort(errorText(e), e);
            }
        }

        private Map<String, byte[]> loadKeys(Instant from, Instant to) {
            Map<String, byte[]> keys;
            try {
                keys = publicKeys.between(from, to);
            } catch (IOException e) {
                throw new Abort(errorText(e), e);
            }
            if (keys.isEmpty()) {
                throw new Abort("No public keys found between " + display(from) + " and " + display(to));
            }
            return new HashMap<>(keys);
        }

        /** The next older listed key before {@code failed}'s date (taking the keys passed over off the list). */
        private String nextOlder(Deque<String> digests, String failed, boolean backfill) {
            Instant before = keyDate(failed, backfill);
            while (!digests.isEmpty()) {
                String next = digests.pollLast();
                if (keyDate(next, backfill).isBefore(before)) {
                    return next;
                }
            }
            return null;
        }

        /** Reads and checks a digest as the AWS CLI does, then as Cairn adds. */
        private Digest check(String bucket, String key, ObjectStore.StoredObject object, Map<String, byte[]> keys,
                             boolean backfill, Optional<Link> link) throws DigestProblem {
            String where = "Digest file\ts3://" + bucket + "/" + key + "\tINVALID: ";
            GzipCheck.Inflated inflated = GzipCheck.inflate(object.bytes(), true);
            if (inflated.outcome() == GzipCheck.Outcome.NOT_GZIP || inflated.outcome() == GzipCheck.Outcome.CUT_SHORT) {
                throw new DigestProblem(where + "invalid format");
            }
            JsonNode json;
            try {
                json = JSON.readTree(inflated.bytes());
            } catch (IOException e) {
                throw new DigestProblem(where + "invalid format");
            }
            if (json == null || !json.isObject()) {
                throw new DigestProblem(where + "invalid format");
            }
            Map<String, String> metadata = object.metadata();
            String signature = metadata.get(DigestFile.SIGNATURE_METADATA);
            if (signature == null || !metadata.containsKey(DigestFile.ALGORITHM_METADATA)) {
                throw new DigestProblem(where + "signature verification failed");
            }
            if (backfill && !metadata.containsKey("backfill-generation-timestamp")) {
                throw new DigestProblem(where + "invalid format");
            }
            for (String required : REQUIRED) {
                if (!json.has(required)) {
                    throw new DigestProblem(where + "invalid format");
                }
            }
            if (!bucket.equals(json.get("digestS3Bucket").asText()) || !key.equals(json.get("digestS3Object")
                    .asText())) {
                throw new DigestProblem(where + "has been moved from its original location");
            }
            String fingerprint = json.get("digestPublicKeyFingerprint").asText();
            if (!keys.containsKey(fingerprint) && backfill) {
                Instant generated = parseDate(metadata.get("backfill-generation-timestamp"), where);
                keys.putAll(loadKeys(generated.minus(Duration.ofHours(1)), generated.plus(Duration.ofHours(1))));
            }
            byte[] der = keys.get(fingerprint);
            if (der == null) {
                throw new DigestProblem(where + "public key not found in region " + target.homeRegion()
                        + " for fingerprint " + fingerprint);
            }
            verify(where, der, fingerprint, json, inflated.sha256(), signature);
            Instant end = parseDate(json.get("digestEndTime").asText(), where);
            Instant start = parseDate(json.get("digestStartTime").asText(), where);
            if (inflated.outcome() == GzipCheck.Outcome.TRAILING_DATA) {
                throw new DigestProblem(where + "unexpected data after end of compressed stream");
            }
            if (inflated.outcome() == GzipCheck.Outcome.NO_TRAILER) {
                throw new DigestProblem(where + "invalid format");
            }
            if (!json.path("logFiles").isArray()) {
                throw new DigestProblem(where + "invalid format");
            }
            if (link.isPresent() && (!link.get().signature().equals(signature)
                    || link.get().sha256().filter(hash -> !hash.equals(inflated.sha256())).isPresent())) {
                throw new DigestProblem(where + "is not the digest that " + link.get().from()
                        + " signed as its previous one (previousDigestSignature or previousDigestHashValue differ)");
            }
            return new Digest(json, signature, inflated.sha256(), start, end);
        }

        private void verify(String where, byte[] der, String fingerprint, JsonNode json, String sha256,
                            String signatureHex) throws DigestProblem {
            PublicKey key;
            try {
                key = Pkcs1.read(der);
            } catch (GeneralSecurityException e) {
                throw new DigestProblem(where + "Unable to load PKCS #1 key with fingerprint " + fingerprint);
            }
            JsonNode previous = json.get("previousDigestSignature");
            byte[] toSign = DigestFile.stringToSign(json.get("digestEndTime").asText(),
                    json.get("digestS3Bucket").asText(), json.get("digestS3Object").asText(), sha256,
                    previous.isNull() ? Optional.empty() : Optional.of(previous.asText()));
            if (signatureHex.length() % 2 != 0) {
                throw new DigestProblem(where + "Odd-length string");
            }
            byte[] signatureBytes;
            try {
                signatureBytes = HexFormat.of().parseHex(signatureHex);
            } catch (IllegalArgumentException e) {
                throw new DigestProblem(where + "Non-hexadecimal digit found");
            }
            try {
                Signature verifier = Signature.getInstance("SHA256withRSA");
                verifier.initVerify(key);
                verifier.update(toSign);
                if (!verifier.verify(signatureBytes)) {
                    throw new DigestProblem(where + "signature verification failed");
                }
            } catch (GeneralSecurityException e) {
                throw new DigestProblem(where + "signature verification failed");
            }
        }

        private Instant parseDate(String text, String where) throws DigestProblem {
            try {
                return parseTime(text);
            } catch (IllegalArgumentException e) {
                throw new DigestProblem(where + "Unable to parse date value: " + text);
            }
        }

        /** A valid digest: its line, its log files' checks, the found times. */
        private void accept(String bucket, String key, Digest digest, boolean backfill) {
            Instant start = later(digest.start(), target.start());
            Instant end = digest.end().isBefore(target.end()) ? digest.end() : target.end();
            if (foundStart.isEmpty() || start.isBefore(foundStart.get())) {
                foundStart = Optional.of(start);
            }
            if (foundEnd.isEmpty() || end.isAfter(foundEnd.get())) {
                foundEnd = Optional.of(end);
            }
            lines.add(CompletableFuture.completedFuture(new Line(backfill ? Kind.BACKFILL_DIGEST : Kind.DIGEST,
                    (backfill ? "(backfill) " : "") + "Digest file\ts3://" + digest.json().get("digestS3Bucket")
                            .asText() + "/" + digest.json().get("digestS3Object").asText() + "\tvalid", false,
                    true)));
            if (!backfill) {
                Optional<Instant> next = text(digest.json(), DigestFile.NEXT_DIGEST_FIELD).flatMap(value -> {
                    try {
                        return Optional.of(parseTime(value));
                    } catch (IllegalArgumentException e) {
                        return Optional.empty();
                    }
                });
                valid.add(new Valid(bucket, key, digest.start(), digest.end(), next));
            }
            for (JsonNode log : digest.json().get("logFiles")) {
                String logBucket = log.path("s3Bucket").asText();
                String logKey = log.path("s3Object").asText();
                String hash = log.path("hashValue").asText();
                listedLogs.add(logBucket + "/" + logKey);
                lines.add(CompletableFuture.supplyAsync(() -> checkLog(logBucket, logKey, hash), checkers));
            }
        }

        private Line checkLog(String bucket, String key, String hash) {
            String where = "Log file\ts3://" + bucket + "/" + key + "\t";
            Optional<ObjectStore.StoredObject> object;
            try {
                object = store.get(bucket, key);
            } catch (IOException e) {
                throw new UncheckedIOException(errorText(e), e);
            }
            if (object.isEmpty()) {
                return new Line(Kind.LOG, where + "INVALID: not found", true, false);
            }
            GzipCheck.Inflated inflated = GzipCheck.inflate(object.get().bytes(), false);
            // As the AWS CLI's streaming reader: a file cut short is hashed as far as it goes.
            return switch (inflated.outcome()) {
                case NOT_GZIP -> new Line(Kind.LOG, where + "INVALID: invalid format", true, false);
                case CUT_SHORT, NO_TRAILER -> new Line(Kind.LOG, where + (inflated.sha256().equals(hash)
                        ? "INVALID: invalid format" : "INVALID: hash value doesn't match"), true, false);
                case TRAILING_DATA -> new Line(Kind.LOG, where + (inflated.sha256().equals(hash)
                        ? "INVALID: unexpected data after end of compressed stream"
                        : "INVALID: hash value doesn't match"), true, false);
                case WHOLE -> inflated.sha256().equals(hash) ? new Line(Kind.LOG, where + "valid", false, true)
                        : new Line(Kind.LOG, where + "INVALID: hash value doesn't match", true, false);
            };
        }

        private void digestInvalid(boolean backfill, String line) {
            lines.add(CompletableFuture.completedFuture(new Line(backfill ? Kind.BACKFILL_DIGEST : Kind.DIGEST,
                    (backfill ? "(backfill) " : "") + line, true, false)));
        }

        private void note(String line) {
            lines.add(CompletableFuture.completedFuture(new Line(Kind.NOTE, line, true, true)));
        }

        /**
         * Cairn's checks past the walk. The valid digests, in time order, should cover the range without a hole but
         * where a chain ended (its last digest promises no successor) and a new one started. Where a digest promised a
         * successor that is not there (deleted, moved, or found invalid), the digests due in the hole are named, and
         * the log files delivered in it that no valid digest lists; likewise past the newest digest, up to the end of
         * the range, when its successor is due by now.
         */
        void extras() {
            Instant due = clock.instant().minus(GRACE);
            List<Valid> byEnd = new ArrayList<>(valid);
            byEnd.sort((one, other) -> one.end().compareTo(other.end()));
            TreeSet<Instant> broken = new TreeSet<>(breaks);
            List<Instant[]> windows = new ArrayList<>();
            if (byEnd.isEmpty()) {
                if (!broken.isEmpty()) {
                    windows.add(new Instant[]{target.start(), target.end()});
                }
            } else if (!broken.headSet(byEnd.getFirst().start(), true).isEmpty()) {
                windows.add(new Instant[]{target.start(), byEnd.getFirst().start()});
            }
            for (int i = 1; i < byEnd.size(); i++) {
                Valid older = byEnd.get(i - 1);
                Valid newer = byEnd.get(i);
                if (!newer.start().isAfter(older.end())) {
                    continue;
                }
                boolean reported = !broken.subSet(older.end(), false, newer.start(), true).isEmpty();
                if (older.next().isPresent()) {
                    int expected = expectDigests(older, newer.start(), due);
                    if (expected == 0 && !reported) {
                        digestInvalid(false, "Digest file\ts3://" + older.bucket() + "/" + older.key()
                                + "\tINVALID: its chain ends without a final digest: the digests after it, up to "
                                + display(newer.start()) + ", are missing");
                    }
                    windows.add(new Instant[]{older.end(), newer.start()});
                } else if (reported) {
                    windows.add(new Instant[]{older.end(), newer.start()});
                }
            }
            if (!byEnd.isEmpty()) {
                Valid newest = byEnd.getLast();
                Instant until = target.end().isBefore(due) ? target.end() : due;
                if (newest.next().isPresent() && newest.end().isBefore(until) && !newest.next().get().isAfter(due)) {
                    expectDigests(newest, target.end().plus(period(newest)).minusSeconds(1), due);
                    windows.add(new Instant[]{newest.end(), until});
                }
            }
            if (!windows.isEmpty()) {
                uncheckedLogs(windows);
            }
        }

        private Duration period(Valid digest) {
            Duration period = Duration.between(digest.end(), digest.next().orElseThrow());
            return period.isNegative() || period.isZero() ? Duration.ofHours(1) : period;
        }

        /**
         * Names as not found each digest of {@code after}'s chain due from its promised successor on, every period,
         * up to {@code last} and no later than {@code due}, that is neither seen nor in the bucket. Returns how many
         * were due in that span.
         */
        private int expectDigests(Valid after, Instant last, Instant due) {
            Duration period = period(after);
            int count = 0;
            for (Instant end = after.next().orElseThrow(); !end.isAfter(last) && !end.isAfter(due);
                 end = end.plus(period)) {
                count++;
                String key = DigestKeys.key(target.prefix(), target.account(), target.sourceRegion(),
                        target.trailName(), target.homeRegion(), end);
                if (!seenDigests.add(after.bucket() + "/" + key)) {
                    continue;
                }
                try {
                    if (store.head(after.bucket(), key).isPresent()) {
                        continue;
                    }
                } catch (IOException e) {
                    throw new Abort(errorText(e), e);
                }
                digestInvalid(false, "Digest file\ts3://" + after.bucket() + "/" + key + "\tINVALID: not found");
            }
            return count;
        }

        /** Names each log file delivered in the windows that no valid digest lists. */
        private void uncheckedLogs(List<Instant[]> windows) {
            String folder = logFolder();
            Set<String> reported = new HashSet<>();
            for (Instant[] window : windows) {
                Instant low = window[0].truncatedTo(ChronoUnit.MINUTES);
                Instant high = window[1];
                for (LocalDate day = LocalDate.ofInstant(low, ZoneOffset.UTC);
                     !day.isAfter(LocalDate.ofInstant(high, ZoneOffset.UTC)); day = day.plusDays(1)) {
                    String dayFolder = folder + FOLDER.format(day.atStartOfDay(ZoneOffset.UTC)) + "/";
                    for (String key : listAll(dayFolder)) {
                        Matcher name = LOG_NAME.matcher(key);
                        if (!name.find()) {
                            continue;
                        }
                        Instant delivered = Instant.from(LOG_STAMP.parse(name.group(1)));
                        if (delivered.isBefore(low) || delivered.isAfter(high)
                                || listedLogs.contains(target.bucket() + "/" + key) || !reported.add(key)) {
                            continue;
                        }
                        lines.add(CompletableFuture.completedFuture(new Line(Kind.LOG, "Log file\ts3://"
                                + target.bucket() + "/" + key + "\tINVALID: not checked, no valid digest lists it",
                                true, false)));
                    }
                }
            }
        }

        private String logFolder() {
            StringBuilder folder = new StringBuilder();
            target.prefix().filter(value -> !value.isEmpty()).ifPresent(value -> {
                folder.append(value);
                if (!value.endsWith("/")) {
                    folder.append('/');
                }
            });
            return folder.append("AWSLogs/").append(target.account()).append("/CloudTrail/")
                    .append(target.sourceRegion()).append('/').toString();
        }

        private List<String> listAll(String prefix) {
            List<String> keys = new ArrayList<>();
            eachKey(target.bucket(), prefix, Optional.empty(), keys::add);
            return keys;
        }

        /** Prints the lines in order as their checks finish; false when a check failed as the run must not. */
        boolean print(PrintWriter out, PrintWriter err) {
            for (CompletableFuture<Line> pending : lines) {
                Line line;
                try {
                    line = pending.join();
                } catch (CompletionException e) {
                    err.print("\n" + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()) + "\n");
                    return false;
                }
                count(line);
                if (line.error()) {
                    err.print((lastDoubleSpace ? "" : "\n") + line.text() + "\n\n");
                    lastDoubleSpace = true;
                } else if (target.verbose()) {
                    lastDoubleSpace = false;
                    out.print(line.text() + "\n");
                }
            }
            lines.clear();
            return true;
        }

        private void count(Line line) {
            switch (line.kind()) {
                case DIGEST -> {
                    if (line.valid()) {
                        validDigests++;
                    } else {
                        invalidDigests++;
                    }
                }
                case BACKFILL_DIGEST -> {
                    if (line.valid()) {
                        validBackfill++;
                    } else {
                        invalidBackfill++;
                    }
                }
                case LOG -> {
                    if (line.valid()) {
                        validLogs++;
                    } else {
                        invalidLogs++;
                    }
                }
                case NOTE -> {
                }
            }
        }

        /** Prints the summary and returns the exit code. */
        int summary(PrintWriter out) {
            StringBuilder text = new StringBuilder();
            if (!lastDoubleSpace) {
                text.append('\n');
            }
            text.append("Results requested for ").append(display(target.start())).append(" to ")
                    .append(display(target.end())).append('\n');
            if (validDigests + validBackfill == 0 && invalidDigests + invalidBackfill == 0) {
                text.append("No digests found\n");
                out.print(text);
                out.flush();
                return invalidLogs > 0 ? 1 : 0;
            }
            if (foundStart.isEmpty() || foundEnd.isEmpty()) {
                text.append("No valid digests found in range\n");
            } else {
                text.append("Results found for ").append(display(foundStart.get())).append(" to ")
                        .append(display(foundEnd.get())).append(":\n");
            }
            ratio(text, validDigests, invalidDigests, "digest");
            ratio(text, validBackfill, invalidBackfill, "backfill digest");
            ratio(text, validLogs, invalidLogs, "log");
            text.append('\n');
            out.print(text);
            out.flush();
            return invalidDigests + invalidBackfill > 0 || invalidLogs > 0 ? 1 : 0;
        }

        private void ratio(StringBuilder text, int validCount, int invalidCount, String name) {
            int total = validCount + invalidCount;
            if (total > 0) {
                text.append('\n').append(validCount).append('/').append(total).append(' ').append(name)
                        .append(" files valid");
                if (invalidCount > 0) {
                    text.append(", ").append(invalidCount).append('/').append(total).append(' ').append(name)
                            .append(" files INVALID");
                }
            }
        }
    }

    private static Instant later(Instant one, Instant other) {
        return one.isAfter(other) ? one : other;
    }

    private static Optional<String> text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node.asText());
    }

    private static boolean isBackfill(String key) {
        return key.endsWith("_backfill.json.gz");
    }

    /** The stamp a digest key carries, where the AWS CLI reads it. */
    private static String stampOf(String key) {
        return isBackfill(key) ? key.substring(key.length() - 33, key.length() - 17)
                : key.substring(key.length() - 24, key.length() - 8);
    }

    private static Instant keyDate(String key, boolean backfill) {
        try {
            return Instant.from(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                    .parse(stampOf(key)));
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new Abort("Unable to parse date value: " + (key.length() >= 24 ? stampOf(key) : key));
        }
    }

    private static String errorText(IOException e) {
        return "An error occurred: " + e.getMessage();
    }

    /**
     * A time as the AWS CLI takes it: ISO-8601 with or without seconds, offset or {@code Z} (none: UTC), or a date
     * alone (midnight UTC), or a date and time separated by a space.
     */
    public static Instant parseTime(String text) {
        String value = text.trim().replace(' ', 'T');
        try {
            return java.time.OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return java.time.LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return Instant.from(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                    .parse(value));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Unable to parse date value: " + text);
        }
    }
}
