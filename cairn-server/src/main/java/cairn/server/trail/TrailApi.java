package cairn.server.trail;

import cairn.delivery.objectstore.ObjectStore;
import cairn.delivery.objectstore.ObjectStoreException;
import cairn.delivery.objectstore.RoutedObjectStore;
import cairn.delivery.trail.TrailDelivery;
import cairn.model.error.CloudTrailException;
import cairn.model.error.ErrorCode;
import cairn.model.trail.EventSelectors;
import cairn.model.trail.Trail;
import cairn.model.trail.TrailNames;
import cairn.server.identity.Caller;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The trail operations of the CloudTrail API (spec 4.3): CreateTrail, UpdateTrail, GetTrail, DescribeTrails, ListTrails,
 * DeleteTrail, StartLogging, StopLogging, GetTrailStatus, PutEventSelectors and GetEventSelectors, in the caller's account and the region of the call, with
 * CloudTrail's shapes, home-region rules and errors. Buckets are folders under {@code data/buckets}. The tag
 * operations (AddTags, RemoveTags, ListTags; spec 4.7) keep trails' tags in {@link TrailTags}.
 */
public final class TrailApi {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern TRAIL_ARN = Pattern.compile("arn:aws:cloudtrail:([^:]+):(\\d{12}):trail/(.+)");
    /** The ARN of any CloudTrail resource; its group is the resource type ({@code eventdatastore}, ...). */
    private static final Pattern CLOUDTRAIL_ARN = Pattern.compile("arn:aws:cloudtrail:[^:]+:\\d{12}:([a-z]+)/.+");
    private static final int MAX_LIST_TAGS_RESOURCES = 20;
    private static final Pattern KMS_KEY_ID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
            + "[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-f]{32}|alias/[A-Za-z0-9/_-]{1,250}"
            + "|arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key/[A-Za-z0-9-]{1,64}|alias/[A-Za-z0-9/_-]{1,250})");

    private final Trails trails;
    private final TrailTags tags;
    private final RoutedObjectStore buckets;
    private final boolean createBuckets;
    private final TrailDelivery delivery;
    private final Runnable settleAudit;
    private final List<String> regions;
    private final Clock clock;

    /**
     * Trails delivering into {@code buckets} through {@code delivery}; a missing bucket is created when
     * {@code createBuckets}, refused otherwise. {@code settleAudit} waits until the audit events of calls answered so
     * far are in the log, so that StartLogging and StopLogging cut the log after them. {@code regions}: the
     * configured ones (empty: any).
     */
    public TrailApi(Trails trails, TrailTags tags, RoutedObjectStore buckets, boolean createBuckets,
                    TrailDelivery delivery, Runnable settleAudit, List<String> regions, Clock clock) {
        this.trails = requireNonNull(trails, "trails is null");
        this.tags = requireNonNull(tags, "tags is null");
        this.buckets = requireNonNull(buckets, "buckets is null");
        this.createBuckets = createBuckets;
        this.delivery = requireNonNull(delivery, "delivery is null");
        this.settleAudit = requireNonNull(settleAudit, "settleAudit is null");
        this.regions = List.copyOf(regions);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Whether this class serves {@code operation}. */
    public static boolean serves(String operation) {
        return switch (operation) {
            case "CreateTrail", "GetTrail", "DescribeTrails", "ListTrails", "DeleteTrail", "StartLogging",
                 "StopLogging", "GetTrailStatus", "PutEventSelectors", "GetEventSelectors", "UpdateTrail",
                 "AddTags", "RemoveTags", "ListTags" -> true;
            default -> false;
        };
    }

    /**
     * Runs the operation. {@code recordCall} stores the call's own audit event (as a success) at once: StopLogging and
     * DeleteTrail run it before they end the trail's window, so that the trail's last log file holds the event of the
     * call that stopped it, as CloudTrail's does.
     */
    public byte[] call(String operation, Caller caller, String region, JsonNode request, Runnable recordCall) {
        return switch (operation) {
            case "CreateTrail" -> createTrail(caller, region, request);
            case "UpdateTrail" -> updateTrail(caller, region, request);
            case "GetTrail" -> write(json -> {
                json.writeFieldName("Trail");
                writeTrail(json, find(caller, region, required(request, "Name")), true);
            });
            case "DescribeTrails" -> describeTrails(caller, region, request);
            case "ListTrails" -> write(json -> {
                json.writeArrayFieldStart("Trails");
                for (Trail trail : trails.of(caller.accountId())) {
                    json.writeStartObject();
                    json.writeStringField("TrailARN", trail.arn());
                    json.writeStringField("Name", trail.name());
                    json.writeStringField("HomeRegion", trail.homeRegion());
                    json.writeEndObject();
                }
                json.writeEndArray();
            });
            case "DeleteTrail" -> {
                Trail deleted = inHomeRegion(find(caller, region, required(request, "Name")), region);
                // Delivery retires the trail first: what it logged until now is still delivered and its digest
                // chains end; a crash before the removal leaves the trail to be deleted again.
                recordCall.run();
                settleAudit.run();
                delivery.forget(deleted);
                trails.remove(deleted);
                tags.forget(deleted.arn());
                yield write(json -> { });
            }
            case "StartLogging" -> {
                Trail trail = inHomeRegion(find(caller, region, required(request, "Name")), region);
                // The window opens first: a crash between the two writes is mended at start (TrailDelivery.start).
                settleAudit.run();
                delivery.startLogging(trail);
                trails.update(trail, found -> found.logging().on() ? found
                        : found.withLogging(found.logging().start(clock.instant())));
                yield write(json -> { });
            }
            case "StopLogging" -> {
                Trail trail = inHomeRegion(find(caller, region, required(request, "Name")), region);
                recordCall.run();
                settleAudit.run();
                delivery.stopLogging(trail);
                trails.update(trail, found -> found.logging().on()
                        ? found.withLogging(found.logging().stop(clock.instant())) : found);
                yield write(json -> { });
            }
            case "GetTrailStatus" -> trailStatus(find(caller, region, required(request, "Name")));
            case "PutEventSelectors" -> {
                Trail trail = inHomeRegion(find(caller, region, required(request, "TrailName")), region);
                EventSelectors selectors = EventSelectors.parse(request.get("EventSelectors"),
                        request.get("AdvancedEventSelectors"));
                yield selectorsOf(trails.update(trail, found -> found.withSelectors(selectors)));
            }
            case "GetEventSelectors" -> selectorsOf(find(caller, region, required(request, "TrailName")));
            case "AddTags" -> {
                String resourceId = requiredParameter(request, "ResourceId");
                List<TrailTags.Tag> added = TrailTags.parse(requiredList(request, "TagsList"));
                tags.add(inHomeRegion(tagged(caller, resourceId), region).arn(), added);
                yield write(json -> { });
            }
            case "RemoveTags" -> {
                String resourceId = requiredParameter(request, "ResourceId");
                List<TrailTags.Tag> removed = TrailTags.parse(requiredList(request, "TagsList"));
                tags.remove(inHomeRegion(tagged(caller, resourceId), region).arn(),
                        removed.stream().map(TrailTags.Tag::key).toList());
                yield write(json -> { });
            }
            case "ListTags" -> listTags(caller, request);
            default -> throw new IllegalArgumentException("not a trail operation: " + operation);
        };
    }

    private byte[] createTrail(Caller caller, String region, JsonNode request) {
        String name = required(request, "Name");
        TrailNames.checkTrailName(name);
        String bucket = requiredParameter(request, "S3BucketName");
        checkDelivery(request, Optional.of(bucket));
        boolean multiRegion = bool(request, "IsMultiRegionTrail", false);
        boolean global = bool(request, "IncludeGlobalServiceEvents", true);
        checkGlobal(multiRegion, global);
        Trail trail = new Trail(caller.accountId(), name, region, bucket, prefixOf(request), global, multiRegion,
                bool(request, "EnableLogFileValidation", false), Trail.Logging.NEVER, Optional.empty(),
                text(request, "KmsKeyId").filter(value -> !value.isEmpty()));
        JsonNode tagsList = request.get("TagsList");
        List<TrailTags.Tag> tagged = tagsList == null || tagsList.isNull() ? List.of() : TrailTags.parse(tagsList);
        TrailTags.checkNew(trail.arn(), tagged);
        checkBucket(trail);
        trails.add(trail, regions);
        ensureBucket(trail);
        tags.set(trail.arn(), tagged);
        return write(json -> writeTrailFields(json, trail, false));
    }

    /**
     * The trail a tag operation names by {@code ResourceId}: the ARN of a trail of the caller's account, in any region.
     * CloudTrail's other taggable resources (event data stores, channels, dashboards) are not Cairn's.
     */
    private Trail tagged(Caller caller, String resourceId) {
        if (!TRAIL_ARN.matcher(resourceId).matches()) {
            Matcher other = CLOUDTRAIL_ARN.matcher(resourceId);
            if (other.matches()) {
                throw new CloudTrailException(ErrorCode.RESOURCE_TYPE_NOT_SUPPORTED, "Resource type "
                        + other.group(1) + " is not supported; Cairn tags trails only: " + resourceId);
            }
            throw new CloudTrailException(ErrorCode.CLOUDTRAIL_ARN_INVALID, "Invalid trail ARN: " + resourceId);
        }
        return trails.of(caller.accountId()).stream().filter(trail -> trail.arn().equals(resourceId)).findFirst()
                .orElseThrow(() -> new CloudTrailException(ErrorCode.NOT_FOUND, "Resource not found: " + resourceId
                        + " for the user: " + caller.accountId()));
    }

    /** ListTags: the tags of 1 to 20 trails, in one page; Cairn hands out no NextToken, so none is valid. */
    private byte[] listTags(Caller caller, JsonNode request) {
        JsonNode resourceIds = requiredList(request, "ResourceIdList");
        if (resourceIds.isEmpty() || resourceIds.size() > MAX_LIST_TAGS_RESOURCES) {
            throw new CloudTrailException(ErrorCode.INVALID_PARAMETER, "ResourceIdList holds " + resourceIds.size()
                    + " ARNs; it takes 1 to " + MAX_LIST_TAGS_RESOURCES + ".");
        }
        Optional<String> token = text(request, "NextToken").filter(value -> !value.isEmpty());
        if (token.isPresent()) {
            throw new CloudTrailException(ErrorCode.INVALID_TOKEN, "Invalid NextToken: " + token.get());
        }
        List<Trail> found = new ArrayList<>();
        for (JsonNode resourceId : resourceIds) {
            if (!resourceId.isTextual()) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "ResourceIdList must be a list of strings.");
            }
            found.add(tagged(caller, resourceId.asText()));
        }
        return write(json -> {
            json.writeArrayFieldStart("ResourceTagList");
            for (Trail trail : found) {
                json.writeStartObject();
                json.writeStringField("ResourceId", trail.arn());
                json.writeFieldName("TagsList");
                TrailTags.write(json, tags.of(trail.arn()));
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    /** UpdateTrail: only the fields sent change; called in the trail's home region. */
    private byte[] updateTrail(Caller caller, String region, JsonNode request) {
        Trail trail = inHomeRegion(find(caller, region, required(request, "Name")), region);
        Optional<String> bucket = text(request, "S3BucketName").filter(value -> !value.isEmpty());
        checkDelivery(request, bucket);
        boolean multiRegion = bool(request, "IsMultiRegionTrail", trail.multiRegion());
        boolean global = bool(request, "IncludeGlobalServiceEvents", trail.includeGlobalServiceEvents());
        checkGlobal(multiRegion, global);
        Optional<String> prefix = request.has("S3KeyPrefix") ? prefixOf(request) : trail.s3KeyPrefix();
        Optional<String> kmsKeyId = request.has("KmsKeyId")
                ? text(request, "KmsKeyId").filter(value -> !value.isEmpty()) : trail.kmsKeyId();
        Trail updated = new Trail(trail.accountId(), trail.name(), trail.homeRegion(),
                bucket.orElse(trail.s3BucketName()), prefix, global, multiRegion,
                bool(request, "EnableLogFileValidation", trail.logFileValidation()), trail.logging(),
                trail.selectors(), kmsKeyId);
        if (!updated.s3BucketName().equals(trail.s3BucketName()) || !updated.s3KeyPrefix().equals(trail.s3KeyPrefix())
                || !updated.kmsKeyId().equals(trail.kmsKeyId())) {
            checkBucket(updated);
        }
        Trail saved = trails.replace(trail, updated, regions);
        ensureBucket(saved);
        return write(json -> writeTrailFields(json, saved, false));
    }

    private static Optional<String> prefixOf(JsonNode request) {
        return text(request, "S3KeyPrefix").filter(value -> !value.isEmpty());
    }

    /** The bucket (when given) and prefix checks, and the refusal of what Cairn does not deliver to yet. */
    private void checkDelivery(JsonNode request, Optional<String> bucket) {
        bucket.ifPresent(TrailNames::checkBucketName);
        prefixOf(request).ifPresent(TrailNames::checkPrefix);
        text(request, "KmsKeyId").filter(value -> !value.isEmpty()).ifPresent(TrailApi::checkKmsKeyId);
        for (String unsupported : List.of("SnsTopicName", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn")) {
            if (text(request, unsupported).filter(value -> !value.isEmpty()).isPresent()) {
                throw new CloudTrailException(ErrorCode.UNSUPPORTED_OPERATION, "Cairn does not support "
                        + unsupported + " on trails yet.");
            }
        }
        if (bool(request, "IsOrganizationTrail", false)) {
            throw new CloudTrailException(ErrorCode.UNSUPPORTED_OPERATION,
                    "Cairn does not support organization trails yet.");
        }
    }

    /** A KMS key as CloudTrail takes it: a key ID, an alias name, or a key or alias ARN. */
    private static void checkKmsKeyId(String keyId) {
        if (!KMS_KEY_ID.matcher(keyId).matches()) {
            throw new CloudTrailException(ErrorCode.INVALID_KMS_KEY_ID, "KmsKeyId must be a KMS key ID, an alias "
                    + "(alias/...), or a key or alias ARN: " + keyId);
        }
    }

    /**
     * The trail's bucket exists (or Cairn may create it, for a local one) and takes objects under the trail's prefix:
     * an S3 bucket is checked by writing and deleting a small object, as a delivery would. A KMS key needs an S3
     * bucket (the local store does not encrypt).
     */
    private void checkBucket(Trail trail) {
        String bucket = trail.s3BucketName();
        if (buckets.isLocal(bucket)) {
            if (trail.kmsKeyId().isPresent()) {
                throw new CloudTrailException(ErrorCode.UNSUPPORTED_OPERATION, "Bucket " + bucket + " is a local "
                        + "bucket, which Cairn does not encrypt with KMS keys yet; KmsKeyId needs an S3 bucket.");
            }
            if (!createBuckets && !buckets.local().bucketExists(bucket)) {
                throw new CloudTrailException(ErrorCode.S3_BUCKET_DOES_NOT_EXIST, "S3 bucket " + bucket
                        + " does not exist.");
            }
            return;
        }
        String probe = trail.s3KeyPrefix().map(prefix -> prefix.endsWith("/") ? prefix : prefix + "/").orElse("")
                + "AWSLogs/" + trail.accountId() + "/CloudTrail/cairn-write-check";
        try {
            if (!buckets.bucketExists(bucket)) {
                throw new CloudTrailException(ErrorCode.S3_BUCKET_DOES_NOT_EXIST, "S3 bucket " + bucket
                        + " does not exist.");
            }
            buckets.put(bucket, probe, new byte[0], java.util.Map.of(),
                    ObjectStore.Encryption.of(trail.kmsKeyId()));
            buckets.delete(bucket, probe);
        } catch (ObjectStoreException e) {
            throw switch (e.kind()) {
                case NO_SUCH_BUCKET -> new CloudTrailException(ErrorCode.S3_BUCKET_DOES_NOT_EXIST, "S3 bucket "
                        + bucket + " does not exist.");
                case ACCESS_DENIED -> new CloudTrailException(ErrorCode.INSUFFICIENT_S3_BUCKET_POLICY,
                        "Incorrect S3 bucket policy is detected for bucket: " + bucket);
                default -> new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "Cannot reach the store of "
                        + "bucket " + bucket + " to check it (" + e.code() + "); try again.");
            };
        } catch (IOException e) {
            throw new CloudTrailException(ErrorCode.SERVICE_UNAVAILABLE, "Cannot reach the store of bucket "
                    + bucket + " to check it; try again.");
        }
    }

    /** Creates the trail's bucket when the server is set to create missing local ones. */
    private void ensureBucket(Trail trail) {
        if (createBuckets && buckets.isLocal(trail.s3BucketName())) {
            try {
                buckets.local().createBucket(trail.s3BucketName());
            } catch (IOException e) {
                throw new UncheckedIOException("could not create bucket " + trail.s3BucketName(), e);
            }
        }
    }

    private static void checkGlobal(boolean multiRegion, boolean global) {
        if (multiRegion && !global) {
            throw new CloudTrailException(ErrorCode.INVALID_PARAMETER_COMBINATION, "Multi-Region trail must include "
                    + "global service events.");
        }
    }

    private byte[] describeTrails(Caller caller, String region, JsonNode request) {
        JsonNode names = request.get("trailNameList");
        boolean shadows = bool(request, "includeShadowTrails", true);
        List<Trail> found = new ArrayList<>();
        if (names == null || names.isNull() || names.isEmpty()) {
            for (Trail trail : trails.of(caller.accountId())) {
                if (trail.homeRegion().equals(region) || (shadows && trail.multiRegion())) {
                    found.add(trail);
                }
            }
        } else {
            if (!names.isArray()) {
                throw new CloudTrailException(ErrorCode.SERIALIZATION, "trailNameList must be a list of strings.");
            }
            for (JsonNode name : names) {
                lookUp(caller, region, name.asText()).filter(trail -> shadows || trail.homeRegion().equals(region))
                        .ifPresent(found::add);
            }
        }
        return write(json -> {
            json.writeArrayFieldStart("trailList");
            for (Trail trail : found) {
                writeTrail(json, trail, true);
            }
            json.writeEndArray();
        });
    }

    private static byte[] selectorsOf(Trail trail) {
        return EventSelectors.responseOf(trail.arn(), trail.effectiveSelectors()).toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * GetTrailStatus: the documented epoch-second fields when they have a value, and the undocumented string fields
     * CloudTrail always sends (an ISO time, or empty).
     */
    private byte[] trailStatus(Trail trail) {
        TrailDelivery.Status status = delivery.status(trail);
        return write(json -> {
            json.writeBooleanField("IsLogging", trail.logging().on());
            if (status.latestDelivery().isPresent()) {
                json.writeNumberField("LatestDeliveryTime", status.latestDelivery().get().getEpochSecond());
            }
            if (status.latestError().isPresent()) {
                json.writeStringField("LatestDeliveryError", status.latestError().get());
            }
            if (status.latestDigest().isPresent()) {
                json.writeNumberField("LatestDigestDeliveryTime", status.latestDigest().get().getEpochSecond());
            }
            if (status.latestDigestError().isPresent()) {
                json.writeStringField("LatestDigestDeliveryError", status.latestDigestError().get());
            }
            if (trail.logging().started().isPresent()) {
                json.writeNumberField("StartLoggingTime", trail.logging().started().get().getEpochSecond());
            }
            if (trail.logging().stopped().isPresent()) {
                json.writeNumberField("StopLoggingTime", trail.logging().stopped().get().getEpochSecond());
            }
            json.writeStringField("LatestDeliveryAttemptTime", iso(status.latestAttempt()));
            json.writeStringField("LatestNotificationAttemptTime", "");
            json.writeStringField("LatestNotificationAttemptSucceeded", "");
            json.writeStringField("LatestDeliveryAttemptSucceeded", iso(status.latestSuccess()));
            json.writeStringField("TimeLoggingStarted", iso(trail.logging().started()));
            json.writeStringField("TimeLoggingStopped", iso(trail.logging().stopped()));
        });
    }

    private static String iso(Optional<java.time.Instant> time) {
        return time.map(at -> at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).orElse("");
    }

    /** A trail by name (in the account, covering the region) or by ARN (in the account). */
    private Trail find(Caller caller, String region, String nameOrArn) {
        return lookUp(caller, region, nameOrArn).orElseThrow(() -> new CloudTrailException(
                ErrorCode.TRAIL_NOT_FOUND, "Unknown trail: " + (nameOrArn.startsWith("arn:") ? nameOrArn
                : "arn:aws:cloudtrail:" + region + ":" + caller.accountId() + ":trail/" + nameOrArn)
                + " for the user: " + caller.accountId()));
    }

    private Optional<Trail> lookUp(Caller caller, String region, String nameOrArn) {
        if (nameOrArn.startsWith("arn:")) {
            Matcher arn = TRAIL_ARN.matcher(nameOrArn);
            if (!arn.matches()) {
                throw new CloudTrailException(ErrorCode.CLOUDTRAIL_ARN_INVALID, "Invalid trail ARN: " + nameOrArn);
            }
            return trails.of(caller.accountId()).stream().filter(trail -> trail.arn().equals(nameOrArn))
                    .findFirst();
        }
        TrailNames.checkTrailName(nameOrArn);
        return trails.of(caller.accountId()).stream()
                .filter(trail -> trail.name().equals(nameOrArn) && trail.covers(region)).findFirst();
    }

    private static Trail inHomeRegion(Trail trail, String region) {
        if (!trail.homeRegion().equals(region)) {
            throw new CloudTrailException(ErrorCode.INVALID_HOME_REGION, "This operation must be called from the "
                    + "trail's home region, " + trail.homeRegion() + ", not " + region + ".");
        }
        return trail;
    }

    private static void writeTrail(JsonGenerator json, Trail trail, boolean described) throws IOException {
        json.writeStartObject();
        writeTrailFields(json, trail, described);
        json.writeEndObject();
    }

    /** The Trail shape; CreateTrail's answer leaves out HomeRegion and the selector flags. */
    private static void writeTrailFields(JsonGenerator json, Trail trail, boolean described) throws IOException {
        json.writeStringField("Name", trail.name());
        json.writeStringField("S3BucketName", trail.s3BucketName());
        if (trail.s3KeyPrefix().isPresent()) {
            json.writeStringField("S3KeyPrefix", trail.s3KeyPrefix().get());
        }
        json.writeBooleanField("IncludeGlobalServiceEvents", trail.includeGlobalServiceEvents());
        json.writeBooleanField("IsMultiRegionTrail", trail.multiRegion());
        if (described) {
            json.writeStringField("HomeRegion", trail.homeRegion());
        }
        json.writeStringField("TrailARN", trail.arn());
        json.writeBooleanField("LogFileValidationEnabled", trail.logFileValidation());
        if (trail.kmsKeyId().isPresent()) {
            json.writeStringField("KmsKeyId", trail.kmsKeyId().get());
        }
        if (described) {
            json.writeBooleanField("HasCustomEventSelectors", trail.selectors().isPresent());
            json.writeBooleanField("HasInsightSelectors", false);
        }
        json.writeBooleanField("IsOrganizationTrail", false);
    }

    private static String required(JsonNode request, String field) {
        return text(request, field).filter(value -> !value.isEmpty()).orElseThrow(() -> new CloudTrailException(
                ErrorCode.TRAIL_NOT_PROVIDED, "Trail name or ARN is required (" + field + ")."));
    }

    private static String requiredParameter(JsonNode request, String field) {
        return text(request, field).filter(value -> !value.isEmpty()).orElseThrow(() -> missingParameter(field));
    }

    private static JsonNode requiredList(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            throw missingParameter(field);
        }
        if (!value.isArray()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, field + " must be a list.");
        }
        return value;
    }

    private static CloudTrailException missingParameter(String field) {
        return new CloudTrailException(ErrorCode.VALIDATION, "1 validation error detected: Value null at '"
                + Character.toLowerCase(field.charAt(0)) + field.substring(1)
                + "' failed to satisfy constraint: Member must not be null");
    }

    private static Optional<String> text(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, field + " must be a string.");
        }
        return Optional.of(value.asText());
    }

    private static boolean bool(JsonNode request, String field, boolean absent) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw new CloudTrailException(ErrorCode.SERIALIZATION, field + " must be true or false.");
        }
        return value.asBoolean();
    }

    private interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            body.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
