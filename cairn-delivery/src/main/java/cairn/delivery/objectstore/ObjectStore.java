package cairn.delivery.objectstore;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where trails put their files: buckets of objects under keys, as S3 has them. A put is atomic (a reader sees the
 * whole object or none, never a part) and durable when it returns; putting the same key again replaces the object.
 * Failures are {@link IOException}s; an {@link ObjectStoreException} says what kind of failure it was. A missing
 * object is an empty answer, a missing bucket an {@link ObjectStoreException} of kind {@code NO_SUCH_BUCKET} (from
 * put and list; {@code get} and {@code head} answer empty). Implementations are thread-safe.
 */
public interface ObjectStore {
    boolean bucketExists(String bucket) throws IOException;

    /**
     * Writes the object whole, with its user metadata ({@code x-amz-meta-*} on S3), replacing any under the key, and
     * asks the store to encrypt it as {@code encryption} says (stores that cannot ignore it).
     */
    void put(String bucket, String key, byte[] bytes, Map<String, String> metadata, Encryption encryption)
            throws IOException;

    /** As {@link #put(String, String, byte[], Map, Encryption)}, with the store's default encryption (SSE-S3). */
    default void put(String bucket, String key, byte[] bytes, Map<String, String> metadata) throws IOException {
        put(bucket, key, bytes, metadata, Encryption.S3_MANAGED);
    }

    Optional<StoredObject> get(String bucket, String key) throws IOException;

    /** An object's size and user metadata, without its bytes. */
    Optional<ObjectInfo> head(String bucket, String key) throws IOException;

    /** Up to {@code max} objects whose keys start with {@code prefix} and come after {@code after}, in key order. */
    List<String> list(String bucket, String prefix, Optional<String> after, int max) throws IOException;

    /** Deletes the object; deleting a missing one is no error. */
    void delete(String bucket, String key) throws IOException;

    /** An object's bytes and user metadata. */
    record StoredObject(byte[] bytes, Map<String, String> metadata) {
        public StoredObject {
            requireNonNull(bytes, "bytes is null");
            metadata = Map.copyOf(metadata);
        }
    }

    /** An object's size in bytes and user metadata. */
    record ObjectInfo(long size, Map<String, String> metadata) {
        public ObjectInfo {
            metadata = Map.copyOf(metadata);
        }
    }

    /** How the store should encrypt an object at rest: with its own keys (SSE-S3), or with a KMS key (SSE-KMS). */
    sealed interface Encryption {
        Encryption S3_MANAGED = new S3Managed();

        /** SSE-KMS with the key when there is one, else SSE-S3. */
        static Encryption of(Optional<String> kmsKeyId) {
            return kmsKeyId.<Encryption>map(Kms::new).orElse(S3_MANAGED);
        }

        record S3Managed() implements Encryption {
        }

        record Kms(String keyId) implements Encryption {
            public Kms {
                requireNonNull(keyId, "keyId is null");
            }
        }
    }
}
