package cairn.store.index;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Walking a posting list downwards, and seeking to the largest key at most a target. */
final class PostingCursorTest {
    private static final PostingList KEYS = postings(10, 20, 30, 40, 50);

    @Test
    void new_startsAtTheLargestKey() {
        PostingCursor cursor = new PostingCursor(KEYS);

        assertThat(cursor.valid()).isTrue();
        assertThat(cursor.key()).isEqualTo(50);
    }

    @Test
    void next_walksDownAndEndsInvalid() {
        PostingCursor cursor = new PostingCursor(KEYS);
        StringBuilder walked = new StringBuilder();

        while (cursor.valid()) {
            walked.append(cursor.key()).append(' ');
            cursor.next();
        }

        assertThat(walked.toString()).isEqualTo("50 40 30 20 10 ");
    }

    @Test
    void new_emptyList_isInvalid() {
        PostingCursor cursor = new PostingCursor(PostingList.EMPTY);

        assertThat(cursor.valid()).isFalse();
        cursor.seekAtMost(100);
        assertThat(cursor.valid()).isFalse();
    }

    @ParameterizedTest(name = "seekAtMost({0}) -> {1}")
    @CsvSource(textBlock = """
            100, 50
            50,  50
            49,  40
            31,  30
            30,  30
            11,  10
            10,  10
            """)
    void seekAtMost_target_movesToTheLargestKeyNotAboveIt(long target, long expected) {
        PostingCursor cursor = new PostingCursor(KEYS);

        cursor.seekAtMost(target);

        assertThat(cursor.valid()).isTrue();
        assertThat(cursor.key()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "seekAtMost({0}) -> past the end")
    @CsvSource({"9", "0", "-1", "-9223372036854775808"})
    void seekAtMost_targetBelowEveryKey_leavesTheCursorInvalid(long target) {
        PostingCursor cursor = new PostingCursor(KEYS);

        cursor.seekAtMost(target);

        assertThat(cursor.valid()).isFalse();
    }

    @Test
    void seekAtMost_largerTargetThanTheCurrentKey_neverMovesUp() {
        PostingCursor cursor = new PostingCursor(KEYS);
        cursor.seekAtMost(25);

        cursor.seekAtMost(45);

        assertThat(cursor.key()).isEqualTo(20);
    }

    @Test
    void seekAtMost_everyTargetOverALongList_agreesWithALinearScan() {
        long[] keys = new long[1000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = 3L * i + (i % 3);
        }
        PostingList list = postings(keys);
        for (long target = -1; target <= keys[keys.length - 1] + 1; target++) {
            long expected = Long.MIN_VALUE;
            for (long key : keys) {
                if (key <= target) {
                    expected = key;
                }
            }
            PostingCursor cursor = new PostingCursor(list);
            cursor.seekAtMost(target);
            if (expected == Long.MIN_VALUE) {
                assertThat(cursor.valid()).as("target " + target).isFalse();
            } else {
                assertThat(cursor.key()).as("target " + target).isEqualTo(expected);
            }
        }
    }

    static PostingList postings(long... keys) {
        return new PostingList() {
            @Override
            public int size() {
                return keys.length;
            }

            @Override
            public long get(int index) {
                return keys[index];
            }
        };
    }
}
