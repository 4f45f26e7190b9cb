package cairn.server.ingest;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.json.StrictJson;
import cairn.model.record.EventTimes;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordProblem;
import cairn.model.record.RecordProblem.Kind;
import cairn.model.record.RecordReader;
import cairn.server.audit.Call;
import cairn.server.history.HistoryTerms;
import cairn.server.identity.Account;
import cairn.server.identity.Caller;
import cairn.server.identity.Directory;
import cairn.store.Entry;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The {@code cloudtrail-data} PutAuditEvents operation (spec section 5): up to 100 events and 1 MB per call, each
 * event checked on its own and reported as successful or failed with CloudTrail's per-event error code. Accepted
 * events are stored in CloudTrail's shape for outside events: the caller's {@code eventData} nested as it was sent,
 * with {@code eventCategory} ActivityAuditLog and the fields CloudTrail adds on ingestion.
 */
public final class PutAuditEvents {
    public static final int MAX_EVENTS = 100;
    public static final int MAX_REQUEST_BYTES = 1024 * 1024;
    /** The eventVersion CloudTrail's own records carry today; used for the records built from outside events. */
    static final String EVENT_VERSION = "1.11";
    private static final Pattern ID = Pattern.compile("[-_A-Za-z0-9]{1,128}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    private static final Pattern CHANNEL_ARN = Pattern.compile("arn:[^:]+:cloudtrail:([^:]*):(\\d{12}):channel/(.+)");
    private static final ObjectMapper MAPPER = StrictJson.MAPPER;
    private static final JsonFactory JSON = new JsonFactory();

    private static final Map<String, Integer> STRING_LIMITS = Map.of("version", 256, "eventSource", 1024,
            "eventName", 1024, "UID", 1024, "userAgent", 1024, "errorCode", 256, "errorMessage", 256,
            "recipientAccountId", 12, "eventTime", 64, "sourceIPAddress", 45);
    private static final Map<String, Integer> OBJECT_LIMITS = Map.of("requestParameters", 100 * 1024,
            "responseElements", 100 * 1024, "additionalEventData", 28 * 1024);

    private final Ingest ingest;
    private final Directory directory;
    private final Optional<String> channelExternalId;
    private final Clock clock;

    /** PutAuditEvents into the channels of the directory's accounts (each account has one). */
    public PutAuditEvents(Ingest ingest, Directory directory, Optional<String> channelExternalId, Clock clock) {
        this.ingest = ingest;
        this.directory = directory;
        this.channelExternalId = channelExternalId;
        this.clock = clock;
    }

    /** Handles one call; {@code channelArn} and {@code externalId} are the query parameters as sent. */
    public byte[] handle(Call call, Optional<String> channelArn, Optional<String> externalId, byte[] body) {
        String region = call.region().orElseThrow();
        Account account = checkChannel(call.requireCaller(), region, channelArn, externalId);
        String arn = account.channelArn(region);
        call.requestParameters(requestParameters(channelArn.orElse(""), externalId));
        if (body.length > MAX_REQUEST_BYTES) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "The request is " + body.length
                    + " bytes; PutAuditEvents takes at most 1 MB (" + MAX_REQUEST_BYTES + " bytes).");
        }
        JsonNode request = parse(body);
        JsonNode events = request.get("auditEvents");
        if (events == null || events.isNull()) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "auditEvents is required.");
        }
        if (!events.isArray()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, "auditEvents must be a list.");
        }
        if (events.isEmpty() || events.size() > MAX_EVENTS) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "auditEvents must hold 1 to " + MAX_EVENTS
                    + " events; it holds " + events.size() + ".");
        }
        Set<String> ids = new HashSet<>();
        for (JsonNode event : events) {
            if (!event.isObject()) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "Each audit event must be an object.");
            }
            JsonNode id = event.get("id");
            if (id == null || !id.isTextual() || !ID.matcher(id.asText()).matches()) {
                throw new CloudTrailException(ErrorCode.VALIDATION, "Each audit event needs an id of 1 to 128 "
                        + "characters from A-Z, a-z, 0-9, - and _; found: " + (id == null ? "none" : id.toString()));
            }
            if (!ids.add(id.asText())) {
                throw new CloudTrailException(ErrorCode.DUPLICATED_AUDIT_EVENT_ID,
                        "Two audit events have the id " + id.asText() + ".");
            }
            JsonNode eventData = event.get("eventData");
            if (eventData == null || !eventData.isTextual()) {
                throw new CloudTrailException(eventData == null ? ErrorCode.VALIDATION : ErrorCode.SERIALIZATION,
                        "Audit event " + id.asText() + " needs eventData, a string holding the event's JSON.");
            }
            JsonNode checksum = event.get("eventDataChecksum");
            if (checksum != null && !checksum.isNull() && !checksum.isTextual()) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "eventDataChecksum must be a string.");
            }
        }
        List<Entry> entries = new ArrayList<>();
        List<String> eventIds = new ArrayList<>();
        List<String> callerIds = new ArrayList<>();
        List<String[]> failed = new ArrayList<>();
        String ingestionTime = EventTimes.format(clock.instant().getEpochSecond());
        for (JsonNode event : events) {
            String id = event.get("id").asText();
            try {
                String eventData = event.get("eventData").asText();
                JsonNode checksum = event.get("eventDataChecksum");
                if (checksum != null && checksum.isTextual() && !checksum.asText().equals(sha256(eventData))) {
                    throw new RecordProblem(Kind.INVALID_CHECKSUM,
                            "eventDataChecksum does not match the SHA-256 of eventData.");
                }
                String eventId = UUID.randomUUID().toString();
                byte[] record = buildRecord(eventData, eventId, region, account.id(), arn, ingestionTime);
                ParsedRecord parsed = RecordReader.readRecord(record);
                entries.add(new Entry(parsed.eventTime(), HistoryTerms.of(parsed, eventId, account.id()), record));
                eventIds.add(eventId);
                callerIds.add(id);
            } catch (RecordProblem problem) {
                failed.add(new String[]{id, problem.kind().wireName(), problem.getMessage()});
            }
        }
        call.responseElements("{\"successfulCount\":" + entries.size() + ",\"failedCount\":" + failed.size() + "}");
        List<Ingest.Stored> stored = entries.isEmpty() ? List.of() : ingest.append(call, entries, eventIds);
        return response(callerIds, stored, failed);
    }

    private static String requestParameters(String channelArn, Optional<String> externalId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("channelArn", channelArn);
            if (externalId.isPresent()) {
                json.writeStringField("externalId", externalId.get());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The account whose channel the call names, once the caller may use it. */
    private Account checkChannel(Caller caller, String region, Optional<String> channelArn,
                                 Optional<String> externalId) {
        if (channelArn.isEmpty() || channelArn.get().isEmpty()) {
            throw new CloudTrailException(ErrorCode.INVALID_CHANNEL_ARN, "The channelArn query parameter is required.");
        }
        String value = channelArn.get();
        String id;
        if (value.startsWith("arn:")) {
            var match = CHANNEL_ARN.matcher(value);
            if (!match.matches()) {
                throw new CloudTrailException(ErrorCode.INVALID_CHANNEL_ARN, "The channel ARN " + value + " is not "
                        + "valid; expected arn:aws:cloudtrail:<region>:<account>:channel/<id>.");
            }
            if (!match.group(1).equals(region)) {
                throw new CloudTrailException(ErrorCode.CHANNEL_NOT_FOUND, "The channel " + value
                        + " is not in the region of the call, " + region + ".");
            }
            id = match.group(3);
        } else {
            id = value;
        }
        Account account = directory.accountByChannel(id).orElseThrow(() -> new CloudTrailException(
                ErrorCode.CHANNEL_NOT_FOUND, "There is no channel " + value + "."));
        if (value.startsWith("arn:") && !value.contains(":" + account.id() + ":channel/")) {
            throw new CloudTrailException(ErrorCode.CHANNEL_NOT_FOUND, "There is no channel " + value + ".");
        }
        if (!caller.principal().mayUseAccount(account.id())) {
            throw new CloudTrailException(ErrorCode.CHANNEL_INSUFFICIENT_PERMISSION, "The channel " + value
                    + " belongs to account " + account.id() + "; " + caller.arn() + " may put events only into its "
                    + "own account, " + caller.accountId() + ", and the accounts granted to it.");
        }
        if (externalId.isPresent() && !EXTERNAL_ID.matcher(externalId.get()).matches()) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "externalId must be 2 to 1224 characters from "
                    + "letters, digits and +=,.@:/-_.");
        }
        if (channelExternalId.isPresent() && !channelExternalId.equals(externalId)) {
            throw new CloudTrailException(ErrorCode.CHANNEL_INSUFFICIENT_PERMISSION,
                    "The channel requires the externalId set in its resource policy.");
        }
        return account;
    }

    /** Checks the caller's event against the schema of spec 5.3 and wraps it in the record CloudTrail stores. */
    private byte[] buildRecord(String eventData, String eventId, String region, String account, String channelArn,
                               String ingestionTime) throws RecordProblem {
        byte[] data = eventData.getBytes(StandardCharsets.UTF_8);
        if (data.length > RecordReader.MAX_RECORD_BYTES) {
            throw new RecordProblem(Kind.FIELD_TOO_LONG, "eventData is " + data.length + " bytes; the limit is "
                    + RecordReader.MAX_RECORD_BYTES + " bytes (256 KB).");
        }
        JsonNode event;
        try {
            event = MAPPER.readTree(data);
        } catch (IOException e) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData must be exactly one JSON object, with no key twice.");
        }
        if (event == null || !event.isObject()) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData must be a JSON object.");
        }
        for (String field : List.of("version", "userIdentity", "eventSource", "eventName", "eventTime", "UID",
                "recipientAccountId")) {
            if (!event.hasNonNull(field)) {
                throw new RecordProblem(Kind.FIELD_NOT_FOUND, "eventData." + field + " is required.");
            }
        }
        for (Map.Entry<String, Integer> limit : STRING_LIMITS.entrySet()) {
            JsonNode value = event.get(limit.getKey());
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isTextual()) {
                throw new RecordProblem(Kind.INVALID_DATA, "eventData." + limit.getKey() + " must be a string.");
            }
            if (value.asText().length() > limit.getValue()) {
                throw new RecordProblem(Kind.FIELD_TOO_LONG, "eventData." + limit.getKey() + " is longer than "
                        + limit.getValue() + " characters.");
            }
        }
        for (Map.Entry<String, Integer> limit : OBJECT_LIMITS.entrySet()) {
            JsonNode value = event.get(limit.getKey());
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isObject()) {
                throw new RecordProblem(Kind.INVALID_DATA, "eventData." + limit.getKey() + " must be an object.");
            }
            if (value.toString().getBytes(StandardCharsets.UTF_8).length > limit.getValue()) {
                throw new RecordProblem(Kind.FIELD_TOO_LONG, "eventData." + limit.getKey() + " is larger than "
                        + limit.getValue() / 1024 + " KB.");
            }
        }
        JsonNode identity = event.get("userIdentity");
        if (!identity.isObject()) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData.userIdentity must be an object.");
        }
        for (String field : List.of("type", "principalId")) {
            JsonNode value = identity.get(field);
            if (value == null || value.isNull()) {
                throw new RecordProblem(Kind.FIELD_NOT_FOUND, "eventData.userIdentity." + field + " is required.");
            }
            if (!value.isTextual()) {
                throw new RecordProblem(Kind.INVALID_DATA, "eventData.userIdentity." + field + " must be a string.");
            }
            if (value.asText().length() > (field.equals("type") ? 128 : 1024)) {
                throw new RecordProblem(Kind.FIELD_TOO_LONG, "eventData.userIdentity." + field + " is too long.");
            }
        }
        JsonNode details = identity.get("details");
        if (details != null && !details.isNull() && !details.isObject()) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData.userIdentity.details must be an object.");
        }
        String eventTime = event.get("eventTime").asText();
        OptionalLong time = EventTimes.parse(eventTime, true);
        if (time.isEmpty()) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData.eventTime must be a UTC time of the form "
                    + "yyyy-MM-ddTHH:mm:ss, not " + eventTime + ".");
        }
        if (time.getAsLong() > ingest.latestEventTime()) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData.eventTime is more than "
                    + Ingest.MAX_CLOCK_SKEW.toHours() + " hours ahead of the server's clock: " + eventTime + ".");
        }
        if (time.getAsLong() < 0) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData.eventTime is before 1970: " + eventTime + ".");
        }
        JsonNode address = event.get("sourceIPAddress");
        if (address != null && address.isTextual() && !isIpAddress(address.asText())) {
            throw new RecordProblem(Kind.INVALID_DATA, "eventData.sourceIPAddress must be an IPv4 or IPv6 address.");
        }
        if (!event.get("recipientAccountId").asText().equals(account)) {
            throw new RecordProblem(Kind.INVALID_RECIPIENT, "eventData.recipientAccountId must be the channel "
                    + "owner's account, " + account + ".");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 400);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("eventVersion", EVENT_VERSION);
            json.writeStringField("eventCategory", "ActivityAuditLog");
            json.writeStringField("eventType", "ActivityLog");
            json.writeStringField("eventID", eventId);
            json.writeStringField("eventTime", EventTimes.format(time.getAsLong()));
            json.writeStringField("awsRegion", region);
            json.writeStringField("recipientAccountId", account);
            json.writeObjectFieldStart("metadata");
            json.writeStringField("ingestionTime", ingestionTime);
            json.writeStringField("channelARN", channelArn);
            json.writeEndObject();
            json.writeFieldName("eventData");
            json.writeRawValue(eventData.strip());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static boolean isIpAddress(String text) {
        if (text.isEmpty() || !(text.matches("[0-9.]+") && text.chars().filter(c -> c == '.').count() == 3
                || text.matches("[0-9A-Fa-f:.]+") && text.contains(":"))) {
            return false;
        }
        try {
            InetAddress.getByName(text);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String sha256(String eventData) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(eventData.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "The request body must be a JSON object.");
            }
            return node;
        } catch (IOException e) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, "The request body is not valid JSON.");
        }
    }

    private static byte[] response(List<String> callerIds, List<Ingest.Stored> stored, List<String[]> failed) {
        ObjectNode response = MAPPER.createObjectNode();
        var successful = response.putArray("successful");
        for (int i = 0; i < stored.size(); i++) {
            successful.addObject().put("id", callerIds.get(i)).put("eventID", stored.get(i).eventId());
        }
        var failures = response.putArray("failed");
        for (String[] failure : failed) {
            failures.addObject().put("id", failure[0]).put("errorCode", failure[1]).put("errorMessage", failure[2]);
        }
        try {
            return MAPPER.writeValueAsBytes(response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
