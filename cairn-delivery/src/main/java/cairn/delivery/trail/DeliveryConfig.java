package cairn.delivery.trail;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * How trails deliver: a log file is written when {@code interval} has passed since its first event was read, or
 * sooner when it would grow past {@code maxFileBytes} uncompressed; files are gzip-compressed at {@code gzipLevel}
 * by {@code compressionThreads} threads. Trails that validate their log files deliver a digest every
 * {@code digestPeriod} (an hour, as CloudTrail does; shorter for tests and trials).
 */
public record DeliveryConfig(Duration interval, int gzipLevel, long maxFileBytes, int compressionThreads,
                             Duration digestPeriod) {
    /** CloudTrail's limit on one log file, uncompressed. */
    public static final long MAX_FILE_BYTES = 50L * 1024 * 1024;
    public static final Duration DIGEST_PERIOD = Duration.ofHours(1);

    /** Delivery with hourly digests. */
    public DeliveryConfig(Duration interval, int gzipLevel, long maxFileBytes, int compressionThreads) {
        this(interval, gzipLevel, maxFileBytes, compressionThreads, DIGEST_PERIOD);
    }

    public DeliveryConfig {
        requireNonNull(interval, "interval is null");
        requireNonNull(digestPeriod, "digestPeriod is null");
        if (digestPeriod.compareTo(Duration.ofSeconds(1)) < 0 || digestPeriod.toMillis() % 1000 != 0
                || digestPeriod.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("digestPeriod must be whole seconds from 1s to 1d, not "
                    + digestPeriod);
        }
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("interval must be at least 1s, not " + interval);
        }
        if (gzipLevel < 1 || gzipLevel > 9) {
            throw new IllegalArgumentException("gzipLevel must be 1 to 9, not " + gzipLevel);
        }
        if (maxFileBytes < 1024 || maxFileBytes > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("maxFileBytes must be 1024 to " + MAX_FILE_BYTES + ", not "
                    + maxFileBytes);
        }
        if (compressionThreads < 1) {
            throw new IllegalArgumentException("compressionThreads must be at least 1, not " + compressionThreads);
        }
    }
}
