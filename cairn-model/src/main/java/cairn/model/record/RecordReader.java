package cairn.model.record;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads CloudTrail records in one streaming pass: checks the type of every field the record format defines
 * (spec section 1.3), that the required fields are there, and the size limit, and picks out what lookups need,
 * without building a tree or re-serialising anything. Thread-safe.
 */
public final class RecordReader {
    /** CloudTrail's limit on one event: 256 KB. */
    public static final int MAX_RECORD_BYTES = 256 * 1024;

    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private enum Kind {STRING, BOOLEAN, OBJECT, OBJECT_OR_NULL, ARRAY, STRING_OR_BOOLEAN, ANY}

    /** The top-level fields of a record and the JSON type each must have (null is allowed where optional). */
    private static final Map<String, Kind> TOP_LEVEL_KINDS = Map.ofEntries(
            Map.entry("eventVersion", Kind.STRING),
            Map.entry("userIdentity", Kind.OBJECT),
            Map.entry("eventTime", Kind.STRING),
            Map.entry("eventSource", Kind.STRING),
            Map.entry("eventName", Kind.STRING),
            Map.entry("awsRegion", Kind.STRING),
            Map.entry("sourceIPAddress", Kind.STRING),
            Map.entry("userAgent", Kind.STRING),
            Map.entry("errorCode", Kind.STRING),
            Map.entry("errorMessage", Kind.STRING),
            Map.entry("requestParameters", Kind.OBJECT_OR_NULL),
            Map.entry("responseElements", Kind.OBJECT_OR_NULL),
            Map.entry("additionalEventData", Kind.OBJECT),
            Map.entry("requestID", Kind.STRING),
            Map.entry("eventID", Kind.STRING),
            Map.entry("eventType", Kind.STRING),
            Map.entry("apiVersion", Kind.STRING),
            Map.entry("readOnly", Kind.BOOLEAN),
            Map.entry("resources", Kind.ARRAY),
            Map.entry("recipientAccountId", Kind.STRING),
            Map.entry("sharedEventID", Kind.STRING),
            Map.entry("vpcEndpointId", Kind.STRING),
            Map.entry("vpcEndpointAccountId", Kind.STRING),
            Map.entry("serviceEventDetails", Kind.ANY),
            Map.entry("managementEvent", Kind.BOOLEAN),
            Map.entry("eventCategory", Kind.STRING),
            Map.entry("addendum", Kind.OBJECT),
            Map.entry("sessionCredentialFromConsole", Kind.STRING_OR_BOOLEAN),
            Map.entry("edgeDeviceDetails", Kind.ANY),
            Map.entry("tlsDetails", Kind.OBJECT),
            Map.entry("insightDetails", Kind.OBJECT),
            Map.entry("eventContext", Kind.OBJECT),
            Map.entry("metadata", Kind.OBJECT),
            Map.entry("eventData", Kind.OBJECT));

    /** A known top-level field: its type, and its bit in the set of fields a record has already given. */
    private record Field(Kind kind, long bit) {
    }

    private static final Map<String, Field> TOP_LEVEL = numbered(TOP_LEVEL_KINDS);

    private static Map<String, Field> numbered(Map<String, Kind> kinds) {
        if (kinds.size() > 64) {
            throw new IllegalStateException("more known fields than bits");
        }
        Map<String, Field> fields = new java.util.HashMap<>();
        long bit = 1;
        for (Map.Entry<String, Kind> entry : kinds.entrySet()) {
            fields.put(entry.getKey(), new Field(entry.getValue(), bit));
            bit <<= 1;
        }
        return Map.copyOf(fields);
    }

    /** Fields the server fills in when they are missing; a null there is refused rather than left beside the fill. */
    private static final Set<String> SERVER_OWNED = Set.of("eventID", "recipientAccountId", "eventCategory",
            "managementEvent", "readOnly");

    private static final Map<String, Kind> USER_IDENTITY = Map.ofEntries(
            Map.entry("type", Kind.STRING),
            Map.entry("principalId", Kind.STRING),
            Map.entry("arn", Kind.STRING),
            Map.entry("accountId", Kind.STRING),
            Map.entry("accessKeyId", Kind.STRING),
            Map.entry("userName", Kind.STRING),
            Map.entry("invokedBy", Kind.STRING),
            Map.entry("identityProvider", Kind.STRING),
            Map.entry("credentialId", Kind.STRING),
            Map.entry("sessionContext", Kind.OBJECT),
            Map.entry("onBehalfOf", Kind.OBJECT),
            Map.entry("inScopeOf", Kind.OBJECT),
            Map.entry("invokedByDelegate", Kind.OBJECT));

