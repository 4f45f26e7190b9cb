package cairn.delivery.objectstore;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where trails put their files: buckets of objects under keys, as S3 has them. A put is atomic (a reader sees the
 * whole object or none, never a part) and durable when it returns; putting the same key again replaces the object.
 */
public interface ObjectStore {
    boolean bucketExists(String bucket) throws IOException;

    /** Writes the object whole, with its user metadata ({@code x-amz-meta-*} on S3), replacing any under the key. */
    void put(String bucket, String key, byte[] bytes, Map<String, String> metadata) throws IOException;

    Optional<StoredObject> get(String bucket, String key) throws IOException;

    /** Up to {@code max} objects whose keys start with {@code prefix} and come after {@code after}, in key order. */
    List<String> list(String bucket, String prefix, Optional<String> after, int max) throws IOException;

    void delete(String bucket, String key) throws IOException;

    /** An object's bytes and user metadata. */
    record StoredObject(byte[] bytes, Map<String, String> metadata) {
        public StoredObject {
            requireNonNull(bytes, "bytes is null");
            metadata = Map.copyOf(metadata);
        }
    }
}
