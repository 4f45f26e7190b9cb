package cairn.store.index;

import java.util.Arrays;

/**
 * A growable list of distinct longs kept in ascending order. Keys are appended; a key smaller than the last one
 * leaves the list unsettled until {@link #settle()}, which sorts the new tail and merges it in one pass, so that
 * events arriving out of time order cost a merge per batch rather than a shift per key.
 */
final class LongList implements PostingList {
    private long[] values = new long[4];
    private int size;
    private int settled;

    /** Appends a key; returns true when this makes a settled list unsettled. */
    boolean append(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size + (size >> 1) + 4);
        }
        boolean wasSettled = settled == size;
        values[size++] = value;
        if (wasSettled && (size == 1 || values[size - 2] < value)) {
            settled = size;
            return false;
        }
        return wasSettled;
    }

    /** Puts the keys appended out of order in their place and drops duplicates. */
    void settle() {
        if (settled == size) {
            return;
        }
        Arrays.sort(values, settled, size);
        // Only the part from where the new keys land to the end can change; the rest stays as it was.
        int changedFrom = settled;
        if (settled > 0 && values[settled] <= values[settled - 1]) {
            long[] tail = Arrays.copyOfRange(values, settled, size);
            int landing = Arrays.binarySearch(values, 0, settled, tail[0]);
            changedFrom = landing >= 0 ? landing : -landing - 1;
            int from = settled - 1;
            int next = tail.length - 1;
            int to = size - 1;
            while (next >= 0) {
                if (from >= 0 && values[from] > tail[next]) {
                    values[to--] = values[from--];
                } else {
                    values[to--] = tail[next--];
                }
            }
        }
        int kept = Math.max(changedFrom, 1);
        for (int i = kept; i < size; i++) {
            if (values[i] != values[kept - 1]) {
                values[kept++] = values[i];
            }
        }
        size = kept;
        settled = size;
    }

    boolean isSettled() {
        return settled == size;
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
