package cairn.server.history;

import cairn.model.lookup.LookupAttribute;
import cairn.model.record.ParsedRecord;
import cairn.model.record.Resource;
import cairn.store.Entry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
        return term(ALL, region.getBytes(StandardCharsets.UTF_8), insight ? INSIGHTS : EVENTS, null);
    }

    public static byte[] of(LookupAttribute attribute, String region, boolean insight, String value) {
        return term(attribute.code(), region.getBytes(StandardCharsets.UTF_8), insight ? INSIGHTS : EVENTS, value);
    }

    /** The terms a record is found by: every lookup attribute it has a value for, and "every event". */
    public static List<byte[]> of(ParsedRecord record, String eventId) {
        byte[] region = record.awsRegion().getBytes(StandardCharsets.UTF_8);
        char history = historyOf(record);
        List<byte[]> terms = new ArrayList<>(10 + 2 * record.resources().size());
        terms.add(term(ALL, region, history, null));
        add(terms, LookupAttribute.EVENT_ID, region, history, Optional.of(eventId));
        add(terms, LookupAttribute.EVENT_NAME, region, history, record.eventName());
        add(terms, LookupAttribute.EVENT_SOURCE, region, history, record.eventSource());
        if (history != INSIGHTS) {
            add(terms, LookupAttribute.READ_ONLY, region, history, record.readOnly().map(String::valueOf));
            add(terms, LookupAttribute.USERNAME, region, history, record.userIdentity().lookupUsername());
            add(terms, LookupAttribute.ACCESS_KEY_ID, region, history, record.userIdentity().accessKeyId());
            List<String> types = new ArrayList<>(2);
            List<String> names = new ArrayList<>(2);
            for (Resource resource : record.resources()) {
                resource.type().filter(type -> !types.contains(type)).ifPresent(types::add);
                resource.name().filter(name -> !names.contains(name)).ifPresent(names::add);
            }
            types.forEach(type -> add(terms, LookupAttribute.RESOURCE_TYPE, region, history, Optional.of(type)));
            names.forEach(name -> add(terms, LookupAttribute.RESOURCE_NAME, region, history, Optional.of(name)));
        }
        return terms;
    }

    private static char historyOf(ParsedRecord record) {
        if (record.insight()) {
            return INSIGHTS;
        }
        String category = record.eventCategory().orElse("Management");
        return category.equals("Management") || category.equals("ActivityAuditLog") ? EVENTS : OTHER;
    }

    private static void add(List<byte[]> terms, LookupAttribute attribute, byte[] region, char history,
                            Optional<String> value) {
        if (value.isPresent() && !value.get().isEmpty()) {
            byte[] term = term(attribute.code(), region, history, value.get());
            if (term.length <= Entry.MAX_TERM_BYTES) {
                terms.add(term);
            }
        }
    }

    /** {@code code region NUL history [NUL value]}, built straight into bytes (the codes are ASCII). */
    private static byte[] term(char code, byte[] region, char history, String value) {
        byte[] valueBytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        byte[] term = new byte[region.length + 3 + (valueBytes == null ? 0 : 1 + valueBytes.length)];
        term[0] = (byte) code;
        System.arraycopy(region, 0, term, 1, region.length);
        int at = 1 + region.length;
        term[at++] = 0;
        term[at++] = (byte) history;
        if (valueBytes != null) {
            term[at++] = 0;
            System.arraycopy(valueBytes, 0, term, at, valueBytes.length);
        }
        return term;
    }
}
