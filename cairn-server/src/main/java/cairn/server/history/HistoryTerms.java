package cairn.server.history;

import cairn.model.lookup.LookupAttribute;
import cairn.model.record.ParsedRecord;
import cairn.model.record.Resource;
import cairn.server.identity.Account;
import cairn.store.Entry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The index terms of the event history. Every term is scoped to an account, a region and one of three histories, as
 * CloudTrail keeps them apart: management events and the events of outside sources ({@code M}), which LookupEvents
 * returns; Insights events ({@code I}), which it returns only for {@code EventCategory insight}; and every other
 * category ({@code O}: data and network activity events), which CloudTrail's event history leaves out and Cairn
 * indexes for later use without serving them from LookupEvents.
 * A term is {@code <attribute code><account><region> NUL <history> NUL <value>}, the account in 5 bytes (its 12-digit
 * ID as a 40-bit number: every term carries it, so it is kept short), and {@code *<account><region> NUL <history>}
 * stands for "every event". An account's lookups see only its own terms.
 */
public final class HistoryTerms {
    private static final char ALL = '*';
    private static final char EVENTS = 'M';
    private static final char INSIGHTS = 'I';
    private static final char OTHER = 'O';

    private HistoryTerms() {
    }

    public static byte[] all(String account, String region, boolean insight) {
        return term(ALL, scope(account, region), insight ? INSIGHTS : EVENTS, null);
    }

    public static byte[] of(LookupAttribute attribute, String account, String region, boolean insight, String value) {
        return term(attribute.code(), scope(account, region), insight ? INSIGHTS : EVENTS, value);
    }

    /**
     * The terms a record of {@code account} is found by: every lookup attribute it has a value for, and "every
     * event".
     */
    public static List<byte[]> of(ParsedRecord record, String eventId, String account) {
        return of(record, eventId, scope(account, record.awsRegion()));
    }

    /** As {@link #of(ParsedRecord, String, String)}, with the record's {@link #scope} already made. */
    public static List<byte[]> of(ParsedRecord record, String eventId, byte[] scope) {
        char history = historyOf(record);
        List<byte[]> terms = new ArrayList<>(10 + 2 * record.resources().size());
        terms.add(term(ALL, scope, history, null));
        add(terms, LookupAttribute.EVENT_ID, scope, history, Optional.of(eventId));
        add(terms, LookupAttribute.EVENT_NAME, scope, history, record.eventName());
        add(terms, LookupAttribute.EVENT_SOURCE, scope, history, record.eventSource());
        if (history != INSIGHTS) {
            add(terms, LookupAttribute.READ_ONLY, scope, history, record.readOnly().map(String::valueOf));
            add(terms, LookupAttribute.USERNAME, scope, history, record.userIdentity().lookupUsername());
            add(terms, LookupAttribute.ACCESS_KEY_ID, scope, history, record.userIdentity().accessKeyId());
            List<String> types = new ArrayList<>(2);
            List<String> names = new ArrayList<>(2);
            for (Resource resource : record.resources()) {
                resource.type().filter(type -> !types.contains(type)).ifPresent(types::add);
                resource.name().filter(name -> !names.contains(name)).ifPresent(names::add);
            }
            types.forEach(type -> add(terms, LookupAttribute.RESOURCE_TYPE, scope, history, Optional.of(type)));
            names.forEach(name -> add(terms, LookupAttribute.RESOURCE_NAME, scope, history, Optional.of(name)));
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

    private static void add(List<byte[]> terms, LookupAttribute attribute, byte[] scope, char history,
                            Optional<String> value) {
        if (value.isPresent() && !value.get().isEmpty()) {
            byte[] term = term(attribute.code(), scope, history, value.get());
            if (term.length <= Entry.MAX_TERM_BYTES) {
                terms.add(term);
            }
        }
    }

    private static final int ACCOUNT_BYTES = 5;

    /** The part every term of an account's events in a region starts with (after the attribute code). */
    public static byte[] scope(String account, String region) {
        if (!Account.isValidId(account)) {
            throw new IllegalArgumentException("an account ID is 12 digits, not " + account);
        }
        long id = Long.parseLong(account);
        byte[] regionBytes = region.getBytes(StandardCharsets.UTF_8);
        byte[] scope = new byte[ACCOUNT_BYTES + regionBytes.length];
        for (int i = 0; i < ACCOUNT_BYTES; i++) {
            scope[i] = (byte) (id >>> (8 * (ACCOUNT_BYTES - 1 - i)));
        }
        System.arraycopy(regionBytes, 0, scope, ACCOUNT_BYTES, regionBytes.length);
        return scope;
    }

    /** {@code code account region NUL history [NUL value]}, built straight into bytes (the codes are ASCII). */
    private static byte[] term(char code, byte[] scope, char history, String value) {
        byte[] valueBytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        byte[] term = new byte[scope.length + 3 + (valueBytes == null ? 0 : 1 + valueBytes.length)];
        term[0] = (byte) code;
        System.arraycopy(scope, 0, term, 1, scope.length);
        int at = 1 + scope.length;
        term[at++] = 0;
        term[at++] = (byte) history;
        if (valueBytes != null) {
            term[at++] = 0;
            System.arraycopy(valueBytes, 0, term, at, valueBytes.length);
        }
        return term;
    }
}
