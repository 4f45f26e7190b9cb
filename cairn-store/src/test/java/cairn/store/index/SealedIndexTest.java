package cairn.store.index;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

import static cairn.store.index.MemoryIndexTest.keys;
import static cairn.store.index.MemoryIndexTest.term;
import static cairn.store.index.MemoryIndexTest.terms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The index file of a closed segment: written from the heap index, mapped back, refused when it does not fit. */
final class SealedIndexTest {
    private static final long BASE = 1000;

    @TempDir
    Path directory;

    @Test
    void open_writtenIndex_answersAsTheHeapIndexDid() throws IOException {
        MemoryIndex memory = new MemoryIndex();
        memory.add(100, terms("a", "b"), 0, 40);
        memory.add(90, terms("b"), 40, 70);
        memory.add(120, terms("a", ""), 70, 110);
        Path file = directory.resolve("index");
        memory.writeTo(file, BASE);

        SealedIndex sealed = SealedIndex.open(file, BASE, 110).orElseThrow();

        assertThat(sealed.recordCount()).isEqualTo(3);
        assertThat(sealed.minTime()).isEqualTo(90);
        assertThat(sealed.maxTime()).isEqualTo(120);
        assertThat(sealed.endPosition()).isEqualTo(110);
        assertThat(sealed.filePosition(0)).isZero();
        assertThat(sealed.filePosition(1)).isEqualTo(40);
        assertThat(sealed.filePosition(2)).isEqualTo(70);
        assertThat(keys(sealed.postings(term("a")))).isEqualTo(keys(memory.postings(term("a"))));
        assertThat(keys(sealed.postings(term("b")))).isEqualTo(keys(memory.postings(term("b"))));
        assertThat(keys(sealed.postings(term("")))).isEqualTo(keys(memory.postings(term(""))));
        assertThat(sealed.postings(term("c")).size()).isZero();
        assertThatThrownBy(() -> sealed.filePosition(3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void write_fileSize_isHeaderPositionsTermTableTermBytesPostingsAndFooter() throws IOException {
        MemoryIndex memory = new MemoryIndex();
        memory.add(100, terms("ab", "c"), 0, 40);
        memory.add(90, terms("ab"), 40, 70);
        Path file = directory.resolve("index");

        memory.writeTo(file, BASE);

        assertThat(Files.size(file)).isEqualTo(80 + 4 * 2 + 24 * 2 + 3 + 8 * 3 + 4);
        assertThat(ByteBuffer.wrap(Files.readAllBytes(file)).getInt(0)).isEqualTo(0x43495831);
        assertThat(directory.resolve("index.tmp")).doesNotExist();
    }

    @Test
    void open_manyTerms_findsEachOneAndNoOther() throws IOException {
        MemoryIndex memory = new MemoryIndex();
        SplittableRandom random = new SplittableRandom(5);
        for (int position = 0; position < 3000; position++) {
            memory.add(random.nextLong(0, 1000), terms("term-" + random.nextInt(700), "all"), position * 10L,
                    position * 10L + 10);
        }
        Path file = directory.resolve("index");
        memory.writeTo(file, BASE);

        SealedIndex sealed = SealedIndex.open(file, BASE, 30_000).orElseThrow();

        for (int term = 0; term < 710; term++) {
            assertThat(keys(sealed.postings(term("term-" + term)))).as("term-" + term)
                    .isEqualTo(keys(memory.postings(term("term-" + term))));
        }
        assertThat(keys(sealed.postings(term("all")))).hasSize(3000).isSorted()
                .isEqualTo(keys(memory.postings(term("all"))));
    }

    @Test
    void open_emptyIndex_hasNoRecordsAndTheEmptyTimes() throws IOException {
        Path file = directory.resolve("index");
        new MemoryIndex().writeTo(file, BASE);

        SealedIndex sealed = SealedIndex.open(file, BASE, 0).orElseThrow();

        assertThat(sealed.recordCount()).isZero();
        assertThat(sealed.minTime()).isEqualTo(Long.MAX_VALUE);
        assertThat(sealed.maxTime()).isEqualTo(-1);
        assertThat(sealed.postings(term("a")).size()).isZero();
    }

    @Test
    void open_missingFile_isEmpty() throws IOException {
        assertThat(SealedIndex.open(directory.resolve("none"), BASE, 0)).isEmpty();
    }

    @Test
    void open_forAnotherSegment_isEmpty() throws IOException {
        Path file = writtenIndex();

        assertThat(SealedIndex.open(file, BASE + 1, 110)).isEmpty();
    }

    @Test
    void open_segmentOfAnotherLength_isEmpty() throws IOException {
        Path file = writtenIndex();

        assertThat(SealedIndex.open(file, BASE, 111)).isEmpty();
        assertThat(SealedIndex.open(file, BASE, 109)).isEmpty();
    }

    @ParameterizedTest(name = "cut to {0} bytes")
    @ValueSource(ints = {0, 1, 83, 84, 100})
    void open_cutShort_isEmpty(int length) throws IOException {
        Path file = writtenIndex();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, Math.min(length, bytes.length - 1)));

        assertThat(SealedIndex.open(file, BASE, 110)).isEmpty();
    }

    @ParameterizedTest(name = "byte {0} changed")
    @ValueSource(ints = {0, 3, 4, 7, -1, -4})
    void open_magicVersionOrFooterChanged_isEmpty(int at) throws IOException {
        Path file = writtenIndex();
        byte[] bytes = Files.readAllBytes(file);
        int position = at < 0 ? bytes.length + at : at;
        bytes[position] ^= 0x01;
        Files.write(file, bytes);

        assertThat(SealedIndex.open(file, BASE, 110)).isEmpty();
    }

    @Test
    void open_bytesAfterTheFooter_isEmpty() throws IOException {
        Path file = writtenIndex();
        byte[] footer = Arrays.copyOfRange(Files.readAllBytes(file), (int) Files.size(file) - 4, (int) Files.size(file));
        Files.write(file, footer, StandardOpenOption.APPEND);

        assertThat(SealedIndex.open(file, BASE, 110)).isEmpty();
    }

    @Test
    void write_overAnExistingFile_replacesIt() throws IOException {
        Path file = writtenIndex();
        MemoryIndex other = new MemoryIndex();
        other.add(7, terms("z"), 0, 25);

        other.writeTo(file, BASE);

        SealedIndex sealed = SealedIndex.open(file, BASE, 25).orElseThrow();
        assertThat(sealed.recordCount()).isEqualTo(1);
        assertThat(sealed.postings(term("a")).size()).isZero();
        assertThat(sealed.postings(term("z")).size()).isEqualTo(1);
    }

    private Path writtenIndex() throws IOException {
        MemoryIndex memory = new MemoryIndex();
        memory.add(100, terms("a", "b"), 0, 40);
        memory.add(90, terms("b"), 40, 70);
        memory.add(120, terms("a"), 70, 110);
        Path file = directory.resolve("index");
        memory.writeTo(file, BASE);
        return file;
    }

    @Test
    void write_manyTerms_termTableIsInSignedHashOrderAndEveryTermIsFound() throws IOException {
        MemoryIndex memory = new MemoryIndex();
        int count = 60_000;
        for (int i = 0; i < count; i++) {
            memory.add(1000 + i, terms("event-" + i, "shared-" + (i % 7)), 40L * i, 40L * i + 40);
        }
        Path file = directory.resolve("index");
        memory.writeTo(file, BASE);
        SealedIndex sealed = SealedIndex.open(file, BASE, 40L * count).orElseThrow();

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        int termCount = bytes.getInt(20);
        int table = Math.toIntExact(bytes.getLong(48));
        assertThat(termCount).isEqualTo(count + 7);
        for (int i = 1; i < termCount; i++) {
            assertThat(bytes.getLong(table + 24 * i)).isGreaterThanOrEqualTo(bytes.getLong(table + 24 * (i - 1)));
        }
        for (int i = 0; i < count; i += 7) {
            assertThat(keys(sealed.postings(term("event-" + i)))).isEqualTo(keys(memory.postings(term("event-" + i))));
        }
        for (int shared = 0; shared < 7; shared++) {
            assertThat(sealed.postings(term("shared-" + shared)).size())
                    .isEqualTo(memory.postings(term("shared-" + shared)).size());
        }
    }
}
