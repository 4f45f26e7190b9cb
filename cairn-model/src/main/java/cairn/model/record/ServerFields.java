package cairn.model.record;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Fills the fields the server owns when a record arrives without them: {@code eventID}, {@code recipientAccountId},
 * {@code eventCategory}, {@code managementEvent}, and {@code readOnly} when the event name tells. The missing fields
 * are spliced in right after the record's opening brace; every byte the caller sent is kept as it was, and a record
 * that lacks nothing is kept as the very same bytes.
 */
public final class ServerFields {
    private static final List<String> READ_PREFIXES = List.of("Get", "List", "Describe", "Lookup", "Head",
            "BatchGet", "Search");
    private static final List<String> WRITE_PREFIXES = List.of("Create", "Delete", "Put", "Update", "Start", "Stop",
            "Attach", "Detach", "Add", "Remove", "Modify", "Set", "Tag", "Untag", "Enable", "Disable", "Run",
            "Terminate", "Register", "Deregister", "Associate", "Disassociate", "Reset", "Restore", "Cancel",
            "Authorize", "Revoke", "Import", "Upload", "Copy", "Send", "Assume", "Rotate");
    private static final List<String> MANAGEMENT_EVENT_TYPES = List.of("AwsApiCall", "AwsConsoleAction",
            "AwsConsoleSignIn", "AwsServiceEvent");

    private ServerFields() {
    }

    /** A record as it is stored: its bytes and its event ID (the one it came with, or the one given to it). */
    public record Stamped(byte[] bytes, String eventId) {
        public Stamped {
            requireNonNull(bytes, "bytes is null");
            requireNonNull(eventId, "eventId is null");
        }
    }

    public static Stamped stamp(byte[] source, ParsedRecord record, String recipientAccountId,
                                Supplier<UUID> eventIds) {
        StringBuilder added = new StringBuilder();
        String eventId = record.eventId().orElse(null);
        if (eventId == null) {
            eventId = eventIds.get().toString();
            append(added, "eventID", quoted(eventId));
        }
        if (record.recipientAccountId().isEmpty()) {
            append(added, "recipientAccountId", quoted(recipientAccountId));
        }
        Optional<String> category = record.eventCategory();
        if (category.isEmpty()) {
            category = Optional.of(record.insight() ? ParsedRecord.INSIGHT_CATEGORY : "Management");
            append(added, "eventCategory", quoted(category.get()));
        }
        boolean management = category.get().equals("Management");
        if (management && !record.hasManagementEvent()
                && record.eventType().map(MANAGEMENT_EVENT_TYPES::contains).orElse(false)) {
            append(added, "managementEvent", "true");
        }
        if (!record.insight() && record.readOnly().isEmpty()) {
            record.eventName().flatMap(ServerFields::readOnlyOf)
                    .ifPresent(readOnly -> append(added, "readOnly", readOnly.toString()));
        }
        if (added.isEmpty()) {
            return new Stamped(record.start() == 0 && record.end() == source.length
                    ? source : Arrays.copyOfRange(source, record.start(), record.end()), eventId);
        }
        byte[] prefix = added.toString().getBytes(StandardCharsets.UTF_8);
        int restStart = record.start() + 1;
        boolean emptyObject = isEmptyObject(source, restStart, record.end());
        byte[] bytes = new byte[1 + prefix.length + (emptyObject ? 0 : 1) + record.end() - restStart];
        bytes[0] = '{';
        System.arraycopy(prefix, 0, bytes, 1, prefix.length);
        int at = 1 + prefix.length;
        if (!emptyObject) {
            bytes[at++] = ',';
        }
        System.arraycopy(source, restStart, bytes, at, record.end() - restStart);
        return new Stamped(bytes, eventId);
    }

    /** {@code true} for Get/List/Describe-style event names, {@code false} for Create/Delete/Put-style ones. */
    public static Optional<Boolean> readOnlyOf(String eventName) {
        for (String prefix : READ_PREFIXES) {
            if (startsWithWord(eventName, prefix)) {
                return Optional.of(true);
            }
        }
        for (String prefix : WRITE_PREFIXES) {
            if (startsWithWord(eventName, prefix)) {
                return Optional.of(false);
            }
        }
        return Optional.empty();
    }

    private static boolean startsWithWord(String name, String prefix) {
        return name.startsWith(prefix)
                && (name.length() == prefix.length() || !Character.isLowerCase(name.charAt(prefix.length())));
    }

    private static boolean isEmptyObject(byte[] source, int from, int end) {
        for (int i = from; i < end - 1; i++) {
            byte b = source[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static void append(StringBuilder added, String name, String jsonValue) {
        if (!added.isEmpty()) {
            added.append(',');
        }
        added.append('"').append(name).append("\":").append(jsonValue);
    }

    private static String quoted(String value) {
        StringBuilder text = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                text.append('\\').append(c);
            } else if (c < 0x20) {
                text.append(String.format("\\u%04x", (int) c));
            } else {
                text.append(c);
            }
        }
        return text.append('"').toString();
    }
}
