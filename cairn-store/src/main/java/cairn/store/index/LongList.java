package cairn.store.index;

import java.util.Arrays;

/** A growable sorted array of longs: appends in order, inserts the rare out-of-order key in place. */
final class LongList implements PostingList {
    private long[] values = new long[4];
    private int size;

    void addSorted(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size + (size >> 1) + 4);
        }
        if (size == 0 || values[size - 1] < value) {
            values[size++] = value;
            return;
        }
        int at = Arrays.binarySearch(values, 0, size, value);
        if (at >= 0) {
            return;
        }
        at = -at - 1;
        System.arraycopy(values, at, values, at + 1, size - at);
        values[at] = value;
        size++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long get(int index) {
        return values[index];
    }
}
