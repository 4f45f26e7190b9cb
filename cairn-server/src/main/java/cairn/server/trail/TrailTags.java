package cairn.server.trail;

import cairn.delivery.objectstore.DurableFiles;
import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The tags of every trail, by trail ARN, in the order their keys were first added (spec 4.7). Kept in
 * {@code data/trails/tags.json} as {@code {"trails":[{"arn":..., "tags":[{"key":..., "value":...}]}]}} (a tag without
 * a value has no {@code value}): read at start, written whole (temporary file, fsync, atomic rename) on every change,
 * so a crash leaves the old tags or the new ones. A trail without tags has no entry. Thread-safe.
 */
public final class TrailTags {
    public static final int MAX_TAGS_PER_TRAIL = 50;
    public static final int MAX_TAGS_PER_REQUEST = 200;
    public static final int MAX_KEY_LENGTH = 128;
    public static final int MAX_VALUE_LENGTH = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tag: a key of 1 to 128 characters and a value of at most 256, or none (CloudTrail's null value). */
    public record Tag(String key, Optional<String> value) {
        public Tag {
            requireNonNull(key, "key is null");
            requireNonNull(value, "value is null");
            if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
                throw new IllegalArgumentException("key is " + key.length() + " characters; 1 to " + MAX_KEY_LENGTH);
            }
            if (value.isPresent() && value.get().length() > MAX_VALUE_LENGTH) {
                throw new IllegalArgumentException("value is " + value.get().length() + " characters; at most "
                        + MAX_VALUE_LENGTH);
            }
        }
    }

    private final Path file;
    private Map<String, List<Tag>> tags;

    private TrailTags(Path file, Map<String, List<Tag>> tags) {
        this.file = file;
        this.tags = tags;
    }

