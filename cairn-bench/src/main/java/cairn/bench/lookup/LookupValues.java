package cairn.bench.lookup;

import cairn.model.lookup.LookupAttribute;
import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordProblem;
import cairn.model.record.RecordReader;
import cairn.model.record.Resource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Values to look up, taken from stored records picked at random, so that common values come up as often as they
 * occur in the data and rare ones (a user with a handful of events a day) come up too.
 */
final class LookupValues {
    private LookupValues() {
    }

    /** The value of {@code attribute} in a stored record's bytes; empty when the record has none. */
    static Optional<String> of(LookupAttribute attribute, byte[] body) {
        try {
            return of(attribute, RecordReader.readRecord(body));
        } catch (RecordProblem problem) {
            throw new IllegalStateException("a stored record is unreadable: " + problem.getMessage());
        }
    }

    static Optional<String> of(LookupAttribute attribute, ParsedRecord record) {
        return switch (attribute) {
            case EVENT_ID -> record.eventId();
            case EVENT_NAME -> record.eventName();
            case EVENT_SOURCE -> record.eventSource();
            case READ_ONLY -> record.readOnly().map(String::valueOf);
            case USERNAME -> record.userIdentity().lookupUsername();
            case ACCESS_KEY_ID -> record.userIdentity().accessKeyId();
            case RESOURCE_TYPE -> record.resources().stream().map(Resource::type).flatMap(Optional::stream).findFirst();
            case RESOURCE_NAME -> record.resources().stream().map(Resource::name).flatMap(Optional::stream).findFirst();
        };
    }

    static List<String> shuffled(List<String> values, long seed) {
        List<String> copy = new ArrayList<>(values);
        Collections.shuffle(copy, new Random(seed));
        return copy;
    }
}
