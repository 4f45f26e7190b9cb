package cairn.server.history;

import cairn.model.lookup.LookupAttribute;
import cairn.model.record.ParsedRecord;
import cairn.model.record.Resource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The index terms of the event history. Every term is scoped to a region and to one of three histories, as
 * CloudTrail keeps them apart: management events and the events of outside sources ({@code M}), which LookupEvents
 * returns; Insights events ({@code I}), which it returns only for {@code EventCategory insight}; and every other
 * category ({@code O}: data and network activity events), which CloudTrail's event history leaves out and Cairn
 * indexes for later use without serving them from LookupEvents.
 * A term is {@code <attribute code><region> NUL <history> NUL <value>}, and {@code *<region> NUL <history>} stands
 * for "every event".
 */
public final class HistoryTerms {
    private static final char ALL = '*';
    private static final char EVENTS = 'M';
    private static final char INSIGHTS = 'I';
    private static final char OTHER = 'O';

    private HistoryTerms() {
    }

    public static byte[] all(String region, boolean insight) {
        return all(region, insight ? INSIGHTS : EVENTS);
    }

    public static byte[] of(LookupAttribute attribute, String region, boolean insight, String value) {
        return of(attribute, region, insight ? INSIGHTS : EVENTS, value);
    }

    private static byte[] all(String region, char history) {
        return (ALL + region + '\0' + history).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] of(LookupAttribute attribute, String region, char history, String value) {
        return (attribute.code() + region + '\0' + history + '\0' + value).getBytes(StandardCharsets.UTF_8);
    }

    private static char historyOf(ParsedRecord record) {
        if (record.insight()) {
            return INSIGHTS;
        }
        String category = record.eventCategory().orElse("Management");
        return category.equals("Management") || category.equals("ActivityAuditLog") ? EVENTS : OTHER;
    }

    /** The terms a record is found by: every lookup attribute it has a value for, and "every event". */
    public static List<byte[]> of(ParsedRecord record, String eventId) {
        String region = record.awsRegion();
        char history = historyOf(record);
        Set<String> seen = new LinkedHashSet<>();
        List<byte[]> terms = new ArrayList<>();
        terms.add(all(region, history));
        add(terms, seen, LookupAttribute.EVENT_ID, region, history, Optional.of(eventId));
        add(terms, seen, LookupAttribute.EVENT_NAME, region, history, record.eventName());
        add(terms, seen, LookupAttribute.EVENT_SOURCE, region, history, record.eventSource());
        if (history != INSIGHTS) {
            add(terms, seen, LookupAttribute.READ_ONLY, region, history, record.readOnly().map(String::valueOf));
            add(terms, seen, LookupAttribute.USERNAME, region, history, record.userIdentity().lookupUsername());
            add(terms, seen, LookupAttribute.ACCESS_KEY_ID, region, history, record.userIdentity().accessKeyId());
            for (Resource resource : record.resources()) {
                add(terms, seen, LookupAttribute.RESOURCE_TYPE, region, history, resource.type());
                add(terms, seen, LookupAttribute.RESOURCE_NAME, region, history, resource.name());
            }
        }
        return terms;
    }

    private static void add(List<byte[]> terms, Set<String> seen, LookupAttribute attribute, String region,
                            char history, Optional<String> value) {
        if (value.isPresent() && !value.get().isEmpty() && seen.add(attribute.code() + value.get())) {
            byte[] term = of(attribute, region, history, value.get());
            if (term.length <= cairn.store.Entry.MAX_TERM_BYTES) {
                terms.add(term);
            }
        }
    }
}
