package cairn.store.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The index of a closed segment, in its own file, memory-mapped so that it costs no heap.
 *
 * <p>Layout, all numbers big-endian:
 * <pre>
 * header (80 bytes): int magic "CIX1", int version 1, long baseOffset, int recordCount, int termCount,
 *                    long minTime, long maxTime, long endPosition, long termTablePosition,
 *                    long termBytesPosition, long postingsPosition, long postingCount
 * file positions:    int[recordCount], where each record of the segment starts
 * term table:        termCount entries of 24 bytes, sorted by (hash, bytes):
 *                    long hash, int termBytesOffset, int termLength, int firstPosting, int postingCount
 * term bytes:        the terms, back to back
 * postings:          long[postingCount], the keys of each term in ascending order, term after term
 * footer:            int magic "CIXE"
 * </pre>
 * The file is written to a temporary name, forced to disk and renamed, so a file under its final name is complete.
 */
public final class SealedIndex implements SegmentIndex {
    private static final int MAGIC = 0x43495831;
    private static final int FOOTER = 0x43495845;
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 80;
    private static final int TERM_ENTRY_BYTES = 24;

    private final ByteBuffer buffer;
    private final long baseOffset;
    private final int recordCount;
    private final int termCount;
    private final long minTime;
    private final long maxTime;
    private final long endPosition;
    private final int termTablePosition;
    private final int termBytesPosition;
    private final int postingsPosition;

    private SealedIndex(ByteBuffer buffer) {
        this.buffer = buffer;
        this.baseOffset = buffer.getLong(8);
        this.recordCount = buffer.getInt(16);
        this.termCount = buffer.getInt(20);
        this.minTime = buffer.getLong(24);
        this.maxTime = buffer.getLong(32);
        this.endPosition = buffer.getLong(40);
        this.termTablePosition = Math.toIntExact(buffer.getLong(48));
        this.termBytesPosition = Math.toIntExact(buffer.getLong(56));
        this.postingsPosition = Math.toIntExact(buffer.getLong(64));
    }

    /**
     * Opens an index file; empty when the file is missing, incomplete, or for another segment, so the caller
     * rebuilds it from the segment.
     */
    public static Optional<SealedIndex> open(Path file, long expectedBaseOffset, long segmentBytes) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HEADER_BYTES + 4 || size > Integer.MAX_VALUE) {
                return Optional.empty();
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            if (mapped.getInt(0) != MAGIC || mapped.getInt(4) != VERSION || mapped.getInt((int) size - 4) != FOOTER) {
                return Optional.empty();
            }
            SealedIndex index = new SealedIndex(mapped);
            long expectedEnd = index.postingsPosition + 8L * mapped.getLong(72) + 4;
            if (index.baseOffset != expectedBaseOffset || index.endPosition != segmentBytes || expectedEnd != size) {
                return Optional.empty();
            }
            return Optional.of(index);
        }
    }

    /** Writes {@code sortedTerms} (by hash, then bytes) with {@code postings[i]} the list of {@code sortedTerms[i]}. */
    static void write(Path file, long baseOffset, SegmentIndex source, Term[] sortedTerms, PostingList[] postings)
            throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        int recordCount = source.recordCount();
        long termTablePosition = HEADER_BYTES + 4L * recordCount;
        long termBytesPosition = termTablePosition + (long) TERM_ENTRY_BYTES * sortedTerms.length;
        long termBytesLength = 0;
        long postingCount = 0;
        for (int i = 0; i < sortedTerms.length; i++) {
            termBytesLength += sortedTerms[i].bytes().length;
            postingCount += postings[i].size();
        }
        long postingsPosition = termBytesPosition + termBytesLength;
        if (postingsPosition + 8 * postingCount + 4 > Integer.MAX_VALUE) {
            throw new IOException("segment index would exceed 2 GiB; use smaller segments");
        }
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            Output out = new Output(channel);
            out.putInt(MAGIC);
            out.putInt(VERSION);
            out.putLong(baseOffset);
            out.putInt(recordCount);
            out.putInt(sortedTerms.length);
            out.putLong(source.minTime());
            out.putLong(source.maxTime());
            out.putLong(source.endPosition());
            out.putLong(termTablePosition);
            out.putLong(termBytesPosition);
            out.putLong(postingsPosition);
            out.putLong(postingCount);
            for (int position = 0; position < recordCount; position++) {
                out.putInt(Math.toIntExact(source.filePosition(position)));
            }
            int termOffset = 0;
            int postingOffset = 0;
            for (int i = 0; i < sortedTerms.length; i++) {
                Term term = sortedTerms[i];
                int count = postings[i].size();
                out.putLong(term.hash());
                out.putInt(termOffset);
                out.putInt(term.bytes().length);
                out.putInt(postingOffset);
                out.putInt(count);
                termOffset += term.bytes().length;
                postingOffset += count;
            }
            for (Term term : sortedTerms) {
                out.put(term.bytes());
            }
            for (PostingList list : postings) {
                for (int i = 0; i < list.size(); i++) {
                    out.putLong(list.get(i));
                }
            }
            out.putInt(FOOTER);
            out.flush();
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public int recordCount() {
        return recordCount;
    }

    @Override
    public long minTime() {
        return minTime;
    }

    @Override
    public long maxTime() {
        return maxTime;
    }

    @Override
    public long endPosition() {
        return endPosition;
    }

    @Override
    public long filePosition(int position) {
        if (position < 0 || position >= recordCount) {
            throw new IndexOutOfBoundsException(position);
        }
        return buffer.getInt(HEADER_BYTES + 4 * position);
    }

    @Override
    public PostingList postings(Term term) {
        long hash = term.hash();
        int low = 0;
        int high = termCount - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (buffer.getLong(entry(middle)) < hash) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        byte[] wanted = term.bytes();
        for (int index = low; index < termCount && buffer.getLong(entry(index)) == hash; index++) {
            int at = entry(index);
            int length = buffer.getInt(at + 12);
            if (length == wanted.length && sameBytes(termBytesPosition + buffer.getInt(at + 8), wanted)) {
                return new MappedPostings(postingsPosition + 8 * buffer.getInt(at + 16), buffer.getInt(at + 20));
            }
        }
        return PostingList.EMPTY;
    }

    @Override
    public void close() {
        // A mapping is released when it is no longer reachable; the segment's files may be deleted before that.
    }

    private int entry(int index) {
        return termTablePosition + TERM_ENTRY_BYTES * index;
    }

    private boolean sameBytes(int at, byte[] wanted) {
        for (int i = 0; i < wanted.length; i++) {
            if (buffer.get(at + i) != wanted[i]) {
                return false;
            }
        }
        return true;
    }

    /** Big-endian output through one direct buffer, written to the channel whenever it fills. */
    private static final class Output {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

        Output(FileChannel channel) {
            this.channel = channel;
        }

        void putInt(int value) throws IOException {
            room(4);
            buffer.putInt(value);
        }

        void putLong(long value) throws IOException {
            room(8);
            buffer.putLong(value);
        }

        void put(byte[] bytes) throws IOException {
            int at = 0;
            while (at < bytes.length) {
                room(1);
                int length = Math.min(buffer.remaining(), bytes.length - at);
                buffer.put(bytes, at, length);
                at += length;
            }
        }

        private void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                flush();
            }
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }
    }

    private final class MappedPostings implements PostingList {
        private final int start;
        private final int size;

        MappedPostings(int start, int size) {
            this.start = start;
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public long get(int index) {
            return buffer.getLong(start + 8 * index);
        }
    }
}
