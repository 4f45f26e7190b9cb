package cairn.store.segment;

import cairn.store.StoredEntry;
import cairn.store.index.MemoryIndex;
import cairn.store.index.SealedIndex;
import cairn.store.index.SegmentIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One segment of the log: the file {@code <baseOffset, 20 digits>.log} holding frames (see {@link Frame}) and its
 * index, on the heap while the segment is written and in {@code <baseOffset>.index} once it is closed. The record
 * at position {@code p} has the offset {@code baseOffset + p}.
 *
 * <p>Reads are positional and may run on any thread; appends come from the store's single writer.
 */
public final class Segment {
    private final long baseOffset;
    private final Path logFile;
    private final Path indexFile;
    private final FileChannel channel;
    private volatile SegmentIndex index;

    private Segment(long baseOffset, Path directory, FileChannel channel, SegmentIndex index) {
        this.baseOffset = baseOffset;
        this.logFile = directory.resolve(fileName(baseOffset, ".log"));
        this.indexFile = directory.resolve(fileName(baseOffset, ".index"));
        this.channel = channel;
        this.index = index;
    }

    public static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    /** Creates an empty segment file, durable with its directory entry. */
    public static Segment create(Path directory, long baseOffset) throws IOException {
        Path file = directory.resolve(fileName(baseOffset, ".log"));
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        forceDirectory(directory);
        return new Segment(baseOffset, directory, channel, new MemoryIndex());
    }

    /**
     * Opens a closed segment with its index file, rebuilding the index from the frames when the file is missing or
     * does not match the segment.
     */
    public static Segment openClosed(Path directory, long baseOffset, Recovery recovery)
            throws IOException {
        Path file = directory.resolve(fileName(baseOffset, ".log"));
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Path indexPath = directory.resolve(fileName(baseOffset, ".index"));
        Optional<SealedIndex> sealed = SealedIndex.open(indexPath, baseOffset, channel.size());
        if (sealed.isPresent()) {
            recovery.records += sealed.get().recordCount();
            return new Segment(baseOffset, directory, channel, sealed.get());
        }
        MemoryIndex rebuilt = scan(channel, file, recovery);
        Segment segment = new Segment(baseOffset, directory, channel, rebuilt);
        segment.seal();
        recovery.rebuiltIndexes++;
        return segment;
    }

    /** Opens the newest segment for appending: verifies every frame and cuts a torn or unacknowledged tail. */
    public static Segment openActive(Path directory, long baseOffset, Recovery recovery)
            throws IOException {
        Path file = directory.resolve(fileName(baseOffset, ".log"));
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Files.deleteIfExists(directory.resolve(fileName(baseOffset, ".index")));
        MemoryIndex index = scan(channel, file, recovery);
        return new Segment(baseOffset, directory, channel, index);
    }

    private static MemoryIndex scan(FileChannel channel, Path file, Recovery recovery)
            throws IOException {
        long size = channel.size();
        if (size > Integer.MAX_VALUE) {
            throw new IOException(file + " is larger than 2 GiB");
        }
        MemoryIndex index = new MemoryIndex();
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        int limit = (int) size;
        int at = 0;
        int committedEnd = 0;
        List<Frame.Decoded> batch = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        while (true) {
            Frame.Decoded frame = Frame.decode(mapped, at, limit, Frame.MAX_PAYLOAD_BYTES);
            if (frame == null) {
                break;
            }
            batch.add(frame);
            starts.add(at);
            at = frame.end();
            if (frame.lastOfBatch()) {
                for (int i = 0; i < batch.size(); i++) {
                    Frame.Decoded done = batch.get(i);
                    index.add(done.eventTime(), done.terms(), starts.get(i), done.end());
                }
                batch.clear();
                starts.clear();
                committedEnd = at;
            }
        }
        if (committedEnd < size) {
            recovery.truncatedBytes += size - committedEnd;
            recovery.truncatedFrames += batch.size() + (at < size ? 1 : 0);
            recovery.notes.add(String.format("%s: cut %d byte(s) after position %d (%d whole frame(s) of an "
                    + "unfinished batch, %s)", file.getFileName(), size - committedEnd, committedEnd, batch.size(),
                    at < size ? "then a torn or corrupt frame" : "no torn frame"));
            channel.truncate(committedEnd);
            channel.force(true);
        }
        index.settle();
        recovery.records += index.recordCount();
        return index;
    }

