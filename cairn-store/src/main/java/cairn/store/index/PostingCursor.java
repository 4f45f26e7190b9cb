package cairn.store.index;

/**
 * Walks a posting list from its largest key down. Not thread-safe; cheap to create per query.
 */
public final class PostingCursor {
    private final PostingList list;
    private int index;

    public PostingCursor(PostingList list) {
        this.list = list;
        this.index = list.size() - 1;
    }

    public boolean valid() {
        return index >= 0;
    }

    public long key() {
        return list.get(index);
    }

    public void next() {
        index--;
    }

    /** Moves to the largest key that is at most {@code target}; never moves up. */
    public void seekAtMost(long target) {
        if (index < 0 || list.get(index) <= target) {
            return;
        }
        int low = 0;
        int high = index - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (list.get(middle) <= target) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        index = found;
    }
}
