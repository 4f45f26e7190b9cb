package cairn.model.error;

/**
 * Every error Cairn returns, by the code CloudTrail (or the AWS JSON protocol) gives it on the wire. The HTTP edge
 * maps each to a status in one exhaustive switch.
 */
public enum ErrorCode {
    // AWS JSON protocol and request shape
    SERIALIZATION("SerializationException"),
    UNKNOWN_OPERATION("UnknownOperationException"),
    MISSING_AUTHENTICATION_TOKEN("MissingAuthenticationTokenException"),
    INCOMPLETE_SIGNATURE("IncompleteSignatureException"),
    INVALID_SIGNATURE("InvalidSignatureException"),
    UNRECOGNIZED_CLIENT("UnrecognizedClientException"),
    EXPIRED_TOKEN("ExpiredTokenException"),
    ACCESS_DENIED("AccessDeniedException"),
    VALIDATION("ValidationException"),
    INVALID_PARAMETER("InvalidParameterException"),
    UNSUPPORTED_OPERATION("UnsupportedOperationException"),
    REQUEST_TOO_LARGE("RequestEntityTooLargeException"),
    NOT_FOUND("ResourceNotFoundException"),
    // LookupEvents
    INVALID_LOOKUP_ATTRIBUTES("InvalidLookupAttributesException"),
    INVALID_TIME_RANGE("InvalidTimeRangeException"),
    INVALID_MAX_RESULTS("InvalidMaxResultsException"),
    INVALID_NEXT_TOKEN("InvalidNextTokenException"),
    INVALID_EVENT_CATEGORY("InvalidEventCategoryException"),
    // Trails
    TRAIL_NOT_FOUND("TrailNotFoundException"),
    TRAIL_ALREADY_EXISTS("TrailAlreadyExistsException"),
    TRAIL_NOT_PROVIDED("TrailNotProvidedException"),
    INVALID_TRAIL_NAME("InvalidTrailNameException"),
    MAXIMUM_NUMBER_OF_TRAILS_EXCEEDED("MaximumNumberOfTrailsExceededException"),
    CLOUDTRAIL_ARN_INVALID("CloudTrailARNInvalidException"),
    INVALID_HOME_REGION("InvalidHomeRegionException"),
    S3_BUCKET_DOES_NOT_EXIST("S3BucketDoesNotExistException"),
    INSUFFICIENT_S3_BUCKET_POLICY("InsufficientS3BucketPolicyException"),
    INVALID_KMS_KEY_ID("InvalidKmsKeyIdException"),
    INVALID_S3_BUCKET_NAME("InvalidS3BucketNameException"),
    INVALID_S3_PREFIX("InvalidS3PrefixException"),
    INVALID_PARAMETER_COMBINATION("InvalidParameterCombinationException"),
    INVALID_EVENT_SELECTORS("InvalidEventSelectorsException"),
    // Tags
    TAGS_LIMIT_EXCEEDED("TagsLimitExceededException"),
    INVALID_TAG_PARAMETER("InvalidTagParameterException"),
    RESOURCE_TYPE_NOT_SUPPORTED("ResourceTypeNotSupportedException"),
    INVALID_TOKEN("InvalidTokenException"),
    // cloudtrail-data PutAuditEvents
    CHANNEL_NOT_FOUND("ChannelNotFound"),
    INVALID_CHANNEL_ARN("InvalidChannelARN"),
    CHANNEL_INSUFFICIENT_PERMISSION("ChannelInsufficientPermission"),
    DUPLICATED_AUDIT_EVENT_ID("DuplicatedAuditEventId"),
    // Server side
    SERVICE_UNAVAILABLE("ServiceUnavailableException"),
    INTERNAL_FAILURE("InternalFailure");

    private final String wireName;

    ErrorCode(String wireName) {
        this.wireName = wireName;
    }

    /** The code as clients see it in {@code __type} and {@code x-amzn-ErrorType}. */
    public String wireName() {
        return wireName;
    }
}
