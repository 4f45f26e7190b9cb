package cairn.delivery.digest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Where CloudTrail puts a digest (spec 3.1):
 * {@code [<prefix>/]AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<homeRegion>_<YYYYMMDDTHHMMSSZ>.json.gz},
 * the date folders and the stamp being the digest's end time, in UTC. The AWS CLI reads the stamp at fixed places
 * from the end of the name, so nothing may follow it but {@code .json.gz}.
 */
public final class DigestKeys {
    public static final String SUFFIX = ".json.gz";
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private DigestKeys() {
    }

    /** The folder a region's digests go under: {@code [<prefix>/]AWSLogs/<account>/CloudTrail-Digest/<region>}. */
    public static String regionFolder(Optional<String> prefix, String account, String region) {
        StringBuilder key = new StringBuilder(96);
        prefix.filter(value -> !value.isEmpty()).ifPresent(value -> {
            key.append(value);
            if (!value.endsWith("/")) {
                key.append('/');
            }
        });
        return key.append("AWSLogs/").append(account).append("/CloudTrail-Digest/").append(region).toString();
    }

    /** The key of the digest of trail {@code trailName} (home region {@code homeRegion}) ending at {@code end}. */
    public static String key(Optional<String> prefix, String account, String region, String trailName,
                             String homeRegion, Instant end) {
        return regionFolder(prefix, account, region) + '/' + FOLDER.format(end) + '/' + account
                + "_CloudTrail-Digest_" + region + '_' + trailName + '_' + homeRegion + '_' + STAMP.format(end)
                + SUFFIX;
    }

    /** The end time a digest key carries, read where the AWS CLI reads it; empty when it carries none. */
    public static Optional<Instant> endOf(String key) {
        if (key.length() < 24 || !key.endsWith(SUFFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.from(STAMP.parse(key.substring(key.length() - 24, key.length() - 8))));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The stamp a key for {@code time} would carry: {@code YYYYMMDDTHHMMSSZ}. */
    public static String stamp(Instant time) {
        return STAMP.format(time);
    }
}
