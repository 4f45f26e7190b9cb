package cairn.delivery.objectstore;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link ObjectStore} does, whatever keeps the objects. A subclass gives a fresh, empty store per test
 * and a way to create a bucket (the interface has none: buckets are made by the operator, not by trails). Nothing
 * here looks behind the interface, so the same tests hold for a real S3 server. Public so that stores in other
 * packages (S3) can run it.
 */
public abstract class ObjectStoreContractTest {
    protected static final String BUCKET = "audit-bucket";
    protected static final String OTHER_BUCKET = "other-bucket";
    protected static final String MISSING_BUCKET = "no-such-bucket";

    private ObjectStore store;

    /** A new store with no buckets. */
    protected abstract ObjectStore newStore() throws IOException;

    protected abstract void createBucket(String bucket) throws IOException;

    protected final ObjectStore store() {
        return store;
    }

    @BeforeEach
    final void createStore() throws IOException {
        store = newStore();
        createBucket(BUCKET);
        createBucket(OTHER_BUCKET);
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bucketExists_createdAndMissingBuckets() throws IOException {
        assertThat(store.bucketExists(BUCKET)).isTrue();
        assertThat(store.bucketExists(OTHER_BUCKET)).isTrue();
        assertThat(store.bucketExists(MISSING_BUCKET)).isFalse();
    }

    @Test
    void get_missingKey_isEmpty() throws IOException {
        assertThat(store.get(BUCKET, "AWSLogs/none.json.gz")).isEmpty();
    }

    @Test
    void put_withoutMetadata_getReturnsTheBytesAndNoMetadata() throws IOException {
        store.put(BUCKET, "AWSLogs/a.json.gz", bytes("first"), Map.of());
        ObjectStore.StoredObject object = store.get(BUCKET, "AWSLogs/a.json.gz").orElseThrow();
        assertThat(object.bytes()).isEqualTo(bytes("first"));
        assertThat(object.metadata()).isEmpty();
    }

    @Test
    void put_withMetadata_getReturnsIt() throws IOException {
        Map<String, String> metadata = Map.of("signature", "3a0b9c", "signature-algorithm", "SHA256withRSA");
        store.put(BUCKET, "AWSLogs/digest.json.gz", bytes("{}"), metadata);
        ObjectStore.StoredObject object = store.get(BUCKET, "AWSLogs/digest.json.gz").orElseThrow();
        assertThat(object.bytes()).isEqualTo(bytes("{}"));
        assertThat(object.metadata()).isEqualTo(metadata);
    }

    @Test
    void put_emptyObject_isKept() throws IOException {
        store.put(BUCKET, "empty", new byte[0], Map.of());
        assertThat(store.get(BUCKET, "empty").orElseThrow().bytes()).isEmpty();
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).containsExactly("empty");
    }

    @Test
    void put_binaryBytes_areKeptExactly() throws IOException {
        byte[] all = new byte[256 * 4];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        store.put(BUCKET, "binary.gz", all, Map.of());
        assertThat(store.get(BUCKET, "binary.gz").orElseThrow().bytes()).isEqualTo(all);
    }

