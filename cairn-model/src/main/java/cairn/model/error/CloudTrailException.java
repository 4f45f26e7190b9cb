package cairn.model.error;

import static java.util.Objects.requireNonNull;

/** An error to return to the caller: a CloudTrail error code and a message that names what is wrong. */
public final class CloudTrailException extends RuntimeException {
    private final ErrorCode code;

    public CloudTrailException(ErrorCode code, String message) {
        super(requireNonNull(message, "message is null"));
        this.code = requireNonNull(code, "code is null");
    }

    public CloudTrailException(ErrorCode code, String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
        this.code = requireNonNull(code, "code is null");
    }

    public ErrorCode code() {
        return code;
    }
}
