package cairn.store.index;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The growable sorted array behind the heap index's posting lists. */
final class LongListTest {
    @Test
    void addSorted_inOrder_keepsOrder() {
        LongList list = new LongList();

        for (long value = 0; value < 100; value++) {
            list.addSorted(value * 2);
        }

        assertThat(contents(list)).hasSize(100).isSorted();
        assertThat(list.get(99)).isEqualTo(198);
    }

    @Test
    void addSorted_outOfOrder_insertsInPlace() {
        LongList list = new LongList();

        for (long value : new long[] {10, 30, 20, 5, 40, 35}) {
            list.addSorted(value);
        }

        assertThat(contents(list)).containsExactly(5L, 10L, 20L, 30L, 35L, 40L);
    }

    @Test
    void addSorted_valueAlreadyPresent_isKeptOnce() {
        LongList list = new LongList();

        for (long value : new long[] {10, 20, 20, 10, 30, 30}) {
            list.addSorted(value);
        }

        assertThat(contents(list)).containsExactly(10L, 20L, 30L);
    }

    @Test
    void addSorted_randomValues_matchesASortedSet() {
        SplittableRandom random = new SplittableRandom(11);
        LongList list = new LongList();
        TreeSet<Long> expected = new TreeSet<>();

        for (int i = 0; i < 5000; i++) {
            long value = random.nextInt(3) == 0 ? random.nextLong(0, 10_000) : 10_000 + i;
            list.addSorted(value);
            expected.add(value);
        }

        assertThat(contents(list)).containsExactlyElementsOf(expected);
    }

    private static List<Long> contents(LongList list) {
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            values.add(list.get(i));
        }
        return values;
    }
}