    @Test
    void put_sameKeyAgain_replacesBytesAndMetadata() throws IOException {
        store.put(BUCKET, "k", bytes("old and longer"), Map.of("a", "1", "b", "2"));
        store.put(BUCKET, "k", bytes("new"), Map.of("c", "3"));
        ObjectStore.StoredObject object = store.get(BUCKET, "k").orElseThrow();
        assertThat(object.bytes()).isEqualTo(bytes("new"));
        assertThat(object.metadata()).isEqualTo(Map.of("c", "3"));
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).containsExactly("k");
    }

    @Test
    void put_againWithoutMetadata_dropsTheOldMetadata() throws IOException {
        store.put(BUCKET, "k", bytes("old"), Map.of("a", "1"));
        store.put(BUCKET, "k", bytes("new"), Map.of());
        assertThat(store.get(BUCKET, "k").orElseThrow().metadata()).isEmpty();
    }

    @Test
    void put_missingBucket_isNoSuchBucketAndCreatesNothing() throws IOException {
        assertThatThrownBy(() -> store.put(MISSING_BUCKET, "k", bytes("x"), Map.of()))
                .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.NO_SUCH_BUCKET);
                    assertThat(e.code()).isEqualTo("NoSuchBucket");
                    assertThat(e.permanent()).isTrue();
                });
        assertThat(store.bucketExists(MISSING_BUCKET)).isFalse();
    }

    @Test
    void get_missingBucket_isEmpty() throws IOException {
        assertThat(store.get(MISSING_BUCKET, "k")).isEmpty();
    }

    @Test
    void put_kmsEncryption_keepsBytesAndMetadata() throws IOException {
        ObjectStore.Encryption kms = new ObjectStore.Encryption.Kms(
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        store.put(BUCKET, "AWSLogs/kms.json.gz", bytes("sealed"), Map.of("signature", "abc"), kms);
        ObjectStore.StoredObject object = store.get(BUCKET, "AWSLogs/kms.json.gz").orElseThrow();
        assertThat(object.bytes()).isEqualTo(bytes("sealed"));
        assertThat(object.metadata()).isEqualTo(Map.of("signature", "abc"));
    }

    @Test
    void put_s3ManagedEncryption_keepsBytes() throws IOException {
        store.put(BUCKET, "k", bytes("x"), Map.of(), ObjectStore.Encryption.S3_MANAGED);
        assertThat(store.get(BUCKET, "k").orElseThrow().bytes()).isEqualTo(bytes("x"));
    }

    @Test
    void head_givesSizeAndMetadataWithoutBytes() throws IOException {
        store.put(BUCKET, "AWSLogs/d.json.gz", bytes("twelve bytes"), Map.of("signature", "3a0b9c", "a", "1"));
        ObjectStore.ObjectInfo info = store.head(BUCKET, "AWSLogs/d.json.gz").orElseThrow();
        assertThat(info.size()).isEqualTo(12);
        assertThat(info.metadata()).isEqualTo(Map.of("signature", "3a0b9c", "a", "1"));
    }

    @Test
    void head_emptyObjectWithoutMetadata_isSizeZero() throws IOException {
        store.put(BUCKET, "empty", new byte[0], Map.of());
        ObjectStore.ObjectInfo info = store.head(BUCKET, "empty").orElseThrow();
        assertThat(info.size()).isZero();
        assertThat(info.metadata()).isEmpty();
    }

    @Test
    void head_afterOverwrite_givesTheNewObject() throws IOException {
        store.put(BUCKET, "k", bytes("old and longer"), Map.of("a", "1"));
        store.put(BUCKET, "k", bytes("new"), Map.of("b", "2"));
        assertThat(store.head(BUCKET, "k")).contains(new ObjectStore.ObjectInfo(3, Map.of("b", "2")));
    }

    @Test
    void head_missingKey_isEmpty() throws IOException {
        store.put(BUCKET, "other", bytes("x"), Map.of());
        assertThat(store.head(BUCKET, "AWSLogs/none.json.gz")).isEmpty();
        assertThat(store.head(OTHER_BUCKET, "other")).isEmpty();
    }

    @Test
    void head_missingBucket_isEmpty() throws IOException {
        assertThat(store.head(MISSING_BUCKET, "k")).isEmpty();
    }

    /** Keys as S3 allows them: characters that URLs, signatures and file systems treat specially. */
    @ParameterizedTest
    @ValueSource(strings = {"with space.json.gz", "a+b=c.json.gz", "100%/x%2Fy%20z", "ünïcödé/ключ/鍵.json.gz",
            "emoji-\uD83D\uDE00", "q?x=1&y#z", "tilde~!$'()*,;:@[]", "dots..in/the.middle.", "trailing space ",
            "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/111122223333_CloudTrail_eu-west-1_a+b=.json.gz"})
    void put_keyWithSpecialCharacters_roundTrips(String key) throws IOException {
        store.put(BUCKET, key, bytes(key), Map.of("key-length", Integer.toString(key.length())));
        assertThat(store.get(BUCKET, key).orElseThrow().bytes()).isEqualTo(bytes(key));
        assertThat(store.head(BUCKET, key).orElseThrow().metadata())
                .isEqualTo(Map.of("key-length", Integer.toString(key.length())));
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).containsExactly(key);
        assertThat(store.list(BUCKET, key, Optional.empty(), 10)).containsExactly(key);
        store.delete(BUCKET, key);
        assertThat(store.get(BUCKET, key)).isEmpty();
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).isEmpty();
    }

    @Test
    void list_keysWithSpecialCharacters_inOrder() throws IOException {
        // No character from U+E000 to U+FFFF, where Java's order of strings and S3's order of UTF-8 bytes differ.
        String emoji = "emoji-\uD83D\uDE00";
        putKeys("ünïcödé", "with space", "a+b", "a b", "a%20b", "a=b", "Z", emoji, "鍵", "ключ");
        assertThat(store.list(BUCKET, "", Optional.empty(), 100))
                .containsExactly("Z", "a b", "a%20b", "a+b", "a=b", emoji, "with space", "ünïcödé", "ключ", "鍵");
        assertThat(store.list(BUCKET, "", Optional.of("a+b"), 2)).containsExactly("a=b", emoji);
    }

    @Test
    void put_largeObject_roundTrips() throws IOException {
        byte[] large = new byte[20 * 1024 * 1024];
        new Random(5).nextBytes(large);
        store.put(BUCKET, "AWSLogs/large.json.gz", large, Map.of("signature", "abc"));
        assertThat(store.head(BUCKET, "AWSLogs/large.json.gz"))
                .contains(new ObjectStore.ObjectInfo(large.length, Map.of("signature", "abc")));
        byte[] read = store.get(BUCKET, "AWSLogs/large.json.gz").orElseThrow().bytes();
        assertThat(read.length).isEqualTo(large.length);
        assertThat(Arrays.mismatch(read, large)).as("index of the first differing byte").isEqualTo(-1);
    }

    @Test
    void put_fromManyThreads_keepsEveryObject() throws Exception {
        int threads = 8;
        int perThread = 25;
        List<String> expected = new ArrayList<>();
        try (ExecutorService executor = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> puts = new ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                for (int i = 0; i < perThread; i++) {
                    String key = "AWSLogs/%d/%02d.json.gz".formatted(thread, i);
                    expected.add(key);
                    puts.add(executor.submit(() -> {
                        store.put(BUCKET, key, bytes(key), Map.of());
                        return null;
                    }));
                }
            }
            for (Future<?> put : puts) {
                put.get();
            }
        }
        assertThat(store.list(BUCKET, "AWSLogs/", Optional.empty(), 1000))
                .isEqualTo(expected.stream().sorted().toList());
        for (String key : expected) {
            assertThat(store.get(BUCKET, key).orElseThrow().bytes()).isEqualTo(bytes(key));
        }
    }

    @Test
    void put_oneBucket_isNotSeenInAnother() throws IOException {
        store.put(BUCKET, "k", bytes("x"), Map.of());
        assertThat(store.get(OTHER_BUCKET, "k")).isEmpty();
        assertThat(store.list(OTHER_BUCKET, "", Optional.empty(), 10)).isEmpty();
    }

    @Test
    void list_emptyBucket_isEmpty() throws IOException {
        assertThat(store.list(BUCKET, "", Optional.empty(), 1000)).isEmpty();
    }

    @Test
    void list_missingBucket_isNoSuchBucket() {
        assertThatThrownBy(() -> store.list(MISSING_BUCKET, "", Optional.empty(), 1000))
                .isInstanceOfSatisfying(ObjectStoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(ObjectStoreException.Kind.NO_SUCH_BUCKET));
    }

    private void putKeys(String... keys) throws IOException {
        for (String key : keys) {
            store.put(BUCKET, key, bytes(key), Map.of());
        }
    }

    @Test
    void list_noPrefix_givesEveryKeyInOrder() throws IOException {
        putKeys("b/2.json.gz", "a.json.gz", "b/1.json.gz", "b/10/x.json.gz", "c");
        assertThat(store.list(BUCKET, "", Optional.empty(), 1000))
                .containsExactly("a.json.gz", "b/1.json.gz", "b/10/x.json.gz", "b/2.json.gz", "c");
    }

    @Test
    void list_prefix_givesTheKeysStartingWithIt() throws IOException {
        putKeys("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f1.json.gz",
                "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f2.json.gz",
                "AWSLogs/111122224444/CloudTrail/eu-west-1/2024/05/01/f3.json.gz",
                "AWSLogs/444455556666/CloudTrail/eu-west-1/2024/05/01/f4.json.gz",
                "other/f5.json.gz");
        assertThat(store.list(BUCKET, "AWSLogs/111122223333/", Optional.empty(), 1000)).containsExactly(
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f1.json.gz",
                "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f2.json.gz");
        // A prefix need not end at a folder.
        assertThat(store.list(BUCKET, "AWSLogs/1111222", Optional.empty(), 1000)).containsExactly(
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f1.json.gz",
                "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/f2.json.gz",
                "AWSLogs/111122224444/CloudTrail/eu-west-1/2024/05/01/f3.json.gz");
        assertThat(store.list(BUCKET, "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f1",
                Optional.empty(), 1000)).containsExactly(
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f1.json.gz");
        assertThat(store.list(BUCKET, "nothing/", Optional.empty(), 1000)).isEmpty();
        assertThat(store.list(BUCKET, "other/f5.json.gz/", Optional.empty(), 1000)).as("under an object").isEmpty();
        assertThat(store.list(BUCKET, "AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/", Optional.empty(), 1000))
                .containsExactly("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/01/f1.json.gz");
    }

    @Test
    void list_after_startsPastTheMarker() throws IOException {
        putKeys("a", "b", "c", "d");
        assertThat(store.list(BUCKET, "", Optional.of("b"), 1000)).containsExactly("c", "d");
        // The marker need not be a key.
        assertThat(store.list(BUCKET, "", Optional.of("bb"), 1000)).containsExactly("c", "d");
        assertThat(store.list(BUCKET, "", Optional.of("d"), 1000)).isEmpty();
        assertThat(store.list(BUCKET, "", Optional.of(""), 1000)).containsExactly("a", "b", "c", "d");
    }

    @Test
    void list_max_givesTheFirstKeys() throws IOException {
        putKeys("a", "b", "c", "d", "e");
        assertThat(store.list(BUCKET, "", Optional.empty(), 2)).containsExactly("a", "b");
        assertThat(store.list(BUCKET, "", Optional.empty(), 5)).containsExactly("a", "b", "c", "d", "e");
        assertThat(store.list(BUCKET, "", Optional.empty(), 0)).isEmpty();
    }

    @Test
    void list_pagesWithAfter_giveEveryKeyOnce() throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            keys.add("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/05/%02d/file.json.gz".formatted(i + 1));
        }
        putKeys(keys.toArray(String[]::new));
        putKeys("zzz-not-in-prefix");
        List<String> listed = new ArrayList<>();
        Optional<String> after = Optional.empty();
        while (true) {
            List<String> page = store.list(BUCKET, "AWSLogs/", after, 5);
            if (page.isEmpty()) {
                break;
            }
            assertThat(page.size()).isLessThanOrEqualTo(5);
            listed.addAll(page);
            after = Optional.of(page.getLast());
        }
        assertThat(listed).isEqualTo(keys);
    }

    @Test
    void list_prefixAndAfterTogether() throws IOException {
        putKeys("logs/a", "logs/b", "logs/c", "other/a");
        assertThat(store.list(BUCKET, "logs/", Optional.of("logs/a"), 1)).containsExactly("logs/b");
        assertThat(store.list(BUCKET, "logs/", Optional.of("logs/c"), 10)).isEmpty();
        // A marker before the prefix lists from the prefix on; one after it lists nothing.
        assertThat(store.list(BUCKET, "logs/", Optional.of("a"), 10))
                .containsExactly("logs/a", "logs/b", "logs/c");
        assertThat(store.list(BUCKET, "logs/", Optional.of("m"), 10)).isEmpty();
    }

    @Test
    void list_afterAndMax_giveTheNextPage() throws IOException {
        putKeys("a", "b", "c", "d", "e");
        assertThat(store.list(BUCKET, "", Optional.of("b"), 2)).containsExactly("c", "d");
        assertThat(store.list(BUCKET, "", Optional.of("d"), 2)).containsExactly("e");
        assertThat(store.list(BUCKET, "", Optional.of("a"), 0)).isEmpty();
    }

    @Test
    void delete_removesTheObjectAndItsMetadata() throws IOException {
        store.put(BUCKET, "d/k", bytes("x"), Map.of("a", "1"));
        store.put(BUCKET, "d/stays", bytes("y"), Map.of());
        store.delete(BUCKET, "d/k");
        assertThat(store.get(BUCKET, "d/k")).isEmpty();
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).containsExactly("d/stays");
        store.put(BUCKET, "d/k", bytes("again"), Map.of());
        assertThat(store.get(BUCKET, "d/k").orElseThrow().metadata()).isEmpty();
    }

    @Test
    void delete_missingKey_doesNothing() throws IOException {
        store.put(BUCKET, "k", bytes("x"), Map.of());
        store.delete(BUCKET, "not-there");
        store.delete(OTHER_BUCKET, "k");
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).containsExactly("k");
    }

    @Test
    void delete_thenHead_isEmpty() throws IOException {
        store.put(BUCKET, "k", bytes("x"), Map.of("a", "1"));
        store.delete(BUCKET, "k");
        assertThat(store.head(BUCKET, "k")).isEmpty();
        store.delete(BUCKET, "k");
    }
}
