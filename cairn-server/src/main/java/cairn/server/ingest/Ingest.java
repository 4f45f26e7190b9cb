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
import cairn.server.history.StoredEventIds;
import cairn.server.identity.Account;
import cairn.server.identity.Caller;
import cairn.store.Entry;
import cairn.store.EventStore;
import cairn.store.Query;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts accepted records into the event log: stamps the fields the server owns, derives the history's terms and
 * appends the batch, returning only once it is durable. Thread-safe; concurrent callers share one fsync.
 *
 * <p>The native batch is idempotent by event ID, so that a client may resend a batch it is unsure about (after a
 * timeout, or from a spill file) without creating duplicates: a record that carries its own {@code eventID} is stored
 * only when no event of that ID, at that event time, is stored in the same account and region (the history's EventId
 * term), nor earlier in the same batch. Concurrent batches are kept apart by reserving their client-supplied IDs in
 * {@link #inFlight} while they check the store and append: a batch that finds one of its IDs reserved releases what it
 * holds, waits for the holder to finish and tries again, so no batch ever waits while holding a reservation.
 */
public final class Ingest {
    /** How far ahead of the server's clock an event time may be: clocks drift, but not by days. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);

    private final EventStore store;
    private final SelfAudit audit;
    private final int maxRecords;
    private final Clock clock;
    /** The IDs stored since the start, so that most records need no index lookup to be known new. */
    private final StoredEventIds storedIds;
    /**
     * The client-supplied event IDs being checked and stored right now, each mapped to the attempt that reserved it;
     * an attempt's future completes when it gives its reservations back.
     */
    private final ConcurrentHashMap<EventKey, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    public Ingest(EventStore store, SelfAudit audit, int maxRecords, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.maxRecords = maxRecords;
        this.clock = clock;
        this.storedIds = audit.storedIds();
    }

    /** A stored record: its event ID and its offset in the log. */
    public record Stored(String eventId, long offset) {
    }

    /**
     * The outcome of a native batch: the event ID of every record of the request, in order (those already stored
     * included); the records newly stored, with their offsets (consecutive); and how many records were left out as
     * already stored (before, or earlier in the same batch).
     */
    public record Ingested(List<String> eventIds, List<Stored> stored, int duplicates) {
        public Ingested {
            eventIds = List.copyOf(eventIds);
            stored = List.copyOf(stored);
        }
    }

    /** What makes two records the same event: an event ID, in an account and a region. */
    private record EventKey(String account, String region, String eventId) {
    }

    /** A fixed order of keys: every batch reserves its IDs in it, so that two batches meet at their first shared ID. */
    private static final Comparator<EventKey> KEY_ORDER = Comparator.comparing(EventKey::eventId)
            .thenComparing(EventKey::account).thenComparing(EventKey::region);

    /**
     * The native batch: records as they appear in log files. All are checked first; one bad record fails the call
     * and nothing of it is stored. A record without {@code recipientAccountId} goes to the caller's account; one
     * naming another account needs that account granted to the caller. A record whose {@code eventID} is already
     * stored (see the class comment) is accepted and left out: its ID is returned with the others and it is counted
     * in {@link Ingested#duplicates()}.
     */
    public Ingested ingestRecords(Call call, byte[] body) {
        Caller caller = call.requireCaller();
        List<ParsedRecord> records = RecordReader.readBatch(body, maxRecords);
        List<Entry> entries = new ArrayList<>(records.size());
        List<String> eventIds = new ArrayList<>(records.size());
        // The client-supplied IDs: the record of each one's first occurrence; later ones are duplicates already.
        Map<EventKey, Integer> firstOfId = new HashMap<>();
        boolean[] duplicate = new boolean[records.size()];
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
            if (record.eventId().isPresent()
                    && firstOfId.putIfAbsent(new EventKey(account, record.awsRegion(), stamped.eventId()), i) != null) {
                duplicate[i] = true;
            }
        }
        call.requestParameters("{\"recordCount\":" + records.size() + "}");
        if (firstOfId.isEmpty()) {
            return store(call, entries, eventIds, duplicate);
        }
        List<EventKey> keys = new ArrayList<>(firstOfId.keySet());
        keys.sort(KEY_ORDER);
        CompletableFuture<Void> reservation = reserve(keys);
        try {
            // Reserved, so no other batch stores these IDs meanwhile, and any that did is in the index by now.
            for (int i : firstOfId.values()) {
                if (isStored(entries.get(i))) {
                    duplicate[i] = true;
                }
            }
            return store(call, entries, eventIds, duplicate);
        } finally {
            release(keys, reservation);
        }
    }

    /** Appends the records not marked duplicate, with the call's audit event, which reports both counts. */
    private Ingested store(Call call, List<Entry> entries, List<String> eventIds, boolean[] duplicate) {
        List<Entry> fresh = new ArrayList<>(entries.size());
        List<String> freshIds = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            if (!duplicate[i]) {
                fresh.add(entries.get(i));
                freshIds.add(eventIds.get(i));
            }
        }
        int duplicates = entries.size() - fresh.size();
        call.responseElements("{\"recordCount\":" + fresh.size()
                + (duplicates > 0 ? ",\"duplicates\":" + duplicates : "") + "}");
        // Even with nothing new, the audit event is appended here, durable before the answer as for any batch.
        return new Ingested(eventIds, append(call, fresh, freshIds), duplicates);
    }

    /**
     * Reserves every key for one attempt, in the order given; when another attempt holds one, gives back the keys
     * taken, waits for that attempt to give back its own, and starts over. Returns the attempt's future, to
     * {@link #release} once the records are stored (or not).
     */
    private CompletableFuture<Void> reserve(List<EventKey> keys) {
        while (true) {
            CompletableFuture<Void> attempt = new CompletableFuture<>();
            CompletableFuture<Void> holder = null;
            int taken = 0;
            for (EventKey key : keys) {
                holder = inFlight.putIfAbsent(key, attempt);
                if (holder != null) {
                    break;
                }
                taken++;
            }
            if (holder == null) {
                return attempt;
            }
            release(keys.subList(0, taken), attempt);
            holder.join();
        }
    }

    /** Gives back the keys an attempt took and wakes whoever waits for them. */
    private void release(List<EventKey> keys, CompletableFuture<Void> attempt) {
        for (EventKey key : keys) {
            inFlight.remove(key, attempt);
        }
        attempt.complete(null);
    }

    /**
     * Whether an event of the entry's ID is stored already: its EventId term (the same account, region and history),
     * at the same event time. An ID too long to be a term (over 4 KB) is not indexed and cannot be found.
     */
    private boolean isStored(Entry entry) {
        byte[] term = StoredEventIds.eventIdTerm(entry.terms());
        return term != null && !storedIds.surelyNew(term, entry.eventTime()) && !store.query(new Query(List.of(term), entry.eventTime(), entry.eventTime(),
                Optional.empty(), 1)).entries().isEmpty();
    }

    /**
     * Appends records already checked and stamped (PutAuditEvents builds its own), with the call's own audit event
     * in the same batch: both are durable together, at the cost of one fsync.
     */
    List<Stored> append(Call call, List<Entry> entries, List<String> eventIds) {
        List<Entry> batch = new ArrayList<>(entries.size() + 1);
        batch.addAll(entries);
        batch.add(audit.entry(call));
        storedIds.add(batch);
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
