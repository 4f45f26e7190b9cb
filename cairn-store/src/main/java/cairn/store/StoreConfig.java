package cairn.store;

import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * Where the store lives and how large a segment grows before a new one is started.
 *
 * @param directory the folder of segment and index files; created when missing
 * @param segmentBytes a segment is closed once it holds this many bytes (at most 1 GiB)
 * @param maxEntryBytes the largest frame accepted, body and terms together
 */
public record StoreConfig(Path directory, long segmentBytes, int maxEntryBytes) {
    public static final long DEFAULT_SEGMENT_BYTES = 128L << 20;
    public static final int DEFAULT_MAX_ENTRY_BYTES = 1 << 20;

    public StoreConfig {
        requireNonNull(directory, "directory is null");
        if (segmentBytes < 4096 || segmentBytes > (1L << 30)) {
            throw new IllegalArgumentException("segmentBytes must be between 4 KiB and 1 GiB: " + segmentBytes);
        }
        if (maxEntryBytes < 1024 || maxEntryBytes > segmentBytes) {
            throw new IllegalArgumentException("maxEntryBytes must be between 1 KiB and segmentBytes: " + maxEntryBytes);
        }
    }

    public static StoreConfig in(Path directory) {
        return new StoreConfig(directory, DEFAULT_SEGMENT_BYTES, DEFAULT_MAX_ENTRY_BYTES);
    }
}
