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
    void append_inOrder_staysSettled() {
        LongList list = new LongList();

        for (long value = 0; value < 100; value++) {
            assertThat(list.append(value * 2)).isFalse();
        }

        assertThat(list.isSettled()).isTrue();
        assertThat(contents(list)).hasSize(100).isSorted();
        assertThat(list.get(99)).isEqualTo(198);
    }

    @Test
    void append_outOfOrder_unsettlesOnceAndSettleSortsIt() {
        LongList list = new LongList();

        List<Boolean> unsettled = new ArrayList<>();
        for (long value : new long[] {10, 30, 20, 5, 40, 35}) {
            unsettled.add(list.append(value));
        }
        list.settle();

        assertThat(unsettled).containsExactly(false, false, true, false, false, false);
        assertThat(list.isSettled()).isTrue();
        assertThat(contents(list)).containsExactly(5L, 10L, 20L, 30L, 35L, 40L);
    }

    @Test
    void settle_valueAlreadyPresent_isKeptOnce() {
        LongList list = new LongList();

        for (long value : new long[] {10, 20, 20, 10, 30, 30}) {
            list.append(value);
        }
        list.settle();

        assertThat(contents(list)).containsExactly(10L, 20L, 30L);
    }

    @Test
    void settle_newestFirstBatches_mergeInFront() {
        LongList list = new LongList();
        List<Long> expected = new ArrayList<>();

        for (int batch = 9; batch >= 0; batch--) {
            for (int i = 99; i >= 0; i--) {
                list.append(batch * 100L + i);
            }
            list.settle();
        }
        for (long value = 0; value < 1000; value++) {
            expected.add(value);
        }

        assertThat(contents(list)).containsExactlyElementsOf(expected);
    }

    @Test
    void settle_randomValuesInRandomBatches_matchesASortedSet() {
        SplittableRandom random = new SplittableRandom(11);
        LongList list = new LongList();
        TreeSet<Long> expected = new TreeSet<>();

        for (int i = 0; i < 5000; i++) {
            long value = random.nextInt(3) == 0 ? random.nextLong(0, 10_000) : 10_000 + i;
            list.append(value);
            expected.add(value);
            if (random.nextInt(40) == 0) {
                list.settle();
                assertThat(contents(list)).containsExactlyElementsOf(expected);
            }
        }
        list.settle();

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
