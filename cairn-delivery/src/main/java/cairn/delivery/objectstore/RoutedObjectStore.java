package cairn.delivery.objectstore;

import cairn.delivery.objectstore.s3.S3ObjectStore;
import cairn.delivery.objectstore.s3.S3Settings;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The buckets of every store, by name: a bucket an S3 connection lists lives there, every other bucket in the
 * connection that lists {@code *}, if one does, else in the local folder store. Thread-safe.
 */
public final class RoutedObjectStore implements ObjectStore, AutoCloseable {
    private final LocalObjectStore local;
    private final List<S3ObjectStore> connections;
    private final Map<String, ObjectStore> byBucket = new HashMap<>();
    private final Optional<ObjectStore> fallback;

    private RoutedObjectStore(LocalObjectStore local, List<S3ObjectStore> connections) {
        this.local = local;
        this.connections = List.copyOf(connections);
        ObjectStore any = null;
        for (S3ObjectStore connection : connections) {
            for (String bucket : connection.settings().buckets()) {
                if (bucket.equals("*")) {
                    any = connection;
                } else {
                    byBucket.put(bucket, connection);
                }
            }
        }
        this.fallback = Optional.ofNullable(any);
    }

    /** The local store plus a client per S3 connection. */
    public static RoutedObjectStore open(LocalObjectStore local, List<S3Settings> connections) throws IOException {
        requireNonNull(local, "local is null");
        List<S3ObjectStore> stores = new ArrayList<>();
        for (S3Settings settings : connections) {
            stores.add(new S3ObjectStore(settings));
        }
        return new RoutedObjectStore(local, stores);
    }

    /** The store {@code bucket} lives in. */
    public ObjectStore storeOf(String bucket) {
        ObjectStore store = byBucket.get(bucket);
        return store != null ? store : fallback.orElse(local);
    }

    /** Whether {@code bucket} is a folder of the local store (which Cairn may create). */
    public boolean isLocal(String bucket) {
        return storeOf(bucket) == local;
    }

    public LocalObjectStore local() {
        return local;
    }

    @Override
    public boolean bucketExists(String bucket) throws IOException {
        return storeOf(bucket).bucketExists(bucket);
    }

    @Override
    public void put(String bucket, String key, byte[] bytes, Map<String, String> metadata, Encryption encryption)
            throws IOException {
        storeOf(bucket).put(bucket, key, bytes, metadata, encryption);
    }

    @Override
    public Optional<StoredObject> get(String bucket, String key) throws IOException {
        return storeOf(bucket).get(bucket, key);
    }

    @Override
    public Optional<ObjectInfo> head(String bucket, String key) throws IOException {
        return storeOf(bucket).head(bucket, key);
    }

    @Override
    public List<String> list(String bucket, String prefix, Optional<String> after, int max) throws IOException {
        return storeOf(bucket).list(bucket, prefix, after, max);
    }

    @Override
    public void delete(String bucket, String key) throws IOException {
        storeOf(bucket).delete(bucket, key);
    }

    @Override
    public void close() {
        connections.forEach(S3ObjectStore::close);
    }
}
