package cairn.delivery.logfile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where CloudTrail puts a log file (spec 2.1):
 * {@code [<prefix>/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz},
 * the date and time being the delivery's, in UTC. The 16-character unique string is drawn from a hash of what
 * identifies the file, so that writing the same file again gives the same key.
 */
public final class LogFileKeys {
    /** The pattern AWS's processing library recognises log files by, anchored to the file name. */
    public static final Pattern FILE_NAME = Pattern.compile(".+_CloudTrail_[\\w\\-]+_\\d{8}T\\d{4}Z_\\w+\\.json\\.gz");
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'")
            .withZone(ZoneOffset.UTC);
    private static final char[] ALPHANUMERIC =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private LogFileKeys() {
    }

    /** The key of a log file; a prefix's trailing {@code /} is not doubled. */
    public static String key(Optional<String> prefix, String account, String region, Instant delivered,
                             String unique) {
        StringBuilder key = new StringBuilder(160);
        prefix.filter(value -> !value.isEmpty()).ifPresent(value -> {
            key.append(value);
            if (!value.endsWith("/")) {
                key.append('/');
            }
        });
        return key.append("AWSLogs/").append(account).append("/CloudTrail/").append(region).append('/')
                .append(FOLDER.format(delivered)).append('/').append(account).append("_CloudTrail_").append(region)
                .append('_').append(STAMP.format(delivered)).append('_').append(unique).append(".json.gz").toString();
    }

    /** 16 letters and digits drawn from the SHA-256 of {@code identity}. */
    public static String uniqueString(String identity) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        char[] unique = new char[16];
        for (int i = 0; i < unique.length; i++) {
            int twoBytes = ((hash[2 * i] & 0xff) << 8) | (hash[2 * i + 1] & 0xff);
            unique[i] = ALPHANUMERIC[twoBytes % ALPHANUMERIC.length];
        }
        return new String(unique);
    }
}
