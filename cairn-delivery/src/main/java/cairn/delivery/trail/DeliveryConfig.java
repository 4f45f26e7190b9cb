package cairn.delivery.trail;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * How trails deliver: a log file is written when {@code interval} has passed since its first event was read, or
 * sooner when it would grow past {@code maxFileBytes} uncompressed; files are gzip-compressed at {@code gzipLevel}
 * by {@code compressionThreads} threads.
 */
public record DeliveryConfig(Duration interval, int gzipLevel, long maxFileBytes, int compressionThreads) {
    /** CloudTrail's limit on one log file, uncompressed. */
    public static final long MAX_FILE_BYTES = 50L * 1024 * 1024;

    public DeliveryConfig {
        requireNonNull(interval, "interval is null");
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
