package cairn.store;

import cairn.store.index.Term;
import cairn.store.segment.Frame;
import cairn.store.segment.Segment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static cairn.store.Entries.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The intersection of posting lists inside one segment, walked newest first between two keys. Each test runs on
 * the heap index of a segment being written and on the mapped index of the same segment once sealed.
 */
final class SegmentCursorTest {
    private static final long BASE = 1000;

    @TempDir
    Path directory;
    Segment segment;

    @BeforeEach
    void create() throws IOException {
        segment = Segment.create(directory, BASE);
    }

    @AfterEach
    void close() throws IOException {
        segment.close();
    }

    /** Positions 0-59, all at time 7; position p carries "two" when p % 2 == 0, and so on. */
    private void writeMultiples() throws IOException {
        List<Entry> batch = new ArrayList<>();
        for (int position = 0; position < 60; position++) {
            List<String> terms = new ArrayList<>();
            for (int divisor : new int[] {2, 3, 5}) {
                if (position % divisor == 0) {
                    terms.add(name(divisor));
                }
            }
            batch.add(Entries.entry(7, "p" + position, terms.toArray(String[]::new)));
        }
        write(batch);
    }

    @ParameterizedTest(name = "sealed={0}")
    @ValueSource(booleans = {false, true})
    void cursor_oneTerm_walksItsPostingsNewestFirst(boolean sealed) throws IOException {
        writeMultiples();
        sealIf(sealed);

        assertThat(walk(List.of("five"), 0, Long.MAX_VALUE))
                .containsExactly(1055L, 1050L, 1045L, 1040L, 1035L, 1030L, 1025L, 1020L, 1015L, 1010L, 1005L, 1000L);
    }

    @ParameterizedTest(name = "sealed={0}")
    @ValueSource(booleans = {false, true})
    void cursor_threeTerms_leapfrogsToTheCommonPositions(boolean sealed) throws IOException {
        writeMultiples();
        sealIf(sealed);

        assertThat(walk(List.of("two", "three", "five"), 0, Long.MAX_VALUE)).containsExactly(1030L, 1000L);
        assertThat(walk(List.of("two", "three"), 0, Long.MAX_VALUE))
                .containsExactly(1054L, 1048L, 1042L, 1036L, 1030L, 1024L, 1018L, 1012L, 1006L, 1000L);
        assertThat(walk(List.of("five", "three"), 0, Long.MAX_VALUE)).containsExactly(1045L, 1030L, 1015L, 1000L);
    }

    @ParameterizedTest(name = "sealed={0}")
    @ValueSource(booleans = {false, true})
    void cursor_keyBounds_areInclusive(boolean sealed) throws IOException {
        writeMultiples();
        sealIf(sealed);

        assertThat(walk(List.of("two", "three"), Keys.of(7, 12), Keys.of(7, 42))).containsExactly(1042L, 1036L, 1030L,
                1024L, 1018L, 1012L);
        assertThat(walk(List.of("two", "three"), Keys.of(7, 13), Keys.of(7, 41))).containsExactly(1036L, 1030L,
                1024L, 1018L);
        assertThat(walk(List.of("two", "three"), Keys.of(7, 31), Keys.of(7, 35))).isEmpty();
    }

    @ParameterizedTest(name = "sealed={0}")
    @ValueSource(booleans = {false, true})
    void cursor_termNobodyCarries_isInvalidAtOnce(boolean sealed) throws IOException {
        writeMultiples();
        sealIf(sealed);

        SegmentCursor cursor = new SegmentCursor(segment, terms(List.of("two", "seven")), 0, Long.MAX_VALUE);

        assertThat(cursor.valid()).isFalse();
    }

