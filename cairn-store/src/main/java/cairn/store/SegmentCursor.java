package cairn.store;

import cairn.store.index.PostingCursor;
import cairn.store.index.Term;
import cairn.store.segment.Segment;

import java.util.List;

/**
 * The entries of one segment that carry every term of a query, newest first, within a range of keys: a leapfrog
 * intersection of the terms' posting lists walked downwards.
 */
final class SegmentCursor {
    private final Segment segment;
    private final PostingCursor[] cursors;
    private final long minKey;
    private long current;
    private boolean valid;

    SegmentCursor(Segment segment, List<Term> terms, long minKey, long maxKey) {
        this.segment = segment;
        this.minKey = minKey;
        this.cursors = new PostingCursor[terms.size()];
        for (int i = 0; i < cursors.length; i++) {
            cursors[i] = new PostingCursor(segment.index().postings(terms.get(i)));
            cursors[i].seekAtMost(maxKey);
        }
        advance();
    }

    boolean valid() {
        return valid;
    }

    long time() {
        return Keys.time(current);
    }

    long offset() {
        return segment.baseOffset() + Keys.position(current);
    }

    int position() {
        return Keys.position(current);
    }

    Segment segment() {
        return segment;
    }

    void next() {
        for (PostingCursor cursor : cursors) {
            cursor.next();
        }
        advance();
    }

    private void advance() {
        while (true) {
            long candidate = Long.MAX_VALUE;
            for (PostingCursor cursor : cursors) {
                if (!cursor.valid()) {
                    valid = false;
                    return;
                }
                candidate = Math.min(candidate, cursor.key());
            }
            if (candidate < minKey) {
                valid = false;
                return;
            }
            boolean allEqual = true;
            for (PostingCursor cursor : cursors) {
                cursor.seekAtMost(candidate);
                if (!cursor.valid()) {
                    valid = false;
                    return;
                }
                allEqual &= cursor.key() == candidate;
            }
            if (allEqual) {
                current = candidate;
                valid = true;
                return;
            }
        }
    }
}
