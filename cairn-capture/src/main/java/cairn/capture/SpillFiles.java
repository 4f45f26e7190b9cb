package cairn.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Records that could not be sent, kept on disk until they can: files {@code spill-<sequence>.jsonl} in a folder, one
 * record per line (compact JSON never holds a raw line feed), each write forced to disk before it returns. Records are
 * resent a whole file at a time, oldest first, and a file is deleted only once Cairn has accepted it; Cairn drops
 * the records it already has (by eventID), so a crash between the two sends nothing twice. A line cut short by a
 * crash is skipped. Thread-safe.
 */
final class SpillFiles {
    private static final Pattern NAME = Pattern.compile("spill-(\\d{16})\\.jsonl");
    private static final long FILE_BYTES = 8L << 20;

    private final Path folder;
    private final TreeSet<Long> files = new TreeSet<>();
    private FileChannel writing;
    private long writingSequence = -1;
    private long writingBytes;

    SpillFiles(Path folder) throws IOException {
        this.folder = folder;
        Files.createDirectories(folder);
        try (Stream<Path> listed = Files.list(folder)) {
            listed.forEach(path -> {
                var matcher = NAME.matcher(path.getFileName().toString());
                if (matcher.matches()) {
                    files.add(Long.parseLong(matcher.group(1)));
                }
            });
        }
    }

    /** Appends the records and forces them to disk. */
    synchronized void append(List<byte[]> records) throws IOException {
        if (writing == null || writingBytes > FILE_BYTES) {
            seal();
            writingSequence = files.isEmpty() ? 1 : files.last() + 1;
            writing = FileChannel.open(file(writingSequence), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            writingBytes = writing.size();
            files.add(writingSequence);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] record : records) {
            out.writeBytes(record);
            out.write('\n');
        }
        ByteBuffer buffer = ByteBuffer.wrap(out.toByteArray());
        while (buffer.hasRemaining()) {
            writing.write(buffer);
        }
        writing.force(false);
        writingBytes += out.size();
    }

    /** Whether records wait on disk. */
    synchronized boolean isEmpty() {
        return files.isEmpty();
    }

    /** The oldest file's sequence and records (the file being written is closed first), or none. */
    synchronized Optional<Batch> oldest() throws IOException {
        if (files.isEmpty()) {
            return Optional.empty();
        }
        long sequence = files.first();
        if (sequence == writingSequence) {
            seal();
        }
        byte[] bytes = Files.readAllBytes(file(sequence));
        List<byte[]> records = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                if (i > start) {
                    records.add(java.util.Arrays.copyOfRange(bytes, start, i));
                }
                start = i + 1;
            }
        }
        return Optional.of(new Batch(sequence, records));
    }

    /** Deletes a file whose records Cairn accepted. */
    synchronized void delete(long sequence) throws IOException {
        if (sequence == writingSequence) {
            seal();
        }
        Files.deleteIfExists(file(sequence));
        files.remove(sequence);
    }

    /** How many records wait on disk, counted by lines (for tests and metrics). */
    synchronized long records() throws IOException {
        long count = 0;
        for (long sequence : files) {
            for (byte b : Files.readAllBytes(file(sequence))) {
                count += b == '\n' ? 1 : 0;
            }
        }
        return count;
    }

    synchronized void close() throws IOException {
        seal();
    }

    private void seal() throws IOException {
        if (writing != null) {
            writing.close();
            writing = null;
            writingSequence = -1;
        }
    }

    private Path file(long sequence) {
        return folder.resolve(String.format("spill-%016d.jsonl", sequence));
    }

    /** One file's records. */
    record Batch(long sequence, List<byte[]> records) {
    }
}
