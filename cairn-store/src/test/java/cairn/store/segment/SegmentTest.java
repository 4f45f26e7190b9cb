package cairn.store.segment;

import cairn.store.Entry;
import cairn.store.Keys;
import cairn.store.StoredEntry;
import cairn.store.index.MemoryIndex;
import cairn.store.index.PostingList;
import cairn.store.index.SealedIndex;
import cairn.store.index.Term;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One segment file and its index: writing, reading by position, sealing, and opening after a crash. */
final class SegmentTest {
    private static final long BASE = 42;

    @TempDir
    Path directory;

    @Test
    void fileName_isBaseOffsetInTwentyDigits() {
        assertThat(Segment.fileName(0, ".log")).isEqualTo("00000000000000000000.log");
        assertThat(Segment.fileName(42, ".index")).isEqualTo("00000000000000000042.index");
        assertThat(Segment.fileName(Long.MAX_VALUE, ".log")).isEqualTo("09223372036854775807.log");
    }

    @Test
    void create_makesAnEmptyFileWithAnEmptyHeapIndex() throws IOException {
        Segment segment = Segment.create(directory, BASE);
        try {
            assertThat(directory.resolve("00000000000000000042.log")).isEmptyFile();
            assertThat(segment.baseOffset()).isEqualTo(BASE);
            assertThat(segment.index()).isInstanceOf(MemoryIndex.class);
            assertThat(segment.index().recordCount()).isZero();
            assertThat(segment.index().endPosition()).isZero();
        } finally {
            segment.close();
        }
    }

