package cairn.store;

import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What opening the store found: the segments and records it holds, and what recovery cut from a torn tail (bytes
 * and frames that were never acknowledged) or had to rebuild.
 */
public record RecoveryReport(int segments, long records, long nextOffset, long truncatedBytes, long truncatedFrames,
                             int rebuiltIndexes, Duration took, List<String> notes) {
    public RecoveryReport {
        requireNonNull(took, "took is null");
        notes = List.copyOf(requireNonNull(notes, "notes is null"));
    }

    public String summary() {
        StringBuilder text = new StringBuilder()
                .append("opened ").append(segments).append(" segment(s), ").append(records).append(" record(s) in ")
                .append(took.toMillis()).append(" ms");
        if (truncatedBytes > 0) {
            text.append("; cut a torn tail of ").append(truncatedBytes).append(" byte(s), ")
                    .append(truncatedFrames).append(" unacknowledged frame(s)");
        }
        if (rebuiltIndexes > 0) {
            text.append("; rebuilt ").append(rebuiltIndexes).append(" segment index(es)");
        }
        return text.toString();
    }
}
