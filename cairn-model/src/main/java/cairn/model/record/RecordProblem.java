package cairn.model.record;

import static java.util.Objects.requireNonNull;

/**
 * Why a record was refused, by the per-event error codes of PutAuditEvents: a required field missing, a field too
 * long, a field of the wrong type or value, a checksum that does not match.
 */
public final class RecordProblem extends Exception {
    public enum Kind {
        FIELD_NOT_FOUND("FieldNotFound"),
        FIELD_TOO_LONG("FieldTooLong"),
        INVALID_DATA("InvalidData"),
        INVALID_CHECKSUM("InvalidChecksum"),
        INVALID_RECIPIENT("InvalidRecipient");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final Kind kind;

    public RecordProblem(Kind kind, String message) {
        super(requireNonNull(message, "message is null"), null, false, false);
        this.kind = requireNonNull(kind, "kind is null");
    }

    public Kind kind() {
        return kind;
    }
}
