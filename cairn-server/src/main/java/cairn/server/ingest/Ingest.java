package cairn.server.ingest;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.record.EventTimes;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import cairn.model.record.ServerFields;
import cairn.server.history.HistoryTerms;
import cairn.store.Entry;
import cairn.store.EventStore;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;

/**
 * Puts accepted records into the event log: stamps the fields the server owns, derives the history's terms and
 * appends the batch, returning only once it is durable. Thread-safe; concurrent callers share one fsync.
 */
public final class Ingest {
    /** How far ahead of the server's clock an event time may be: clocks drift, but not by days. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);

    private final EventStore store;
    private final String accountId;
    private final int maxRecords;
    private final Clock clock;

    public Ingest(EventStore store, String accountId, int maxRecords, Clock clock) {
        this.store = store;
        this.accountId = accountId;
        this.maxRecords = maxRecords;
        this.clock = clock;
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
        long latest = latestEventTime();
        for (int i = 0; i < records.size(); i++) {
            ParsedRecord record = records.get(i);
            if (record.eventTime() > latest) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "Record " + i + ": field eventTime is "
                        + "more than " + MAX_CLOCK_SKEW.toHours() + " hours ahead of the server's clock: "
                        + EventTimes.format(record.eventTime()));
            }
            ServerFields.Stamped stamped = ServerFields.stamp(body, record, accountId, UUID::randomUUID);
            if (stamped.bytes().length > RecordReader.MAX_RECORD_BYTES) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "Record " + i + ": with the fields the "
                        + "server fills in, the record is " + stamped.bytes().length + " bytes, more than the limit "
                        + "of " + RecordReader.MAX_RECORD_BYTES + " bytes (256 KB)");
            }
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
            if (e.getCause() instanceof IllegalArgumentException refused) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "The events could not be stored; none "
                        + "of them was accepted: " + refused.getMessage() + ".", refused);
            }
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

    /** The latest event time accepted now (epoch seconds). */
    long latestEventTime() {
        return clock.instant().plus(MAX_CLOCK_SKEW).getEpochSecond();
    }
}
