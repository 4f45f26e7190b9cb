package cairn.model.trail;

import cairn.model.record.ParsedRecord;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A trail as CloudTrail describes it (spec 4.3): where it delivers ({@code s3BucketName}, {@code s3KeyPrefix}), which
 * regions it covers, whether it is logging now (with the times logging last started and stopped), its custom event
 * selectors, if any, and the KMS key its files are encrypted with by the store (SSE-KMS), if any.
 */
public record Trail(String accountId, String name, String homeRegion, String s3BucketName,
                    Optional<String> s3KeyPrefix, boolean includeGlobalServiceEvents, boolean multiRegion,
                    boolean logFileValidation, Logging logging, Optional<EventSelectors> selectors,
                    Optional<String> kmsKeyId) {
    public Trail {
        requireNonNull(accountId, "accountId is null");
        requireNonNull(name, "name is null");
        requireNonNull(homeRegion, "homeRegion is null");
        requireNonNull(s3BucketName, "s3BucketName is null");
        requireNonNull(s3KeyPrefix, "s3KeyPrefix is null");
        requireNonNull(logging, "logging is null");
        requireNonNull(selectors, "selectors is null");
        requireNonNull(kmsKeyId, "kmsKeyId is null");
    }

    /** A trail whose files the store encrypts with its own keys (no KMS key). */
    public Trail(String accountId, String name, String homeRegion, String s3BucketName, Optional<String> s3KeyPrefix,
                 boolean includeGlobalServiceEvents, boolean multiRegion, boolean logFileValidation, Logging logging,
                 Optional<EventSelectors> selectors) {
        this(accountId, name, homeRegion, s3BucketName, s3KeyPrefix, includeGlobalServiceEvents, multiRegion,
                logFileValidation, logging, selectors, Optional.empty());
    }

    /** Whether the trail delivers, and since or until when. */
    public record Logging(boolean on, Optional<Instant> started, Optional<Instant> stopped) {
        public Logging {
            requireNonNull(started, "started is null");
            requireNonNull(stopped, "stopped is null");
        }

        public static final Logging NEVER = new Logging(false, Optional.empty(), Optional.empty());

        public Logging start(Instant at) {
            return new Logging(true, Optional.of(at), stopped);
        }

        public Logging stop(Instant at) {
            return new Logging(false, started, Optional.of(at));
        }
    }

    /** {@code arn:aws:cloudtrail:<home region>:<account>:trail/<name>}. */
    public String arn() {
        return "arn:aws:cloudtrail:" + homeRegion + ":" + accountId + ":trail/" + name;
    }

    /** Whether the trail takes the events of {@code region}: its home region, or every region when multi-region. */
    public boolean covers(String region) {
        return multiRegion || homeRegion.equals(region);
    }

    /**
     * Services whose events CloudTrail records in us-east-1 as global service events: trails take them only when they
     * include global service events, whatever their home region.
     */
    public static final Set<String> GLOBAL_SERVICES = Set.of("iam.amazonaws.com", "sts.amazonaws.com",
            "cloudfront.amazonaws.com", "route53.amazonaws.com", "signin.amazonaws.com",
            "organizations.amazonaws.com");
    public static final String GLOBAL_SERVICE_REGION = "us-east-1";

    /**
     * Whether the trail delivers {@code record} (a stored one): an event of the trail's account, from a region it
     * covers (or a global service event, when it includes them), that its selectors choose. Insights events have
     * their own selectors and are never taken here.
     */
    public boolean takes(ParsedRecord record) {
        if (!record.recipientAccountId().map(accountId::equals).orElse(false) || record.insight()) {
            return false;
        }
        boolean global = record.awsRegion().equals(GLOBAL_SERVICE_REGION)
                && record.eventSource().map(GLOBAL_SERVICES::contains).orElse(false);
        if (global ? !includeGlobalServiceEvents : !covers(record.awsRegion())) {
            return false;
        }
        return effectiveSelectors().selects(record);
    }

    public Trail withLogging(Logging newLogging) {
        return new Trail(accountId, name, homeRegion, s3BucketName, s3KeyPrefix, includeGlobalServiceEvents,
                multiRegion, logFileValidation, newLogging, selectors, kmsKeyId);
    }

    /** The same trail delivering where {@code other} delivers: its bucket, key prefix and KMS key. */
    public Trail withDestinationOf(Trail other) {
        return new Trail(accountId, name, homeRegion, other.s3BucketName, other.s3KeyPrefix,
                includeGlobalServiceEvents, multiRegion, logFileValidation, logging, selectors, other.kmsKeyId);
    }

    /** Whether {@code other} delivers to the same bucket, key prefix and KMS key. */
    public boolean sameDestination(Trail other) {
        return s3BucketName.equals(other.s3BucketName) && s3KeyPrefix.equals(other.s3KeyPrefix)
                && kmsKeyId.equals(other.kmsKeyId);
    }

    public Trail withSelectors(EventSelectors newSelectors) {
        return new Trail(accountId, name, homeRegion, s3BucketName, s3KeyPrefix, includeGlobalServiceEvents,
                multiRegion, logFileValidation, logging, Optional.of(newSelectors), kmsKeyId);
    }

    /** The selectors in force: the custom ones, or CloudTrail's default (all management events). */
    public EventSelectors effectiveSelectors() {
        return selectors.orElse(EventSelectors.DEFAULT);
    }
}
