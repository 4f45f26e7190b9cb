package cairn.server.identity;

import java.util.Locale;

/**
 * What a principal may do in its account. Three built-in sets: {@code administrator} (everything),
 * {@code auditor} (reading: lookups, describe, get, list) and {@code writer} (putting events, nothing else).
 */
public enum PermissionSet {
    ADMINISTRATOR,
    AUDITOR,
    WRITER;

    /** The kinds of calls a permission set is about. */
    public enum Access {
        /** LookupEvents and every Describe, Get and List operation. */
        READ,
        /** Every other control-plane operation: creating, changing and deleting trails and settings. */
        MANAGE,
        /** PutAuditEvents and the native batch endpoint. */
        INGEST
    }

    public boolean allows(Access access) {
        return switch (this) {
            case ADMINISTRATOR -> true;
            case AUDITOR -> access == Access.READ;
            case WRITER -> access == Access.INGEST;
        };
    }

    /** The name used on the command line and in the identity file. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PermissionSet fromWireName(String name) {
        for (PermissionSet set : values()) {
            if (set.wireName().equals(name)) {
                return set;
            }
        }
        throw new IllegalArgumentException("unknown permission set " + name
                + "; one of administrator, auditor, writer");
    }
}
