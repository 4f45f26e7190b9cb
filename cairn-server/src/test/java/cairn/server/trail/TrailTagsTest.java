package cairn.server.trail;

import cairn.server.identity.PermissionSet;
import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;
import software.amazon.awssdk.services.cloudtrail.model.ResourceTag;
import software.amazon.awssdk.services.cloudtrail.model.Tag;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * AddTags, RemoveTags, ListTags and CreateTrail's TagsList (spec 4.7) with the AWS CLI and the SDK: CloudTrail's
 * shapes, tags kept in the order their keys were first added, the limits and errors (a refused call changes nothing),
 * the home-region rule, accounts kept apart, tags gone with their trail, and tags kept across a restart.
 */
final class TrailTagsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-1";

    @TempDir
    Path data;

    // The CLI signs with the real time, so the server's clock starts at it.
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private RunningCairn cairn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "us-east-1,eu-west-1"));
        Files.createDirectories(data.resolve("buckets/audit-logs"));
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    private CloudTrailClient sdk(String region) {
        return cairn.sdk(CloudTrailClient.builder(), region).build();
    }

    private JsonNode cli(String... arguments) throws Exception {
        AwsCli.Result result = cairn.cli(REGION, arguments);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result.stdout().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(result.stdout());
    }

    private String arn(String region, String name) {
        return "arn:aws:cloudtrail:" + region + ":" + cairn.accountId() + ":trail/" + name;
    }

    private static Tag tag(String key, String value) {
        return Tag.builder().key(key).value(value).build();
    }

    private static List<Tag> tags(int count, String keyPrefix) {
        return IntStream.rangeClosed(1, count).mapToObj(i -> tag(keyPrefix + i, "v" + i)).toList();
    }

    private static List<Tag> tagsOf(CloudTrailClient client, String arn) {
        return client.listTags(request -> request.resourceIdList(arn)).resourceTagList().getFirst().tagsList();
    }

    private static void assertSdkError(Runnable call, String code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(CloudTrailException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo(message);
        });
    }

    private void assertRawError(String operation, String body, String code, String message) throws Exception {
        HttpResponse<String> response = cairn.cloudTrail(operation, body, REGION);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(MAPPER.readTree(response.body())).isEqualTo(MAPPER.createObjectNode().put("__type", code)
                .put("message", message));
    }

    @Test
    void awsCli_createTrailWithTagsThenAddAndRemove_listTagsGivesCloudTrailsShape() throws Exception {
        String arn = arn(REGION, "tagged");
        JsonNode created = cli("cloudtrail", "create-trail", "--name", "tagged", "--s3-bucket-name", "audit-logs",
                "--tags-list", "Key=team,Value=audit", "Key=env,Value=prod");
        assertThat(created.has("TagsList")).isFalse();
        assertThat(cli("cloudtrail", "list-tags", "--resource-id-list", arn)).isEqualTo(MAPPER.readTree(
                "{\"ResourceTagList\":[{\"ResourceId\":\"" + arn + "\",\"TagsList\":[{\"Key\":\"team\","
                        + "\"Value\":\"audit\"},{\"Key\":\"env\",\"Value\":\"prod\"}]}]}"));

        // An existing key keeps its place and takes the new value; a key without a value has a null one.
        assertThat(cli("cloudtrail", "add-tags", "--resource-id", arn, "--tags-list", "Key=env,Value=test",
                "Key=owner")).isEmpty();
        assertThat(cli("cloudtrail", "list-tags", "--resource-id-list", arn).get("ResourceTagList").get(0)
                .get("TagsList")).isEqualTo(MAPPER.readTree("[{\"Key\":\"team\",\"Value\":\"audit\"},"
                + "{\"Key\":\"env\",\"Value\":\"test\"},{\"Key\":\"owner\"}]"));

        // Removing goes by key, whatever the value sent; a key the trail lacks is no error.
        assertThat(cli("cloudtrail", "remove-tags", "--resource-id", arn, "--tags-list", "Key=team,Value=other",
                "Key=missing")).isEmpty();
        assertThat(cli("cloudtrail", "list-tags", "--resource-id-list", arn).get("ResourceTagList").get(0)
                .get("TagsList")).isEqualTo(MAPPER.readTree("[{\"Key\":\"env\",\"Value\":\"test\"},"
                + "{\"Key\":\"owner\"}]"));
    }

    @Test
    void awsCli_addTagsToAnUnknownTrail_isResourceNotFound() throws Exception {
        String arn = arn(REGION, "no-such-trail");
        AwsCli.Result result = cairn.cli(REGION, "cloudtrail", "add-tags", "--resource-id", arn, "--tags-list",
                "Key=a,Value=b");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr().strip()).isEqualTo("An error occurred (ResourceNotFoundException) when calling "
                + "the AddTags operation: Resource not found: " + arn + " for the user: " + cairn.accountId());
    }

    @Test
    void sdk_listTagsOfTwoTrails_givesEachItsTagsInOrder() {
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("first").s3BucketName("audit-logs"));
            client.createTrail(request -> request.name("second").s3BucketName("audit-logs")
                    .tagsList(tag("b", "2"), tag("a", "1")));
            client.createTrail(request -> request.name("untagged").s3BucketName("audit-logs"));
            client.addTags(request -> request.resourceId(arn(REGION, "first")).tagsList(tag("z", null),
                    tag("y", "")));
            client.addTags(request -> request.resourceId(arn(REGION, "second")).tagsList(tag("c", "3")));

            List<ResourceTag> listed = client.listTags(request -> request.resourceIdList(arn(REGION, "second"),
                    arn(REGION, "first"), arn(REGION, "untagged"))).resourceTagList();
            assertThat(listed).containsExactly(
                    ResourceTag.builder().resourceId(arn(REGION, "second"))
                            .tagsList(tag("b", "2"), tag("a", "1"), tag("c", "3")).build(),
                    ResourceTag.builder().resourceId(arn(REGION, "first")).tagsList(tag("z", null), tag("y", ""))
                            .build(),
                    ResourceTag.builder().resourceId(arn(REGION, "untagged")).tagsList(List.of()).build());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            not-an-arn | CloudTrailARNInvalidException | Invalid trail ARN: not-an-arn
            arn:aws:cloudtrail:us-east-1:12345:trail/main | CloudTrailARNInvalidException | Invalid trail ARN: arn:aws:cloudtrail:us-east-1:12345:trail/main
            arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/ | CloudTrailARNInvalidException | Invalid trail ARN: arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/
            arn:aws:s3:::audit-logs | CloudTrailARNInvalidException | Invalid trail ARN: arn:aws:s3:::audit-logs
            arn:aws:cloudtrail:us-east-1:ACCOUNT:eventdatastore/EXAMPLE-f852-4e8f | ResourceTypeNotSupportedException | Resource type eventdatastore is not supported; Cairn tags trails only: arn:aws:cloudtrail:us-east-1:ACCOUNT:eventdatastore/EXAMPLE-f852-4e8f
            arn:aws:cloudtrail:us-east-1:ACCOUNT:channel/01234567890 | ResourceTypeNotSupportedException | Resource type channel is not supported; Cairn tags trails only: arn:aws:cloudtrail:us-east-1:ACCOUNT:channel/01234567890
            arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/no-such-trail | ResourceNotFoundException | Resource not found: arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/no-such-trail for the user: ACCOUNT
            arn:aws:cloudtrail:eu-west-1:ACCOUNT:trail/main | ResourceNotFoundException | Resource not found: arn:aws:cloudtrail:eu-west-1:ACCOUNT:trail/main for the user: ACCOUNT
            """)
    void sdk_resourceIdThatIsNoTrailOfTheAccount_isRefusedByEveryTagOperation(String resourceIdPattern, String code,
                                                                             String messagePattern) {
        String resourceId = resourceIdPattern.replace("ACCOUNT", cairn.accountId());
        String message = messagePattern.replace("ACCOUNT", cairn.accountId());
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("main").s3BucketName("audit-logs").tagsList(tag("a", "1")));
            assertSdkError(() -> client.addTags(request -> request.resourceId(resourceId).tagsList(tag("b", "2"))),
                    code, message);
            assertSdkError(() -> client.removeTags(request -> request.resourceId(resourceId).tagsList(tag("a", "1"))),
                    code, message);
            assertSdkError(() -> client.listTags(request -> request.resourceIdList(arn(REGION, "main"), resourceId)),
                    code, message);
            assertThat(tagsOf(client, arn(REGION, "main"))).containsExactly(tag("a", "1"));
        }
    }

    @Test
    void sdk_badTagsList_isRefusedAndChangesNothing() {
        String arn = arn(REGION, "main");
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("main").s3BucketName("audit-logs").tagsList(tag("keep", "me")));
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tag("new", "1"),
                    tag("", "2"))), "InvalidTagParameterException",
                    "Tag 2 has a Key of 0 characters; a Key is 1 to 128.");
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tag("new", "1"),
                    tag("k".repeat(129), "2"))), "InvalidTagParameterException",
                    "Tag 2 has a Key of 129 characters; a Key is 1 to 128.");
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tag("new", "1"),
                    tag("long", "v".repeat(257)))), "InvalidTagParameterException",
                    "Tag 2 (Key long) has a Value of 257 characters; the most is 256.");
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tag("new", "1"),
                    Tag.builder().value("keyless").build())), "InvalidTagParameterException", "Tag 2 has no Key.");
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tag("new", "1"),
                    tag("twice", "a"), tag("twice", "b"))), "InvalidTagParameterException",
                    "Tag 3 repeats the Key twice; each Key may appear once.");
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tags(201, "k"))),
                    "ValidationException", "1 validation error detected: Value at 'tagsList' failed to satisfy "
                            + "constraint: Member must have length less than or equal to 200");
            assertSdkError(() -> client.removeTags(request -> request.resourceId(arn).tagsList(tag("keep", null),
                    tag("k".repeat(129), null))), "InvalidTagParameterException",
                    "Tag 2 has a Key of 129 characters; a Key is 1 to 128.");
            assertThat(tagsOf(client, arn)).containsExactly(tag("keep", "me"));

            // The longest key and value are fine.
            client.addTags(request -> request.resourceId(arn).tagsList(tag("k".repeat(128), "v".repeat(256))));
            assertThat(tagsOf(client, arn)).containsExactly(tag("keep", "me"), tag("k".repeat(128), "v".repeat(256)));
        }
    }

    @Test
    void sdk_moreThanFiftyTagsOnATrail_isTagsLimitExceededAndChangesNothing() {
        String arn = arn(REGION, "main");
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("main").s3BucketName("audit-logs").tagsList(tags(45, "k")));
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tags(6, "new"))),
                    "TagsLimitExceededException", "Trail " + arn + " would have 51 tags; the most is 50.");
            assertThat(tagsOf(client, arn)).isEqualTo(tags(45, "k"));

            // Overwriting existing keys adds none, so 50 are reached exactly.
            List<Tag> fifty = new ArrayList<>(tags(45, "k"));
            fifty.addAll(tags(5, "new"));
            client.addTags(request -> request.resourceId(arn).tagsList(fifty));
            assertThat(tagsOf(client, arn)).isEqualTo(fifty);
            assertSdkError(() -> client.addTags(request -> request.resourceId(arn).tagsList(tag("one-more", "x"))),
                    "TagsLimitExceededException", "Trail " + arn + " would have 51 tags; the most is 50.");
            client.removeTags(request -> request.resourceId(arn).tagsList(tag("k1", null)));
            client.addTags(request -> request.resourceId(arn).tagsList(tag("one-more", "x")));
            assertThat(tagsOf(client, arn)).hasSize(50).endsWith(tag("one-more", "x"));
        }
    }

    @Test
    void sdk_createTrailWithBadTags_createsNoTrail() {
        try (CloudTrailClient client = sdk(REGION)) {
            assertSdkError(() -> client.createTrail(request -> request.name("main").s3BucketName("audit-logs")
                    .tagsList(tags(51, "k"))), "TagsLimitExceededException",
                    "Trail " + arn(REGION, "main") + " would have 51 tags; the most is 50.");
            assertSdkError(() -> client.createTrail(request -> request.name("main").s3BucketName("audit-logs")
                    .tagsList(tag("ok", "1"), tag("ok", "2"))), "InvalidTagParameterException",
                    "Tag 2 repeats the Key ok; each Key may appear once.");
            assertSdkError(() -> client.createTrail(request -> request.name("main").s3BucketName("audit-logs")
                    .tagsList(tag("k".repeat(129), "1"))), "InvalidTagParameterException",
                    "Tag 1 has a Key of 129 characters; a Key is 1 to 128.");
            assertThat(client.describeTrails().trailList()).isEmpty();
            assertThat(client.listTrails(request -> { }).trails()).isEmpty();
        }
    }

    @Test
    void rawCalls_missingOrMalformedParameters_giveCloudTrailsErrors() throws Exception {
        String arn = arn(REGION, "main");
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("main").s3BucketName("audit-logs"));
        }
        assertRawError("AddTags", "{\"TagsList\":[{\"Key\":\"a\"}]}", "ValidationException",
                "1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must "
                        + "not be null");
        assertRawError("AddTags", "{\"ResourceId\":\"" + arn + "\"}", "ValidationException",
                "1 validation error detected: Value null at 'tagsList' failed to satisfy constraint: Member must "
                        + "not be null");
        assertRawError("RemoveTags", "{\"ResourceId\":\"" + arn + "\"}", "ValidationException",
                "1 validation error detected: Value null at 'tagsList' failed to satisfy constraint: Member must "
                        + "not be null");
        assertRawError("AddTags", "{\"ResourceId\":\"" + arn + "\",\"TagsList\":{\"Key\":\"a\"}}",
                "SerializationException", "TagsList must be a list.");
        assertRawError("AddTags", "{\"ResourceId\":\"" + arn + "\",\"TagsList\":[{\"Key\":\"a\",\"Value\":1}]}",
                "SerializationException", "Value of tag 1 must be a string.");
        assertRawError("ListTags", "{}", "ValidationException", "1 validation error detected: Value null at "
                + "'resourceIdList' failed to satisfy constraint: Member must not be null");
        assertRawError("ListTags", "{\"ResourceIdList\":[]}", "InvalidParameterException",
                "ResourceIdList holds 0 ARNs; it takes 1 to 20.");
        String twentyOne = MAPPER.writeValueAsString(IntStream.range(0, 21).mapToObj(i -> arn).toList());
        assertRawError("ListTags", "{\"ResourceIdList\":" + twentyOne + "}", "InvalidParameterException",
                "ResourceIdList holds 21 ARNs; it takes 1 to 20.");
        assertRawError("ListTags", "{\"ResourceIdList\":[\"" + arn + "\"],\"NextToken\":\"page-2\"}",
                "InvalidTokenException", "Invalid NextToken: page-2");

        // Twenty is the most, and one page holds them all.
        String twenty = MAPPER.writeValueAsString(IntStream.range(0, 20).mapToObj(i -> arn).toList());
        HttpResponse<String> listed = cairn.cloudTrail("ListTags", "{\"ResourceIdList\":" + twenty + "}", REGION);
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonNode body = MAPPER.readTree(listed.body());
        assertThat(body.get("ResourceTagList")).hasSize(20);
        assertThat(body.has("NextToken")).isFalse();
    }

    @Test
    void sdk_multiRegionTrail_isTaggedOnlyInItsHomeRegionButListedEverywhere() {
        String arn = arn(REGION, "everywhere");
        String wrongRegion = "This operation must be called from the trail's home region, us-east-1, not eu-west-1.";
        try (CloudTrailClient east = sdk(REGION); CloudTrailClient west = sdk("eu-west-1")) {
            east.createTrail(request -> request.name("everywhere").s3BucketName("audit-logs").isMultiRegionTrail(true)
                    .tagsList(tag("a", "1")));
            assertSdkError(() -> west.addTags(request -> request.resourceId(arn).tagsList(tag("b", "2"))),
                    "InvalidHomeRegionException", wrongRegion);
            assertSdkError(() -> west.removeTags(request -> request.resourceId(arn).tagsList(tag("a", null))),
                    "InvalidHomeRegionException", wrongRegion);
            assertThat(tagsOf(west, arn)).containsExactly(tag("a", "1"));
        }
    }

    @Test
    void sdk_tagsOfAnotherAccountsTrail_areResourceNotFound() {
        String arn = arn(REGION, "private");
        AwsCredentialsIdentity other = cairn.newUser("222233334444", "owner", PermissionSet.ADMINISTRATOR);
        String notFound = "Resource not found: " + arn + " for the user: 222233334444";
        try (CloudTrailClient mine = sdk(REGION);
             CloudTrailClient theirs = cairn.sdk(CloudTrailClient.builder(), REGION, other).build()) {
            mine.createTrail(request -> request.name("private").s3BucketName("audit-logs").tagsList(tag("a", "1")));
            assertSdkError(() -> theirs.listTags(request -> request.resourceIdList(arn)), "ResourceNotFoundException",
                    notFound);
            assertSdkError(() -> theirs.addTags(request -> request.resourceId(arn).tagsList(tag("b", "2"))),
                    "ResourceNotFoundException", notFound);
            assertSdkError(() -> theirs.removeTags(request -> request.resourceId(arn).tagsList(tag("a", null))),
                    "ResourceNotFoundException", notFound);
            assertThat(tagsOf(mine, arn)).containsExactly(tag("a", "1"));
        }
    }

    @Test
    void sdk_auditor_listsTagsButCannotChangeThem() {
        String arn = arn(REGION, "main");
        AwsCredentialsIdentity auditor = cairn.newUser(cairn.accountId(), "reader", PermissionSet.AUDITOR);
        try (CloudTrailClient admin = sdk(REGION);
             CloudTrailClient reader = cairn.sdk(CloudTrailClient.builder(), REGION, auditor).build()) {
            admin.createTrail(request -> request.name("main").s3BucketName("audit-logs").tagsList(tag("a", "1")));
            assertThat(tagsOf(reader, arn)).containsExactly(tag("a", "1"));
            assertSdkError(() -> reader.addTags(request -> request.resourceId(arn).tagsList(tag("b", "2"))),
                    "AccessDeniedException", "User: arn:aws:iam::" + cairn.accountId() + ":user/reader is not "
                            + "authorized to perform: cloudtrail:AddTags because its permission set, auditor, does "
                            + "not allow it.");
        }
    }

    @Test
    void awsCli_deleteTrail_dropsItsTags() throws Exception {
        String arn = arn(REGION, "short-lived");
        cli("cloudtrail", "create-trail", "--name", "short-lived", "--s3-bucket-name", "audit-logs", "--tags-list",
                "Key=a,Value=1");
        cli("cloudtrail", "add-tags", "--resource-id", arn, "--tags-list", "Key=b,Value=2");
        cli("cloudtrail", "delete-trail", "--name", "short-lived");
        AwsCli.Result gone = cairn.cli(REGION, "cloudtrail", "list-tags", "--resource-id-list", arn);
        assertThat(gone.stderr().strip()).isEqualTo("An error occurred (ResourceNotFoundException) when calling the "
                + "ListTags operation: Resource not found: " + arn + " for the user: " + cairn.accountId());
        assertThat(MAPPER.readTree(data.resolve("trails/tags.json").toFile()).get("trails")).isEmpty();

        cli("cloudtrail", "create-trail", "--name", "short-lived", "--s3-bucket-name", "audit-logs");
        assertThat(cli("cloudtrail", "list-tags", "--resource-id-list", arn)).isEqualTo(MAPPER.readTree(
                "{\"ResourceTagList\":[{\"ResourceId\":\"" + arn + "\",\"TagsList\":[]}]}"));
    }

    @Test
    void tags_afterARestart_areStillThere() throws Exception {
        String arn = arn(REGION, "kept");
        try (CloudTrailClient client = sdk(REGION)) {
            client.createTrail(request -> request.name("kept").s3BucketName("audit-logs")
                    .tagsList(tag("b", "2"), tag("a", null)));
            client.addTags(request -> request.resourceId(arn).tagsList(tag("c", "3")));
            client.removeTags(request -> request.resourceId(arn).tagsList(tag("b", null)));
        }
        cairn.close();
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "us-east-1,eu-west-1"));
        try (CloudTrailClient client = sdk(REGION)) {
            assertThat(tagsOf(client, arn)).containsExactly(tag("a", null), tag("c", "3"));
        }
    }
}
