package cairn.server.ingest;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.record.EventTimes;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import cairn.model.record.ServerFields;
import cairn.server.audit.Call;
import cairn.server.audit.SelfAudit;
import cairn.server.history.HistoryTerms;
import cairn.server.identity.Account;
import cairn.server.identity.Caller;
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
    private final SelfAudit audit;
    private final int maxRecords;
    private final Clock clock;

    public Ingest(EventStore store, SelfAudit audit, int maxRecords, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.maxRecords = maxRecords;
        this.clock = clock;
    }

    /** A stored record: its event ID and its offset in the log. */
    public record Stored(String eventId, long offset) {
    }

    /**
     * The native batch: records as they appear in log files. All are checked first; one bad record fails the call
     * and nothing of it is stored. A record without {@code recipientAccountId} goes to the caller's account; one
     * naming another account needs that account granted to the caller.
     */
    public List<Stored> ingestRecords(Call call, byte[] body) {
        Caller caller = call.requireCaller();
        List<ParsedRecord> records = RecordReader.readBatch(body, maxRecords);
        List<Entry> entries = new ArrayList<>(records.size());
        List<String> eventIds = new ArrayList<>(records.size());
        long latest = latestEventTime();
        String checkedAccount = null;
        byte[] scope = null;
        String scopeRegion = null;
        for (int i = 0; i < records.size(); i++) {
            ParsedRecord record = records.get(i);
            if (record.eventTime() > latest) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "Record " + i + ": field eventTime is "
                        + "more than " + MAX_CLOCK_SKEW.toHours() + " hours ahead of the server's clock: "
                        + EventTimes.format(record.eventTime()));
            }
            String account = record.recipientAccountId().orElse(caller.accountId());
            if (!account.equals(checkedAccount)) {
                if (!Account.isValidId(account)) {
                    throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "Record " + i + ": field "
                            + "recipientAccountId must be a 12-digit account ID, not " + account);
                }
                if (!caller.principal().mayUseAccount(account)) {
                    throw new CloudTrailException(ErrorCode.ACCESS_DENIED, "User: " + caller.arn() + " is not "
                            + "authorized to put events into account " + account + " (record " + i + "); it may "
                            + "put events into its own account, " + caller.accountId() + ", and the accounts "
                            + "granted to it.");
                }
                checkedAccount = account;
                scope = null;
            }
            if (scope == null || !record.awsRegion().equals(scopeRegion)) {
                // The records of a batch mostly share an account and a region: their terms' scope is made once.
                scope = HistoryTerms.scope(account, record.awsRegion());
                scopeRegion = record.awsRegion();
            }
            ServerFields.Stamped stamped = ServerFields.stamp(body, record, account, UUID::randomUUID);
            if (stamped.bytes().length > RecordReader.MAX_RECORD_BYTES) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "Record " + i + ": with the fields the "
                        + "server fills in, the record is " + stamped.bytes().length + " bytes, more than the limit "
                        + "of " + RecordReader.MAX_RECORD_BYTES + " bytes (256 KB)");
            }
            entries.add(new Entry(record.eventTime(), HistoryTerms.of(record, stamped.eventId(), scope),
                    stamped.bytes()));
            eventIds.add(stamped.eventId());
        }
        call.requestParameters("{\"recordCount\":" + records.size() + "}");
        call.responseElements("{\"recordCount\":" + records.size() + "}");
        return append(call, entries, eventIds);
    }

    /**
     * Appends records already checked and stamped (PutAuditEvents builds its own), with the call's own audit event
     * in the same batch: both are durable together, at the cost of one fsync.
     */
    List<Stored> append(Call call, List<Entry> entries, List<String> eventIds) {
        List<Entry> batch = new ArrayList<>(entries.size() + 1);
        batch.addAll(entries);
        batch.add(audit.entry(call));
        long first;
        try {
            first = store.append(batch).join();
            call.markAudited();
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

    /** The latest event time accepted now (epoch seconds). */
    long latestEventTime() {
        return clock.instant().plus(MAX_CLOCK_SKEW).getEpochSecond();
    }
}
