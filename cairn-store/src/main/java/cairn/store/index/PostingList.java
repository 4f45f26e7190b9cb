package cairn.store.index;

/** The keys of one term in one segment, in ascending order. Read-only. */
public interface PostingList {
    PostingList EMPTY = new PostingList() {
        @Override
        public int size() {
            return 0;
        }

        @Override
        public long get(int index) {
            throw new IndexOutOfBoundsException(index);
        }
    };

    int size();

    long get(int index);
}
