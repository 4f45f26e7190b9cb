package cairn.server.history;

import cairn.model.error.CloudTrailException;
import cairn.model.json.StrictJson;
import cairn.model.error.ErrorCode;
import cairn.model.lookup.LookupAttribute;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordProblem;
import cairn.model.record.RecordReader;
import cairn.model.record.Resource;
import cairn.server.config.CairnConfig;
import cairn.store.EventStore;
import cairn.store.Position;
import cairn.store.Query;
import cairn.store.QueryResult;
import cairn.store.StoredEntry;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The event history: CloudTrail's LookupEvents over the store, per region, newest first, with every lookup
 * attribute, a time range, Insights events apart, and pagination tokens that survive new events. Thread-safe.
 */
public final class EventHistory {
    public static final int MAX_RESULTS = 50;
    /** Attributes ANDed in one lookup at most, when several are allowed: as many as there are attribute keys. */
    public static final int MAX_ATTRIBUTES = 8;
    private static final int EXPORT_PAGE = 500;
    private static final int MAX_VALUE_LENGTH = 2000;
    private static final ObjectMapper MAPPER = StrictJson.MAPPER;
    private static final Logger LOG = Logger.getLogger(EventHistory.class.getName());
    private static final JsonFactory JSON = new JsonFactory();

    private final EventStore store;
    private final Clock clock;
    private final CairnConfig.History config;
    private final NextTokens tokens;

    public EventHistory(EventStore store, Clock clock, CairnConfig.History config, byte[] tokenKey) {
        this.store = store;
        this.clock = clock;
        this.config = config;
        this.tokens = new NextTokens(tokenKey, clock, config.nextTokenTtl());
    }

    /** The oldest event time (epoch seconds) still in the history. */
    public long horizon() {
        return clock.instant().minus(config.retention()).getEpochSecond();
    }

    /** Deletes the segments that hold only events older than the retention; returns how many were deleted. */
    public int expire() {
        return expire(Long.MAX_VALUE);
    }

    /** How many segments are past the retention and still on disk (kept for a trail, or not expired yet). */
    public int segmentsPastRetention() {
        return store.segmentsOlderThan(horizon());
    }

    /** As {@link #expire()}, keeping the records from offset {@code keepFrom} on (trails have yet to deliver them). */
    public int expire(long keepFrom) {
        return store.expireBefore(horizon(), keepFrom).join();
    }

    /**
     * LookupEvents in one account's history: the account and region of the call, the request body as sent; returns
     * the response body.
     */
    public byte[] lookupEvents(String account, String region, JsonNode request) {
        return lookupEvents(account, region, request, config.multiAttributeLookups());
    }

    /**
     * As {@link #lookupEvents(String, String, JsonNode)}; {@code severalAttributes} allows more than one lookup
     * attribute (ANDed), whatever the configuration says (the console always does).
     */
    public byte[] lookupEvents(String account, String region, JsonNode request, boolean severalAttributes) {
        Request parsed = parse(request, severalAttributes);
        String parameters = account + "|" + parsed.fingerprint(region);
        Optional<Position> after = parsed.nextToken().map(token -> tokens.read(token, parameters));
        QueryResult result = store.query(query(account, region, parsed, after, parsed.maxResults()));
        Optional<String> nextToken = result.more()
                ? Optional.of(tokens.issue(result.entries().getLast().position(), parameters))
                : Optional.empty();
        return write(result.entries(), nextToken);
    }

    /** What {@link #forEachMatching} hands each matching event: the stored entry and its record, read. */
    @FunctionalInterface
    public interface EventSink {
        void accept(StoredEntry entry, Optional<ParsedRecord> record) throws IOException;
    }

    /**
     * Hands every event of the account's history in {@code region} that matches a LookupEvents-style filter
     * ({@code LookupAttributes}, several ANDed, {@code StartTime}, {@code EndTime}, {@code EventCategory}; the same
     * checks and errors as LookupEvents) to {@code sink}, newest first, reading {@value #EXPORT_PAGE} at a time, so
     * that any number of events goes through without being held. Pages follow each other as LookupEvents' tokens do:
     * an event stored while it runs is handed over only when it sorts after the page being read.
     */
    public void forEachMatching(String account, String region, JsonNode filter, EventSink sink) throws IOException {
        Request parsed = parse(filter, true);
        Optional<Position> after = Optional.empty();
        while (true) {
            QueryResult page = store.query(query(account, region, parsed, after, EXPORT_PAGE));
            for (StoredEntry entry : page.entries()) {
                Optional<ParsedRecord> record;
                try {
                    record = Optional.of(RecordReader.readStored(entry.body()));
                } catch (RecordProblem problem) {
                    record = Optional.empty();
                }
                sink.accept(entry, record);
            }
            if (!page.more()) {
                return;
            }
            after = Optional.of(page.entries().getLast().position());
        }
    }

