package cairn.server.testing;

import cairn.delivery.objectstore.s3.MotoServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A moto server that holds every bucket of the Cairn servers a test starts with {@link #settings()}, and reads their
 * objects back with the AWS SDK's own S3 client, not with Cairn's store. One serves a whole test class:
 * {@link #reset()} empties it between tests. Cairn only creates local buckets, so a test creates each bucket here
 * ({@link #createBucket(String)}) before a trail names it. Thread-safe.
 */
public final class MotoBuckets implements AutoCloseable {
    private final MotoServer moto;
    private final S3Client s3;

    /** Starts a moto server; returns once it answers. */
    public MotoBuckets() throws IOException {
        moto = new MotoServer();
        s3 = S3Client.builder()
                .endpointOverride(moto.endpoint())
                .forcePathStyle(true)
                .region(Region.of(MotoServer.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        MotoServer.ACCESS_KEY_ID, MotoServer.SECRET_ACCESS_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** The settings that put every bucket of a Cairn server in this moto server, as one S3 connection. */
    public Map<String, String> settings() {
        return Map.of("s3.connections", "moto",
                "s3.moto.endpoint", moto.endpoint().toString(),
                "s3.moto.access-key-id", MotoServer.ACCESS_KEY_ID,
                "s3.moto.secret-access-key", MotoServer.SECRET_ACCESS_KEY,
                "s3.moto.buckets", "*");
    }

    /** Creates a bucket; creating one that exists is no error. */
    public void createBucket(String bucket) {
        moto.createBucket(bucket);
    }

    /** The objects of {@code bucket}, their bytes by key in key order; none when the bucket does not exist. */
    public SortedMap<String, byte[]> objects(String bucket) {
        SortedMap<String, byte[]> objects = new TreeMap<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(request -> request.bucket(bucket)).contents()) {
                objects.put(object.key(), s3.getObjectAsBytes(request -> request.bucket(bucket).key(object.key()))
                        .asByteArray());
            }
        } catch (NoSuchBucketException e) {
            return new TreeMap<>();
        }
        return objects;
    }

    /** Deletes every bucket and object. */
    public void reset() {
        moto.reset();
    }

    @Override
    public void close() throws IOException {
        try {
            s3.close();
        } finally {
            moto.close();
        }
    }

    @Override
    public String toString() {
        return moto.toString();
    }
}
