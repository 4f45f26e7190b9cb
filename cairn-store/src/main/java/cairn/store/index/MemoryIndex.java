package cairn.store.index;

import cairn.store.Keys;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The index of the segment being written, on the heap. One writer adds records; readers query under the store's
 * read lock while the writer adds under its write lock.
 */
public final class MemoryIndex implements SegmentIndex {
    private final Map<Term, LongList> postings = new HashMap<>();
    private long[] filePositions = new long[1024];
    private int recordCount;
    private long endPosition;
    private long minTime = Long.MAX_VALUE;
    private long maxTime = -1;

    /** Records the next record of the segment, which starts at {@code filePosition} and ends at {@code end}. */
    public void add(long eventTime, List<byte[]> terms, long filePosition, long end) {
        Term[] hashed = new Term[terms.size()];
        for (int i = 0; i < hashed.length; i++) {
            hashed[i] = new Term(terms.get(i));
        }
        add(eventTime, hashed, filePosition, end);
    }

    /** As {@link #add(long, List, long, long)}, with terms already hashed. */
    public void add(long eventTime, Term[] terms, long filePosition, long end) {
        if (recordCount == filePositions.length) {
            filePositions = Arrays.copyOf(filePositions, recordCount * 2);
        }
        int position = recordCount;
        filePositions[position] = filePosition;
        recordCount++;
        endPosition = end;
        minTime = Math.min(minTime, eventTime);
        maxTime = Math.max(maxTime, eventTime);
        long key = Keys.of(eventTime, position);
        for (Term term : terms) {
            LongList list = postings.get(term);
            if (list == null) {
                list = new LongList();
                postings.put(term, list);
            }
            list.addSorted(key);
        }
    }

    @Override
    public int recordCount() {
        return recordCount;
    }

    @Override
    public long minTime() {
        return minTime;
    }

    @Override
    public long maxTime() {
        return maxTime;
    }

    @Override
    public PostingList postings(Term term) {
        LongList list = postings.get(term);
        return list == null ? PostingList.EMPTY : list;
    }

    @Override
    public long filePosition(int position) {
        if (position < 0 || position >= recordCount) {
            throw new IndexOutOfBoundsException(position);
        }
        return filePositions[position];
    }

    @Override
    public long endPosition() {
        return endPosition;
    }

    @Override
    public void close() {
    }

    /** Writes this index as a sealed index file (see {@link SealedIndex} for the layout). */
    public void writeTo(Path file, long baseOffset) throws IOException {
        int count = postings.size();
        if (count >= 1 << 24) {
            throw new IOException("a segment index holds at most 16,777,215 terms; use smaller segments");
        }
        Term[] unsorted = new Term[count];
        PostingList[] lists = new PostingList[count];
        long[] order = new long[count];
        int i = 0;
        for (Map.Entry<Term, LongList> entry : postings.entrySet()) {
            unsorted[i] = entry.getKey();
            lists[i] = entry.getValue();
            // The high 40 bits of the hash, then the term's place: a primitive sort, with no term touched.
            order[i] = (entry.getKey().hash() & ~0xFF_FFFFL) | i;
            i++;
        }
        Arrays.sort(order);
        Term[] terms = new Term[count];
        PostingList[] sortedLists = new PostingList[count];
        for (int at = 0; at < count; at++) {
            int from = (int) (order[at] & 0xFF_FFFFL);
            terms[at] = unsorted[from];
            sortedLists[at] = lists[from];
        }
        // Terms whose hashes share the high 40 bits are rare; put them in full order (hash, then bytes).
        for (int at = 1; at < count; at++) {
            for (int back = at; back > 0 && terms[back - 1].compareTo(terms[back]) > 0; back--) {
                Term term = terms[back];
                terms[back] = terms[back - 1];
                terms[back - 1] = term;
                PostingList list = sortedLists[back];
                sortedLists[back] = sortedLists[back - 1];
                sortedLists[back - 1] = list;
            }
        }
        SealedIndex.write(file, baseOffset, this, terms, sortedLists);
    }

    int termCount() {
        return postings.size();
    }
}