    /** Writes the heap index to the index file and swaps the mapped file in; the segment takes no more appends. */
    public void seal() throws IOException {
        if (index instanceof MemoryIndex memory) {
            memory.writeTo(indexFile, baseOffset);
            forceDirectory(indexFile.getParent());
            index = SealedIndex.open(indexFile, baseOffset, memory.endPosition())
                    .orElseThrow(() -> new IOException("index just written is unreadable: " + indexFile));
        }
    }

    public long baseOffset() {
        return baseOffset;
    }

    public SegmentIndex index() {
        return index;
    }

    /** The heap index of a segment still being written. */
    public MemoryIndex memoryIndex() {
        if (index instanceof MemoryIndex memory) {
            return memory;
        }
        throw new IllegalStateException("segment " + baseOffset + " is closed");
    }

    /** Writes whole frames at {@code position}; the caller forces them. */
    public void write(ByteBuffer frames, long position) throws IOException {
        while (frames.hasRemaining()) {
            position += channel.write(frames, position);
        }
    }

    public void force() throws IOException {
        channel.force(false);
    }

    /** Reads the record at {@code position} (0-based in this segment). */
    public StoredEntry read(int position) {
        List<StoredEntry> one = read(position, 1, 0);
        if (one.isEmpty()) {
            throw new IndexOutOfBoundsException("no record " + position + " in " + logFile);
        }
        return one.getFirst();
    }

    /**
     * Reads the records from {@code position} on, at most {@code count} of them and, past the first, at most about
     * {@code maxBytes} of frames, in one read of the file.
     */
    public List<StoredEntry> read(int position, int count, int maxBytes) {
        SegmentIndex current = index;
        int records = current.recordCount();
        if (position >= records || count <= 0) {
            return List.of();
        }
        long start = current.filePosition(position);
        int low = position + 1;
        int high = (int) Math.min(records, (long) position + count);
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (endOf(current, middle) - start <= maxBytes) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        int last = low;
        long end = endOf(current, last);
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(end - start));
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, start + buffer.position()) < 0) {
                    throw new IOException("unexpected end of " + logFile);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<StoredEntry> entries = new ArrayList<>(last - position);
        int at = 0;
        for (int i = position; i < last; i++) {
            Frame.Decoded frame = Frame.decode(buffer, at, buffer.capacity(), Frame.MAX_PAYLOAD_BYTES, false);
            if (frame == null) {
                throw new UncheckedIOException(new IOException("corrupt record at " + logFile + ":" + (start + at)));
            }
            byte[] body = new byte[frame.end() - frame.bodyStart()];
            buffer.get(frame.bodyStart(), body);
            entries.add(new StoredEntry(baseOffset + i, frame.eventTime(), body));
            at = frame.end();
        }
        return entries;
    }

    /** The file position where the records before {@code position} end. */
    private static long endOf(SegmentIndex index, int position) {
        return position < index.recordCount() ? index.filePosition(position) : index.endPosition();
    }

    /** Closes the file and deletes the segment and its index. */
    public void delete() throws IOException {
        channel.close();
        index.close();
        Files.deleteIfExists(indexFile);
        Files.deleteIfExists(logFile);
    }

    public void close() throws IOException {
        channel.close();
        index.close();
    }

    static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** What recovery found, added up over the segments it opened. */
    public static final class Recovery {
        public long records;
        public long truncatedBytes;
        public long truncatedFrames;
        public int rebuiltIndexes;
        public final List<String> notes = new ArrayList<>();
    }
}
