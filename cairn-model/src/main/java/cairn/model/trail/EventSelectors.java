package cairn.model.trail;

import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.record.ParsedRecord;
import cairn.model.record.Resource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * A trail's event selectors (spec 4.4): either basic selectors or advanced ones, never both, checked against
 * CloudTrail's rules and limits when put, and kept in the shape GetEventSelectors returns (defaults filled in).
 */
public sealed interface EventSelectors {
    int MAX_BASIC_SELECTORS = 5;
    int MAX_DATA_RESOURCE_VALUES = 250;
    int MAX_ADVANCED_VALUES = 500;

    /** What a trail without custom selectors logs: all read and write management events, no data events. */
    EventSelectors DEFAULT = new Basic(List.of(new BasicSelector("All", true, List.of(), List.of())));

    /** The selectors as GetEventSelectors' {@code EventSelectors} or {@code AdvancedEventSelectors} member. */
    void writeTo(ObjectNode response);

    /** Whether these selectors choose {@code record} (a stored record: its eventCategory is always there). */
    boolean selects(ParsedRecord record);

    record Basic(List<BasicSelector> selectors) implements EventSelectors {
        public Basic {
            selectors = List.copyOf(requireNonNull(selectors, "selectors is null"));
        }

        @Override
        public boolean selects(ParsedRecord record) {
            for (BasicSelector selector : selectors) {
                if (selector.selects(record)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void writeTo(ObjectNode response) {
            ArrayNode list = response.putArray("EventSelectors");
            for (BasicSelector selector : selectors) {
                ObjectNode node = list.addObject().put("ReadWriteType", selector.readWriteType())
                        .put("IncludeManagementEvents", selector.includeManagementEvents());
                ArrayNode resources = node.putArray("DataResources");
                for (DataResource resource : selector.dataResources()) {
                    ArrayNode values = resources.addObject().put("Type", resource.type()).putArray("Values");
                    resource.values().forEach(values::add);
                }
                ArrayNode excluded = node.putArray("ExcludeManagementEventSources");
                selector.excludeManagementEventSources().forEach(excluded::add);
            }
        }
    }

    record BasicSelector(String readWriteType, boolean includeManagementEvents, List<DataResource> dataResources,
                         List<String> excludeManagementEventSources) {
        public BasicSelector {
            requireNonNull(readWriteType, "readWriteType is null");
            dataResources = List.copyOf(dataResources);
            excludeManagementEventSources = List.copyOf(excludeManagementEventSources);
        }

        /**
         * A management event when management events are included, its source is not excluded and its read/write
         * kind is chosen; a data event when one of its resources is of a listed type with an ARN a listed value
         * chooses, and its read/write kind is chosen. Nothing else (network activity, Insights, outside events).
         */
        boolean selects(ParsedRecord record) {
            String category = record.eventCategory().orElse("Management");
            if (category.equals("Management")) {
                return includeManagementEvents && readWriteMatches(record)
                        && !record.eventSource().map(excludeManagementEventSources::contains).orElse(false);
            }
            if (!category.equals("Data") || !readWriteMatches(record)) {
                return false;
            }
            for (DataResource resource : dataResources) {
                for (Resource eventResource : record.resources()) {
                    if (resource.chooses(eventResource)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** {@code All} takes every event; ReadOnly and WriteOnly only events that say which they are. */
        private boolean readWriteMatches(ParsedRecord record) {
            return switch (readWriteType) {
                case "ReadOnly" -> record.readOnly().orElse(false);
                case "WriteOnly" -> !record.readOnly().orElse(true);
                default -> true;
            };
        }
    }

    record DataResource(String type, List<String> values) {
        public DataResource {
            requireNonNull(type, "type is null");
            values = List.copyOf(values);
        }

        /**
         * A resource of this type whose ARN a value chooses. S3 values are prefixes ({@code arn:aws:s3} every object,
         * {@code arn:aws:s3:::bucket/} a bucket's objects, longer ones a key prefix); Lambda and DynamoDB values are
         * the whole service ({@code arn:aws:lambda}, {@code arn:aws:dynamodb}) or one function or table, exactly.
         */
        boolean chooses(Resource resource) {
            if (!resource.type().map(type::equals).orElse(false) || resource.name().isEmpty()) {
                return false;
            }
            String arn = resource.name().get();
            for (String value : values) {
                boolean wholeService = value.equals(Parser.DATA_TYPES.get(type));
                if (wholeService || (type.equals("AWS::S3::Object") ? arn.startsWith(value) : arn.equals(value))) {
                    return true;
                }
            }
            return false;
        }
    }

    record Advanced(List<AdvancedSelector> selectors) implements EventSelectors {
        public Advanced {
            selectors = List.copyOf(requireNonNull(selectors, "selectors is null"));
        }

        /** An event any selector chooses: one whose every field selector it satisfies. */
        @Override
        public boolean selects(ParsedRecord record) {
            for (AdvancedSelector selector : selectors) {
                if (selector.selects(record)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void writeTo(ObjectNode response) {
            ArrayNode list = response.putArray("AdvancedEventSelectors");
            for (AdvancedSelector selector : selectors) {
                ObjectNode node = list.addObject();
                if (!selector.name().isEmpty()) {
                    node.put("Name", selector.name());
                }
                ArrayNode fields = node.putArray("FieldSelectors");
                for (FieldSelector field : selector.fieldSelectors()) {
                    ObjectNode fieldNode = fields.addObject().put("Field", field.field());
                    field.conditions().forEach((operator, values) -> {
                        ArrayNode array = fieldNode.putArray(operator);
                        values.forEach(array::add);
                    });
                }
            }
        }
    }

    record AdvancedSelector(String name, List<FieldSelector> fieldSelectors) {
        public AdvancedSelector {
            requireNonNull(name, "name is null");
            fieldSelectors = List.copyOf(fieldSelectors);
        }

        boolean selects(ParsedRecord record) {
            Optional<FieldSelector> typeSelector = fieldSelectors.stream()
                    .filter(field -> field.field().equals("resources.type")).findFirst();
            for (FieldSelector field : fieldSelectors) {
                boolean satisfied = switch (field.field()) {
                    case "eventCategory" -> field.accepts(record.eventCategory());
                    case "eventSource" -> field.accepts(record.eventSource());
                    case "eventName" -> field.accepts(record.eventName());
                    case "readOnly" -> field.accepts(record.readOnly().map(String::valueOf));
                    case "errorCode" -> field.accepts(record.errorCode());
                    case "vpcEndpointId" -> field.accepts(record.vpcEndpointId());
                    case "resources.type" -> record.resources().stream()
                            .anyMatch(resource -> field.accepts(resource.type()));
                    // The ARN of a resource of the selected type, when the selector names one.
                    case "resources.ARN" -> record.resources().stream()
                            .filter(resource -> typeSelector.map(type -> type.accepts(resource.type())).orElse(true))
                            .anyMatch(resource -> field.accepts(resource.name()));
                    default -> false;
                };
                if (!satisfied) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One field and its conditions, by operator ({@code Equals}, {@code StartsWith}, ...), in the order sent. */
    record FieldSelector(String field, Map<String, List<String>> conditions) {
        public FieldSelector {
            requireNonNull(field, "field is null");
            conditions = Collections.unmodifiableMap(new LinkedHashMap<>(conditions));
        }

        /**
         * Whether a field's value satisfies the conditions: the values of Equals, StartsWith and EndsWith are ORed
         * (one must match, when any is given), those of NotEquals, NotStartsWith and NotEndsWith are ANDed (none may
         * match), and the two groups are ANDed. A field the event lacks matches no positive condition and breaks no
         * negative one.
         */
        boolean accepts(Optional<String> value) {
            boolean anyPositive = false;
            boolean positiveMatched = false;
            for (Map.Entry<String, List<String>> condition : conditions.entrySet()) {
                String operator = condition.getKey();
                boolean negative = operator.startsWith("Not");
                anyPositive |= !negative;
                if (value.isEmpty()) {
                    continue;
                }
                String text = value.get();
                for (String operand : condition.getValue()) {
                    boolean matches = switch (negative ? operator.substring(3) : operator) {
                        case "Equals" -> text.equals(operand);
                        case "StartsWith" -> text.startsWith(operand);
                        case "EndsWith" -> text.endsWith(operand);
                        default -> false;
                    };
                    if (matches && negative) {
                        return false;
                    }
                    positiveMatched |= matches;
                }
            }
            return !anyPositive || positiveMatched;
        }
    }

    /** Reads and checks PutEventSelectors' selectors: {@code basic} or {@code advanced}, exactly one of them. */
    static EventSelectors parse(JsonNode basic, JsonNode advanced) {
        boolean hasBasic = basic != null && !basic.isNull();
        boolean hasAdvanced = advanced != null && !advanced.isNull();
        if (hasBasic == hasAdvanced) {
            throw new CloudTrailException(ErrorCode.INVALID_PARAMETER_COMBINATION, "Either EventSelectors or "
                    + "AdvancedEventSelectors must be given, not both and not neither.");
        }
        return hasBasic ? Parser.basic(basic) : Parser.advanced(advanced);
    }

    /** The checks, each refusal an InvalidEventSelectorsException naming what is wrong. */
    final class Parser {
        private static final Set<String> READ_WRITE = Set.of("ReadOnly", "WriteOnly", "All");
        private static final Map<String, String> DATA_TYPES = Map.of("AWS::S3::Object", "arn:aws:s3",
                "AWS::Lambda::Function", "arn:aws:lambda", "AWS::DynamoDB::Table", "arn:aws:dynamodb");
        private static final Set<String> EXCLUDABLE = Set.of("kms.amazonaws.com", "rdsdata.amazonaws.com");
        private static final Set<String> OPERATORS = Set.of("Equals", "StartsWith", "EndsWith", "NotEquals",
                "NotStartsWith", "NotEndsWith");
        private static final Set<String> TRAIL_FIELDS = Set.of("eventCategory", "eventSource", "eventName",
                "readOnly", "resources.type", "resources.ARN", "errorCode", "vpcEndpointId");
        private static final Set<String> EQUALS_ONLY = Set.of("eventCategory", "readOnly", "resources.type");
        /** CloudTrail's three for trails, and Cairn's one more: events from outside sources (PutAuditEvents). */
        private static final Set<String> CATEGORIES = Set.of("Management", "Data", "NetworkActivity",
                "ActivityAuditLog");
        private static final Pattern FIELD = Pattern.compile("[\\w.]{1,1000}");

        private Parser() {
        }

        static Basic basic(JsonNode list) {
            if (!list.isArray()) {
                throw invalid("EventSelectors must be a list.");
            }
            if (list.isEmpty() || list.size() > MAX_BASIC_SELECTORS) {
                throw invalid("A trail takes 1 to " + MAX_BASIC_SELECTORS + " event selectors, not " + list.size()
                        + ".");
            }
            List<BasicSelector> selectors = new ArrayList<>();
            int values = 0;
            for (JsonNode node : list) {
                requireObject(node, "Each event selector");
                String readWrite = text(node, "ReadWriteType").orElse("All");
                if (!READ_WRITE.contains(readWrite)) {
                    throw invalid("ReadWriteType must be ReadOnly, WriteOnly or All, not " + readWrite + ".");
                }
                JsonNode includeManagement = node.get("IncludeManagementEvents");
                if (includeManagement != null && !includeManagement.isNull() && !includeManagement.isBoolean()) {
                    throw serialization("IncludeManagementEvents must be true or false.");
                }
                boolean management = includeManagement == null || includeManagement.isNull()
                        || includeManagement.asBoolean();
                List<DataResource> resources = new ArrayList<>();
                for (JsonNode resource : array(node, "DataResources")) {
                    requireObject(resource, "Each data resource");
                    String type = text(resource, "Type").orElse("");
                    String service = DATA_TYPES.get(type);
                    if (service == null) {
                        throw invalid("Data resource type " + type + " is not one of " + DATA_TYPES.keySet()
                                .stream().sorted().toList() + ".");
                    }
                    List<String> resourceValues = new ArrayList<>();
                    for (String value : strings(resource, "Values")) {
                        if (!value.startsWith(service)) {
                            throw invalid("Value " + value + " of data resource type " + type
                                    + " must be an ARN or ARN prefix starting with " + service + ".");
                        }
                        resourceValues.add(value);
                    }
                    if (resourceValues.isEmpty()) {
                        throw invalid("Data resource type " + type + " needs at least one value.");
                    }
                    values += resourceValues.size();
                    resources.add(new DataResource(type, resourceValues));
                }
                List<String> excluded = new ArrayList<>();
                for (String source : strings(node, "ExcludeManagementEventSources")) {
                    if (!EXCLUDABLE.contains(source)) {
                        throw invalid("ExcludeManagementEventSources takes kms.amazonaws.com and "
                                + "rdsdata.amazonaws.com only, not " + source + ".");
                    }
                    excluded.add(source);
                }
                selectors.add(new BasicSelector(readWrite, management, resources, excluded));
            }
            if (values > MAX_DATA_RESOURCE_VALUES) {
                throw invalid("A trail takes at most " + MAX_DATA_RESOURCE_VALUES + " data resource values in all "
                        + "its event selectors, not " + values + ".");
            }
            return new Basic(selectors);
        }

        static Advanced advanced(JsonNode list) {
            if (!list.isArray() || list.isEmpty()) {
                throw invalid("AdvancedEventSelectors must be a list of at least one selector.");
            }
            List<AdvancedSelector> selectors = new ArrayList<>();
            int total = 0;
            for (JsonNode node : list) {
                requireObject(node, "Each advanced event selector");
                String name = text(node, "Name").orElse("");
                if (name.length() > 1000) {
                    throw invalid("An advanced event selector's Name is at most 1000 characters.");
                }
                JsonNode fields = node.path("FieldSelectors");
                if (!fields.isArray() || fields.isEmpty()) {
                    throw invalid("Advanced event selector " + label(name) + " needs at least one field selector.");
                }
                List<FieldSelector> fieldSelectors = new ArrayList<>();
                Map<String, List<String>> equalsByField = new LinkedHashMap<>();
                for (JsonNode fieldNode : fields) {
                    requireObject(fieldNode, "Each field selector");
                    String field = text(fieldNode, "Field").orElse("");
                    if (!FIELD.matcher(field).matches() || !TRAIL_FIELDS.contains(field)) {
                        throw invalid("Field " + field + " cannot be used in a trail's advanced event selector; "
                                + "the fields are " + TRAIL_FIELDS.stream().sorted().toList() + ".");
                    }
                    Map<String, List<String>> conditions = new LinkedHashMap<>();
                    for (Iterator<Map.Entry<String, JsonNode>> it = fieldNode.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> entry = it.next();
                        if (entry.getKey().equals("Field")) {
                            continue;
                        }
                        if (!OPERATORS.contains(entry.getKey())) {
                            throw invalid("Unknown operator " + entry.getKey() + " for field " + field + ".");
                        }
                        if (EQUALS_ONLY.contains(field) && !entry.getKey().equals("Equals")) {
                            throw invalid("Equals is the only valid operator with readOnly, eventCategory, "
                                    + "resources.type; field " + field + " has " + entry.getKey() + ".");
                        }
                        List<String> values = new ArrayList<>();
                        for (String text : strings(fieldNode, entry.getKey())) {
                            if (text.isEmpty() || text.length() > 2048) {
                                throw invalid("Each value of field " + field + " is 1 to 2048 characters.");
                            }
                            values.add(text);
                        }
                        if (values.isEmpty()) {
                            throw invalid("Operator " + entry.getKey() + " of field " + field
                                    + " needs at least one value.");
                        }
                        total += values.size();
                        conditions.put(entry.getKey(), values);
                    }
                    if (conditions.isEmpty()) {
                        throw invalid("Field " + field + " needs at least one operator.");
                    }
                    conditions.getOrDefault("Equals", List.of())
                            .forEach(value -> equalsByField.computeIfAbsent(field, ignored -> new ArrayList<>())
                                    .add(value));
                    if (field.equals("readOnly")) {
                        for (String value : conditions.get("Equals")) {
                            if (!value.equals("true") && !value.equals("false")) {
                                throw invalid("readOnly takes true or false, not " + value + ".");
                            }
                        }
                    }
                    fieldSelectors.add(new FieldSelector(field, conditions));
                }
                checkCategory(name, equalsByField, fieldSelectors);
                selectors.add(new AdvancedSelector(name, fieldSelectors));
            }
            if (total > MAX_ADVANCED_VALUES) {
                throw invalid("A trail takes at most " + MAX_ADVANCED_VALUES + " values in all its advanced event "
                        + "selectors, not " + total + ".");
            }
            return new Advanced(selectors);
        }

        private static void checkCategory(String name, Map<String, List<String>> equals,
                                          List<FieldSelector> fields) {
            List<String> categories = equals.get("eventCategory");
            if (categories == null || categories.size() != 1 || !CATEGORIES.contains(categories.getFirst())) {
                throw invalid("Advanced event selector " + label(name) + " needs eventCategory Equals one of "
                        + CATEGORIES.stream().sorted().toList() + ".");
            }
            String category = categories.getFirst();
            if (category.equals("Management")) {
                for (FieldSelector field : fields) {
                    if (field.field().equals("eventSource") && (!field.conditions().keySet().equals(
                            Set.of("NotEquals")) || !EXCLUDABLE.containsAll(field.conditions().get("NotEquals")))) {
                        throw invalid("For management events, eventSource takes only NotEquals kms.amazonaws.com "
                                + "or rdsdata.amazonaws.com.");
                    }
                    if (!Set.of("eventCategory", "eventSource", "readOnly").contains(field.field())) {
                        throw invalid("For management events, a trail's advanced event selector takes only "
                                + "eventCategory, eventSource and readOnly, not " + field.field() + ".");
                    }
                }
            } else if (category.equals("Data")) {
                List<String> types = equals.get("resources.type");
                if (types == null || types.size() != 1) {
                    throw invalid("Advanced event selector " + label(name) + " for data events needs exactly one "
                            + "resources.type.");
                }
            }
        }

        private static void requireObject(JsonNode node, String what) {
            if (!node.isObject()) {
                throw serialization(what + " must be an object.");
            }
        }

        private static Optional<String> text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return Optional.empty();
            }
            if (!value.isTextual()) {
                throw serialization(field + " must be a string.");
            }
            return Optional.of(value.asText());
        }

        private static JsonNode array(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return JsonNodeFactory.instance.arrayNode();
            }
            if (!value.isArray()) {
                throw serialization(field + " must be a list.");
            }
            return value;
        }

        private static List<String> strings(JsonNode node, String field) {
            List<String> values = new ArrayList<>();
            for (JsonNode value : array(node, field)) {
                if (!value.isTextual()) {
                    throw serialization(field + " must be a list of strings.");
                }
                values.add(value.asText());
            }
            return values;
        }

        private static CloudTrailException serialization(String message) {
            return new CloudTrailException(ErrorCode.SERIALIZATION, message);
        }

        private static String label(String name) {
            return name.isEmpty() ? "(unnamed)" : name;
        }

        private static CloudTrailException invalid(String message) {
            return new CloudTrailException(ErrorCode.INVALID_EVENT_SELECTORS, message);
        }
    }

    /** A response object with the selectors, for tests and callers that build whole responses. */
    static ObjectNode responseOf(String trailArn, EventSelectors selectors) {
        ObjectNode response = JsonNodeFactory.instance.objectNode().put("TrailARN", trailArn);
        selectors.writeTo(response);
        return response;
    }
}
