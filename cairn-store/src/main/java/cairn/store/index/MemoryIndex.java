package cairn.store.index;

import cairn.store.Keys;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The index of the segment being written, on the heap. One writer adds records; readers query under the store's
 * read lock while the writer adds under its write lock.
 *
 * <p>Terms live in an open-addressing table of parallel arrays (hash, bytes, first key, list of keys), so that a
 * term costs no object beyond its bytes until it has two keys: most terms (event IDs) have one, and a table of
 * objects per term would be copied by every young collection while the segment is written.
 */
public final class MemoryIndex implements SegmentIndex {
    private static final int INITIAL_SLOTS = 1 << 12;

    private long[] hashes = new long[INITIAL_SLOTS];
    private byte[][] terms = new byte[INITIAL_SLOTS][];
    private long[] firstKeys = new long[INITIAL_SLOTS];
    private LongList[] lists = new LongList[INITIAL_SLOTS];
    private int termCount;
    private final List<LongList> unsettled = new ArrayList<>();
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
            addKey(term, key);
        }
    }

    private void addKey(Term term, long key) {
        int slot = slotOf(term.hash(), term.bytes());
        if (terms[slot] == null) {
            hashes[slot] = term.hash();
            terms[slot] = term.bytes();
            firstKeys[slot] = key;
            if (++termCount * 2 > terms.length) {
                grow();
            }
        } else if (lists[slot] == null) {
            if (firstKeys[slot] == key) {
                return;
            }
            LongList list = new LongList();
            list.append(firstKeys[slot]);
            if (list.append(key)) {
                unsettled.add(list);
            }
            lists[slot] = list;
        } else if (lists[slot].append(key)) {
            unsettled.add(lists[slot]);
        }
    }

    /**
     * Puts the keys of records that arrived out of time order in their place. The store calls it under its write
     * lock after each batch; readers then see settled lists only. Single-threaded users need not: reading settles.
     */
    public void settle() {
        for (LongList list : unsettled) {
            list.settle();
        }
        unsettled.clear();
    }

    /** The slot that holds the term, or the empty slot where it would go. */
    private int slotOf(long hash, byte[] bytes) {
        int mask = terms.length - 1;
        int slot = (int) hash & mask;
        while (terms[slot] != null && (hashes[slot] != hash || !Arrays.equals(terms[slot], bytes))) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private void grow() {
        long[] oldHashes = hashes;
        byte[][] oldTerms = terms;
        long[] oldFirstKeys = firstKeys;
        LongList[] oldLists = lists;
        int slots = oldTerms.length * 2;
        hashes = new long[slots];
        terms = new byte[slots][];
        firstKeys = new long[slots];
        lists = new LongList[slots];
        for (int old = 0; old < oldTerms.length; old++) {
            if (oldTerms[old] != null) {
                int slot = slotOf(oldHashes[old], oldTerms[old]);
                hashes[slot] = oldHashes[old];
                terms[slot] = oldTerms[old];
                firstKeys[slot] = oldFirstKeys[old];
                lists[slot] = oldLists[old];
            }
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
        if (!unsettled.isEmpty()) {
            settle();
        }
        int slot = slotOf(term.hash(), term.bytes());
        if (terms[slot] == null) {
            return PostingList.EMPTY;
        }
        return postingsAt(slot);
    }

    private PostingList postingsAt(int slot) {
        return lists[slot] != null ? lists[slot] : new SingleKey(firstKeys[slot]);
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
        settle();
        if (termCount >= 1 << 24) {
            throw new IOException("a segment index holds at most 16,777,215 terms; use smaller segments");
        }
        int[] slots = new int[termCount];
        long[] order = new long[termCount];
        int count = 0;
        for (int slot = 0; slot < terms.length; slot++) {
            if (terms[slot] != null) {
                slots[count] = slot;
                // The high 40 bits of the hash, then the term's place: a primitive sort, in signed hash order.
                order[count] = (hashes[slot] & ~0xFF_FFFFL) | count;
                count++;
            }
        }
        Arrays.sort(order);
        Term[] sorted = new Term[count];
        PostingList[] postings = new PostingList[count];
        for (int at = 0; at < count; at++) {
            int slot = slots[(int) (order[at] & 0xFF_FFFFL)];
            sorted[at] = new Term(terms[slot], hashes[slot]);
            postings[at] = postingsAt(slot);
        }
        // Terms whose hashes share the high 40 bits are rare; put them in full order (hash, then bytes).
        for (int at = 1; at < count; at++) {
            for (int back = at; back > 0 && sorted[back - 1].compareTo(sorted[back]) > 0; back--) {
                Term term = sorted[back];
                sorted[back] = sorted[back - 1];
                sorted[back - 1] = term;
                PostingList list = postings[back];
                postings[back] = postings[back - 1];
                postings[back - 1] = list;
            }
        }
        SealedIndex.write(file, baseOffset, this, sorted, postings);
    }

    int termCount() {
        return termCount;
    }

    /** The postings of a term that one record carries. */
    private record SingleKey(long key) implements PostingList {
        @Override
        public int size() {
            return 1;
        }

        @Override
        public long get(int index) {
            if (index != 0) {
                throw new IndexOutOfBoundsException(index);
            }
            return key;
        }
    }
}
