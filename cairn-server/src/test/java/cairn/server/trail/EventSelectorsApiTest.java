package cairn.server.trail;

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
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.CloudTrailException;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PutEventSelectors and GetEventSelectors with the AWS CLI and raw calls: basic and advanced selectors in
 * CloudTrail's shape with its defaults, one kind replacing the other, kept across a restart, and every rule of spec
 * 4.4 refused with InvalidEventSelectorsException (or InvalidParameterCombinationException) and nothing changed.
 */
final class EventSelectorsApiTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String REGION = "us-east-1";
    private static final String DEFAULT = "[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true,"
            + "\"DataResources\":[],\"ExcludeManagementEventSources\":[]}]";

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private RunningCairn cairn;
    private String arn;

    @BeforeEach
    void start() throws Exception {
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "us-east-1,eu-west-1"));
        Files.createDirectories(data.resolve("buckets/audit-logs"));
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION).build()) {
            arn = client.createTrail(request -> request.name("main").s3BucketName("audit-logs")).trailARN();
        }
    }

    @AfterEach
    void stop() throws Exception {
        cairn.close();
    }

    private JsonNode cli(String... arguments) throws Exception {
        AwsCli.Result result = cairn.cli(REGION, arguments);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return MAPPER.readTree(result.stdout());
    }

    private HttpResponse<String> call(String operation, String body, String region) throws Exception {
        return cairn.cloudTrail(operation, body, region);
    }

    @Test
    void awsCli_basicThenAdvancedSelectors_areStoredInCloudTrailsShape() throws Exception {
        assertThat(cli("cloudtrail", "get-event-selectors", "--trail-name", "main"))
                .isEqualTo(MAPPER.readTree("{\"TrailARN\":\"" + arn + "\",\"EventSelectors\":" + DEFAULT + "}"));

        JsonNode basic = MAPPER.readTree("{\"TrailARN\":\"" + arn + "\",\"EventSelectors\":[{\"ReadWriteType\":"
                + "\"WriteOnly\",\"IncludeManagementEvents\":true,\"DataResources\":[{\"Type\":\"AWS::S3::Object\","
                + "\"Values\":[\"arn:aws:s3:::audit-logs/\"]}],\"ExcludeManagementEventSources\":"
                + "[\"kms.amazonaws.com\"]}]}");
        assertThat(cli("cloudtrail", "put-event-selectors", "--trail-name", "main", "--event-selectors",
                "[{\"ReadWriteType\":\"WriteOnly\",\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":"
                        + "[\"arn:aws:s3:::audit-logs/\"]}],\"ExcludeManagementEventSources\":"
                        + "[\"kms.amazonaws.com\"]}]")).isEqualTo(basic);
        assertThat(cli("cloudtrail", "get-event-selectors", "--trail-name", arn)).isEqualTo(basic);
        assertThat(cli("cloudtrail", "get-trail", "--name", "main").get("Trail").get("HasCustomEventSelectors")
                .asBoolean()).isTrue();

        String advanced = "[{\"Name\":\"s3 writes\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":"
                + "[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]},{\"Field\":"
                + "\"readOnly\",\"Equals\":[\"false\"]},{\"Field\":\"resources.ARN\",\"StartsWith\":"
                + "[\"arn:aws:s3:::audit-logs/\"],\"NotEndsWith\":[\".tmp\"]}]}]";
        JsonNode expected = MAPPER.readTree("{\"TrailARN\":\"" + arn + "\",\"AdvancedEventSelectors\":" + advanced
                + "}");
        assertThat(cli("cloudtrail", "put-event-selectors", "--trail-name", "main", "--advanced-event-selectors",
                advanced)).isEqualTo(expected);
        assertThat(cli("cloudtrail", "get-event-selectors", "--trail-name", "main")).isEqualTo(expected);

        cairn.close();
        cairn = RunningCairn.start(data, clock, Map.of("server.regions", "us-east-1,eu-west-1"));
        assertThat(MAPPER.readTree(call("GetEventSelectors", "{\"TrailName\":\"main\"}", REGION).body()))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"EventSelectors":[],"AdvancedEventSelectors":[]} | InvalidParameterCombinationException | Either EventSelectors or AdvancedEventSelectors must be given, not both and not neither.
            {} | InvalidParameterCombinationException | Either EventSelectors or AdvancedEventSelectors must be given, not both and not neither.
            {"EventSelectors":[{"ReadWriteType":"Sometimes"}]} | InvalidEventSelectorsException | ReadWriteType must be ReadOnly, WriteOnly or All, not Sometimes.
            {"EventSelectors":[{},{},{},{},{},{}]} | InvalidEventSelectorsException | A trail takes 1 to 5 event selectors, not 6.
            {"EventSelectors":[{"DataResources":[{"Type":"AWS::EC2::Instance","Values":["arn:aws:ec2"]}]}]} | InvalidEventSelectorsException | Data resource type AWS::EC2::Instance is not one of [AWS::DynamoDB::Table, AWS::Lambda::Function, AWS::S3::Object].
            {"EventSelectors":[{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:lambda"]}]}]} | InvalidEventSelectorsException | Value arn:aws:lambda of data resource type AWS::S3::Object must be an ARN or ARN prefix starting with arn:aws:s3.
            {"EventSelectors":[{"DataResources":[{"Type":"AWS::S3::Object","Values":[]}]}]} | InvalidEventSelectorsException | Data resource type AWS::S3::Object needs at least one value.
            {"EventSelectors":[{"ExcludeManagementEventSources":["s3.amazonaws.com"]}]} | InvalidEventSelectorsException | ExcludeManagementEventSources takes kms.amazonaws.com and rdsdata.amazonaws.com only, not s3.amazonaws.com.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"readOnly","Equals":["true"]}]}]} | InvalidEventSelectorsException | Advanced event selector (unnamed) needs eventCategory Equals one of [ActivityAuditLog, Data, Management, NetworkActivity].
            {"AdvancedEventSelectors":[{"Name":"x","FieldSelectors":[{"Field":"eventCategory","StartsWith":["Man"]}]}]} | InvalidEventSelectorsException | Equals is the only valid operator with readOnly, eventCategory, resources.type; field eventCategory has StartsWith.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"userIdentity.arn","Equals":["a"]}]}]} | InvalidEventSelectorsException | Field userIdentity.arn cannot be used in a trail's advanced event selector; the fields are [errorCode, eventCategory, eventName, eventSource, readOnly, resources.ARN, resources.type, vpcEndpointId].
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","Equals":["s3.amazonaws.com"]}]}]} | InvalidEventSelectorsException | For management events, eventSource takes only NotEquals kms.amazonaws.com or rdsdata.amazonaws.com.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]}]}]} | InvalidEventSelectorsException | Advanced event selector (unnamed) for data events needs exactly one resources.type.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["yes"]}]}]} | InvalidEventSelectorsException | readOnly takes true or false, not yes.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Contains":["Put"]}]}]} | InvalidEventSelectorsException | Unknown operator Contains for field eventName.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":[]}]}]} | InvalidEventSelectorsException | Operator Equals of field eventName needs at least one value.
            {"EventSelectors":[{"IncludeManagementEvents":"yes"}]} | SerializationException | IncludeManagementEvents must be true or false.
            {"EventSelectors":["All"]} | SerializationException | Each event selector must be an object.
            {"EventSelectors":[{"DataResources":[{"Type":"AWS::S3::Object","Values":[7]}]}]} | SerializationException | Values must be a list of strings.
            {"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":"Management"}]}]} | SerializationException | Equals must be a list.
            """)
    void putEventSelectors_badSelectors_areRefusedAndNothingChanges(String selectors, String code, String message)
            throws Exception {
        String body = "{\"TrailName\":\"main\"" + (selectors.equals("{}") ? "}" : "," + selectors.substring(1));
        HttpResponse<String> response = call("PutEventSelectors", body, REGION);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(response.body());
        assertThat(error.get("__type").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isEqualTo(message);
        assertThat(MAPPER.readTree(call("GetEventSelectors", "{\"TrailName\":\"main\"}", REGION).body())
                .get("EventSelectors")).isEqualTo(MAPPER.readTree(DEFAULT));
    }

    @Test
    void putEventSelectors_overTheValueLimits_isRefused() throws Exception {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 251; i++) {
            values.append(i == 0 ? "" : ",").append("\"arn:aws:s3:::bucket-").append(i).append("/\"");
        }
        HttpResponse<String> basic = call("PutEventSelectors", "{\"TrailName\":\"main\",\"EventSelectors\":[{"
                + "\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[" + values + "]}]}]}", REGION);
        assertThat(MAPPER.readTree(basic.body()).get("message").asText()).isEqualTo("A trail takes at most 250 data "
                + "resource values in all its event selectors, not 251.");
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < 499; i++) {
            names.append(i == 0 ? "" : ",").append("\"Name").append(i).append("\"");
        }
        HttpResponse<String> advanced = call("PutEventSelectors", "{\"TrailName\":\"main\",\"AdvancedEventSelectors\":"
                + "[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Data\"]},{\"Field\":"
                + "\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]},{\"Field\":\"eventName\",\"Equals\":["
                + names + "]}]}]}", REGION);
        assertThat(MAPPER.readTree(advanced.body()).get("message").asText()).isEqualTo("A trail takes at most 500 "
                + "values in all its advanced event selectors, not 501.");
    }

    @Test
    void putEventSelectors_outsideTheHomeRegion_isInvalidHomeRegion() throws Exception {
        try (CloudTrailClient client = cairn.sdk(CloudTrailClient.builder(), REGION).build()) {
            client.createTrail(request -> request.name("everywhere").s3BucketName("audit-logs")
                    .isMultiRegionTrail(true));
        }
        try (CloudTrailClient west = cairn.sdk(CloudTrailClient.builder(), "eu-west-1").build()) {
            assertThatThrownBy(() -> west.putEventSelectors(request -> request.trailName("everywhere")
                    .eventSelectors(selector -> selector.readWriteType("All"))))
                    .isInstanceOfSatisfying(CloudTrailException.class, e -> assertThat(
                            e.awsErrorDetails().errorCode()).isEqualTo("InvalidHomeRegionException"));
            assertThat(west.getEventSelectors(request -> request.trailName("everywhere")).eventSelectors())
                    .hasSize(1);
        }
        assertThat(call("GetEventSelectors", "{\"TrailName\":\"nope-trail\"}", REGION).body())
                .contains("TrailNotFoundException");
        assertThat(new String(call("GetEventSelectors", "{}", REGION).body().getBytes(StandardCharsets.UTF_8),
                StandardCharsets.UTF_8)).contains("TrailNotProvidedException");
    }
}