    /** The tags kept in {@code folder} (created when missing); none when it holds no {@code tags.json}. */
    public static TrailTags open(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve("tags.json");
        Map<String, List<Tag>> tags = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (JsonNode trail : JSON.readTree(file.toFile()).path("trails")) {
                List<Tag> list = new ArrayList<>();
                for (JsonNode tag : trail.path("tags")) {
                    JsonNode value = tag.get("value");
                    list.add(new Tag(tag.get("key").asText(), value == null || value.isNull() ? Optional.empty()
                            : Optional.of(value.asText())));
                }
                tags.put(trail.get("arn").asText(), List.copyOf(list));
            }
        }
        return new TrailTags(file, tags);
    }

    /** The trail's tags, in the order their keys were first added; empty when it has none. */
    public synchronized List<Tag> of(String trailArn) {
        return tags.getOrDefault(trailArn, List.of());
    }

    /**
     * Adds {@code added} to the trail's tags, overwriting the value of a key it already has, unless the trail would
     * then have more than 50 tags ({@code TagsLimitExceededException}, and nothing changes).
     */
    public synchronized void add(String trailArn, List<Tag> added) {
        Map<String, Tag> byKey = byKey(of(trailArn));
        for (Tag tag : added) {
            byKey.put(tag.key(), tag);
        }
        checkLimit(trailArn, byKey.size());
        change(trailArn, List.copyOf(byKey.values()));
    }

    /** Removes the tags with these keys; a key the trail does not have is no error. */
    public synchronized void remove(String trailArn, Collection<String> keys) {
        Map<String, Tag> byKey = byKey(of(trailArn));
        if (byKey.keySet().removeAll(Set.copyOf(keys))) {
            change(trailArn, List.copyOf(byKey.values()));
        }
    }

    /** Gives a new trail exactly these tags (checked with {@link #checkNew} first), replacing any left over. */
    public synchronized void set(String trailArn, List<Tag> all) {
        checkNew(trailArn, all);
        if (!all.isEmpty() || tags.containsKey(trailArn)) {
            change(trailArn, List.copyOf(all));
        }
    }

    /** Refuses, as {@link #add} would, more than 50 tags for a trail that has none yet. */
    public static void checkNew(String trailArn, List<Tag> all) {
        checkLimit(trailArn, all.size());
    }

    /** Drops the trail's tags (DeleteTrail); no error when it has none. */
    public synchronized void forget(String trailArn) {
        if (tags.containsKey(trailArn)) {
            change(trailArn, List.of());
        }
    }

    private static Map<String, Tag> byKey(List<Tag> list) {
        Map<String, Tag> byKey = new LinkedHashMap<>();
        for (Tag tag : list) {
            byKey.put(tag.key(), tag);
        }
        return byKey;
    }

    private static void checkLimit(String trailArn, int count) {
        if (count > MAX_TAGS_PER_TRAIL) {
            throw new CloudTrailException(ErrorCode.TAGS_LIMIT_EXCEEDED, "Trail " + trailArn + " would have " + count
                    + " tags; the most is " + MAX_TAGS_PER_TRAIL + ".");
        }
    }

    /**
     * A request's {@code TagsList}, checked: at most 200 tags, each with a key of 1 to 128 characters, unique in the
     * list, and a value of at most 256 characters or none. A problem with a tag is {@code InvalidTagParameterException}
     * naming the tag by its place in the list (from 1) and, when it has a usable one, its key.
     */
    static List<Tag> parse(JsonNode list) {
        if (!list.isArray()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, "TagsList must be a list.");
        }
        if (list.size() > MAX_TAGS_PER_REQUEST) {
            throw new CloudTrailException(ErrorCode.VALIDATION, "1 validation error detected: Value at 'tagsList' "
                    + "failed to satisfy constraint: Member must have length less than or equal to "
                    + MAX_TAGS_PER_REQUEST);
        }
        List<Tag> parsed = new ArrayList<>(list.size());
        Set<String> keys = new HashSet<>();
        for (int index = 0; index < list.size(); index++) {
            int place = index + 1;
            JsonNode tag = list.get(index);
            if (!tag.isObject()) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "Tag " + place + " of TagsList must be an "
                        + "object with a Key and a Value.");
            }
            String key = string(tag, "Key", place).orElseThrow(() -> invalid("Tag " + place + " has no Key."));
            if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
                throw invalid("Tag " + place + " has a Key of " + key.length() + " characters; a Key is 1 to "
                        + MAX_KEY_LENGTH + ".");
            }
            Optional<String> value = string(tag, "Value", place);
            if (value.isPresent() && value.get().length() > MAX_VALUE_LENGTH) {
                throw invalid("Tag " + place + " (Key " + key + ") has a Value of " + value.get().length()
                        + " characters; the most is " + MAX_VALUE_LENGTH + ".");
            }
            if (!keys.add(key)) {
                throw invalid("Tag " + place + " repeats the Key " + key + "; each Key may appear once.");
            }
            parsed.add(new Tag(key, value));
        }
        return List.copyOf(parsed);
    }

    private static Optional<String> string(JsonNode tag, String field, int place) {
        JsonNode value = tag.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, field + " of tag " + place + " must be a string.");
        }
        return Optional.of(value.asText());
    }

    private static CloudTrailException invalid(String message) {
        return new CloudTrailException(ErrorCode.INVALID_TAG_PARAMETER, message);
    }

    /** Writes the wire form of a tag list: {@code [{"Key":..., "Value":...}]}, without Value for a null value. */
    static void write(JsonGenerator json, List<Tag> list) throws IOException {
        json.writeStartArray();
        for (Tag tag : list) {
            json.writeStartObject();
            json.writeStringField("Key", tag.key());
            if (tag.value().isPresent()) {
                json.writeStringField("Value", tag.value().get());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private void change(String trailArn, List<Tag> list) {
        Map<String, List<Tag>> changed = new LinkedHashMap<>(tags);
        if (list.isEmpty()) {
            changed.remove(trailArn);
        } else {
            changed.put(trailArn, list);
        }
        save(changed);
    }

    private void save(Map<String, List<Tag>> changed) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode trails = root.putArray("trails");
        for (Map.Entry<String, List<Tag>> trail : changed.entrySet()) {
            ObjectNode node = trails.addObject().put("arn", trail.getKey());
            ArrayNode list = node.putArray("tags");
            for (Tag tag : trail.getValue()) {
                ObjectNode entry = list.addObject().put("key", tag.key());
                tag.value().ifPresent(value -> entry.put("value", value));
            }
        }
        try {
            DurableFiles.writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), ".tmp");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
        tags = changed;
    }
}
