package cairn.delivery.objectstore;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class InMemoryObjectStoreTest extends ObjectStoreContractTest {
    private InMemoryObjectStore memory;

    @Override
    protected ObjectStore newStore() {
        memory = new InMemoryObjectStore();
        return memory;
    }

    @Override
    protected void createBucket(String bucket) {
        memory.createBucket(bucket);
    }

    @Test
    void createBucket_again_isFalseAndKeepsTheObjects() throws IOException {
        memory.put(BUCKET, "k", bytes("x"), Map.of());
        assertThat(memory.createBucket(BUCKET)).isFalse();
        assertThat(memory.get(BUCKET, "k").orElseThrow().bytes()).isEqualTo(bytes("x"));
        assertThat(memory.createBucket(MISSING_BUCKET)).isTrue();
        assertThat(memory.bucketExists(MISSING_BUCKET)).isTrue();
    }

    @Test
    void createBucket_emptyName_isRefused() {
        assertThatThrownBy(() -> memory.createBucket(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a bucket name: ");
    }

    @Test
    void deleteBucket_dropsItAndItsObjects() throws IOException {
        memory.put(BUCKET, "k", bytes("x"), Map.of());
        assertThat(memory.deleteBucket(BUCKET)).isTrue();
        assertThat(memory.bucketExists(BUCKET)).isFalse();
        assertThat(memory.get(BUCKET, "k")).isEmpty();
        assertThatThrownBy(() -> memory.put(BUCKET, "k", bytes("y"), Map.of()))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("no such bucket: audit-bucket");
        assertThat(memory.deleteBucket(BUCKET)).isFalse();
    }

    @Test
    void put_missingBucket_namesTheBucket() {
        assertThatThrownBy(() -> memory.put(MISSING_BUCKET, "k", bytes("x"), Map.of()))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("no such bucket: no-such-bucket");
        assertThatThrownBy(() -> memory.list(MISSING_BUCKET, "", Optional.empty(), 10))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("no such bucket: no-such-bucket");
    }

    @Test
    void put_emptyKey_isRefused() {
        assertThatThrownBy(() -> memory.put(BUCKET, "", bytes("x"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a key this store keeps: ");
    }

    @Test
    void list_negativeMax_isRefused() {
        assertThatThrownBy(() -> memory.list(BUCKET, "", Optional.empty(), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max is negative: -1");
    }

    @Test
    void encryptionOf_isWhatEachPutAskedFor() throws IOException {
        ObjectStore.Encryption kms = new ObjectStore.Encryption.Kms("alias/cairn");
        memory.put(BUCKET, "default", bytes("x"), Map.of());
        memory.put(BUCKET, "kms", bytes("x"), Map.of(), kms);
        assertThat(memory.encryptionOf(BUCKET, "default")).contains(ObjectStore.Encryption.S3_MANAGED);
        assertThat(memory.encryptionOf(BUCKET, "kms")).contains(new ObjectStore.Encryption.Kms("alias/cairn"));
        memory.put(BUCKET, "kms", bytes("y"), Map.of());
        assertThat(memory.encryptionOf(BUCKET, "kms")).contains(ObjectStore.Encryption.S3_MANAGED);
    }

    @Test
    void encryptionOf_missingObjectOrBucket_isEmpty() {
        assertThat(memory.encryptionOf(BUCKET, "none")).isEmpty();
        assertThat(memory.encryptionOf(MISSING_BUCKET, "none")).isEmpty();
    }

    @Test
    void put_callerChangingItsArraysAfterwards_changesNothingStored() throws IOException {
        byte[] bytes = bytes("abc");
        Map<String, String> metadata = new HashMap<>(Map.of("a", "1"));
        memory.put(BUCKET, "k", bytes, metadata);
        bytes[0] = 'X';
        metadata.put("b", "2");
        assertThat(memory.get(BUCKET, "k").orElseThrow().bytes()).isEqualTo(bytes("abc"));
        assertThat(memory.head(BUCKET, "k").orElseThrow().metadata()).isEqualTo(Map.of("a", "1"));
    }

    @Test
    void get_callerChangingTheBytesItGot_changesNothingStored() throws IOException {
        memory.put(BUCKET, "k", bytes("abc"), Map.of());
        memory.get(BUCKET, "k").orElseThrow().bytes()[0] = 'X';
        assertThat(memory.get(BUCKET, "k").orElseThrow().bytes()).isEqualTo(bytes("abc"));
    }
}
