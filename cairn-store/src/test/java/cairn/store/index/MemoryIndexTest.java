package cairn.store.index;

import cairn.store.Keys;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The heap index of the segment being written. */
final class MemoryIndexTest {
    @Test
    void new_isEmpty() {
        MemoryIndex index = new MemoryIndex();

        assertThat(index.recordCount()).isZero();
        assertThat(index.minTime()).isEqualTo(Long.MAX_VALUE);
        assertThat(index.maxTime()).isEqualTo(-1);
        assertThat(index.endPosition()).isZero();
        assertThat(index.postings(term("t")).size()).isZero();
    }

    @Test
    void add_records_keepsPositionsTimesAndPostings() {
        MemoryIndex index = new MemoryIndex();

        index.add(100, terms("a", "b"), 0, 40);
        index.add(90, terms("b"), 40, 70);
        index.add(120, terms("a"), 70, 110);

        assertThat(index.recordCount()).isEqualTo(3);
        assertThat(index.minTime()).isEqualTo(90);
        assertThat(index.maxTime()).isEqualTo(120);
        assertThat(index.endPosition()).isEqualTo(110);
        assertThat(index.filePosition(0)).isZero();
        assertThat(index.filePosition(1)).isEqualTo(40);
        assertThat(index.filePosition(2)).isEqualTo(70);
        assertThat(keys(index.postings(term("a")))).containsExactly(Keys.of(100, 0), Keys.of(120, 2));
        // The late record sorts before the earlier one by time.
        assertThat(keys(index.postings(term("b")))).containsExactly(Keys.of(90, 1), Keys.of(100, 0));
        assertThat(index.termCount()).isEqualTo(2);
    }

    @Test
    void add_termTwiceInOneRecord_postsTheRecordOnce() {
        MemoryIndex index = new MemoryIndex();

        index.add(5, terms("a", "a"), 0, 10);

        assertThat(keys(index.postings(term("a")))).containsExactly(Keys.of(5, 0));
    }

    @Test
    void add_moreRecordsThanTheInitialCapacity_growsAndKeepsEveryPosition() {
        MemoryIndex index = new MemoryIndex();

        for (int i = 0; i < 5000; i++) {
            index.add(i, terms(i % 2 == 0 ? "even" : "odd"), 10L * i, 10L * i + 10);
        }

        assertThat(index.recordCount()).isEqualTo(5000);
        assertThat(index.filePosition(4999)).isEqualTo(49_990);
        assertThat(index.postings(term("even")).size()).isEqualTo(2500);
        assertThat(index.postings(term("odd")).get(2499)).isEqualTo(Keys.of(4999, 4999));
    }

    @Test
    void filePosition_outsideTheRecords_throws() {
        MemoryIndex index = new MemoryIndex();
        index.add(5, terms("a"), 0, 10);

        assertThatThrownBy(() -> index.filePosition(1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> index.filePosition(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    static List<byte[]> terms(String... texts) {
        List<byte[]> terms = new ArrayList<>();
        for (String text : texts) {
            terms.add(text.getBytes(StandardCharsets.UTF_8));
        }
        return terms;
    }

    static Term term(String text) {
        return new Term(text.getBytes(StandardCharsets.UTF_8));
    }

    static List<Long> keys(PostingList list) {
        List<Long> keys = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            keys.add(list.get(i));
        }
        return keys;
    }
}
