package cairn.server.ingest;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import cairn.model.record.ServerFields;
import cairn.server.history.HistoryTerms;
import cairn.store.Entry;
import cairn.store.EventStore;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * Puts accepted records into the event log: stamps the fields the server owns, derives the history's terms and
 * appends the batch, returning only once it is durable. Thread-safe; concurrent callers share one fsync.
 */
public final class Ingest {
    private final EventStore store;
    private final String accountId;
    private final int maxRecords;

    public Ingest(EventStore store, String accountId, int maxRecords) {
        this.store = store;
        this.accountId = accountId;
        this.maxRecords = maxRecords;
    }

    /** A stored record: its event ID and its offset in the log. */
    public record Stored(String eventId, long offset) {
    }

    /**
     * The native batch: records as they appear in log files. All are checked first; one bad record fails the call
     * and nothing of it is stored.
     */
    public List<Stored> ingestRecords(byte[] body) {
        List<ParsedRecord> records = RecordReader.readBatch(body, maxRecords);
        List<Entry> entries = new ArrayList<>(records.size());
        List<String> eventIds = new ArrayList<>(records.size());
        for (ParsedRecord record : records) {
            ServerFields.Stamped stamped = ServerFields.stamp(body, record, accountId, UUID::randomUUID);
            entries.add(new Entry(record.eventTime(), HistoryTerms.of(record, stamped.eventId()), stamped.bytes()));
            eventIds.add(stamped.eventId());
        }
        return append(entries, eventIds);
    }

    /** Appends records already checked and stamped (PutAuditEvents builds its own). */
    List<Stored> append(List<Entry> entries, List<String> eventIds) {
        long first;
        try {
            first = store.append(entries).join();
        } catch (CompletionException e) {
            throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE,
                    "The events could not be stored; none of them was accepted. Retry the call.", e.getCause());
        }
        List<Stored> stored = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            stored.add(new Stored(eventIds.get(i), first + i));
        }
        return stored;
    }

    String accountId() {
        return accountId;
    }
}
