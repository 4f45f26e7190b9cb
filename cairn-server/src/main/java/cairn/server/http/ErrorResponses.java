package cairn.server.http;

import cairn.model.error.ErrorCode;

/** The one place where Cairn's error codes become HTTP statuses. */
final class ErrorResponses {
    private ErrorResponses() {
    }

    static int status(ErrorCode code) {
        return switch (code) {
            case SERIALIZATION, UNKNOWN_OPERATION, INCOMPLETE_SIGNATURE, INVALID_SIGNATURE, UNRECOGNIZED_CLIENT,
                 EXPIRED_TOKEN, ACCESS_DENIED,
                 VALIDATION, INVALID_PARAMETER,
                 UNSUPPORTED_OPERATION, INVALID_LOOKUP_ATTRIBUTES, INVALID_TIME_RANGE, INVALID_MAX_RESULTS,
                 INVALID_NEXT_TOKEN, INVALID_EVENT_CATEGORY, INVALID_CHANNEL_ARN, DUPLICATED_AUDIT_EVENT_ID,
                 TRAIL_NOT_FOUND, TRAIL_ALREADY_EXISTS, TRAIL_NOT_PROVIDED, INVALID_TRAIL_NAME,
                 MAXIMUM_NUMBER_OF_TRAILS_EXCEEDED, CLOUDTRAIL_ARN_INVALID, INVALID_HOME_REGION, S3_BUCKET_DOES_NOT_EXIST,
                 INVALID_S3_BUCKET_NAME, INVALID_S3_PREFIX, INVALID_PARAMETER_COMBINATION -> 400;
            case MISSING_AUTHENTICATION_TOKEN, CHANNEL_INSUFFICIENT_PERMISSION -> 403;
            case NOT_FOUND, CHANNEL_NOT_FOUND -> 404;
            case REQUEST_TOO_LARGE -> 413;
            case INTERNAL_FAILURE -> 500;
            case SERVICE_UNAVAILABLE -> 503;
        };
    }
}
