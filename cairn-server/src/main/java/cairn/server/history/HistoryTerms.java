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
 * The index terms of the event history. Every term is scoped to a region and to one of two histories, the events
 * ({@code M}) and the Insights events ({@code I}), as LookupEvents keeps them apart:
 * {@code <attribute code><region> NUL <history> NUL <value>}, and {@code *<region> NUL <history>} for "every event".
 */
public final class HistoryTerms {
    private static final char ALL = '*';

    private HistoryTerms() {
    }

    public static byte[] all(String region, boolean insight) {
        return (ALL + region + '\0' + history(insight)).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] of(LookupAttribute attribute, String region, boolean insight, String value) {
        return (attribute.code() + region + '\0' + history(insight) + '\0' + value).getBytes(StandardCharsets.UTF_8);
    }

    /** The terms a record is found by: every lookup attribute it has a value for, and "every event". */
    public static List<byte[]> of(ParsedRecord record, String eventId) {
        String region = record.awsRegion();
        boolean insight = record.insight();
        Set<String> seen = new LinkedHashSet<>();
        List<byte[]> terms = new ArrayList<>();
        terms.add(all(region, insight));
        add(terms, seen, LookupAttribute.EVENT_ID, region, insight, Optional.of(eventId));
        add(terms, seen, LookupAttribute.EVENT_NAME, region, insight, record.eventName());
        add(terms, seen, LookupAttribute.EVENT_SOURCE, region, insight, record.eventSource());
        if (!insight) {
            add(terms, seen, LookupAttribute.READ_ONLY, region, false, record.readOnly().map(String::valueOf));
            add(terms, seen, LookupAttribute.USERNAME, region, false, record.userIdentity().lookupUsername());
            add(terms, seen, LookupAttribute.ACCESS_KEY_ID, region, false, record.userIdentity().accessKeyId());
            for (Resource resource : record.resources()) {
                add(terms, seen, LookupAttribute.RESOURCE_TYPE, region, false, resource.type());
                add(terms, seen, LookupAttribute.RESOURCE_NAME, region, false, resource.name());
            }
        }
        return terms;
    }

    private static void add(List<byte[]> terms, Set<String> seen, LookupAttribute attribute, String region,
                            boolean insight, Optional<String> value) {
        if (value.isPresent() && !value.get().isEmpty() && seen.add(attribute.code() + value.get())) {
            byte[] term = of(attribute, region, insight, value.get());
            if (term.length <= cairn.store.Entry.MAX_TERM_BYTES) {
                terms.add(term);
            }
        }
    }

    private static char history(boolean insight) {
        return insight ? 'I' : 'M';
    }
}
