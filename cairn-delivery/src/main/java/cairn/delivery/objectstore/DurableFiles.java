package cairn.delivery.objectstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Files that survive power loss as whole: written beside their place under {@code <name><suffix>}, forced, renamed
 * over it, and the folder forced, so the rename is on disk too; folders made on the way are forced into their parents.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /** Replaces {@code file} by {@code bytes}: a reader, or a crash, sees the old content or the new, never a part. */
    public static void writeAtomically(Path file, byte[] bytes, String temporarySuffix) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        createDirectories(folder);
        Path temporary = folder.resolve(file.getFileName() + temporarySuffix);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        force(folder);
    }

    /** Creates {@code folder} and its missing parents, each forced into its parent. */
    public static void createDirectories(Path folder) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path at = folder.toAbsolutePath(); at != null && !Files.isDirectory(at); at = at.getParent()) {
            missing.push(at);
        }
        while (!missing.isEmpty()) {
            Path created = missing.pop();
            Files.createDirectories(created);
            force(created.getParent());
        }
    }

    private static void force(Path folder) throws IOException {
        try (FileChannel directory = FileChannel.open(folder, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
