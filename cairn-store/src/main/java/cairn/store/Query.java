package cairn.store;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Entries that carry every one of {@code terms}, with an event time in {@code [minTime, maxTime]} (inclusive),
 * strictly after {@code after} in the history's order, at most {@code limit} of them, newest first.
 */
public record Query(List<byte[]> terms, long minTime, long maxTime, Optional<Position> after, int limit) {
    public Query {
        terms = List.copyOf(requireNonNull(terms, "terms is null"));
        requireNonNull(after, "after is null");
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("a query needs at least one term");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }
}
