package cairn.delivery.objectstore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

import static java.util.Objects.requireNonNull;

/**
 * An object store in memory, for unit tests: buckets of objects in sorted maps, bytes copied in and out so no caller
 * can change a stored object, and the {@link ObjectStore.Encryption} each object was put with kept for tests to check
 * ({@link #encryptionOf}). Keys are ordered as Java orders strings, as the local store does (S3 orders them by their
 * UTF-8 bytes; the two differ only for characters above U+FFFF against those from U+E000 to U+FFFF). Thread-safe: a
 * put replaces the whole object at once, so a reader sees the old object or the new one.
 */
public final class InMemoryObjectStore implements ObjectStore {
    private record Entry(byte[] bytes, Map<String, String> metadata, Encryption encryption) {
    }

    private final ConcurrentMap<String, NavigableMap<String, Entry>> buckets = new ConcurrentHashMap<>();

    /** Creates an empty bucket; false when it was there already (and then it is left as it is). */
    public boolean createBucket(String bucket) {
        requireNonNull(bucket, "bucket is null");
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("not a bucket name: " + bucket);
        }
        return buckets.putIfAbsent(bucket, new ConcurrentSkipListMap<>()) == null;
    }

    /** Deletes the bucket and every object in it, as an operator might under a running trail; false when missing. */
    public boolean deleteBucket(String bucket) {
        return buckets.remove(requireNonNull(bucket, "bucket is null")) != null;
    }

    /** How the object under {@code key} was asked to be encrypted when it was put; empty when there is none. */
    public Optional<Encryption> encryptionOf(String bucket, String key) {
        return entry(bucket, key).map(Entry::encryption);
    }

    @Override
    public boolean bucketExists(String bucket) {
        return buckets.containsKey(requireNonNull(bucket, "bucket is null"));
    }

    @Override
    public void put(String bucket, String key, byte[] bytes, Map<String, String> metadata, Encryption encryption)
            throws ObjectStoreException {
        checkKey(key);
        requireNonNull(bytes, "bytes is null");
        requireNonNull(encryption, "encryption is null");
        Entry entry = new Entry(bytes.clone(), Map.copyOf(metadata), encryption);
        objects(bucket).put(key, entry);
    }

    @Override
    public Optional<StoredObject> get(String bucket, String key) {
        return entry(bucket, key).map(entry -> new StoredObject(entry.bytes().clone(), entry.metadata()));
    }

    @Override
    public Optional<ObjectInfo> head(String bucket, String key) {
        return entry(bucket, key).map(entry -> new ObjectInfo(entry.bytes().length, entry.metadata()));
    }

    @Override
    public List<String> list(String bucket, String prefix, Optional<String> after, int max)
            throws ObjectStoreException {
        requireNonNull(prefix, "prefix is null");
        requireNonNull(after, "after is null");
        if (max < 0) {
            throw new IllegalArgumentException("max is negative: " + max);
        }
        NavigableMap<String, Entry> objects = objects(bucket);
        String from = after.filter(marker -> marker.compareTo(prefix) >= 0).orElse(prefix);
        boolean inclusive = after.map(marker -> marker.compareTo(prefix) < 0).orElse(true);
        List<String> page = new ArrayList<>();
        for (String key : objects.tailMap(from, inclusive).keySet()) {
            if (page.size() == max || !key.startsWith(prefix)) {
                break;
            }
            page.add(key);
        }
        return page;
    }

    @Override
    public void delete(String bucket, String key) {
        requireNonNull(key, "key is null");
        NavigableMap<String, Entry> objects = buckets.get(requireNonNull(bucket, "bucket is null"));
        if (objects != null) {
            objects.remove(key);
        }
    }

    private Optional<Entry> entry(String bucket, String key) {
        requireNonNull(key, "key is null");
        NavigableMap<String, Entry> objects = buckets.get(requireNonNull(bucket, "bucket is null"));
        return objects == null ? Optional.empty() : Optional.ofNullable(objects.get(key));
    }

    private NavigableMap<String, Entry> objects(String bucket) throws ObjectStoreException {
        NavigableMap<String, Entry> objects = buckets.get(requireNonNull(bucket, "bucket is null"));
        if (objects == null) {
            throw new ObjectStoreException(ObjectStoreException.Kind.NO_SUCH_BUCKET, "no such bucket: " + bucket);
        }
        return objects;
    }

    /** S3 keeps no object under an empty key. */
    private static void checkKey(String key) {
        requireNonNull(key, "key is null");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("not a key this store keeps: " + key);
        }
    }
}