    private RecordReader() {
    }

    /**
     * Reads a batch as records appear in log files, {@code {"Records":[...]}} or a bare array. Every record is checked
     * before any is returned: one bad record fails the whole batch with an error naming it and its field.
     */
    public static List<ParsedRecord> readBatch(byte[] body, int maxRecords) {
        List<ParsedRecord> records = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            boolean wrapped = false;
            if (first == JsonToken.START_OBJECT) {
                if (parser.nextToken() != JsonToken.FIELD_NAME || !"Records".equals(parser.currentName())
                        || parser.nextToken() != JsonToken.START_ARRAY) {
                    throw new CloudTrailException(ErrorCode.INVALID_PARAMETER,
                            "The body must be {\"Records\":[...]} or a JSON array of CloudTrail records.");
                }
                wrapped = true;
            } else if (first != JsonToken.START_ARRAY) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER,
                        "The body must be {\"Records\":[...]} or a JSON array of CloudTrail records.");
            }
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                int index = records.size();
                if (index == maxRecords) {
                    throw new CloudTrailException(ErrorCode.INVALID_PARAMETER,
                            "The batch has more than " + maxRecords + " records.");
                }
                if (token != JsonToken.START_OBJECT) {
                    throw new CloudTrailException(ErrorCode.INVALID_PARAMETER,
                            "Record " + index + " is not a JSON object.");
                }
                try {
                    records.add(readObject(parser, true));
                } catch (RecordProblem problem) {
                    throw new CloudTrailException(ErrorCode.INVALID_PARAMETER,
                            "Record " + index + ": " + problem.getMessage());
                }
            }
            if (wrapped && parser.nextToken() != JsonToken.END_OBJECT) {
                throw new CloudTrailException(ErrorCode.INVALID_PARAMETER,
                        "The body must hold only the \"Records\" array.");
            }
            if (parser.nextToken() != null) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "Unexpected content after the records.");
            }
        } catch (JsonProcessingException e) {
            // Some failures (the nesting limit) carry no location.
            throw new CloudTrailException(ErrorCode.SERIALIZATION, "The body is not valid JSON: "
                    + e.getOriginalMessage() + (e.getLocation() == null ? ""
                    : " at byte " + e.getLocation().getByteOffset()));
        } catch (IOException e) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, "The body could not be read: " + e.getMessage());
        }
        if (records.isEmpty()) {
            throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "The batch holds no records.");
        }
        return records;
    }

    /** Reads the single record that makes up {@code bytes}, as it arrives (the 256 KB limit applies). */
    public static ParsedRecord readRecord(byte[] bytes) throws RecordProblem {
        return readRecord(bytes, true);
    }

    /**
     * Reads a record that was accepted and stored: the same checks but the size limit, which applied to the record as
     * it arrived, before the server added its own fields.
     */
    public static ParsedRecord readStored(byte[] bytes) throws RecordProblem {
        return readRecord(bytes, false);
    }

    private static ParsedRecord readRecord(byte[] bytes, boolean limitSize) throws RecordProblem {
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "the record is not a JSON object");
            }
            ParsedRecord record = readObject(parser, limitSize);
            if (parser.nextToken() != null) {
                throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "unexpected content after the record");
            }
            return record;
        } catch (JsonProcessingException e) {
            throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, e.getMessage());
        }
    }

    private static ParsedRecord readObject(JsonParser parser, boolean limitSize) throws IOException, RecordProblem {
        int start = (int) parser.currentTokenLocation().getByteOffset();
        long seenKnown = 0;
        Set<String> seenOther = null;
        Builder record = new Builder();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            Field field = TOP_LEVEL.get(name);
            boolean repeated;
            if (field != null) {
                repeated = (seenKnown & field.bit()) != 0;
                seenKnown |= field.bit();
            } else {
                if (seenOther == null) {
                    seenOther = new HashSet<>();
                }
                repeated = !seenOther.add(name);
            }
            if (repeated) {
                throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "field " + name + " appears twice");
            }
            JsonToken value = parser.nextToken();
            if (field != null) {
                check(name, field.kind(), value);
            }
            if (value == JsonToken.VALUE_NULL) {
                if (SERVER_OWNED.contains(name)) {
                    // The server would fill the field in and the record would then hold the key twice.
                    throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "field " + name + " must be "
                            + describe(field.kind()) + ", not null (leave it out to have the server fill it in)");
                }
                continue;
            }
            switch (name) {
                case "eventID" -> {
                    record.eventId = parser.getText();
                    if (record.eventId.isEmpty()) {
                        throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "field eventID must not be empty "
                                + "(leave it out to have the server fill it in)");
                    }
                }
                case "eventTime" -> {
                    String text = parser.getText();
                    OptionalLong time = EventTimes.parse(text, false);
                    if (time.isEmpty() || !text.endsWith("Z")) {
                        throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "field eventTime is not a UTC time "
                                + "of the form YYYY-MM-DDTHH:MM:SSZ: " + text);
                    }
                    if (time.getAsLong() < 0 || time.getAsLong() > EventTimes.LATEST) {
                        throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "field eventTime must be between "
                                + EventTimes.format(0) + " and " + EventTimes.format(EventTimes.LATEST) + ": " + text);
                    }
                    record.eventTime = time.getAsLong();
                    record.hasEventTime = true;
                }
                case "eventVersion" -> record.eventVersion = parser.getText();
                case "eventSource" -> record.eventSource = parser.getText();
                case "eventName" -> record.eventName = parser.getText();
                case "awsRegion" -> record.awsRegion = parser.getText();
                case "readOnly" -> record.readOnly = parser.getBooleanValue();
                case "eventCategory" -> record.eventCategory = parser.getText();
                case "eventType" -> record.eventType = parser.getText();
                case "recipientAccountId" -> record.recipientAccountId = parser.getText();
                case "managementEvent" -> record.hasManagementEvent = true;
                case "errorCode" -> record.errorCode = parser.getText();
                case "vpcEndpointId" -> record.vpcEndpointId = parser.getText();
                case "userIdentity" -> record.identity = readIdentity(parser, "userIdentity");
                case "resources" -> record.resources = readResources(parser);
                case "insightDetails" -> readInsightDetails(parser, record);
                case "eventData" -> readEventData(parser, record);
                default -> parser.skipChildren();
            }
        }
        int end = (int) parser.currentLocation().getByteOffset();
        if (limitSize && end - start > MAX_RECORD_BYTES) {
            throw new RecordProblem(RecordProblem.Kind.FIELD_TOO_LONG, "the record is " + (end - start)
                    + " bytes, more than the limit of " + MAX_RECORD_BYTES + " bytes (256 KB)");
        }
        return record.build(start, end);
    }

    private static void check(String name, Kind kind, JsonToken value) throws RecordProblem {
        boolean ok = switch (kind) {
            case STRING -> value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NULL;
            case BOOLEAN -> value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE
                    || value == JsonToken.VALUE_NULL;
            case OBJECT, OBJECT_OR_NULL -> value == JsonToken.START_OBJECT || value == JsonToken.VALUE_NULL;
            case ARRAY -> value == JsonToken.START_ARRAY || value == JsonToken.VALUE_NULL;
            case STRING_OR_BOOLEAN -> value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_TRUE
                    || value == JsonToken.VALUE_FALSE || value == JsonToken.VALUE_NULL;
            case ANY -> true;
        };
        if (!ok) {
            throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, "field " + name + " must be "
                    + describe(kind) + ", not " + describe(value));
        }
    }

    private static String describe(Kind kind) {
        return switch (kind) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean (true or false)";
            case OBJECT, OBJECT_OR_NULL -> "an object";
            case ARRAY -> "an array";
            case STRING_OR_BOOLEAN -> "a string or a boolean";
            case ANY -> "any value";
        };
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.name();
        };
    }

    private static UserIdentity readIdentity(JsonParser parser, String where) throws IOException, RecordProblem {
        String type = null;
        String principalId = null;
        String arn = null;
        String accountId = null;
        String accessKeyId = null;
        String userName = null;
        String invokedBy = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            Kind kind = USER_IDENTITY.get(name);
            if (kind != null) {
                try {
                    check(name, kind, value);
                } catch (RecordProblem problem) {
                    throw new RecordProblem(RecordProblem.Kind.INVALID_DATA, where + "." + problem.getMessage()
                            .substring("field ".length()));
                }
            }
            if (value == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (name) {
                case "type" -> type = parser.getText();
                case "principalId" -> principalId = parser.getText();
                case "arn" -> arn = parser.getText();
                case "accountId" -> accountId = parser.getText();
                case "accessKeyId" -> accessKeyId = parser.getText();
                case "userName" -> userName = parser.getText();
                case "invokedBy" -> invokedBy = parser.getText();
                default -> parser.skipChildren();
            }
        }
        return new UserIdentity(Optional.ofNullable(type), Optional.ofNullable(principalId), Optional.ofNullable(arn),
                Optional.ofNullable(accountId), Optional.ofNullable(accessKeyId).filter(key -> !key.isEmpty()),
                Optional.ofNullable(userName), Optional.ofNullable(invokedBy));
    }

    private static List<Resource> readResources(JsonParser parser) throws IOException, RecordProblem {
        List<Resource> resources = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token != JsonToken.START_OBJECT) {
                throw new RecordProblem(RecordProblem.Kind.INVALID_DATA,
                        "field resources must hold objects, not " + describe(token));
            }
            String type = null;
            String arn = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "type", "ARN", "ARNPrefix", "accountId" -> {
                        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                            throw new RecordProblem(RecordProblem.Kind.INVALID_DATA,
                                    "field resources[" + resources.size() + "]." + name + " must be a string, not "
                                            + describe(value));
                        }
                        if (value == JsonToken.VALUE_STRING && name.equals("type")) {
                            type = parser.getText();
                        } else if (value == JsonToken.VALUE_STRING && !name.equals("accountId") && arn == null) {
                            arn = parser.getText();
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
            resources.add(new Resource(Optional.ofNullable(type), Optional.ofNullable(arn)));
        }
        return resources;
    }

    private static void readInsightDetails(JsonParser parser, Builder record) throws IOException, RecordProblem {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ((name.equals("eventSource") || name.equals("eventName")) && value != JsonToken.VALUE_STRING) {
                throw new RecordProblem(RecordProblem.Kind.INVALID_DATA,
                        "field insightDetails." + name + " must be a string, not " + describe(value));
            }
            switch (name) {
                case "eventSource" -> record.insightEventSource = parser.getText();
                case "eventName" -> record.insightEventName = parser.getText();
                default -> parser.skipChildren();
            }
        }
        record.hasInsightDetails = true;
    }

    /** The nested event of an outside source (PutAuditEvents); its fields stand in for the missing top-level ones. */
    private static void readEventData(JsonParser parser, Builder record) throws IOException, RecordProblem {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (name) {
                case "eventSource" -> record.nestedEventSource = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "eventName" -> record.nestedEventName = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "userIdentity" -> {
                    if (value == JsonToken.START_OBJECT) {
                        record.nestedIdentity = readIdentity(parser, "eventData.userIdentity");
                    } else {
                        parser.skipChildren();
                    }
                }
                default -> parser.skipChildren();
            }
        }
    }

    private static final class Builder {
        String eventId;
        long eventTime;
        boolean hasEventTime;
        String eventVersion;
        String eventSource;
        String eventName;
        String awsRegion;
        Boolean readOnly;
        String eventCategory;
        String eventType;
        String recipientAccountId;
        boolean hasManagementEvent;
        String errorCode;
        String vpcEndpointId;
        boolean hasInsightDetails;
        String insightEventSource;
        String insightEventName;
        String nestedEventSource;
        String nestedEventName;
        UserIdentity nestedIdentity;
        UserIdentity identity;
        List<Resource> resources = List.of();

        ParsedRecord build(int start, int end) throws RecordProblem {
            if (!hasEventTime) {
                throw missing("eventTime");
            }
            if (awsRegion == null || awsRegion.isEmpty()) {
                throw missing("awsRegion");
            }
            boolean insight = "Insight".equals(eventCategory)
                    || (eventCategory == null && "AwsCloudTrailInsight".equals(eventType));
            String source = eventSource;
            String name = eventName;
            UserIdentity who = identity;
            if (insight) {
                if (!hasInsightDetails) {
                    throw missing("insightDetails");
                }
                source = insightEventSource;
                name = insightEventName;
            } else {
                if (source == null) {
                    source = nestedEventSource;
                }
                if (name == null) {
                    name = nestedEventName;
                }
                if (who == null) {
                    who = nestedIdentity;
                }
                if (source == null) {
                    throw missing("eventSource");
                }
                if (name == null) {
                    throw missing("eventName");
                }
            }
            return new ParsedRecord(start, end, Optional.ofNullable(eventId), eventTime,
                    Optional.ofNullable(eventVersion), Optional.ofNullable(source), Optional.ofNullable(name),
                    awsRegion, Optional.ofNullable(readOnly), who == null ? UserIdentity.NONE : who, resources,
                    Optional.ofNullable(eventCategory), Optional.ofNullable(eventType),
                    Optional.ofNullable(recipientAccountId), hasManagementEvent, Optional.ofNullable(errorCode),
                    Optional.ofNullable(vpcEndpointId));
        }

        private static RecordProblem missing(String field) {
            return new RecordProblem(RecordProblem.Kind.FIELD_NOT_FOUND, "required field " + field + " is missing");
        }
    }
}
