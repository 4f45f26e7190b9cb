package cairn.delivery.objectstore.s3;

import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.ObjectStoreContractTest;
import cairn.delivery.objectstore.ObjectStoreException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The object store contract against a real S3-compatible server (moto server), and what only S3 has: multipart
 * uploads, server-side encryption requests, and each kind of failure a store can give (through a proxy that fails
 * on command), named as delivery reports them.
 */
final class S3ObjectStoreTest extends ObjectStoreContractTest {
    private static MotoServer moto;
    private S3ObjectStore store;

    @BeforeAll
    static void startMoto() throws IOException {
        moto = new MotoServer();
    }

    @AfterAll
    static void stopMoto() throws IOException {
        moto.close();
    }

    @Override
    protected ObjectStore newStore() throws IOException {
        moto.reset();
        store = new S3ObjectStore(settings(moto.endpoint(), Duration.ofSeconds(10)));
        return store;
    }

    @Override
    protected void createBucket(String bucket) {
        moto.createBucket(bucket);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private static S3Settings settings(URI endpoint, Duration timeout) {
        return new S3Settings("moto", Optional.of(endpoint), MotoServer.REGION, true,
                Optional.of(MotoServer.ACCESS_KEY_ID), Optional.of(MotoServer.SECRET_ACCESS_KEY), Optional.empty(),
                Optional.empty(), timeout, S3Settings.MIN_PART_BYTES, List.of("*"));
    }

    @Test
    void put_aboveTheThreshold_goesInPartsAndComesBackWhole() throws IOException {
        byte[] large = new byte[12 * 1024 * 1024 + 17];
        new Random(7).nextBytes(large);
        store.put(BUCKET, "big/object.json.gz", large, Map.of("signature", "abc"));
        ObjectStore.StoredObject read = store.get(BUCKET, "big/object.json.gz").orElseThrow();
        assertThat(read.bytes()).isEqualTo(large);
        assertThat(read.metadata()).containsEntry("signature", "abc");
        assertThat(store.head(BUCKET, "big/object.json.gz").orElseThrow().size()).isEqualTo(large.length);
    }

    @Test
    void put_withKmsKey_isStoredAndReadBack() throws IOException {
        store.put(BUCKET, "kms/object", bytes("sealed"), Map.of(),
                new ObjectStore.Encryption.Kms("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        assertThat(store.get(BUCKET, "kms/object").orElseThrow().bytes()).isEqualTo(bytes("sealed"));
    }

    @Test
    void put_missingBucket_isNoSuchBucket() {
        assertThatThrownBy(() -> store.put(MISSING_BUCKET, "a", bytes("x"), Map.of()))
                .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.NO_SUCH_BUCKET);
                    assertThat(e.code()).isEqualTo("NoSuchBucket");
                    assertThat(e.permanent()).isTrue();
                });
    }

    @Test
    void failures_throughAFailingProxy_areNamedByKind() throws IOException {
        try (FaultProxy proxy = new FaultProxy(moto.endpoint());
             S3ObjectStore proxied = new S3ObjectStore(settings(proxy.endpoint(), Duration.ofSeconds(1)))) {
            proxied.put(BUCKET, "through", bytes("fine"), Map.of());
            assertThat(proxied.get(BUCKET, "through").orElseThrow().bytes()).isEqualTo(bytes("fine"));

            proxy.failWith(503);
            assertKind(proxied, ObjectStoreException.Kind.THROTTLED, "SlowDown", false);
            proxy.failWith(500);
            assertKind(proxied, ObjectStoreException.Kind.UNAVAILABLE, "ServiceUnavailable", false);
            proxy.failWith(403);
            assertKind(proxied, ObjectStoreException.Kind.ACCESS_DENIED, "AccessDenied", true);
            proxy.refuse();
            assertKind(proxied, ObjectStoreException.Kind.UNAVAILABLE, "ServiceUnavailable", false);
            proxy.stall();
            assertKind(proxied, ObjectStoreException.Kind.UNAVAILABLE, "ServiceUnavailable", false);

            proxy.pass();
            proxied.put(BUCKET, "after", bytes("again"), Map.of());
            assertThat(proxied.get(BUCKET, "after").orElseThrow().bytes()).isEqualTo(bytes("again"));
        }
    }

    private static void assertKind(S3ObjectStore store, ObjectStoreException.Kind kind, String code,
                                   boolean permanent) {
        assertThatThrownBy(() -> store.put(BUCKET, "refused", bytes("x"), Map.of()))
                .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(kind);
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.permanent()).isEqualTo(permanent);
                    assertThat(e.getMessage()).contains("S3 connection moto: PutObject " + BUCKET + "/refused");
                });
    }
}