    @ParameterizedTest(name = "sealed={0}")
    @ValueSource(booleans = {false, true})
    void cursor_lateEvents_walkByTimeThenPosition(boolean sealed) throws IOException {
        write(List.of(Entries.entry(50, "p0", "t"), Entries.entry(10, "p1", "t"), Entries.entry(50, "p2", "t"),
                Entries.entry(30, "p3", "t", "u"), Entries.entry(60, "p4", "u")));
        sealIf(sealed);

        SegmentCursor cursor = new SegmentCursor(segment, terms(List.of("t")), 0, Long.MAX_VALUE);
        List<String> walked = new ArrayList<>();
        while (cursor.valid()) {
            walked.add(cursor.time() + "/" + cursor.offset() + "/" + cursor.position());
            cursor.next();
        }

        assertThat(walked).containsExactly("50/1002/2", "50/1000/0", "30/1003/3", "10/1001/1");
    }

    @ParameterizedTest(name = "sealed={0}")
    @ValueSource(booleans = {false, true})
    void cursor_randomTermsAndBounds_matchesABruteForceIntersection(boolean sealed) throws IOException {
        SplittableRandom random = new SplittableRandom(99);
        String[] vocabulary = {"a", "b", "c", "d", "e"};
        List<Entry> entries = new ArrayList<>();
        for (int position = 0; position < 2000; position++) {
            List<String> terms = new ArrayList<>();
            for (String term : vocabulary) {
                if (random.nextInt(3) > 0) {
                    terms.add(term);
                }
            }
            entries.add(Entries.entry(random.nextLong(100, 200), "p" + position, terms.toArray(String[]::new)));
        }
        write(entries);
        sealIf(sealed);

        for (int round = 0; round < 200; round++) {
            List<String> query = new ArrayList<>();
            for (String term : vocabulary) {
                if (random.nextInt(3) == 0) {
                    query.add(term);
                }
            }
            if (query.isEmpty()) {
                query.add(vocabulary[random.nextInt(vocabulary.length)]);
            }
            long minKey = Keys.of(random.nextLong(95, 205), random.nextLong(0, 2000));
            long maxKey = Keys.of(random.nextLong(95, 205), random.nextLong(0, 2000));
            List<Long> expected = new ArrayList<>();
            List<Long> keys = new ArrayList<>();
            for (int position = 0; position < entries.size(); position++) {
                Entry entry = entries.get(position);
                long key = Keys.of(entry.eventTime(), position);
                boolean all = query.stream().allMatch(term -> entry.terms().stream()
                        .anyMatch(carried -> Arrays.equals(carried, bytes(term))));
                if (all && key >= minKey && key <= maxKey) {
                    keys.add(key);
                }
            }
            keys.sort(null);
            for (int i = keys.size() - 1; i >= 0; i--) {
                expected.add(BASE + Keys.position(keys.get(i)));
            }

            assertThat(walk(query, minKey, maxKey)).as(query + " between " + minKey + " and " + maxKey)
                    .isEqualTo(expected);
        }
    }

    private List<Long> walk(List<String> terms, long minKey, long maxKey) {
        SegmentCursor cursor = new SegmentCursor(segment, terms(terms), minKey, maxKey);
        List<Long> offsets = new ArrayList<>();
        while (cursor.valid()) {
            offsets.add(cursor.offset());
            assertThat(cursor.segment()).isSameAs(segment);
            cursor.next();
        }
        return offsets;
    }

    private void sealIf(boolean sealed) throws IOException {
        if (sealed) {
            segment.seal();
        }
    }

    private void write(List<Entry> batch) throws IOException {
        ByteBuffer frames = ByteBuffer.allocate(1 << 20);
        for (int i = 0; i < batch.size(); i++) {
            Frame.encode(batch.get(i), i == batch.size() - 1, frames);
        }
        long position = segment.index().endPosition();
        segment.write(frames.flip(), position);
        for (Entry entry : batch) {
            long end = position + Frame.size(entry);
            segment.memoryIndex().add(entry.eventTime(), entry.terms(), position, end);
            position = end;
        }
    }

    private static List<Term> terms(List<String> texts) {
        return texts.stream().map(text -> new Term(bytes(text))).toList();
    }

    private static String name(int divisor) {
        return switch (divisor) {
            case 2 -> "two";
            case 3 -> "three";
            default -> "five";
        };
    }
}
