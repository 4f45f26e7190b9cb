package cairn.delivery.objectstore;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link ObjectStore} does, whatever keeps the objects. A subclass gives a fresh, empty store per test
 * and a way to create a bucket (the interface has none: buckets are made by the operator, not by trails).
 */
abstract class ObjectStoreContractTest {
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
    void put_missingBucket_throwsAndCreatesNothing() throws IOException {
        assertThatThrownBy(() -> store.put(MISSING_BUCKET, "k", bytes("x"), Map.of()))
                .isInstanceOf(IOException.class);
        assertThat(store.bucketExists(MISSING_BUCKET)).isFalse();
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
    void list_missingBucket_throws() {
        assertThatThrownBy(() -> store.list(MISSING_BUCKET, "", Optional.empty(), 1000))
                .isInstanceOf(IOException.class);
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
        assertThat(store.list(BUCKET, "", Optional.empty(), 10)).containsExactly("k");
    }
}
