package cairn.store.index;

/**
 * The index of one segment: for each term, the keys of the records that carry it, and where each record starts in
 * the segment file. Callers hold the store's read lock while they use it.
 */
public interface SegmentIndex {
    int recordCount();

    /** Smallest event time in the segment; {@code Long.MAX_VALUE} when empty. */
    long minTime();

    /** Largest event time in the segment; {@code -1} when empty. */
    long maxTime();

    /** The postings of a term; an empty list when no record carries it. */
    PostingList postings(Term term);

    /** File position of the record at {@code position} (0-based inside the segment). */
    long filePosition(int position);

    /** The end of the last record, which is where the next record would start. */
    long endPosition();

    /** Releases what the index holds open (a mapped file); the index must not be used afterwards. */
    void close();
}
