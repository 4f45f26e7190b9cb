package cairn.delivery.objectstore;

import java.io.IOException;

import static java.util.Objects.requireNonNull;

/**
 * A store's refusal or failure, by kind: what GetTrailStatus reports ({@link #code()}, as CloudTrail names delivery
 * errors) and whether trying again soon can help ({@link #permanent()}).
 */
public final class ObjectStoreException extends IOException {
    /** What went wrong. */
    public enum Kind {
        NO_SUCH_BUCKET("NoSuchBucket", true),
        ACCESS_DENIED("AccessDenied", true),
        KEY_CONFLICT("KeyConflict", true),
        THROTTLED("SlowDown", false),
        UNAVAILABLE("ServiceUnavailable", false),
        OTHER("InternalError", false);

        private final String code;
        private final boolean permanent;

        Kind(String code, boolean permanent) {
            this.code = code;
            this.permanent = permanent;
        }
    }

    private final Kind kind;

    public ObjectStoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = requireNonNull(kind, "kind is null");
    }

    public ObjectStoreException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The error's name as GetTrailStatus shows it, such as {@code NoSuchBucket} or {@code AccessDenied}. */
    public String code() {
        return kind.code;
    }

    /** Whether the failure will stay until someone changes something (a bucket, a policy), not just time. */
    public boolean permanent() {
        return kind.permanent;
    }
}
