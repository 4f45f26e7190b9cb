package cairn.store;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * One record to append: its time (epoch seconds, the order of the history), the index terms it is found by, and its
 * body, kept byte for byte.
 */
public record Entry(long eventTime, List<byte[]> terms, byte[] body) {
    public static final int MAX_TERM_BYTES = 4096;
    public static final int MAX_TERMS = 4096;

    public Entry {
        if (eventTime < 0 || eventTime > Keys.MAX_TIME) {
            throw new IllegalArgumentException("eventTime out of range: " + eventTime);
        }
        terms = List.copyOf(requireNonNull(terms, "terms is null"));
        requireNonNull(body, "body is null");
        if (terms.size() > MAX_TERMS) {
            throw new IllegalArgumentException("too many terms: " + terms.size());
        }
        for (byte[] term : terms) {
            if (term.length > MAX_TERM_BYTES) {
                throw new IllegalArgumentException("term longer than " + MAX_TERM_BYTES + " bytes");
            }
        }
    }
}
