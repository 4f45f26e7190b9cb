package cairn.server.trail;

import cairn.server.http.ApiRoutes;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.AwsCli;
import cairn.server.testing.MutableClock;
import cairn.server.testing.RunningCairn;
import cairn.server.testing.Testdata;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedEventSelector;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedFieldSelector;
import software.amazon.awssdk.services.cloudtrail.model.DataResource;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.GetTrailStatusResponse;
import software.amazon.awssdk.services.cloudtrail.model.EventSelector;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttribute;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;
import software.amazon.awssdk.services.cloudtrail.model.ReadWriteType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which events each trail delivers, end to end: the real CloudTrail records of {@code shared/testdata} and generated
 * data events (S3 objects, Lambda functions, DynamoDB tables) and KMS management events, in three regions and two
 * accounts, go to six trails with default, basic and advanced selectors, single- and multi-region, with and without
 * global service events. The test decides on its own, from each record's JSON, what each trail must hold, and checks
 * that its bucket holds exactly that, each event once, in files whose keys and bodies are CloudTrail's (spec 2.1).
 *
 * <p>The trails start logging one second apart and every call is audited, so Cairn's own events (eventSource
 * cloudtrail.amazonaws.com) are in the windows too: a trail's expected set includes those of its account stamped from
 * the second it started logging until the ingest, read back with LookupEvents. The delivery interval ends just after
 * midnight, so the key's date is the delivery's, not the events'.
 *
 * <p>The buckets are local folders here; {@link TrailSelectionDeliveryOnS3Test} runs the same tests with them in an S3
 * server, through the hooks {@link #bucketSettings()}, {@link #createBucket(String)} and
 * {@link #objects(Path, String)}. One instance serves the whole class, so that {@code @BeforeAll} can call them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrailSelectionDeliveryTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> REGIONS = List.of("us-east-1", "eu-west-1", "ap-southeast-2");
    private static final String ACCOUNT_B = "222222222222";
    /** The account of testdata whose records go to the second account; the others' go to the first. */
    private static final String TESTDATA_ACCOUNT_OF_B = "017622104382";
    private static final Duration INTERVAL = Duration.ofSeconds(60);
    private static final Instant START = Instant.parse("2026-03-04T23:59:20Z");
    private static final Instant INGESTED = START.plusSeconds(10);
    private static final Instant DELIVERED = INGESTED.plus(INTERVAL);
    private static final String SELF = "cloudtrail.amazonaws.com";
    /** The services CloudTrail records in us-east-1 as global service events. */
    private static final Set<String> GLOBAL_SERVICES = Set.of("iam.amazonaws.com", "sts.amazonaws.com",
            "cloudfront.amazonaws.com", "route53.amazonaws.com", "signin.amazonaws.com",
            "organizations.amazonaws.com");
    /** Fields the server may add to a record that lacks them. */
    private static final Set<String> SERVER_FIELDS = Set.of("eventID", "recipientAccountId", "eventCategory",
            "managementEvent", "readOnly");
    private static final String S3_OBJECT = "AWS::S3::Object";
    private static final String LAMBDA = "AWS::Lambda::Function";
    private static final String DYNAMODB = "AWS::DynamoDB::Table";
    /** Spec 2.1's file name pattern, as AWS's processing library has it. */
    private static final Pattern FILE_NAME =
            Pattern.compile(".+_CloudTrail_[\\w\\-]+_\\d{8}T\\d{4}Z_[\\w]+\\.json\\.gz");
    private static final Pattern KEY = Pattern.compile("(?:(.+)/)?AWSLogs/(\\d{12})/CloudTrail/([a-z0-9-]+)/"
            + "(\\d{4}/\\d{2}/\\d{2})/(\\d{12})_CloudTrail_([a-z0-9-]+)_(\\d{8}T\\d{4}Z)_([A-Za-z0-9]{16})"
            + "\\.json\\.gz");

    /** The data folder of the main server; the other servers' folders are under it. */
    private Path data;

    private final MutableClock cairnClock = new MutableClock(START);
    private RunningCairn cairn;
    private String accountA;
    private String lambdaOrders;
    private String lambdaPayments;
    private Map<String, TrailCase> trails;
    /** Each ingested record's bytes as sent, by event ID. */
    private final Map<String, byte[]> sentRecords = new LinkedHashMap<>();
    /** Each ingested record as the test expects it stored (sent, plus the fields the server fills in), by event ID. */
    private final Map<String, JsonNode> storedRecords = new LinkedHashMap<>();
    /** Cairn's own events of both accounts from the first StartLogging to the ingest, by event ID. */
    private final Map<String, JsonNode> selfEvents = new LinkedHashMap<>();
    /** When each trail started logging, by trail name. */
    private final Map<String, Instant> startedLogging = new LinkedHashMap<>();
    /** The log files of each trail, by trail name. */
    private final Map<String, List<LogFile>> deliveredFiles = new LinkedHashMap<>();

    /** A trail of the test and, written out by hand from its settings and selectors, the events it takes. */
    private record TrailCase(String name, String account, String homeRegion, String bucket, Optional<String> prefix,
                             Predicate<JsonNode> takes) {
    }

    /** One delivered object: its key, its bytes as stored, and the bytes of each record in it. */
    private record LogFile(String key, byte[] bytes, List<byte[]> records) {
        String fileName() {
            return key.substring(key.lastIndexOf('/') + 1);
        }

        List<JsonNode> parsedRecords() {
            return records.stream().map(TrailSelectionDeliveryTest::parse).toList();
        }
    }

    @BeforeAll
    void deliverEverything(@TempDir Path data) throws Exception {
        this.data = data;
        cairn = RunningCairn.start(data, cairnClock, withBuckets(Map.of("server.regions", String.join(",", REGIONS),
                "delivery.interval", INTERVAL.toSeconds() + "s")));
        accountA = cairn.accountId();
        AwsCredentialsIdentity adminB = cairn.newUser(ACCOUNT_B, "admin-b", PermissionSet.ADMINISTRATOR);
        lambdaOrders = "arn:aws:lambda:ap-southeast-2:" + accountA + ":function:orders-";
        lambdaPayments = "arn:aws:lambda:us-east-1:" + accountA + ":function:payments-";
        trails = trailCases();
        for (TrailCase trail : trails.values()) {
            createBucket(trail.bucket());
        }

        Map<String, CloudTrailClient> clientsA = new LinkedHashMap<>();
        for (String region : REGIONS) {
            clientsA.put(region, cairn.sdk(CloudTrailClient.builder(), region).build());
        }
        try (CloudTrailClient clientB = cairn.sdk(CloudTrailClient.builder(), "us-east-1", adminB).build()) {
            createTrails(clientsA, clientB);
            cairn.server().flushAudit();

            // One second apart, so that Cairn's own events tell by their time which windows they fall in.
            for (TrailCase trail : trails.values()) {
                cairnClock.advance(Duration.ofSeconds(1));
                CloudTrailClient client = trail.account().equals(ACCOUNT_B) ? clientB
                        : clientsA.get(trail.homeRegion());
                client.startLogging(request -> request.name(trail.name()));
                cairn.server().flushAudit();
                startedLogging.put(trail.name(), cairnClock.instant());
            }
            assertThat(cairnClock.instant()).isBefore(INGESTED);

            cairnClock.set(INGESTED);
            ingest(adminB);
            cairn.server().flushAudit();
            cairn.server().delivery().runOnce();
            // A batch opens when its first event is read, at the first StartLogging's second at the earliest.
            cairnClock.set(START.plusSeconds(1).plus(INTERVAL).minusSeconds(1));
            cairn.server().delivery().runOnce();
            for (TrailCase trail : trails.values()) {
                assertThat(logFiles(trail)).as("files of %s before the interval has passed", trail.name()).isEmpty();
            }
            cairnClock.set(DELIVERED);
            cairn.server().delivery().runOnce();
            for (TrailCase trail : trails.values()) {
                deliveredFiles.put(trail.name(), logFiles(trail));
            }

            readSelfEvents(clientsA, accountA);
            try (CloudTrailClient regionalB = cairn.sdk(CloudTrailClient.builder(), "eu-west-1", adminB).build();
                 CloudTrailClient southB = cairn.sdk(CloudTrailClient.builder(), "ap-southeast-2", adminB).build()) {
                readSelfEvents(Map.of("us-east-1", clientB, "eu-west-1", regionalB, "ap-southeast-2", southB),
                        ACCOUNT_B);
            }
        } finally {
            clientsA.values().forEach(CloudTrailClient::close);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (cairn != null) {
            cairn.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Where the buckets are: the hooks a subclass overrides to put them in another store

    /** The settings that put a server's buckets in their store: local folders, which CreateTrail creates. */
    Map<String, String> bucketSettings() {
        return Map.of("delivery.create-buckets", "true");
    }

    /** Makes {@code bucket} before a trail names it: nothing to do for a local folder, which CreateTrail creates. */
    void createBucket(String bucket) throws IOException {
    }

    /**
     * The objects of {@code bucket} of the server on {@code serverData}, their bytes by key in key order; none when
     * the bucket does not exist.
     */
    SortedMap<String, byte[]> objects(Path serverData, String bucket) throws IOException {
        Path folder = serverData.resolve("buckets").resolve(bucket);
        SortedMap<String, byte[]> objects = new TreeMap<>();
        if (!Files.isDirectory(folder)) {
            return objects;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                objects.put(folder.relativize(path).toString().replace('\\', '/'), Files.readAllBytes(path));
            }
        }
        return objects;
    }

    /** {@code settings} and those that put the server's buckets in their store. */
    private Map<String, String> withBuckets(Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.putAll(bucketSettings());
        return all;
    }

    private Map<String, TrailCase> trailCases() {
        List<TrailCase> cases = List.of(
                new TrailCase("default-east", accountA, "us-east-1", "logs-default-east", Optional.empty(),
                        record -> ofAccount(record, accountA) && region(record).equals("us-east-1")
                                && management(record)),
                new TrailCase("writes-and-objects", accountA, "eu-west-1", "logs-writes", Optional.empty(),
                        record -> ofAccount(record, accountA) && readOnly(record).equals(Optional.of(false))
                                && (management(record) || data(record) && hasResource(record, S3_OBJECT,
                                arn -> arn.startsWith("arn:aws:s3:::bucket-a/")))),
                new TrailCase("reads-and-functions", accountA, "ap-southeast-2", "logs-reads", Optional.empty(),
                        record -> ofAccount(record, accountA)
                                && (region(record).equals("ap-southeast-2") || global(record))
                                && (management(record) && readOnly(record).equals(Optional.of(true))
                                && !source(record).equals("kms.amazonaws.com")
                                || data(record) && hasResource(record, LAMBDA, arn -> (arn.startsWith(lambdaOrders)
                                || arn.startsWith(lambdaPayments)) && !arn.endsWith("-test"))
                                || data(record) && source(record).equals("s3.amazonaws.com")
                                && record.path("eventName").asText().equals("GetObject")
                                && hasResource(record, S3_OBJECT, arn -> arn.endsWith(".csv")))),
                new TrailCase("tables", accountA, "us-east-1", "logs-tables", Optional.of("audit/tables"),
                        record -> ofAccount(record, accountA) && data(record)
                                && hasResource(record, DYNAMODB, arn -> true)),
                new TrailCase("east-no-global", accountA, "us-east-1", "logs-east-no-global", Optional.empty(),
                        record -> ofAccount(record, accountA) && region(record).equals("us-east-1")
                                && !global(record) && management(record)),
                new TrailCase("other-account", ACCOUNT_B, "us-east-1", "logs-other-account",
                        Optional.of("b"), record -> ofAccount(record, ACCOUNT_B) && management(record)));
        Map<String, TrailCase> byName = new LinkedHashMap<>();
        cases.forEach(trail -> byName.put(trail.name(), trail));
        return byName;
    }

    private void createTrails(Map<String, CloudTrailClient> clientsA, CloudTrailClient clientB) {
        CloudTrailClient east = clientsA.get("us-east-1");
        CloudTrailClient west = clientsA.get("eu-west-1");
        CloudTrailClient south = clientsA.get("ap-southeast-2");

        east.createTrail(request -> request.name("default-east").s3BucketName("logs-default-east"));

        west.createTrail(request -> request.name("writes-and-objects").s3BucketName("logs-writes")
                .isMultiRegionTrail(true));
        west.putEventSelectors(request -> request.trailName("writes-and-objects").eventSelectors(EventSelector.builder()
                .readWriteType(ReadWriteType.WRITE_ONLY).includeManagementEvents(true)
                .dataResources(DataResource.builder().type(S3_OBJECT).values("arn:aws:s3:::bucket-a/").build())
                .build()));

        south.createTrail(request -> request.name("reads-and-functions").s3BucketName("logs-reads"));
        south.putEventSelectors(request -> request.trailName("reads-and-functions").advancedEventSelectors(
                AdvancedEventSelector.builder().name("management reads but KMS").fieldSelectors(
                        field("eventCategory").equalsValue("Management").build(),
                        field("readOnly").equalsValue("true").build(),
                        field("eventSource").notEquals("kms.amazonaws.com").build()).build(),
                AdvancedEventSelector.builder().name("orders and payments functions").fieldSelectors(
                        field("eventCategory").equalsValue("Data").build(),
                        field("resources.type").equalsValue(LAMBDA).build(),
                        field("resources.ARN").startsWith(lambdaOrders, lambdaPayments).notEndsWith("-test")
                                .build()).build(),
                AdvancedEventSelector.builder().name("csv reads").fieldSelectors(
                        field("eventCategory").equalsValue("Data").build(),
                        field("resources.type").equalsValue(S3_OBJECT).build(),
                        field("eventName").equalsValue("GetObject").build(),
                        field("resources.ARN").endsWith(".csv").build()).build()));

        east.createTrail(request -> request.name("tables").s3BucketName("logs-tables").s3KeyPrefix("audit/tables")
                .isMultiRegionTrail(true));
        east.putEventSelectors(request -> request.trailName("tables").eventSelectors(EventSelector.builder()
                .readWriteType(ReadWriteType.ALL).includeManagementEvents(false)
                .dataResources(DataResource.builder().type(DYNAMODB).values("arn:aws:dynamodb").build()).build()));

        east.createTrail(request -> request.name("east-no-global").s3BucketName("logs-east-no-global")
                .includeGlobalServiceEvents(false));

        clientB.createTrail(request -> request.name("other-account").s3BucketName("logs-other-account")
                .s3KeyPrefix("b").isMultiRegionTrail(true));
    }

    private static AdvancedFieldSelector.Builder field(String name) {
        return AdvancedFieldSelector.builder().field(name);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The events

    private void ingest(AwsCredentialsIdentity adminB) throws Exception {
        Map<String, List<ObjectNode>> batches = new TreeMap<>();
        for (JsonNode original : Testdata.records()) {
            ObjectNode record = (ObjectNode) original.deepCopy();
            String account = record.get("recipientAccountId").asText().equals(TESTDATA_ACCOUNT_OF_B) ? ACCOUNT_B
                    : accountA;
            // The testdata's account IDs and region names are anonymised: the records move to the test's accounts and
            // to the served regions, spread by their original region.
            record.put("recipientAccountId", account);
            record.put("awsRegion", REGIONS.get(Math.floorMod(record.get("awsRegion").asText().hashCode(),
                    REGIONS.size())));
            batches.computeIfAbsent(account + " " + record.get("awsRegion").asText(), key -> new ArrayList<>())
                    .add(record);
        }
        for (String region : REGIONS) {
            batches.computeIfAbsent(accountA + " " + region, key -> new ArrayList<>())
                    .addAll(generated(accountA, region, "a"));
            batches.computeIfAbsent(ACCOUNT_B + " " + region, key -> new ArrayList<>())
                    .addAll(generated(ACCOUNT_B, region, "b"));
        }
        for (Map.Entry<String, List<ObjectNode>> batch : batches.entrySet()) {
            String account = batch.getKey().split(" ")[0];
            String region = batch.getKey().split(" ")[1];
            List<byte[]> records = new ArrayList<>();
            for (ObjectNode record : batch.getValue()) {
                byte[] bytes = MAPPER.writeValueAsBytes(record);
                records.add(bytes);
                ObjectNode stored = record.deepCopy();
                if (!stored.has("recipientAccountId")) {
                    stored.put("recipientAccountId", account);
                }
                if (!stored.has("eventCategory")) {
                    stored.put("eventCategory", "Management");
                }
                String eventId = record.get("eventID").asText();
                assertThat(sentRecords.put(eventId, bytes)).as("event ID %s twice", eventId).isNull();
                storedRecords.put(eventId, stored);
            }
            byte[] body = join(records);
            HttpResponse<String> response = cairn.post(ApiRoutes.RECORDS_PATH, "application/json", null, body,
                    region, account.equals(ACCOUNT_B) ? adminB : cairn.admin());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            List<String> acknowledged = new ArrayList<>();
            MAPPER.readTree(response.body()).get("eventIDs").forEach(id -> acknowledged.add(id.asText()));
            assertThat(acknowledged).containsExactlyElementsOf(batch.getValue().stream()
                    .map(record -> record.get("eventID").asText()).toList());
        }
    }

    private static byte[] join(List<byte[]> records) {
        StringBuilder body = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < records.size(); i++) {
            body.append(i == 0 ? "" : ",").append(new String(records.get(i), StandardCharsets.UTF_8));
        }
        return body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Data events on S3 objects (in and out of the selected bucket, and one that names only a bucket), Lambda
     * functions and DynamoDB tables, and KMS management events, one of them without readOnly: in {@code region} for
     * {@code account}. Data events leave recipientAccountId to the server.
     */
    private static List<ObjectNode> generated(String account, String region, String tag) {
        List<ObjectNode> records = new ArrayList<>();
        Function<String, String> id = name -> "gen-" + tag + "-" + region + "-" + name;
        String function = "arn:aws:lambda:" + region + ":" + account + ":function:";
        String table = "arn:aws:dynamodb:" + region + ":" + account + ":table/";
        records.add(s3Object(id.apply("get-a-csv"), account, region, "GetObject", true, "bucket-a", "reports/q1.csv"));
        records.add(s3Object(id.apply("put-a"), account, region, "PutObject", false, "bucket-a", "reports/q2.json"));
        records.add(s3Object(id.apply("put-ab"), account, region, "PutObject", false, "bucket-ab", "reports/q3.csv"));
        records.add(s3Object(id.apply("get-ab-csv"), account, region, "GetObject", true, "bucket-ab", "q4.csv"));
        records.add(s3Object(id.apply("delete-b"), account, region, "DeleteObject", false, "bucket-b", "tmp/x"));
        ObjectNode listBucket = dataEvent(id.apply("list-a"), account, region, "s3.amazonaws.com", "ListObjects",
                true);
        listBucket.putArray("resources").addObject().put("type", "AWS::S3::Bucket").put("ARN", "arn:aws:s3:::bucket-a");
        records.add(listBucket);
        for (String name : List.of("orders-create", "orders-test", "payments-charge", "inventory-sync")) {
            ObjectNode invoke = dataEvent(id.apply("invoke-" + name), account, region, "lambda.amazonaws.com",
                    "Invoke", false);
            invoke.putArray("resources").addObject().put("accountId", account).put("type", LAMBDA)
                    .put("ARN", function + name);
            records.add(invoke);
        }
        records.add(dynamoDb(id.apply("get-item"), account, region, "GetItem", true, table + "Orders"));
        records.add(dynamoDb(id.apply("put-item"), account, region, "PutItem", false, table + "Customers"));
        records.add(kms(id.apply("decrypt"), account, region, "Decrypt", Optional.empty()));
        records.add(kms(id.apply("generate-data-key"), account, region, "GenerateDataKey", Optional.of(true)));
        records.add(kms(id.apply("create-key"), account, region, "CreateKey", Optional.of(false)));
        return records;
    }

    private static ObjectNode base(String eventId, String account, String region, String source, String name) {
        ObjectNode record = MAPPER.createObjectNode().put("eventVersion", "1.09");
        record.putObject("userIdentity").put("type", "IAMUser").put("principalId", "AIDAGENERATED")
                .put("arn", "arn:aws:iam::" + account + ":user/app").put("accountId", account)
                .put("userName", "app");
        record.put("eventTime", INGESTED.minusSeconds(5).toString()).put("eventSource", source)
                .put("eventName", name).put("awsRegion", region).put("sourceIPAddress", "203.0.113.7")
                .put("userAgent", "test-agent/1.0");
        record.putObject("requestParameters").put("name", name);
        record.putNull("responseElements");
        record.put("requestID", eventId.toUpperCase(Locale.ROOT)).put("eventID", eventId);
        return record;
    }

    private static ObjectNode dataEvent(String eventId, String account, String region, String source, String name,
                                        boolean readOnly) {
        return base(eventId, account, region, source, name).put("readOnly", readOnly).put("eventType", "AwsApiCall")
                .put("managementEvent", false).put("eventCategory", "Data");
    }

    private static ObjectNode s3Object(String eventId, String account, String region, String name, boolean readOnly,
                                       String bucket, String key) {
        ObjectNode record = dataEvent(eventId, account, region, "s3.amazonaws.com", name, readOnly);
        ArrayNode resources = record.putArray("resources");
        resources.addObject().put("type", S3_OBJECT).put("ARN", "arn:aws:s3:::" + bucket + "/" + key);
        resources.addObject().put("accountId", account).put("type", "AWS::S3::Bucket")
                .put("ARN", "arn:aws:s3:::" + bucket);
        return record;
    }

    private static ObjectNode dynamoDb(String eventId, String account, String region, String name, boolean readOnly,
                                       String arn) {
        ObjectNode record = dataEvent(eventId, account, region, "dynamodb.amazonaws.com", name, readOnly);
        record.putArray("resources").addObject().put("accountId", account).put("type", DYNAMODB).put("ARN", arn);
        return record;
    }

    /** A management event that leaves eventCategory to the server, but names its account. */
    private static ObjectNode kms(String eventId, String account, String region, String name,
                                  Optional<Boolean> readOnly) {
        ObjectNode record = base(eventId, account, region, "kms.amazonaws.com", name);
        readOnly.ifPresent(value -> record.put("readOnly", value));
        return record.put("eventType", "AwsApiCall").put("managementEvent", true)
                .put("recipientAccountId", account);
    }

    /**
     * Cairn's own events of {@code account} (LookupEvents is regional: every served region), from the first trail's
     * StartLogging to the ingest; the lookups themselves come later.
     */
    private void readSelfEvents(Map<String, CloudTrailClient> clients, String account) {
        Instant first = startedLogging.values().stream().min(Instant::compareTo).orElseThrow();
        for (CloudTrailClient client : clients.values()) {
            for (Event event : client.lookupEventsPaginator(request -> request.startTime(first).endTime(INGESTED)
                    .lookupAttributes(LookupAttribute.builder().attributeKey(LookupAttributeKey.EVENT_SOURCE)
                            .attributeValue(SELF).build())).events()) {
                JsonNode record = parse(event.cloudTrailEvent());
                assertThat(record.get("recipientAccountId").asText()).isEqualTo(account);
                selfEvents.put(record.get("eventID").asText(), record);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The selection, by hand

    private static boolean ofAccount(JsonNode record, String account) {
        return record.path("recipientAccountId").asText().equals(account);
    }

    private static String region(JsonNode record) {
        return record.path("awsRegion").asText();
    }

    private static String source(JsonNode record) {
        return record.path("eventSource").asText();
    }

    private static boolean management(JsonNode record) {
        return record.path("eventCategory").asText().equals("Management");
    }

    private static boolean data(JsonNode record) {
        return record.path("eventCategory").asText().equals("Data");
    }

    private static Optional<Boolean> readOnly(JsonNode record) {
        JsonNode value = record.get("readOnly");
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asBoolean());
    }

    private static boolean global(JsonNode record) {
        return region(record).equals("us-east-1") && GLOBAL_SERVICES.contains(source(record));
    }

    private static boolean hasResource(JsonNode record, String type, Predicate<String> arn) {
        for (JsonNode resource : record.path("resources")) {
            if (resource.path("type").asText().equals(type) && resource.hasNonNull("ARN")
                    && arn.test(resource.get("ARN").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Every event the trail must hold: ingested ones, and Cairn's own of its account since it started logging. */
    private Map<String, JsonNode> expected(TrailCase trail) {
        Instant started = startedLogging.get(trail.name());
        Map<String, JsonNode> expected = new TreeMap<>();
        storedRecords.forEach((eventId, record) -> {
            if (trail.takes().test(record)) {
                expected.put(eventId, record);
            }
        });
        selfEvents.forEach((eventId, record) -> {
            if (!Instant.parse(record.get("eventTime").asText()).isBefore(started) && trail.takes().test(record)) {
                expected.put(eventId, record);
            }
        });
        return expected;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The files

    private List<LogFile> logFiles(TrailCase trail) throws IOException {
        List<LogFile> files = new ArrayList<>();
        for (Map.Entry<String, byte[]> object : objects(data, trail.bucket()).entrySet()) {
            byte[] text;
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(object.getValue()))) {
                text = in.readAllBytes();
            }
            files.add(new LogFile(object.getKey(), object.getValue(), recordSlices(text)));
        }
        return files;
    }

    /** The bytes of each record of {@code {"Records":[...]}}, exactly as they are in the text. */
    private static List<byte[]> recordSlices(byte[] text) throws IOException {
        List<byte[]> records = new ArrayList<>();
        try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
            assertThat(parser.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            assertThat(parser.nextFieldName()).isEqualTo("Records");
            assertThat(parser.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                int start = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                records.add(Arrays.copyOfRange(text, start, end));
            }
            assertThat(parser.currentToken()).isEqualTo(JsonToken.END_ARRAY);
            assertThat(parser.nextToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(parser.nextToken()).isNull();
        }
        return records;
    }

    private static JsonNode parse(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> deliveredIds(TrailCase trail) {
        List<String> ids = new ArrayList<>();
        for (LogFile file : deliveredFiles.get(trail.name())) {
            file.parsedRecords().forEach(record -> ids.add(record.get("eventID").asText()));
        }
        return ids;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The tests

    @Test
    void expectations_coverEverySelectorRule() {
        assertThat(storedRecords).hasSizeGreaterThan(Testdata.records().size());
        Map<String, Set<String>> ingestedPerTrail = new LinkedHashMap<>();
        for (TrailCase trail : trails.values()) {
            ingestedPerTrail.put(trail.name(), expected(trail).keySet().stream().filter(storedRecords::containsKey)
                    .collect(Collectors.toCollection(TreeSet::new)));
            assertThat(ingestedPerTrail.get(trail.name())).as("ingested events %s takes", trail.name()).isNotEmpty();
        }
        String a = "gen-a-";
        // The traps: what a looser reading of the selectors would take.
        assertThat(ingestedPerTrail.get("writes-and-objects")).contains(a + "eu-west-1-put-a", a + "us-east-1-put-a",
                a + "ap-southeast-2-create-key").doesNotContain(a + "eu-west-1-put-ab", a + "eu-west-1-get-a-csv",
                a + "eu-west-1-list-a", a + "eu-west-1-decrypt", a + "eu-west-1-delete-b");
        assertThat(ingestedPerTrail.get("reads-and-functions")).contains(a + "ap-southeast-2-invoke-orders-create",
                a + "ap-southeast-2-get-a-csv", a + "ap-southeast-2-get-ab-csv").doesNotContain(
                a + "ap-southeast-2-invoke-orders-test", a + "ap-southeast-2-invoke-payments-charge",
                a + "us-east-1-invoke-payments-charge", a + "ap-southeast-2-generate-data-key",
                a + "ap-southeast-2-decrypt", a + "ap-southeast-2-put-a", a + "eu-west-1-get-a-csv");
        assertThat(ingestedPerTrail.get("tables")).containsExactlyInAnyOrder(REGIONS.stream()
                .flatMap(region -> Stream.of(a + region + "-get-item", a + region + "-put-item"))
                .toArray(String[]::new));
        assertThat(ingestedPerTrail.get("default-east")).contains(a + "us-east-1-decrypt")
                .doesNotContain(a + "us-east-1-get-item", a + "eu-west-1-decrypt");
        Set<String> globalEast = storedRecords.entrySet().stream()
                .filter(entry -> ofAccount(entry.getValue(), accountA) && global(entry.getValue()))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(globalEast).as("global service events of the first account").isNotEmpty();
        assertThat(ingestedPerTrail.get("default-east")).containsAll(globalEast);
        assertThat(ingestedPerTrail.get("east-no-global")).doesNotContainAnyElementsOf(globalEast);
        assertThat(ingestedPerTrail.get("reads-and-functions")).containsAnyElementsOf(globalEast);
        assertThat(storedRecords.values().stream().filter(record -> ofAccount(record, accountA) && !global(record)
                && GLOBAL_SERVICES.contains(source(record)))).as("regional events of global services").isNotEmpty();
        assertThat(ingestedPerTrail.get("other-account")).allMatch(id -> ofAccount(storedRecords.get(id), ACCOUNT_B))
                .hasSizeGreaterThan(10);
        assertThat(selfEvents.values()).extracting(record -> record.get("eventName").asText())
                .contains("StartLogging", "PutRecords");
    }

    @ParameterizedTest
    @ValueSource(strings = {"default-east", "writes-and-objects", "reads-and-functions", "tables", "east-no-global",
            "other-account"})
    void delivery_eachTrail_holdsExactlyTheEventsItsSelectorsChoose_eachOnce(String name) {
        TrailCase trail = trails.get(name);
        List<String> delivered = deliveredIds(trail);
        assertThat(delivered).as("delivered more than once").doesNotHaveDuplicates();
        assertThat(new TreeSet<>(delivered)).isEqualTo(expected(trail).keySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"default-east", "writes-and-objects", "reads-and-functions", "tables", "east-no-global",
            "other-account"})
    void delivery_keys_haveTheTrailsPrefixAccountTheEventsRegionAndTheDeliveryDate(String name) {
        TrailCase trail = trails.get(name);
        List<LogFile> files = deliveredFiles.get(name);
        Set<String> expectedRegions = new TreeSet<>();
        expected(trail).values().forEach(record -> expectedRegions.add(region(record)));
        List<String> keyRegions = new ArrayList<>();
        for (LogFile file : files) {
            Matcher key = KEY.matcher(file.key());
            assertThat(key.matches()).as(file.key()).isTrue();
            assertThat(FILE_NAME.matcher(file.fileName()).matches()).as(file.key()).isTrue();
            assertThat(Optional.ofNullable(key.group(1))).isEqualTo(trail.prefix());
            assertThat(key.group(2)).isEqualTo(trail.account());
            assertThat(key.group(5)).isEqualTo(trail.account());
            assertThat(key.group(6)).isEqualTo(key.group(3));
            assertThat(key.group(4)).isEqualTo("2026/03/05");
            assertThat(key.group(7)).isEqualTo("20260305T0000Z");
            keyRegions.add(key.group(3));
            assertThat(file.parsedRecords()).allSatisfy(record -> {
                assertThat(region(record)).isEqualTo(key.group(3));
                assertThat(record.get("recipientAccountId").asText()).isEqualTo(trail.account());
            });
        }
        assertThat(keyRegions).as("one file per source region").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expectedRegions);
    }

    @Test
    void delivery_multiRegionTrail_keepsOnePrefixPerSourceRegion() {
        for (String name : List.of("writes-and-objects", "tables", "other-account")) {
            Set<String> prefixes = new TreeSet<>();
            for (LogFile file : deliveredFiles.get(name)) {
                prefixes.add(file.key().substring(0, file.key().indexOf("/2026/")));
            }
            String prefix = trails.get(name).prefix().map(value -> value + "/").orElse("");
            String account = trails.get(name).account();
            assertThat(prefixes).as(name).containsExactlyInAnyOrderElementsOf(REGIONS.stream()
                    .map(region -> prefix + "AWSLogs/" + account + "/CloudTrail/" + region).toList());
        }
    }

    @Test
    void delivery_files_areOneGzipMemberHoldingRecordsOnly() throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", "-c", """
                import json, sys, zlib
                for path in sys.argv[1:]:
                    with open(path, 'rb') as f:
                        compressed = f.read()
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    text = inflater.decompress(compressed)
                    body = json.loads(text)
                    ok = inflater.eof and not inflater.unused_data and list(body) == ['Records'] \\
                        and isinstance(body['Records'], list) and all(isinstance(r, dict) for r in body['Records'])
                    print(('ok ' if ok else 'bad ') + str(len(body['Records'])) + ' ' + path)
                """));
        // Python reads files: each object's bytes as stored, whichever store the bucket is in.
        Map<Path, LogFile> all = new LinkedHashMap<>();
        for (Map.Entry<String, List<LogFile>> trail : deliveredFiles.entrySet()) {
            for (LogFile file : trail.getValue()) {
                Path path = data.resolve("gzip-check").resolve(trail.getKey()).resolve(file.key());
                Files.createDirectories(path.getParent());
                Files.write(path, file.bytes());
                all.put(path, file);
            }
        }
        all.keySet().forEach(path -> command.add(path.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> expectedLines = all.entrySet().stream().map(file -> "ok " + file.getValue().records().size()
                + " " + file.getKey()).toList();
        assertThat(output.lines().toList()).containsExactlyElementsOf(expectedLines);
    }

    @Test
    void delivery_records_areTheIngestedBytesWithOnlyTheServersFieldsAdded() {
        Set<String> checked = new TreeSet<>();
        for (LogFile file : deliveredFiles.values().stream().flatMap(List::stream).toList()) {
            for (byte[] bytes : file.records()) {
                JsonNode record = parse(bytes);
                String eventId = record.get("eventID").asText();
                byte[] sent = sentRecords.get(eventId);
                if (sent == null) {
                    assertThat(record).as("Cairn's own event %s", eventId).isEqualTo(selfEvents.get(eventId));
                    continue;
                }
                String text = new String(bytes, StandardCharsets.UTF_8);
                String sentText = new String(sent, StandardCharsets.UTF_8);
                if (!text.equals(sentText)) {
                    // The server splices the fields it fills in right after the opening brace.
                    assertThat(text).as(eventId).startsWith("{").endsWith("," + sentText.substring(1));
                    JsonNode added = parse(text.substring(0, text.length() - sentText.length() + 1)
                            .replaceAll(",$", "}"));
                    Set<String> names = new LinkedHashSet<>();
                    added.fieldNames().forEachRemaining(names::add);
                    assertThat(SERVER_FIELDS).as(eventId).containsAll(names);
                    assertThat(names).as(eventId).noneMatch(parse(sent)::has);
                }
                assertThat(record).as(eventId).isEqualTo(storedRecords.get(eventId));
                checked.add(eventId);
            }
        }
        Set<String> selected = new TreeSet<>();
        trails.values().forEach(trail -> expected(trail).keySet().stream().filter(storedRecords::containsKey)
                .forEach(selected::add));
        assertThat(checked).isEqualTo(selected);
        assertThat(checked).anyMatch(eventId -> !Arrays.equals(sentRecords.get(eventId), bytesOf(eventId)));
        // The testdata records lack nothing: they are delivered as the very bytes sent.
        Set<String> testdataIds = Testdata.records().stream().map(record -> record.get("eventID").asText())
                .collect(Collectors.toSet());
        for (LogFile file : deliveredFiles.values().stream().flatMap(List::stream).toList()) {
            for (byte[] bytes : file.records()) {
                String eventId = parse(bytes).get("eventID").asText();
                if (testdataIds.contains(eventId)) {
                    assertThat(bytes).as(eventId).isEqualTo(sentRecords.get(eventId));
                }
            }
        }
    }

    /** The bytes of an event as first found in a delivered file. */
    private byte[] bytesOf(String eventId) {
        for (LogFile file : deliveredFiles.values().stream().flatMap(List::stream).toList()) {
            for (byte[] bytes : file.records()) {
                if (parse(bytes).get("eventID").asText().equals(eventId)) {
                    return bytes;
                }
            }
        }
        throw new AssertionError("not delivered: " + eventId);
    }

    @Test
    void delivery_otherAccountsEvents_neverReachTheFirstAccountsBuckets() {
        for (TrailCase trail : trails.values()) {
            for (LogFile file : deliveredFiles.get(trail.name())) {
                assertThat(file.key()).contains("AWSLogs/" + trail.account() + "/");
                assertThat(file.parsedRecords()).allSatisfy(record -> {
                    assertThat(record.get("recipientAccountId").asText()).isEqualTo(trail.account());
                    if (selfEvents.containsKey(record.get("eventID").asText())) {
                        assertThat(record.get("userIdentity").get("accountId").asText()).isEqualTo(trail.account());
                    }
                });
            }
        }
        Set<String> ofB = storedRecords.entrySet().stream().filter(entry -> ofAccount(entry.getValue(), ACCOUNT_B))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(ofB).contains("gen-b-eu-west-1-put-a", "gen-b-us-east-1-decrypt");
        for (String name : List.of("default-east", "writes-and-objects", "reads-and-functions", "tables",
                "east-no-global")) {
            assertThat(deliveredIds(trails.get(name))).doesNotContainAnyElementsOf(ofB);
        }
    }

    @Test
    void getTrailStatus_afterDelivery_givesTheDeliveryTime() {
        try (CloudTrailClient west = cairn.sdk(CloudTrailClient.builder(), "eu-west-1").build()) {
            for (TrailCase trail : trails.values()) {
                if (trail.account().equals(accountA)) {
                    String arn = "arn:aws:cloudtrail:" + trail.homeRegion() + ":" + accountA + ":trail/"
                            + trail.name();
                    GetTrailStatusResponse status = west.getTrailStatus(request -> request.name(arn));
                    assertThat(status.isLogging()).isTrue();
                    assertThat(status.latestDeliveryTime()).as(trail.name()).isEqualTo(DELIVERED);
                    assertThat(status.startLoggingTime()).as(trail.name()).isEqualTo(startedLogging.get(trail.name()));
                    assertThat(status.latestDeliveryError()).isNull();
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The same with the AWS CLI, on a clock that starts at the real time (the CLI signs with it)

    @Test
    void awsCli_createStartSelectDeliverStopDelete_deliversWhatTheSelectorsChooseAndKeepsTheFiles() throws Exception {
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (RunningCairn server = RunningCairn.start(data.resolve("cli"), clock, withBuckets(Map.of(
                "server.regions", "us-east-1", "delivery.interval", INTERVAL.toSeconds() + "s")))) {
            String account = server.accountId();
            String arn = "arn:aws:cloudtrail:us-east-1:" + account + ":trail/cli-trail";
            createBucket("cli-logs");

            assertThat(cli(server, "create-trail", "--name", "cli-trail", "--s3-bucket-name", "cli-logs",
                    "--s3-key-prefix", "cli")).isEqualTo(parse("{\"Name\":\"cli-trail\",\"S3BucketName\":"
                    + "\"cli-logs\",\"S3KeyPrefix\":\"cli\",\"IncludeGlobalServiceEvents\":true,"
                    + "\"IsMultiRegionTrail\":false,\"TrailARN\":\"" + arn + "\",\"LogFileValidationEnabled\":false,"
                    + "\"IsOrganizationTrail\":false}"));
            assertThat(cli(server, "start-logging", "--name", "cli-trail")).isEmpty();
            JsonNode logging = cli(server, "get-trail-status", "--name", "cli-trail");
            assertThat(logging.get("IsLogging").asBoolean()).isTrue();
            assertThat(logging.has("LatestDeliveryTime")).isFalse();

            String basic = "[{\"ReadWriteType\":\"WriteOnly\",\"IncludeManagementEvents\":true,\"DataResources\":"
                    + "[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::cli-data/\"]}]}]";
            assertThat(cli(server, "put-event-selectors", "--trail-name", "cli-trail", "--event-selectors", basic))
                    .isEqualTo(parse("{\"TrailARN\":\"" + arn + "\",\"EventSelectors\":[{\"ReadWriteType\":"
                            + "\"WriteOnly\",\"IncludeManagementEvents\":true,\"DataResources\":[{\"Type\":"
                            + "\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3:::cli-data/\"]}],"
                            + "\"ExcludeManagementEventSources\":[]}]}"));
            ingestCliBatch(server, "first");
            Instant firstDelivery = deliver(server, clock);
            JsonNode delivered = cli(server, "get-trail-status", "--name", "cli-trail");
            assertThat(epochOf(delivered.get("LatestDeliveryTime"))).isEqualTo(firstDelivery);
            assertThat(delivered.has("LatestDeliveryError")).isFalse();
            SortedMap<String, byte[]> firstFiles = objects(data.resolve("cli"), "cli-logs");
            assertThat(firstFiles.keySet()).isNotEmpty().allSatisfy(key -> assertThat(key)
                    .startsWith("cli/AWSLogs/" + account + "/CloudTrail/us-east-1/")
                    .matches(".+_CloudTrail_[\\w\\-]+_\\d{8}T\\d{4}Z_[\\w]+\\.json\\.gz"));
            assertThat(ingestedIdsIn(firstFiles.values())).containsExactlyInAnyOrder("first-write",
                    "first-put-selected");

            String advanced = "[{\"Name\":\"management reads\",\"FieldSelectors\":[{\"Field\":\"eventCategory\","
                    + "\"Equals\":[\"Management\"]},{\"Field\":\"readOnly\",\"Equals\":[\"true\"]}]},"
                    + "{\"Name\":\"reads of cli-data\",\"FieldSelectors\":[{\"Field\":\"eventCategory\",\"Equals\":"
                    + "[\"Data\"]},{\"Field\":\"resources.type\",\"Equals\":[\"AWS::S3::Object\"]},{\"Field\":"
                    + "\"resources.ARN\",\"StartsWith\":[\"arn:aws:s3:::cli-data/\"]},{\"Field\":\"readOnly\","
                    + "\"Equals\":[\"true\"]}]}]";
            assertThat(cli(server, "put-event-selectors", "--trail-name", "cli-trail", "--advanced-event-selectors",
                    advanced)).isEqualTo(parse("{\"TrailARN\":\"" + arn + "\",\"AdvancedEventSelectors\":"
                    + advanced + "}"));
            deliver(server, clock);
            ingestCliBatch(server, "second");
            Instant secondDelivery = deliver(server, clock);
            assertThat(epochOf(cli(server, "get-trail-status", "--name", "cli-trail").get("LatestDeliveryTime")))
                    .isEqualTo(secondDelivery);
            SortedMap<String, byte[]> secondFiles = objects(data.resolve("cli"), "cli-logs");
            secondFiles.keySet().removeAll(firstFiles.keySet());
            assertThat(ingestedIdsIn(secondFiles.values())).containsExactlyInAnyOrder("second-read",
                    "second-get-selected");

            assertThat(cli(server, "stop-logging", "--name", "cli-trail")).isEmpty();
            JsonNode stopped = cli(server, "get-trail-status", "--name", "cli-trail");
            assertThat(stopped.get("IsLogging").asBoolean()).isFalse();
            assertThat(stopped.has("StopLoggingTime")).isTrue();
            ingestCliBatch(server, "third");
            deliver(server, clock);
            deliver(server, clock);
            SortedMap<String, byte[]> afterStop = objects(data.resolve("cli"), "cli-logs");
            assertThat(ingestedIdsIn(afterStop.values())).doesNotContain("third-read", "third-get-selected",
                    "third-write");

            Map<String, byte[]> kept = new LinkedHashMap<>(afterStop);
            assertThat(cli(server, "delete-trail", "--name", "cli-trail")).isEmpty();
            assertThat(cli(server, "describe-trails").get("trailList")).isEmpty();
            deliver(server, clock);
            SortedMap<String, byte[]> afterDelete = objects(data.resolve("cli"), "cli-logs");
            assertThat(afterDelete.keySet()).containsExactlyElementsOf(kept.keySet());
            for (Map.Entry<String, byte[]> file : kept.entrySet()) {
                assertThat(afterDelete.get(file.getKey())).isEqualTo(file.getValue());
            }
        }
    }

    @Test
    void stopLoggingAndDeleteTrail_eachTrailsLastFileEndsWithTheCallThatEndedIt() throws Exception {
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try (RunningCairn server = RunningCairn.start(data.resolve("last-event"), clock, withBuckets(Map.of(
                "server.regions", "us-east-1", "delivery.interval", INTERVAL.toSeconds() + "s")))) {
            createBucket("last-logs");
            for (String name : List.of("stopped", "deleted")) {
                cli(server, "create-trail", "--name", name, "--s3-bucket-name", "last-logs", "--s3-key-prefix", name);
                cli(server, "start-logging", "--name", name);
            }
            deliver(server, clock);
            cli(server, "stop-logging", "--name", "stopped");
            cli(server, "delete-trail", "--name", "deleted");
            cli(server, "describe-trails");
            deliver(server, clock);
            deliver(server, clock);
            for (String name : List.of("stopped", "deleted")) {
                List<String> names = new ArrayList<>();
                for (byte[] file : objects(data.resolve("last-event"), "last-logs").tailMap(name + "/")
                        .headMap(name + "0").values()) {
                    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
                        MAPPER.readTree(in).get("Records").forEach(record -> names.add(
                                record.get("eventName").asText() + "/" + record.path("requestParameters")
                                        .path("name").asText()));
                    }
                }
                assertThat(names).as(name).last().isEqualTo((name.equals("stopped") ? "StopLogging" : "DeleteTrail")
                        + "/" + name);
                assertThat(names).as(name).doesNotContain("DescribeTrails/");
            }
        }
    }

    private static JsonNode cli(RunningCairn server, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("cloudtrail"));
        command.addAll(List.of(arguments));
        AwsCli.Result result = server.cli("us-east-1", command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        return result.stdout().isBlank() ? MAPPER.createObjectNode() : parse(result.stdout());
    }

    /** A management write and read, and S3 object writes and reads in and out of {@code cli-data}. */
    private static void ingestCliBatch(RunningCairn server, String batch) throws Exception {
        String account = server.accountId();
        List<ObjectNode> records = List.of(
                management(batch + "-write", account, "RunInstances", false),
                management(batch + "-read", account, "DescribeInstances", true),
                s3Object(batch + "-put-selected", account, "us-east-1", "PutObject", false, "cli-data", "in/a"),
                s3Object(batch + "-get-selected", account, "us-east-1", "GetObject", true, "cli-data", "in/b"),
                s3Object(batch + "-put-other", account, "us-east-1", "PutObject", false, "cli-data-2", "c"),
                s3Object(batch + "-get-other", account, "us-east-1", "GetObject", true, "other", "cli-data/d"));
        List<byte[]> bytes = new ArrayList<>();
        for (ObjectNode record : records) {
            record.put("eventTime", server.clock().instant().toString());
            bytes.add(MAPPER.writeValueAsBytes(record));
        }
        HttpResponse<String> response = server.postRecords(join(bytes), "us-east-1");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static ObjectNode management(String eventId, String account, String name, boolean readOnly) {
        return base(eventId, account, "us-east-1", "ec2.amazonaws.com", name).put("readOnly", readOnly)
                .put("eventType", "AwsApiCall").put("managementEvent", true).put("eventCategory", "Management");
    }

    /** One delivery: the batch read now is written once the interval has passed; returns the delivery time. */
    private static Instant deliver(RunningCairn server, MutableClock clock) {
        server.server().flushAudit();
        server.server().delivery().runOnce();
        clock.advance(INTERVAL);
        server.server().delivery().runOnce();
        return clock.instant();
    }

    /** The event IDs of the test's own records (not Cairn's audit events) in {@code files}. */
    private static List<String> ingestedIdsIn(Collection<byte[]> files) throws IOException {
        List<String> ids = new ArrayList<>();
        for (byte[] file : files) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
                for (JsonNode record : MAPPER.readTree(in).get("Records")) {
                    if (!record.get("eventSource").asText().equals(SELF)) {
                        ids.add(record.get("eventID").asText());
                    }
                }
            }
        }
        return ids;
    }

    /** A timestamp as the AWS CLI prints it: epoch seconds (CLI v1) or ISO 8601 (CLI v2). */
    private static Instant epochOf(JsonNode timestamp) {
        assertThat(timestamp).isNotNull();
        if (timestamp.isNumber()) {
            return Instant.ofEpochMilli(Math.round(timestamp.asDouble() * 1000));
        }
        return OffsetDateTime.parse(timestamp.asText()).toInstant();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Selectors changed while a trail logs

    @Test
    void putEventSelectors_whileABatchIsOpen_appliesToTheEventsThatFollow() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (RunningCairn server = RunningCairn.start(data.resolve("selectors-open-batch"), clock, withBuckets(Map.of(
                "delivery.interval", INTERVAL.toSeconds() + "s")));
             CloudTrailClient client = server.sdk(CloudTrailClient.builder(), "us-east-1").build()) {
            createBucket("changing-logs");
            client.createTrail(request -> request.name("changing").s3BucketName("changing-logs"));
            client.startLogging(request -> request.name("changing"));
            server.server().flushAudit();
            server.server().delivery().runOnce();

            client.putEventSelectors(request -> request.trailName("changing").eventSelectors(EventSelector.builder()
                    .includeManagementEvents(false).dataResources(DataResource.builder().type(S3_OBJECT)
                            .values("arn:aws:s3:::cli-data/").build()).build()));
            ingestCliBatch(server, "after-change");
            deliver(server, clock);

            assertThat(ingestedIdsIn(objects(data.resolve("selectors-open-batch"), "changing-logs").values()))
                    .containsExactlyInAnyOrder("after-change-put-selected", "after-change-get-selected");
        }
    }

    @Test
    void putEventSelectors_afterSelectorsThatChoseNothing_applyWithinAnInterval() throws Exception {
        MutableClock clock = new MutableClock(START);
        try (RunningCairn server = RunningCairn.start(data.resolve("selectors-empty-batch"), clock, withBuckets(Map.of(
                "delivery.interval", INTERVAL.toSeconds() + "s")));
             CloudTrailClient client = server.sdk(CloudTrailClient.builder(), "us-east-1").build()) {
            createBucket("changing-logs");
            client.createTrail(request -> request.name("changing").s3BucketName("changing-logs"));
            client.putEventSelectors(request -> request.trailName("changing").eventSelectors(EventSelector.builder()
                    .includeManagementEvents(false).dataResources(DataResource.builder().type(LAMBDA)
                            .values("arn:aws:lambda").build()).build()));
            client.startLogging(request -> request.name("changing"));
            deliver(server, clock);
            deliver(server, clock);

            client.putEventSelectors(request -> request.trailName("changing").eventSelectors(EventSelector.builder()
                    .readWriteType(ReadWriteType.ALL).includeManagementEvents(true).build()));
            deliver(server, clock);
            ingestCliBatch(server, "after-change");
            deliver(server, clock);
            deliver(server, clock);

            assertThat(ingestedIdsIn(objects(data.resolve("selectors-empty-batch"), "changing-logs").values()))
                    .containsExactlyInAnyOrder("after-change-write", "after-change-read");
        }
    }
}
