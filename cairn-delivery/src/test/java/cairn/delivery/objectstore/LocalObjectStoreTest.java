package cairn.delivery.objectstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class LocalObjectStoreTest extends ObjectStoreContractTest {
    @TempDir
    Path folder;

    private Path root;
    private LocalObjectStore local;

    @Override
    protected ObjectStore newStore() {
        root = folder.resolve("objects");
        local = new LocalObjectStore(root);
        return local;
    }

    @Override
    protected void createBucket(String bucket) throws IOException {
        local.createBucket(bucket);
    }

    /** Every file under the test's folder, relative to it, in order. */
    private List<String> filesUnderFolder() throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).map(file -> folder.relativize(file).toString()).sorted()
                    .toList();
        }
    }

    @Test
    void put_writesTheObjectAsAFileUnderItsBucketFolder() throws IOException {
        local.put(BUCKET, "AWSLogs/111122223333/f.json.gz", bytes("gz"), Map.of());
        assertThat(Files.readAllBytes(root.resolve(BUCKET).resolve("AWSLogs/111122223333/f.json.gz")))
                .isEqualTo(bytes("gz"));
        assertThat(filesUnderFolder()).containsExactly("objects/audit-bucket/AWSLogs/111122223333/f.json.gz");
    }

    @Test
    void put_withMetadata_keepsItBesideTheBuckets() throws IOException {
        local.put(BUCKET, "d/k", bytes("x"), Map.of("signature", "abc"));
        assertThat(filesUnderFolder())
                .containsExactly("objects/.metadata/audit-bucket/d/k", "objects/audit-bucket/d/k");
        assertThat(local.buckets()).containsExactly(BUCKET, OTHER_BUCKET);
        local.delete(BUCKET, "d/k");
        assertThat(filesUnderFolder()).isEmpty();
    }

    @Test
    void get_missingBucket_isEmpty() throws IOException {
        assertThat(local.get(MISSING_BUCKET, "k")).isEmpty();
    }

    @Test
    void put_missingBucket_namesTheBucket() {
        assertThatThrownBy(() -> local.put(MISSING_BUCKET, "k", bytes("x"), Map.of()))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("no such bucket: no-such-bucket");
    }

    @Test
    void list_missingBucket_namesTheBucket() {
        assertThatThrownBy(() -> local.list(MISSING_BUCKET, "", Optional.empty(), 10))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessage("no such bucket: no-such-bucket");
    }

    @Test
    void createBucket_newAndExisting() throws IOException {
        assertThat(local.createBucket("third")).isTrue();
        assertThat(local.createBucket("third")).isFalse();
        assertThat(Files.isDirectory(root.resolve("third"))).isTrue();
        assertThat(local.bucketExists("third")).isTrue();
    }

    @Test
    void buckets_several_areSortedByName() throws IOException {
        local.createBucket("a-first");
        local.createBucket("z-last");
        assertThat(local.buckets()).containsExactly("a-first", BUCKET, OTHER_BUCKET, "z-last");
    }

    @Test
    void buckets_noRootFolder_isEmpty() throws IOException {
        assertThat(new LocalObjectStore(folder.resolve("never-made")).buckets()).isEmpty();
        assertThat(Files.exists(folder.resolve("never-made"))).isFalse();
    }

    @Test
    void buckets_ignoresFilesInTheRoot() throws IOException {
        Files.writeString(root.resolve("stray-file"), "x");
        assertThat(local.buckets()).containsExactly(BUCKET, OTHER_BUCKET);
    }

    @Test
    void root_relativePath_isAbsoluteAndNormalised() {
        assertThat(new LocalObjectStore(Path.of("a/./b/../c")).root())
                .isEqualTo(Path.of("a/c").toAbsolutePath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../x", "x/..", "a/../b", "a/../../outside", "./a", "a/./b", "a//b", "/a",
            "/etc/passwd", "a/", "/", "//", "a\u0000b", "k.cairn-tmp", "a/b.cairn-tmp"})
    void put_keyThatIsNotKept_isRefusedAndWritesNothing(String key) throws IOException {
        assertThatThrownBy(() -> local.put(BUCKET, key, bytes("x"), Map.of("m", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a key this store keeps: " + key);
        assertThat(filesUnderFolder()).isEmpty();
        try (Stream<Path> everything = Files.walk(folder)) {
            assertThat(everything.map(path -> folder.relativize(path).toString()).sorted().toList())
                    .containsExactly("", "objects", "objects/audit-bucket", "objects/other-bucket");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../../outside", "/a", "a/", "a//b", "k.cairn-tmp"})
    void getAndDelete_keyThatIsNotKept_areRefused(String key) {
        assertThatThrownBy(() -> local.get(BUCKET, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a key this store keeps: " + key);
        assertThatThrownBy(() -> local.delete(BUCKET, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a key this store keeps: " + key);
    }

    @Test
    void get_keyLeadingOutOfTheBucket_neverReadsTheFileThere() throws IOException {
        Files.writeString(folder.resolve("secret"), "s");
        Files.writeString(root.resolve(OTHER_BUCKET).resolve("theirs"), "t");
        assertThatThrownBy(() -> local.get(BUCKET, "../../secret")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> local.get(BUCKET, "../" + OTHER_BUCKET + "/theirs"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", ".metadata", ".hidden", "a/b", "a\\b", "../x"})
    void bucketName_notKept_isRefused(String bucket) {
        assertThatThrownBy(() -> local.put(bucket, "k", bytes("x"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a bucket name: " + bucket);
        assertThatThrownBy(() -> local.createBucket(bucket))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a bucket name: " + bucket);
        assertThatThrownBy(() -> local.bucketExists(bucket))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a bucket name: " + bucket);
    }

    @Test
    void put_keyWithDotsInsideParts_isKept() throws IOException {
        local.put(BUCKET, "a..b/.c/d.", bytes("x"), Map.of());
        assertThat(local.get(BUCKET, "a..b/.c/d.").orElseThrow().bytes()).isEqualTo(bytes("x"));
        assertThat(local.list(BUCKET, "", Optional.empty(), 10)).containsExactly("a..b/.c/d.");
    }

    @Test
    void put_twice_leavesNoTemporaryFile() throws IOException {
        local.put(BUCKET, "d/k", bytes("x"), Map.of("a", "1"));
        local.put(BUCKET, "d/k", bytes("y"), Map.of("a", "2"));
        assertThat(filesUnderFolder())
                .containsExactly("objects/.metadata/audit-bucket/d/k", "objects/audit-bucket/d/k");
    }

    @Test
    void list_temporaryFiles_areNeverListed() throws IOException {
        local.put(BUCKET, "d/k.json.gz", bytes("x"), Map.of());
        Files.writeString(root.resolve(BUCKET).resolve("d/k.json.gz" + LocalObjectStore.TEMPORARY), "partial");
        Files.writeString(root.resolve(BUCKET).resolve("d/other" + LocalObjectStore.TEMPORARY), "partial");
        assertThat(local.list(BUCKET, "", Optional.empty(), 10)).containsExactly("d/k.json.gz");
        assertThat(local.list(BUCKET, "d/other", Optional.empty(), 10)).isEmpty();
    }

    @Test
    void removeTemporaryFiles_removesThemAndKeepsObjects() throws IOException {
        local.put(BUCKET, "d/k.json.gz", bytes("x"), Map.of());
        Files.createDirectories(root.resolve(BUCKET).resolve("e/f"));
        Files.writeString(root.resolve(BUCKET).resolve("d/k.json.gz" + LocalObjectStore.TEMPORARY), "partial");
        Files.writeString(root.resolve(BUCKET).resolve("e/f/g" + LocalObjectStore.TEMPORARY), "partial");
        Files.writeString(root.resolve(OTHER_BUCKET).resolve("h" + LocalObjectStore.TEMPORARY), "partial");
        assertThat(local.removeTemporaryFiles(BUCKET)).isEqualTo(2);
        assertThat(filesUnderFolder()).containsExactly("objects/audit-bucket/d/k.json.gz",
                "objects/other-bucket/h" + LocalObjectStore.TEMPORARY);
        assertThat(local.get(BUCKET, "d/k.json.gz").orElseThrow().bytes()).isEqualTo(bytes("x"));
        assertThat(local.removeTemporaryFiles(BUCKET)).isZero();
    }

    @Test
    void removeTemporaryFiles_alsoRemovesThoseOfMetadata() throws IOException {
        local.put(BUCKET, "d/k", bytes("x"), Map.of("a", "1"));
        Path metadataFolder = root.resolve(".metadata").resolve(BUCKET).resolve("d");
        Files.writeString(metadataFolder.resolve("k" + LocalObjectStore.TEMPORARY), "partial");
        Files.writeString(metadataFolder.resolve("j" + LocalObjectStore.TEMPORARY), "partial");
        assertThat(local.removeTemporaryFiles(BUCKET)).isEqualTo(2);
        assertThat(filesUnderFolder())
                .containsExactly("objects/.metadata/audit-bucket/d/k", "objects/audit-bucket/d/k");
        assertThat(local.get(BUCKET, "d/k").orElseThrow().metadata()).isEqualTo(Map.of("a", "1"));
    }

    @Test
    void removeTemporaryFiles_missingBucket_isZero() throws IOException {
        assertThat(local.removeTemporaryFiles(MISSING_BUCKET)).isZero();
    }

    /** A folder cannot also be a file: unlike S3, the local store refuses a key that is a folder of another. */
    @Test
    void put_keyThatIsAFolderOfAnotherKey_isRefusedAndKeepsTheFirst() throws IOException {
        local.put(BUCKET, "a", bytes("1"), Map.of());
        assertThatThrownBy(() -> local.put(BUCKET, "a/b", bytes("2"), Map.of()))
                .isInstanceOf(IOException.class).hasMessageContaining("a/b");
        local.put(BUCKET, "c/d", bytes("3"), Map.of());
        assertThatThrownBy(() -> local.put(BUCKET, "c", bytes("4"), Map.of()))
                .isInstanceOf(IOException.class).hasMessageContaining("c");
        assertThat(local.list(BUCKET, "", Optional.empty(), 10)).containsExactly("a", "c/d");
        assertThat(local.get(BUCKET, "a").orElseThrow().bytes()).isEqualTo(bytes("1"));
    }
}