    @Test
    void create_whenTheFileExists_fails() throws IOException {
        Files.write(directory.resolve("00000000000000000042.log"), new byte[1]);

        assertThatThrownBy(() -> Segment.create(directory, BASE)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void read_recordsWritten_comeBackWithTheirOffsets() throws IOException {
        Segment segment = Segment.create(directory, BASE);
        try {
            append(segment, List.of(entry(10, "first", "a"), entry(5, "second", "b")));
            append(segment, List.of(entry(20, "third", "a", "b")));

            StoredEntry third = segment.read(2);
            assertThat(third.offset()).isEqualTo(44);
            assertThat(third.eventTime()).isEqualTo(20);
            assertThat(text(third.body())).isEqualTo("third");
            assertThat(text(segment.read(0).body())).isEqualTo("first");
            assertThat(segment.read(1).offset()).isEqualTo(43);
        } finally {
            segment.close();
        }
    }

    @Test
    void seal_writesTheIndexFileAndSwapsInTheMappedIndex() throws IOException {
        Segment segment = Segment.create(directory, BASE);
        try {
            append(segment, List.of(entry(10, "first", "a"), entry(5, "second", "b"), entry(20, "third", "a", "b")));
            long end = segment.index().endPosition();

            segment.seal();

            assertThat(directory.resolve("00000000000000000042.index")).isNotEmptyFile();
            assertThat(segment.index()).isInstanceOf(SealedIndex.class);
            assertThat(segment.index().recordCount()).isEqualTo(3);
            assertThat(segment.index().minTime()).isEqualTo(5);
            assertThat(segment.index().maxTime()).isEqualTo(20);
            assertThat(segment.index().endPosition()).isEqualTo(end);
            assertThat(keys(segment.index().postings(term("a")))).containsExactly(Keys.of(10, 0), Keys.of(20, 2));
            assertThat(text(segment.read(1).body())).isEqualTo("second");
            assertThatThrownBy(segment::memoryIndex).isInstanceOf(IllegalStateException.class)
                    .hasMessage("segment 42 is closed");
        } finally {
            segment.close();
        }
    }

    @Test
    void openClosed_withItsIndexFile_usesItWithoutRebuilding() throws IOException {
        Segment written = Segment.create(directory, BASE);
        append(written, List.of(entry(10, "first", "a"), entry(5, "second", "b")));
        written.seal();
        written.close();
        Segment.Recovery recovery = new Segment.Recovery();

        Segment opened = Segment.openClosed(directory, BASE, recovery);
        try {
            assertThat(opened.index()).isInstanceOf(SealedIndex.class);
            assertThat(opened.index().recordCount()).isEqualTo(2);
            assertThat(recovery.rebuiltIndexes).isZero();
            assertThat(text(opened.read(1).body())).isEqualTo("second");
        } finally {
            opened.close();
        }
    }

    @Test
    void openClosed_withoutIndexFile_rebuildsAndWritesIt() throws IOException {
        Segment written = Segment.create(directory, BASE);
        append(written, List.of(entry(10, "first", "a"), entry(5, "second", "b", "a")));
        written.close();
        Segment.Recovery recovery = new Segment.Recovery();

        Segment opened = Segment.openClosed(directory, BASE, recovery);
        try {
            assertThat(recovery.rebuiltIndexes).isEqualTo(1);
            assertThat(recovery.records).isEqualTo(2);
            assertThat(directory.resolve("00000000000000000042.index")).isNotEmptyFile();
            assertThat(opened.index()).isInstanceOf(SealedIndex.class);
            assertThat(keys(opened.index().postings(term("a")))).containsExactly(Keys.of(5, 1), Keys.of(10, 0));
        } finally {
            opened.close();
        }
    }

    @Test
    void openActive_intactFile_keepsEveryBatchAndDeletesAStaleIndexFile() throws IOException {
        Segment written = Segment.create(directory, BASE);
        append(written, List.of(entry(10, "first", "a"), entry(5, "second", "b")));
        append(written, List.of(entry(20, "third", "a")));
        long end = written.index().endPosition();
        written.seal();
        written.close();
        Segment.Recovery recovery = new Segment.Recovery();

        Segment opened = Segment.openActive(directory, BASE, recovery);
        try {
            assertThat(opened.index()).isInstanceOf(MemoryIndex.class);
            assertThat(opened.index().recordCount()).isEqualTo(3);
            assertThat(opened.index().endPosition()).isEqualTo(end);
            assertThat(recovery.records).isEqualTo(3);
            assertThat(recovery.truncatedBytes).isZero();
            assertThat(recovery.notes).isEmpty();
            assertThat(directory.resolve("00000000000000000042.index")).doesNotExist();
        } finally {
            opened.close();
        }
    }

    @Test
    void openActive_batchWithoutItsLastFrame_cutsTheWholeBatch() throws IOException {
        Segment written = Segment.create(directory, BASE);
        append(written, List.of(entry(10, "kept", "a")));
        long kept = written.index().endPosition();
        // The first two frames of a three-frame batch reached the disk, the third did not.
        ByteBuffer frames = ByteBuffer.allocate(1024);
        Frame.encode(entry(11, "lost 1", "a"), false, frames);
        Frame.encode(entry(12, "lost 2", "a"), false, frames);
        int partial = frames.position();
        written.write(frames.flip(), kept);
        written.close();
        Segment.Recovery recovery = new Segment.Recovery();

        Segment opened = Segment.openActive(directory, BASE, recovery);
        try {
            assertThat(opened.index().recordCount()).isEqualTo(1);
            assertThat(recovery.truncatedBytes).isEqualTo(partial);
            assertThat(recovery.truncatedFrames).isEqualTo(2);
            assertThat(recovery.notes).containsExactly("00000000000000000042.log: cut " + partial
                    + " byte(s) after position " + kept + " (2 whole frame(s) of an unfinished batch, no torn frame)");
            assertThat(Files.size(directory.resolve("00000000000000000042.log"))).isEqualTo(kept);
        } finally {
            opened.close();
        }
    }

    @Test
    void delete_removesTheLogAndIndexFiles() throws IOException {
        Segment segment = Segment.create(directory, BASE);
        append(segment, List.of(entry(10, "first", "a")));
        segment.seal();

        segment.delete();

        try (var files = Files.list(directory)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void recovery_addsUpOverSegments() throws IOException {
        for (long base : new long[] {0, 100}) {
            Segment written = Segment.create(directory, base);
            append(written, List.of(entry(10, "first", "a"), entry(11, "second", "a")));
            written.close();
            try (FileChannel channel = FileChannel.open(directory.resolve(Segment.fileName(base, ".log")),
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                channel.write(ByteBuffer.wrap(new byte[7]));
            }
        }
        Segment.Recovery recovery = new Segment.Recovery();

        Segment first = Segment.openClosed(directory, 0, recovery);
        Segment second = Segment.openActive(directory, 100, recovery);
        first.close();
        second.close();

        assertThat(recovery.records).isEqualTo(4);
        assertThat(recovery.truncatedBytes).isEqualTo(14);
        assertThat(recovery.truncatedFrames).isEqualTo(2);
        assertThat(recovery.rebuiltIndexes).isEqualTo(1);
        assertThat(recovery.notes).hasSize(2);
    }

    /** Writes a batch the way the store's writer does: frames, then the heap index. */
    private static void append(Segment segment, List<Entry> batch) throws IOException {
        ByteBuffer frames = ByteBuffer.allocate(1 << 16);
        for (int i = 0; i < batch.size(); i++) {
            Frame.encode(batch.get(i), i == batch.size() - 1, frames);
        }
        long position = segment.index().endPosition();
        segment.write(frames.flip(), position);
        segment.force();
        for (Entry entry : batch) {
            long end = position + Frame.size(entry);
            segment.memoryIndex().add(entry.eventTime(), entry.terms(), position, end);
            position = end;
        }
    }

    private static Entry entry(long time, String body, String... terms) {
        List<byte[]> termBytes = new ArrayList<>();
        for (String term : terms) {
            termBytes.add(term.getBytes(StandardCharsets.UTF_8));
        }
        return new Entry(time, termBytes, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Term term(String text) {
        return new Term(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<Long> keys(PostingList list) {
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            keys.add(list.get(i));
        }
        return keys;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
