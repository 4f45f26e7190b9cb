package cairn.delivery.objectstore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The embedded object store: a folder per bucket, {@code <root>/<bucket>/<key>}, an object a file. A put writes a
 * temporary file beside the object, forces it, renames it over the object and forces the folder, so a reader (or a
 * crash) sees the old object or the new one, whole. User metadata, when there is any, is kept in
 * {@code <root>/.metadata/<bucket>/<key>} (no bucket name starts with a dot). Keys are checked so that none can
 * leave its bucket's folder.
 */
public final class LocalObjectStore implements ObjectStore {
    /** The suffix of files being written; they are never listed, and removed when found at start. */
    static final String TEMPORARY = ".cairn-tmp";
    private static final String METADATA = ".metadata";

    private final Path root;

    public LocalObjectStore(Path root) {
        this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Creates the bucket's folder; false when it was there already. */
    public boolean createBucket(String bucket) throws IOException {
        Path folder = bucketFolder(bucket);
        if (Files.isDirectory(folder)) {
            return false;
        }
        DurableFiles.createDirectories(folder);
        return true;
    }

    /** The buckets, by name. */
    public List<String> buckets() throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(root)) {
            return folders.filter(Files::isDirectory).map(folder -> folder.getFileName().toString())
                    .filter(name -> !name.startsWith(".")).sorted().toList();
        }
    }

    @Override
    public boolean bucketExists(String bucket) {
        return Files.isDirectory(bucketFolder(bucket));
    }

    /**
     * {@inheritDoc} Unlike S3, a key that is a folder of another key's object (or an object under another's folder)
     * cannot be kept: such a put fails with an {@link IOException} and changes nothing. CloudTrail's keys never clash
     * so.
     */
    @Override
    public void put(String bucket, String key, byte[] bytes, Map<String, String> metadata, Encryption encryption)
            throws IOException {
        Path file = objectFile(bucket, key);
        if (!bucketExists(bucket)) {
            throw noSuchBucket(bucket);
        }
        Path folder = bucketFolder(bucket);
        for (Path at = file.getParent(); !at.equals(folder); at = at.getParent()) {
            if (Files.exists(at) && !Files.isDirectory(at)) {
                throw new ObjectStoreException(ObjectStoreException.Kind.KEY_CONFLICT, key + ": an object's key, "
                        + folder.relativize(at) + ", is a folder of this key in the local store");
            }
        }
        if (Files.isDirectory(file)) {
            throw new ObjectStoreException(ObjectStoreException.Kind.KEY_CONFLICT, key + ": this key is a folder of "
                    + "other objects' keys in the local store");
        }
        Path metadataFile = resolveKey(root.resolve(METADATA).resolve(bucket), key);
        if (metadata.isEmpty()) {
            Files.deleteIfExists(metadataFile);
        } else {
            Properties properties = new Properties();
            properties.putAll(metadata);
            java.io.StringWriter text = new java.io.StringWriter();
            properties.store(text, null);
            writeAtomically(metadataFile, text.toString().getBytes(StandardCharsets.UTF_8));
        }
        writeAtomically(file, bytes);
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        DurableFiles.writeAtomically(file, bytes, TEMPORARY);
    }

    @Override
    public Optional<StoredObject> get(String bucket, String key) throws IOException {
        Path file = objectFile(bucket, key);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(new StoredObject(bytes, readMetadata(bucket, key)));
    }

    private Map<String, String> readMetadata(String bucket, String key) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        Path metadataFile = resolveKey(root.resolve(METADATA).resolve(bucket), key);
        if (Files.isRegularFile(metadataFile)) {
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(metadataFile, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (NoSuchFileException e) {
                return metadata;
            }
            properties.stringPropertyNames().stream().sorted()
                    .forEach(name -> metadata.put(name, properties.getProperty(name)));
        }
        return metadata;
    }

    @Override
    public Optional<ObjectInfo> head(String bucket, String key) throws IOException {
        Path file = objectFile(bucket, key);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ObjectInfo(Files.size(file), readMetadata(bucket, key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static ObjectStoreException noSuchBucket(String bucket) {
        return new ObjectStoreException(ObjectStoreException.Kind.NO_SUCH_BUCKET, "no such bucket: " + bucket);
    }

    @Override
    public List<String> list(String bucket, String prefix, Optional<String> after, int max) throws IOException {
        Path folder = bucketFolder(bucket);
        if (!Files.isDirectory(folder)) {
            throw noSuchBucket(bucket);
        }
        // Only the folder the prefix names is walked: a day's folder, not the whole bucket.
        Path start = folder;
        int slash = prefix.lastIndexOf('/');
        if (slash > 0) {
            String folders = prefix.substring(0, slash);
            boolean plain = java.util.Arrays.stream(folders.split("/"))
                    .noneMatch(part -> part.isEmpty() || part.equals(".") || part.equals(".."));
            if (plain) {
                start = folder.resolve(folders.replace("/", folder.getFileSystem().getSeparator()));
                if (!Files.isDirectory(start)) {
                    return List.of();
                }
            }
        }
        TreeSet<String> keys = new TreeSet<>();
        try (Stream<Path> files = Files.walk(start)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!Files.isRegularFile(file) || file.getFileName().toString().endsWith(TEMPORARY)) {
                    continue;
                }
                String key = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (key.startsWith(prefix) && after.map(marker -> key.compareTo(marker) > 0).orElse(true)) {
                    keys.add(key);
                }
            }
        }
        List<String> page = new ArrayList<>();
        for (String key : keys) {
            if (page.size() == max) {
                break;
            }
            page.add(key);
        }
        return page;
    }

    @Override
    public void delete(String bucket, String key) throws IOException {
        Files.deleteIfExists(objectFile(bucket, key));
        Files.deleteIfExists(resolveKey(root.resolve(METADATA).resolve(bucket), key));
    }

    /** Removes the temporary files a crash left in the bucket, its metadata's included; returns how many. */
    public int removeTemporaryFiles(String bucket) throws IOException {
        return removeTemporaryFiles(bucketFolder(bucket))
                + removeTemporaryFiles(root.resolve(METADATA).resolve(bucket));
    }

    private static int removeTemporaryFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(TEMPORARY) && Files.deleteIfExists(file)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    private Path bucketFolder(String bucket) {
        if (bucket.isEmpty() || bucket.startsWith(".") || bucket.contains("/") || bucket.contains("\\")) {
            throw new IllegalArgumentException("not a bucket name: " + bucket);
        }
        return root.resolve(bucket);
    }

    private Path objectFile(String bucket, String key) {
        return resolveKey(bucketFolder(bucket), key);
    }

    /** The file of {@code key} under {@code folder}; a key with an empty, {@code .} or {@code ..} part is refused. */
    private static Path resolveKey(Path folder, String key) {
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/") || key.endsWith(TEMPORARY)) {
            throw new IllegalArgumentException("not a key this store keeps: " + key);
        }
        for (String part : key.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("not a key this store keeps: " + key);
            }
        }
        Path file = folder.resolve(key).normalize();
        if (!file.startsWith(folder) || file.equals(folder)) {
            throw new IllegalArgumentException("key " + key + " leaves its bucket");
        }
        return file;
    }
}