    /** The index terms a LookupEvents-style filter asks for, all of which an event must carry to match. */
    public List<byte[]> termsOf(String account, String region, JsonNode filter) {
        return query(account, region, parse(filter, true), Optional.empty(), 1).terms();
    }

    private Query query(String account, String region, Request parsed, Optional<Position> after, int limit) {
        long minTime = Math.max(parsed.startTime().orElse(0L), Math.max(0, horizon()));
        long maxTime = parsed.endTime().orElse(Long.MAX_VALUE);
        List<byte[]> terms = new ArrayList<>();
        if (parsed.attributes().isEmpty()) {
            terms.add(HistoryTerms.all(account, region, parsed.insight()));
        }
        for (Map.Entry<LookupAttribute, String> attribute : parsed.attributes()) {
            terms.add(HistoryTerms.of(attribute.getKey(), account, region, parsed.insight(), attribute.getValue()));
        }
        return new Query(terms, minTime, maxTime, after, limit);
    }

    private record Request(List<Map.Entry<LookupAttribute, String>> attributes, Optional<Long> startTime,
                           Optional<Long> endTime, boolean insight, int maxResults, Optional<String> nextToken) {
        /** The parameters a NextToken is bound to: all but MaxResults and the token itself. */
        String fingerprint(String region) {
            return region + "|" + insight + "|" + startTime.map(String::valueOf).orElse("") + "|"
                    + endTime.map(String::valueOf).orElse("") + "|" + attributes.stream()
                    .sorted(Map.Entry.comparingByKey(Comparator.comparing(Enum::name)))
                    .map(entry -> entry.getKey().apiName() + "=" + entry.getValue().length() + ":" + entry.getValue())
                    .collect(Collectors.joining(","));
        }
    }

