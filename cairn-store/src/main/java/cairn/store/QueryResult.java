package cairn.store;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** A page of entries, and whether more entries match after the last one. */
public record QueryResult(List<StoredEntry> entries, boolean more) {
    public QueryResult {
        entries = List.copyOf(requireNonNull(entries, "entries is null"));
    }
}
