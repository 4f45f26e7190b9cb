package cairn.delivery.objectstore.s3;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One S3 connection: where (an endpoint, or AWS's own for the region), how keys are addressed (path-style, as most
 * S3-compatible servers want, or virtual-host), which credentials (given here, else the SDK's default chain:
 * environment, profile, instance role), which extra CA to trust for TLS, how long a call may take, when an upload
 * goes multipart, and the buckets that live there.
 */
public record S3Settings(String name, Optional<URI> endpoint, String region, boolean pathStyle,
                         Optional<String> accessKeyId, Optional<String> secretAccessKey,
                         Optional<String> sessionToken, Optional<Path> caFile, Duration timeout,
                         long multipartThreshold, List<String> buckets) {
    /** S3's smallest part but the last. */
    public static final long MIN_PART_BYTES = 5L * 1024 * 1024;

    public S3Settings {
        requireNonNull(name, "name is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        requireNonNull(accessKeyId, "accessKeyId is null");
        requireNonNull(secretAccessKey, "secretAccessKey is null");
        requireNonNull(sessionToken, "sessionToken is null");
        requireNonNull(caFile, "caFile is null");
        requireNonNull(timeout, "timeout is null");
        buckets = List.copyOf(buckets);
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new IllegalArgumentException("S3 connection " + name + ": give both access-key-id and "
                    + "secret-access-key, or neither (the SDK's default chain)");
        }
        if (multipartThreshold < MIN_PART_BYTES) {
            throw new IllegalArgumentException("S3 connection " + name + ": multipart threshold must be at least "
                    + MIN_PART_BYTES + " bytes, not " + multipartThreshold);
        }
    }
}