    private Request parse(JsonNode request, boolean severalAttributes) {
        if (!request.isObject()) {
            throw serialization("The request body must be a JSON object.");
        }
        boolean insight = false;
        JsonNode category = request.get("EventCategory");
        if (category != null && !category.isNull()) {
            if (!category.isTextual()) {
                throw serialization("EventCategory must be a string.");
            }
            if (!category.asText().equals("insight")) {
                throw new CloudTrailException(ErrorCode.INVALID_EVENT_CATEGORY,
                        "EventCategory must be insight, not " + category.asText() + ".");
            }
            insight = true;
        }
        List<Map.Entry<LookupAttribute, String>> attributes = new ArrayList<>();
        JsonNode list = request.get("LookupAttributes");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw serialization("LookupAttributes must be a list.");
            }
            if (list.size() > MAX_ATTRIBUTES && severalAttributes) {
                throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES, "LookupAttributes may hold at "
                        + "most " + MAX_ATTRIBUTES + " attributes; " + list.size() + " were given.");
            }
            for (JsonNode item : list) {
                attributes.add(attribute(item, insight));
            }
            if (attributes.size() > 1 && !severalAttributes) {
                throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES,
                        "LookupAttributes may hold only one attribute; " + attributes.size() + " were given. "
                                + "(Cairn ANDs several attributes when history.multi-attribute-lookups is true.)");
            }
        }
        Optional<Long> start = time(request, "StartTime", RoundingMode.CEILING);
        Optional<Long> end = time(request, "EndTime", RoundingMode.FLOOR);
        if (start.isPresent() && end.isPresent() && start.get() > end.get()) {
            throw new CloudTrailException(ErrorCode.INVALID_TIME_RANGE,
                    "StartTime must be before or equal to EndTime.");
        }
        int maxResults = MAX_RESULTS;
        JsonNode max = request.get("MaxResults");
        if (max != null && !max.isNull()) {
            if (!max.isIntegralNumber()) {
                throw serialization("MaxResults must be an integer.");
            }
            if (!max.canConvertToInt() || max.asInt() < 1 || max.asInt() > MAX_RESULTS) {
                throw new CloudTrailException(ErrorCode.INVALID_MAX_RESULTS,
                        "MaxResults must be between 1 and " + MAX_RESULTS + ", not " + max.asText() + ".");
            }
            maxResults = max.asInt();
        }
        Optional<String> nextToken = Optional.empty();
        JsonNode token = request.get("NextToken");
        if (token != null && !token.isNull()) {
            if (!token.isTextual()) {
                throw serialization("NextToken must be a string.");
            }
            nextToken = Optional.of(token.asText());
        }
        return new Request(attributes, start, end, insight, maxResults, nextToken);
    }

    private static Map.Entry<LookupAttribute, String> attribute(JsonNode item, boolean insight) {
        if (!item.isObject()) {
            throw serialization("Each LookupAttributes item must be an object with AttributeKey and AttributeValue.");
        }
        JsonNode key = item.get("AttributeKey");
        JsonNode value = item.get("AttributeValue");
        if ((key != null && !key.isTextual() && !key.isNull()) || (value != null && !value.isTextual()
                && !value.isNull())) {
            throw serialization("AttributeKey and AttributeValue must be strings.");
        }
        if (key == null || key.isNull()) {
            throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES,
                    "A lookup attribute is missing its AttributeKey.");
        }
        LookupAttribute attribute = LookupAttribute.fromApiName(key.asText())
                .orElseThrow(() -> new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES,
                        "Invalid AttributeKey: " + key.asText() + ". Valid keys are EventId, EventName, ReadOnly, "
                                + "Username, ResourceType, ResourceName, EventSource and AccessKeyId."));
        if (value == null || value.isNull() || value.asText().isEmpty()) {
            throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES,
                    "The AttributeValue of " + attribute.apiName() + " must not be empty.");
        }
        if (weightedLength(value.asText()) > MAX_VALUE_LENGTH) {
            throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES, "The AttributeValue of "
                    + attribute.apiName() + " is longer than " + MAX_VALUE_LENGTH + " characters.");
        }
        if (insight && !attribute.forInsights()) {
            throw new CloudTrailException(ErrorCode.INVALID_LOOKUP_ATTRIBUTES, "Insights events can be looked up "
                    + "only by EventId, EventName or EventSource, not " + attribute.apiName() + ".");
        }
        return Map.entry(attribute, value.asText());
    }

    /** CloudTrail counts underscores, spaces, commas and newlines twice in an attribute value's length. */
    private static int weightedLength(String value) {
        int length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            length += c == '_' || c == ' ' || c == ',' || c == '\n' ? 2 : 1;
        }
        return length;
    }

    private static Optional<Long> time(JsonNode request, String field, RoundingMode rounding) {
        JsonNode node = request.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isNumber() || (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()))) {
            throw serialization(field + " must be a timestamp in epoch seconds.");
        }
        BigDecimal seconds = node.decimalValue().setScale(0, rounding);
        if (seconds.signum() < 0) {
            return Optional.of(0L);
        }
        return Optional.of(seconds.min(BigDecimal.valueOf(Long.MAX_VALUE / 2)).longValue());
    }

    /** {@code {"Events":[...]}} as LookupEvents answers, for these entries in the order given. */
    public static byte[] eventsJson(List<StoredEntry> entries) {
        return write(entries, Optional.empty());
    }

    private static byte[] write(List<StoredEntry> entries, Optional<String> nextToken) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048 + entries.size() * 1600);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("Events");
            for (StoredEntry entry : entries) {
                writeEvent(json, entry);
            }
            json.writeEndArray();
            if (nextToken.isPresent()) {
                json.writeStringField("NextToken", nextToken.get());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeEvent(JsonGenerator json, StoredEntry entry) throws IOException {
        ParsedRecord record;
        try {
            record = RecordReader.readStored(entry.body());
        } catch (RecordProblem problem) {
            // One unreadable record must not take the page down with it: return what is certain about it.
            LOG.log(Level.WARNING, "stored record at offset " + entry.offset() + " is unreadable: "
                    + problem.getMessage());
            json.writeStartObject();
            json.writeNumberField("EventTime", entry.eventTime());
            json.writeStringField("CloudTrailEvent", new String(entry.body(), StandardCharsets.UTF_8));
            json.writeEndObject();
            return;
        }
        json.writeStartObject();
        json.writeStringField("EventId", record.eventId().orElse(""));
        if (record.eventName().isPresent()) {
            json.writeStringField("EventName", record.eventName().get());
        }
        if (record.readOnly().isPresent()) {
            json.writeStringField("ReadOnly", record.readOnly().get().toString());
        }
        if (record.userIdentity().accessKeyId().isPresent()) {
            json.writeStringField("AccessKeyId", record.userIdentity().accessKeyId().get());
        }
        json.writeNumberField("EventTime", entry.eventTime());
        if (record.eventSource().isPresent()) {
            json.writeStringField("EventSource", record.eventSource().get());
        }
        Optional<String> username = record.userIdentity().lookupUsername();
        if (username.isPresent()) {
            json.writeStringField("Username", username.get());
        }
        json.writeArrayFieldStart("Resources");
        for (Resource resource : record.resources()) {
            json.writeStartObject();
            if (resource.type().isPresent()) {
                json.writeStringField("ResourceType", resource.type().get());
            }
            if (resource.name().isPresent()) {
                json.writeStringField("ResourceName", resource.name().get());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeStringField("CloudTrailEvent", new String(entry.body(), StandardCharsets.UTF_8));
        json.writeEndObject();
    }

    private static CloudTrailException serialization(String message) {
        return new CloudTrailException(ErrorCode.SERIALIZATION, message);
    }

    /** Parses an AWS JSON request body; malformed JSON is a SerializationException. */
    public static JsonNode parseBody(byte[] body) {
        if (body.length == 0) {
            return MAPPER.createObjectNode();
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            return node == null ? MAPPER.createObjectNode() : node;
        } catch (IOException e) {
            throw serialization("The request body is not valid JSON.");
        }
    }

}
