package cairn.model.record;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What Cairn reads out of a CloudTrail record, and where the record lies in the bytes it was read from
 * ({@code [start, end)}). The record itself is never rebuilt from these fields.
 *
 * <p>For an Insights record, {@code eventSource} and {@code eventName} come from {@code insightDetails}; for a record
 * of an outside source ({@code eventCategory} ActivityAuditLog), from its nested {@code eventData}.
 */
public record ParsedRecord(
        int start,
        int end,
        Optional<String> eventId,
        long eventTime,
        Optional<String> eventVersion,
        Optional<String> eventSource,
        Optional<String> eventName,
        String awsRegion,
        Optional<Boolean> readOnly,
        UserIdentity userIdentity,
        List<Resource> resources,
        Optional<String> eventCategory,
        Optional<String> eventType,
        Optional<String> recipientAccountId,
        boolean hasManagementEvent,
        Optional<String> errorCode,
        Optional<String> vpcEndpointId) {

    public static final String INSIGHT_CATEGORY = "Insight";
    public static final String INSIGHT_EVENT_TYPE = "AwsCloudTrailInsight";

    public ParsedRecord {
        requireNonNull(eventId, "eventId is null");
        requireNonNull(eventVersion, "eventVersion is null");
        requireNonNull(eventSource, "eventSource is null");
        requireNonNull(eventName, "eventName is null");
        requireNonNull(awsRegion, "awsRegion is null");
        requireNonNull(readOnly, "readOnly is null");
        requireNonNull(userIdentity, "userIdentity is null");
        resources = List.copyOf(requireNonNull(resources, "resources is null"));
        requireNonNull(eventCategory, "eventCategory is null");
        requireNonNull(eventType, "eventType is null");
        requireNonNull(recipientAccountId, "recipientAccountId is null");
        requireNonNull(errorCode, "errorCode is null");
        requireNonNull(vpcEndpointId, "vpcEndpointId is null");
    }

    public boolean insight() {
        return eventCategory.map(INSIGHT_CATEGORY::equals)
                .orElseGet(() -> eventType.map(INSIGHT_EVENT_TYPE::equals).orElse(false));
    }

    public int length() {
        return end - start;
    }
}
