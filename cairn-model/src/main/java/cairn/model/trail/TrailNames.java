package cairn.model.trail;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;

import java.util.regex.Pattern;

/**
 * The naming rules CloudTrail applies to trails, buckets and key prefixes (spec 4.3), each refusal with CloudTrail's
 * error code and a message naming what is wrong.
 */
public final class TrailNames {
    public static final int MAX_PREFIX_LENGTH = 200;
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private TrailNames() {
    }

    /** Letters, digits, {@code . _ -}; starts and ends with a letter or digit; 3 to 128; no two symbols together. */
    public static void checkTrailName(String name) {
        if (name.length() < 3) {
            throw invalid("Trail name too short. Minimum allowed length: 3 characters. Specified name length: "
                    + name.length() + " characters.");
        }
        if (name.length() > 128) {
            throw invalid("Trail name too long. Maximum allowed length: 128 characters. Specified name length: "
                    + name.length() + " characters.");
        }
        if (!Character.isLetterOrDigit(name.charAt(0)) || !Character.isLetterOrDigit(name.charAt(name.length() - 1))
                || !isAsciiAlphanumeric(name.charAt(0)) || !isAsciiAlphanumeric(name.charAt(name.length() - 1))) {
            throw invalid("Trail name must start and end with a letter or number: " + name);
        }
        boolean previousSymbol = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean symbol = c == '.' || c == '_' || c == '-';
            if (!symbol && !isAsciiAlphanumeric(c)) {
                throw invalid("Trail name can only contain ASCII letters, numbers, periods (.), underscores (_) "
                        + "and dashes (-): " + name);
            }
            if (symbol && previousSymbol) {
                throw invalid("Trail name cannot have adjacent periods (.), underscores (_) or dashes (-): " + name);
            }
            previousSymbol = symbol;
        }
        if (IP_ADDRESS.matcher(name).matches()) {
            throw invalid("Trail name cannot be formatted as an IP address: " + name);
        }
    }

    /** S3's bucket naming rules: 3 to 63 of lower-case letters, digits, dots and hyphens, not an IP address. */
    public static void checkBucketName(String bucket) {
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || IP_ADDRESS.matcher(bucket).matches()) {
            throw new CloudTrailException(ErrorCode.INVALID_S3_BUCKET_NAME, "Bucket name is not valid: " + bucket
                    + " (3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or "
                    + "digit).");
        }
    }

    /**
     * A key prefix: at most 200 characters, not starting with {@code /}, with no empty, {@code .} or {@code ..}
     * segment, so that the keys written under it never leave the bucket.
     */
    public static void checkPrefix(String prefix) {
        if (prefix.length() > MAX_PREFIX_LENGTH) {
            throw invalidPrefix("S3KeyPrefix is " + prefix.length() + " characters; the most is "
                    + MAX_PREFIX_LENGTH + ".");
        }
        if (prefix.startsWith("/") || prefix.contains("\\") || prefix.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw invalidPrefix("S3KeyPrefix must not start with / nor hold a backslash or control characters: "
                    + prefix);
        }
        String[] segments = prefix.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".") || segment.equals("..") || (segment.isEmpty() && !last)) {
                throw invalidPrefix("S3KeyPrefix must not hold an empty, . or .. segment: " + prefix);
            }
        }
    }

    private static boolean isAsciiAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static CloudTrailException invalid(String message) {
        return new CloudTrailException(ErrorCode.INVALID_TRAIL_NAME, message);
    }

    private static CloudTrailException invalidPrefix(String message) {
        return new CloudTrailException(ErrorCode.INVALID_S3_PREFIX, message);
    }
}
