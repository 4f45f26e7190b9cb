package cairn.model.trail;

import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which stored records a trail's event selectors choose (spec 4.4), basic and advanced. */
final class EventSelectorsSelectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "111122223333";
    private static final String S3_OBJECT = "AWS::S3::Object";
    private static final String LAMBDA = "AWS::Lambda::Function";
    private static final String DYNAMODB = "AWS::DynamoDB::Table";
    private static final String FUNCTION = "arn:aws:lambda:us-east-1:111122223333:function:my-function";
    private static final String TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders";

    // Records, as the store keeps them: recipientAccountId, eventCategory, readOnly and managementEvent filled in.

    /** A stored record of the given category with the usual fields; {@code extra} adds or replaces fields. */
    private static ParsedRecord record(String category, Map<String, Object> extra) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("eventVersion", "1.09");
        fields.put("userIdentity", Map.of("type", "IAMUser", "userName", "alice",
                "arn", "arn:aws:iam::111122223333:user/alice", "accountId", ACCOUNT));
        fields.put("eventTime", "2024-05-01T12:00:00Z");
        fields.put("eventSource", "ec2.amazonaws.com");
        fields.put("eventName", "RunInstances");
        fields.put("awsRegion", "us-east-1");
        fields.put("sourceIPAddress", "203.0.113.7");
        fields.put("eventID", "0f1e2d3c-0000-4000-8000-000000000001");
        fields.put("readOnly", false);
        fields.put("eventType", "AwsApiCall");
        fields.put("managementEvent", category.equals("Management"));
        fields.put("recipientAccountId", ACCOUNT);
        fields.put("eventCategory", category);
        fields.putAll(extra);
        fields.values().removeIf(value -> value == NO_FIELD);
        try {
            return RecordReader.readStored(JSON.writeValueAsBytes(fields));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Put in {@code extra} to leave a field out of the record. */
    private static final Object NO_FIELD = new Object();

    private static ParsedRecord management(String source, String name, boolean readOnly) {
        return record("Management", Map.of("eventSource", source, "eventName", name, "readOnly", readOnly));
    }

    /** A data event with one resource of {@code type}, as Lambda and DynamoDB data events have. */
    private static ParsedRecord data(String source, String name, boolean readOnly, String type, String arn) {
        return record("Data", Map.of("eventSource", source, "eventName", name, "readOnly", readOnly,
                "resources", List.of(Map.of("type", type, "ARN", arn))));
    }

    /** An S3 object data event with its two resources, the object and its bucket, as S3 writes them. */
    private static ParsedRecord s3(String name, boolean readOnly, String bucket, String key) {
        return record("Data", Map.of("eventSource", "s3.amazonaws.com", "eventName", name, "readOnly", readOnly,
                "resources", List.of(
                        Map.of("type", S3_OBJECT, "ARN", "arn:aws:s3:::" + bucket + "/" + key),
                        Map.of("accountId", ACCOUNT, "type", "AWS::S3::Bucket", "ARN", "arn:aws:s3:::" + bucket))));
    }

    private static ParsedRecord getObject(String bucket, String key) {
        return s3("GetObject", true, bucket, key);
    }

    private static ParsedRecord network(String source, String name, Map<String, Object> extra) {
        Map<String, Object> fields = new LinkedHashMap<>(Map.of("eventSource", source, "eventName", name,
                "readOnly", true, "eventType", "AwsVpceEvent"));
        fields.putAll(extra);
        return record("NetworkActivity", fields);
    }

    private static ParsedRecord outsideEvent() {
        try {
            return RecordReader.readStored(JSON.writeValueAsBytes(Map.of(
                    "eventVersion", "1.11", "eventCategory", "ActivityAuditLog", "eventType", "ActivityLog",
                    "eventID", "x-1", "eventTime", "2024-05-01T12:00:00Z", "awsRegion", "us-east-1",
                    "recipientAccountId", ACCOUNT,
                    "eventData", Map.of("version", "1", "eventSource", "app.example.com", "eventName", "Login",
                            "userIdentity", Map.of("type", "User", "principalId", "p", "userName", "dana")))));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ParsedRecord insight() {
        try {
            return RecordReader.readStored(JSON.writeValueAsBytes(Map.of(
                    "eventVersion", "1.07", "eventTime", "2024-05-01T12:00:00Z", "awsRegion", "us-east-1",
                    "eventID", "i-1", "eventType", "AwsCloudTrailInsight", "recipientAccountId", ACCOUNT,
                    "sharedEventID", "s-1", "eventCategory", "Insight",
                    "insightDetails", Map.of("state", "Start", "eventSource", "ec2.amazonaws.com",
                            "eventName", "RunInstances", "insightType", "ApiCallRateInsight"))));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static EventSelectors basic(String json) {
        try {
            return EventSelectors.parse(JSON.readTree(json), null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static EventSelectors advanced(String json) {
        try {
            return EventSelectors.parse(null, JSON.readTree(json));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** One S3 data event selector with {@code eventName} under one condition. */
    private static EventSelectors s3EventName(String conditions) {
        return advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"eventName",%s}]}]""".formatted(conditions));
    }

    // Basic selectors.

    @Test
    void selects_defaultSelectors_takeReadAndWriteManagementEvents() {
        assertThat(EventSelectors.DEFAULT.selects(management("ec2.amazonaws.com", "RunInstances", false))).isTrue();
        assertThat(EventSelectors.DEFAULT.selects(management("ec2.amazonaws.com", "DescribeInstances", true)))
                .isTrue();
        assertThat(EventSelectors.DEFAULT.selects(management("kms.amazonaws.com", "Decrypt", true))).isTrue();
    }

    @Test
    void selects_defaultSelectors_takeNoOtherCategory() {
        assertThat(EventSelectors.DEFAULT.selects(getObject("bucket", "key"))).isFalse();
        assertThat(EventSelectors.DEFAULT.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA, FUNCTION)))
                .isFalse();
        assertThat(EventSelectors.DEFAULT.selects(network("ec2.amazonaws.com", "DescribeInstances", Map.of())))
                .isFalse();
        assertThat(EventSelectors.DEFAULT.selects(outsideEvent())).isFalse();
        assertThat(EventSelectors.DEFAULT.selects(insight())).isFalse();
    }

    @Test
    void selects_defaultSelectors_areWhatAnEmptyBasicSelectorParsesTo() {
        assertThat(basic("[{}]")).isEqualTo(EventSelectors.DEFAULT);
    }

    @ParameterizedTest(name = "{0} readOnly={1} -> {2}")
    @CsvSource(textBlock = """
            ReadOnly,  true,  true
            ReadOnly,  false, false
            WriteOnly, true,  false
            WriteOnly, false, true
            All,       true,  true
            All,       false, true
            """)
    void selects_readWriteType_managementEvents(String readWriteType, boolean readOnly, boolean expected) {
        EventSelectors selectors = basic("[{\"ReadWriteType\":\"" + readWriteType + "\"}]");
        assertThat(selectors.selects(management("ec2.amazonaws.com", "AnyCall", readOnly))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            ReadOnly,  false
            WriteOnly, false
            All,       true
            """)
    void selects_recordWithoutReadOnly_onlyAllTakesIt(String readWriteType, boolean expected) {
        ParsedRecord record = record("Management", Map.of("readOnly", NO_FIELD));
        assertThat(record.readOnly()).isEmpty();
        assertThat(basic("[{\"ReadWriteType\":\"" + readWriteType + "\"}]").selects(record)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} readOnly={1} -> {2}")
    @CsvSource(textBlock = """
            ReadOnly,  true,  true
            ReadOnly,  false, false
            WriteOnly, true,  false
            WriteOnly, false, true
            All,       true,  true
            All,       false, true
            """)
    void selects_readWriteType_dataEvents(String readWriteType, boolean readOnly, boolean expected) {
        EventSelectors selectors = basic("""
                [{"ReadWriteType":"%s","IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]""".formatted(readWriteType));
        assertThat(selectors.selects(s3(readOnly ? "GetObject" : "PutObject", readOnly, "bucket", "key")))
                .isEqualTo(expected);
    }

    @Test
    void selects_includeManagementEventsFalse_takesNoManagementEvent() {
        EventSelectors selectors = basic("[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":false}]");
        assertThat(selectors.selects(management("ec2.amazonaws.com", "RunInstances", false))).isFalse();
        assertThat(selectors.selects(management("ec2.amazonaws.com", "DescribeInstances", true))).isFalse();
    }

    @Test
    void selects_excludeKms_dropsOnlyKmsManagementEvents() {
        EventSelectors selectors = basic("[{\"ExcludeManagementEventSources\":[\"kms.amazonaws.com\"]}]");
        assertThat(selectors.selects(management("kms.amazonaws.com", "Decrypt", true))).isFalse();
        assertThat(selectors.selects(management("kms.amazonaws.com", "CreateKey", false))).isFalse();
        assertThat(selectors.selects(management("rdsdata.amazonaws.com", "ExecuteStatement", false))).isTrue();
        assertThat(selectors.selects(management("ec2.amazonaws.com", "RunInstances", false))).isTrue();
    }

    @Test
    void selects_excludeKmsAndRdsData_dropsBoth() {
        EventSelectors selectors = basic("""
                [{"ExcludeManagementEventSources":["kms.amazonaws.com","rdsdata.amazonaws.com"]}]""");
        assertThat(selectors.selects(management("kms.amazonaws.com", "Decrypt", true))).isFalse();
        assertThat(selectors.selects(management("rdsdata.amazonaws.com", "ExecuteStatement", false))).isFalse();
        assertThat(selectors.selects(management("iam.amazonaws.com", "CreateUser", false))).isTrue();
    }

    @Test
    void selects_s3AllValue_takesEveryObjectOfEveryBucket() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(getObject("another-bucket", "deep/key.txt"))).isTrue();
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA, FUNCTION))).isFalse();
    }

    @Test
    void selects_s3BucketValue_takesThatBucketOnly() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket/"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "logs/2024/a.json"))).isTrue();
        assertThat(selectors.selects(getObject("bucket-2", "x"))).isFalse();
        assertThat(selectors.selects(getObject("other", "bucket/key"))).isFalse();
    }

    @Test
    void selects_s3KeyPrefixValue_takesKeysUnderThePrefixOnly() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket/logs/"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "logs/a.json"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "logs/2024/05/b.json"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "other/a.json"))).isFalse();
        assertThat(selectors.selects(getObject("bucket", "logs"))).isFalse();
        assertThat(selectors.selects(getObject("bucket-2", "logs/a.json"))).isFalse();
    }

    @Test
    void selects_s3SeveralValues_takesAnyOfThem() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object",
                                    "Values":["arn:aws:s3:::first/","arn:aws:s3:::second/only/"]}]}]""");
        assertThat(selectors.selects(getObject("first", "a"))).isTrue();
        assertThat(selectors.selects(getObject("second", "only/b"))).isTrue();
        assertThat(selectors.selects(getObject("second", "b"))).isFalse();
        assertThat(selectors.selects(getObject("third", "a"))).isFalse();
    }

    @Test
    void selects_lambdaExactFunction_takesThatFunctionOnly() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::Lambda::Function","Values":["%s"]}]}]""".formatted(FUNCTION));
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA, FUNCTION))).isTrue();
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA, FUNCTION + "-2")))
                .isFalse();
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA,
                "arn:aws:lambda:us-east-1:111122223333:function:other"))).isFalse();
    }

    @Test
    void selects_lambdaAllValue_takesEveryFunction() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}]""");
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA, FUNCTION))).isTrue();
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA,
                "arn:aws:lambda:eu-west-1:444455556666:function:elsewhere"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
    }

    @Test
    void selects_dynamoDbExactTable_takesThatTableOnly() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::DynamoDB::Table","Values":["%s"]}]}]""".formatted(TABLE));
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "GetItem", true, DYNAMODB, TABLE))).isTrue();
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "GetItem", true, DYNAMODB, TABLE + "2")))
                .isFalse();
    }

    @Test
    void selects_dynamoDbAllValue_takesEveryTable() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::DynamoDB::Table","Values":["arn:aws:dynamodb"]}]}]""");
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "PutItem", false, DYNAMODB, TABLE))).isTrue();
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "GetItem", true, DYNAMODB,
                "arn:aws:dynamodb:eu-west-1:111122223333:table/Other"))).isTrue();
    }

    @Test
    void selects_dataResourceOfAnotherType_isNotTaken() {
        // The resource's ARN would match, but its type is not the one listed.
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket/"]}]}]""");
        assertThat(selectors.selects(data("s3.amazonaws.com", "GetObject", true, "AWS::S3::Bucket",
                "arn:aws:s3:::bucket/key"))).isFalse();
    }

    @Test
    void selects_managementOnlySelector_neverTakesDataEvents() {
        EventSelectors selectors = basic("[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true}]");
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "PutItem", false, DYNAMODB, TABLE))).isFalse();
    }

    @Test
    void selects_dataOnlySelector_neverTakesManagementEvents() {
        EventSelectors selectors = basic("""
                [{"IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]""");
        assertThat(selectors.selects(management("s3.amazonaws.com", "CreateBucket", false))).isFalse();
        // A management event naming an S3 object among its resources is still a management event.
        assertThat(selectors.selects(record("Management", Map.of("eventSource", "s3.amazonaws.com",
                "eventName", "PutBucketPolicy", "resources",
                List.of(Map.of("type", S3_OBJECT, "ARN", "arn:aws:s3:::bucket/key")))))).isFalse();
    }

    @Test
    void selects_twoBasicSelectors_takeWhatEitherTakes() {
        EventSelectors selectors = basic("""
                [{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true},
                 {"ReadWriteType":"ReadOnly","IncludeManagementEvents":false,
                  "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket/"]}]}]""");
        assertThat(selectors.selects(management("ec2.amazonaws.com", "RunInstances", false))).isTrue();
        assertThat(selectors.selects(management("ec2.amazonaws.com", "DescribeInstances", true))).isFalse();
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(s3("PutObject", false, "bucket", "key"))).isFalse();
    }

    // Advanced selectors.

    @ParameterizedTest(name = "{0} {1} on {2} -> {3}")
    @CsvSource(textBlock = """
            Equals,        GetObject, GetObject,    true
            Equals,        GetObject, GetObjectAcl, false
            Equals,        GetObject, getobject,    false
            StartsWith,    Get,       GetObject,    true
            StartsWith,    Get,       PutObject,    false
            EndsWith,      Acl,       GetObjectAcl, true
            EndsWith,      Acl,       GetObject,    false
            NotEquals,     GetObject, GetObject,    false
            NotEquals,     GetObject, GetObjectAcl, true
            NotStartsWith, Get,       GetObject,    false
            NotStartsWith, Get,       PutObject,    true
            NotEndsWith,   Acl,       GetObjectAcl, false
            NotEndsWith,   Acl,       GetObject,    true
            """)
    void selects_eachOperator_onEventName(String operator, String value, String eventName, boolean expected) {
        EventSelectors selectors = s3EventName("\"" + operator + "\":[\"" + value + "\"]");
        assertThat(selectors.selects(s3(eventName, true, "bucket", "key"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            GetObject,    true
            PutObject,    true
            DeleteObject, false
            """)
    void selects_positiveValues_areOred(String eventName, boolean expected) {
        EventSelectors selectors = s3EventName("\"Equals\":[\"GetObject\",\"PutObject\"]");
        assertThat(selectors.selects(s3(eventName, false, "bucket", "key"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            GetObject,     true
            PutObjectAcl,  true
            CopyObject,    true
            DeleteObject,  false
            """)
    void selects_positiveOperators_areOred(String eventName, boolean expected) {
        EventSelectors selectors = s3EventName("\"Equals\":[\"GetObject\"],\"StartsWith\":[\"Put\"],"
                + "\"EndsWith\":[\"Copy\",\"CopyObject\"]");
        assertThat(selectors.selects(s3(eventName, false, "bucket", "key"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            GetObject,    false
            PutObject,    false
            DeleteObject, true
            """)
    void selects_negativeValues_areAnded(String eventName, boolean expected) {
        EventSelectors selectors = s3EventName("\"NotEquals\":[\"GetObject\",\"PutObject\"]");
        assertThat(selectors.selects(s3(eventName, false, "bucket", "key"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            GetObject,    false
            PutObjectAcl, false
            HeadObject,   false
            PutObject,    true
            """)
    void selects_negativeOperators_areAnded(String eventName, boolean expected) {
        EventSelectors selectors = s3EventName("\"NotStartsWith\":[\"Get\"],\"NotEndsWith\":[\"Acl\"],"
                + "\"NotEquals\":[\"HeadObject\"]");
        assertThat(selectors.selects(s3(eventName, false, "bucket", "key"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            GetObject,       true
            GetObjectTagging, true
            GetObjectAcl,    false
            PutObject,       false
            """)
    void selects_positiveAndNegativeGroups_areAnded(String eventName, boolean expected) {
        EventSelectors selectors = s3EventName("\"StartsWith\":[\"Get\"],\"NotEquals\":[\"GetObjectAcl\"]");
        assertThat(selectors.selects(s3(eventName, true, "bucket", "key"))).isEqualTo(expected);
    }

    @Test
    void selects_fieldSelectors_areAnded() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"resources.ARN","StartsWith":["arn:aws:s3:::bucket/"]},
                                    {"Field":"eventName","Equals":["GetObject"]},
                                    {"Field":"readOnly","Equals":["true"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(getObject("bucket-2", "key"))).isFalse();
        assertThat(selectors.selects(s3("PutObject", true, "bucket", "key"))).isFalse();
        assertThat(selectors.selects(s3("GetObject", false, "bucket", "key"))).isFalse();
        assertThat(selectors.selects(data("lambda.amazonaws.com", "GetObject", true, LAMBDA,
                "arn:aws:s3:::bucket/key"))).isFalse();
    }

    @Test
    void selects_selectors_areOred() {
        EventSelectors selectors = advanced("""
                [{"Name":"s3 reads","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"eventName","Equals":["GetObject"]}]},
                 {"Name":"lambda","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::Lambda::Function"]}]},
                 {"Name":"writes","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},
                                    {"Field":"readOnly","Equals":["false"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(data("lambda.amazonaws.com", "Invoke", false, LAMBDA, FUNCTION))).isTrue();
        assertThat(selectors.selects(management("iam.amazonaws.com", "CreateUser", false))).isTrue();
        assertThat(selectors.selects(s3("PutObject", false, "bucket", "key"))).isFalse();
        assertThat(selectors.selects(management("iam.amazonaws.com", "GetUser", true))).isFalse();
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "GetItem", true, DYNAMODB, TABLE))).isFalse();
    }

    @ParameterizedTest(name = "readOnly Equals {0}, event readOnly {1} -> {2}")
    @CsvSource(textBlock = """
            true,  true,  true
            true,  false, false
            false, true,  false
            false, false, true
            """)
    void selects_readOnlyCondition_onManagementEvents(String value, boolean readOnly, boolean expected) {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},
                                    {"Field":"readOnly","Equals":["%s"]}]}]""".formatted(value));
        assertThat(selectors.selects(management("ec2.amazonaws.com", "AnyCall", readOnly))).isEqualTo(expected);
    }

    @Test
    void selects_managementSelectorExcludingKms_dropsKmsOnly() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},
                                    {"Field":"eventSource","NotEquals":["kms.amazonaws.com"]}]}]""");
        assertThat(selectors.selects(management("kms.amazonaws.com", "Decrypt", true))).isFalse();
        assertThat(selectors.selects(management("ec2.amazonaws.com", "RunInstances", false))).isTrue();
    }

    @Test
    void selects_managementAdvancedSelector_neverTakesDataEvents() {
        EventSelectors selectors = advanced("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\","
                + "\"Equals\":[\"Management\"]}]}]");
        assertThat(selectors.selects(management("ec2.amazonaws.com", "RunInstances", false))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances", Map.of()))).isFalse();
    }

    @Test
    void selects_dataAdvancedSelector_neverTakesManagementEvents() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(management("s3.amazonaws.com", "CreateBucket", false))).isFalse();
        assertThat(selectors.selects(record("Management", Map.of("eventSource", "s3.amazonaws.com",
                "eventName", "PutBucketPolicy", "resources",
                List.of(Map.of("type", S3_OBJECT, "ARN", "arn:aws:s3:::bucket/key")))))).isFalse();
    }

    @Test
    void selects_resourcesArnEquals_looksOnlyAtResourcesOfTheSelectedType() {
        // The record's AWS::S3::Bucket resource has this ARN; its AWS::S3::Object resource does not.
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"resources.ARN","Equals":["arn:aws:s3:::bucket"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
    }

    @Test
    void selects_resourcesArnEqualsObject_takesThatObjectOnly() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"resources.ARN","Equals":["arn:aws:s3:::bucket/key"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "key2"))).isFalse();
    }

    @Test
    void selects_resourcesArnNegative_looksOnlyAtResourcesOfTheSelectedType() {
        // Were the bucket resource (arn:aws:s3:::bucket) looked at, it would pass NotStartsWith.
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::bucket/"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
        assertThat(selectors.selects(getObject("bucket-2", "key"))).isTrue();
    }

    @Test
    void selects_resourcesArnEndsWith_onObjectKeys() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::S3::Object"]},
                                    {"Field":"resources.ARN","EndsWith":[".json",".csv"]}]}]""");
        assertThat(selectors.selects(getObject("bucket", "a.json"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "b.csv"))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "c.txt"))).isFalse();
    }

    @Test
    void selects_resourcesType_needsAResourceOfThatType() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},
                                    {"Field":"resources.type","Equals":["AWS::DynamoDB::Table"]}]}]""");
        assertThat(selectors.selects(data("dynamodb.amazonaws.com", "GetItem", true, DYNAMODB, TABLE))).isTrue();
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
        assertThat(selectors.selects(record("Data", Map.of("eventSource", "dynamodb.amazonaws.com",
                "eventName", "GetItem")))).isFalse();
    }

    @Test
    void selects_activityAuditLogCategory_takesOutsideEventsOnly() {
        EventSelectors selectors = advanced("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\","
                + "\"Equals\":[\"ActivityAuditLog\"]}]}]");
        assertThat(selectors.selects(outsideEvent())).isTrue();
        assertThat(selectors.selects(management("ec2.amazonaws.com", "RunInstances", false))).isFalse();
        assertThat(selectors.selects(getObject("bucket", "key"))).isFalse();
    }

    @Test
    void selects_activityAuditLogByEventSource_usesTheNestedEventSource() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["ActivityAuditLog"]},
                                    {"Field":"eventSource","Equals":["app.example.com"]},
                                    {"Field":"eventName","Equals":["Login"]}]}]""");
        assertThat(selectors.selects(outsideEvent())).isTrue();
        EventSelectors other = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["ActivityAuditLog"]},
                                    {"Field":"eventSource","Equals":["other.example.com"]}]}]""");
        assertThat(other.selects(outsideEvent())).isFalse();
    }

    @Test
    void selects_networkActivityWithErrorCode_takesDeniedCallsOfThatSource() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},
                                    {"Field":"eventSource","Equals":["ec2.amazonaws.com"]},
                                    {"Field":"errorCode","Equals":["VpceAccessDenied"]}]}]""");
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances",
                Map.of("errorCode", "VpceAccessDenied", "vpcEndpointId", "vpce-0a1b2c3d")))).isTrue();
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances",
                Map.of("vpcEndpointId", "vpce-0a1b2c3d")))).isFalse();
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances",
                Map.of("errorCode", "AccessDenied")))).isFalse();
        assertThat(selectors.selects(network("kms.amazonaws.com", "Decrypt",
                Map.of("errorCode", "VpceAccessDenied")))).isFalse();
        // A management event with the same source and error code is not network activity.
        assertThat(selectors.selects(record("Management", Map.of("errorCode", "VpceAccessDenied")))).isFalse();
    }

    @Test
    void selects_networkActivityByVpcEndpoint_matchesItsId() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},
                                    {"Field":"eventSource","Equals":["kms.amazonaws.com"]},
                                    {"Field":"vpcEndpointId","StartsWith":["vpce-0a"]}]}]""");
        assertThat(selectors.selects(network("kms.amazonaws.com", "Decrypt",
                Map.of("vpcEndpointId", "vpce-0a1b2c3d")))).isTrue();
        assertThat(selectors.selects(network("kms.amazonaws.com", "Decrypt",
                Map.of("vpcEndpointId", "vpce-0f9e8d7c")))).isFalse();
        assertThat(selectors.selects(network("kms.amazonaws.com", "Decrypt", Map.of()))).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            Equals,        false
            StartsWith,    false
            EndsWith,      false
            NotEquals,     true
            NotStartsWith, true
            NotEndsWith,   true
            """)
    void selects_missingErrorCode_failsPositiveAndPassesNegativeConditions(String operator, boolean expected) {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},
                                    {"Field":"eventSource","Equals":["ec2.amazonaws.com"]},
                                    {"Field":"errorCode","%s":["VpceAccessDenied"]}]}]""".formatted(operator));
        ParsedRecord withoutErrorCode = network("ec2.amazonaws.com", "DescribeInstances", Map.of());
        assertThat(withoutErrorCode.errorCode()).isEmpty();
        assertThat(selectors.selects(withoutErrorCode)).isEqualTo(expected);
    }

    @Test
    void selects_missingField_failsAPositiveConditionBesideANegativeOne() {
        EventSelectors selectors = advanced("""
                [{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},
                                    {"Field":"eventSource","Equals":["ec2.amazonaws.com"]},
                                    {"Field":"vpcEndpointId","StartsWith":["vpce-"],"NotEquals":["vpce-1"]}]}]""");
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances", Map.of()))).isFalse();
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances",
                Map.of("vpcEndpointId", "vpce-2")))).isTrue();
        assertThat(selectors.selects(network("ec2.amazonaws.com", "DescribeInstances",
                Map.of("vpcEndpointId", "vpce-1")))).isFalse();
    }

    @Test
    void selects_insightRecord_isChosenByNoSelector() {
        assertThat(EventSelectors.DEFAULT.selects(insight())).isFalse();
        assertThat(basic("""
                [{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]""").selects(insight()))
                .isFalse();
        assertThat(advanced("[{\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":[\"Management\"]}]}]")
                .selects(insight())).isFalse();
    }
}
