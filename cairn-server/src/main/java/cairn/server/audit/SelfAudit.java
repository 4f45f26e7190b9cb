package cairn.server.audit;

import cairn.model.record.EventTimes;
import cairn.model.record.ParsedRecord;
import cairn.model.record.UserIdentity;
import cairn.server.history.HistoryTerms;
import cairn.server.history.StoredEventIds;
import cairn.server.identity.Caller;
import cairn.store.Entry;
import cairn.store.EventStore;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Cairn auditing its own API, as CloudTrail records calls to CloudTrail: every call, successful or not, becomes a
 * management event ({@code eventSource cloudtrail.amazonaws.com}) in the caller's account, or, when no known key
 * signed it, in the installation's first account. The events go straight into the store, never through the ingest
 * API, so they cause no further events. An ingest call's event is stored in the same batch as the events it carried
 * (see {@link cairn.server.ingest.Ingest}); the others are appended without holding up the response, and
 * {@link #flush()} waits for them.
 */
public final class SelfAudit {
    public static final String EVENT_SOURCE = "cloudtrail.amazonaws.com";
    public static final String EVENT_VERSION = "1.11";
    static final String DEFAULT_REGION = "us-east-1";
    private static final int MAX_TEXT = 1024;
    private static final JsonFactory JSON = new JsonFactory();
    private static final Logger LOG = Logger.getLogger(SelfAudit.class.getName());

    private final EventStore store;
    private final String fallbackAccount;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final StoredEventIds storedIds;

    public SelfAudit(EventStore store, String fallbackAccount) {
        this.store = requireNonNull(store, "store is null");
        this.fallbackAccount = requireNonNull(fallbackAccount, "fallbackAccount is null");
        this.storedIds = new StoredEventIds(store.maxEventTime());
    }

    /**
     * The event IDs stored since the start, which every append notes (this class's and the ingest paths'), so that
     * the native endpoint's deduplication can skip most index lookups.
     */
    public StoredEventIds storedIds() {
        return storedIds;
    }

    /** Stores the call's event, unless it was already stored with the events the call carried. */
    public void record(Call call) {
        if (call.audited()) {
            return;
        }
        call.markAudited();
        Entry entry;
        try {
            entry = entry(call);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "could not build the audit event of request " + call.requestId(), e);
            return;
        }
        append(entry, "the audit event of request " + call.requestId());
    }

    /**
     * Stores an event Cairn makes itself (a console sign-in, say) without holding up the caller; {@link #flush()}
     * waits for it. {@code what} names it in the log if it cannot be stored.
     */
    public void append(Entry entry, String what) {
        storedIds.add(List.of(entry));
        CompletableFuture<Long> appended = store.append(List.of(entry));
        inFlight.add(appended);
        appended.whenComplete((offset, failure) -> {
            inFlight.remove(appended);
            if (failure != null) {
                LOG.log(Level.SEVERE, "could not store " + what, failure);
            }
        });
    }

    /** Waits until every audit event recorded so far is durable and found by lookups. */
    public void flush() {
        for (CompletableFuture<?> pending : List.copyOf(inFlight)) {
            pending.exceptionally(failure -> null).join();
        }
    }

    /** The account a call's event belongs to. */
    public String accountOf(Call call) {
        return call.caller().map(Caller::accountId)
                .or(() -> call.claimed().map(credential -> credential.caller().accountId()))
                .orElse(fallbackAccount);
    }

    /**
     * The call's event, ready to append: the record as CloudTrail writes it, and its history terms, taken from what
     * was written rather than by parsing it again (tests read every audit event back through the record reader).
     */
    public Entry entry(Call call) {
        String eventId = RandomIds.next();
        String account = accountOf(call);
        byte[] record = record(call, eventId, account);
        Optional<Caller> identity = identityOf(call);
        UserIdentity user = identity.map(caller -> new UserIdentity(Optional.of(caller.key().session().isPresent()
                        ? "AssumedRole" : "IAMUser"), Optional.empty(), Optional.of(caller.arn()),
                Optional.of(caller.accountId()), Optional.of(caller.key().id()),
                caller.key().session().isPresent() ? Optional.empty() : Optional.of(caller.principal().name()),
                Optional.empty()))
                .orElseGet(() -> new UserIdentity(Optional.of("Unknown"), Optional.empty(), Optional.empty(),
                        Optional.empty(), call.accessKeyId().map(key -> clip(key, 128)), Optional.empty(),
                        Optional.empty()));
        long eventTime = call.time().getEpochSecond();
        ParsedRecord parsed = new ParsedRecord(0, record.length, Optional.of(eventId), eventTime,
                Optional.of(EVENT_VERSION), Optional.of(call.eventSource()), Optional.of(clip(call.eventName(), 128)),
                regionOf(call), Optional.of(call.readOnly()), user, List.of(), Optional.of("Management"),
                Optional.of("AwsApiCall"), Optional.of(account), true,
                call.errorCode().map(code -> code.wireName()), Optional.empty());
        return new Entry(eventTime, HistoryTerms.of(parsed, eventId, account), record);
    }

    private static Optional<Caller> identityOf(Call call) {
        return call.caller().or(() -> call.claimed().map(credential -> credential.caller()));
    }

    private static String regionOf(Call call) {
        return call.region().map(region -> clip(region, 64)).orElse(DEFAULT_REGION);
    }

    private static byte[] record(Call call, String eventId, String account) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventVersion", EVENT_VERSION);
            json.writeFieldName("userIdentity");
            Optional<Caller> identity = identityOf(call);
            if (identity.isPresent()) {
                identity.get().writeUserIdentity(json);
            } else {
                json.writeStartObject();
                json.writeStringField("type", "Unknown");
                if (call.accessKeyId().isPresent()) {
                    json.writeStringField("accessKeyId", clip(call.accessKeyId().get(), 128));
                }
                json.writeEndObject();
            }
            json.writeStringField("eventTime", EventTimes.format(call.time().getEpochSecond()));
            json.writeStringField("eventSource", call.eventSource());
            json.writeStringField("eventName", clip(call.eventName(), 128));
            json.writeStringField("awsRegion", regionOf(call));
            json.writeStringField("sourceIPAddress", call.sourceIpAddress());
            json.writeStringField("userAgent", clip(call.userAgent().orElse(""), MAX_TEXT));
            if (call.errorCode().isPresent()) {
                json.writeStringField("errorCode", call.errorCode().get().wireName());
                json.writeStringField("errorMessage", clip(call.errorMessage().orElse(""), MAX_TEXT));
            }
            writeRaw(json, "requestParameters", call.requestParameters());
            writeRaw(json, "responseElements", call.errorCode().isPresent() ? Optional.empty()
                    : call.responseElements());
            json.writeStringField("requestID", call.requestId());
            json.writeStringField("eventID", eventId);
            json.writeBooleanField("readOnly", call.readOnly());
            json.writeStringField("eventType", "AwsApiCall");
            json.writeBooleanField("managementEvent", true);
            json.writeStringField("recipientAccountId", account);
            json.writeStringField("eventCategory", "Management");
            if (call.fromConsole()) {
                json.writeStringField("sessionCredentialFromConsole", "true");
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeRaw(JsonGenerator json, String field, Optional<String> value) throws IOException {
        json.writeFieldName(field);
        if (value.isPresent()) {
            json.writeRawValue(value.get());
        } else {
            json.writeNull();
        }
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
