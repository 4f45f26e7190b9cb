package cairn.capture.proxy;

import cairn.capture.AuditClient;
import cairn.capture.Mode;
import cairn.capture.proxy.ProxyTesting.Cli;
import cairn.server.identity.PermissionSet;
import cairn.server.testing.RunningCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static cairn.capture.proxy.ProxyTesting.CALLER_KEY;
import static cairn.capture.proxy.ProxyTesting.JSON;
import static cairn.capture.proxy.ProxyTesting.aws;
import static cairn.capture.proxy.ProxyTesting.lookup;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acceptance of {@code cairn proxy}: a {@link RecordingProxy} (in-process, {@link AwsNamer}, fail-open, recording into
 * an in-process Cairn with a writer's key) in front of moto. Real AWS CLI calls (S3's REST XML protocol, IAM's and
 * STS's query protocol, DynamoDB's JSON protocol; successes and failures; a 2 MB upload and download) are made through
 * the proxy to one moto and, alike, directly to another, fresh moto: each call must answer the same both ways. Then
 * Cairn's LookupEvents must show each proxied call once, named as CloudTrail names it, with the CLI's key as the
 * caller, the right readOnly, errorCode and errorMessage for failures, and the request's parameters.
 */
final class RecordingProxyTest {
    static {
        // As the cairn command does, before anything in this JVM may have used the JDK's HTTP client.
        ProxyTesting.allowHostHeader();
    }

    private static final String BUCKET = "cairn-proxy-acceptance";
    /** Fields whose values legitimately differ between two moto servers (times, random IDs). */
    private static final Set<String> VARYING = Set.of("LastModified", "CreateDate", "UserId", "CreationDateTime",
            "TableId");

    @TempDir
    static Path folder;

    private static Moto behindProxy;
    private static Moto direct;
    private static RunningCairn cairn;
    private static AuditClient client;
    private static RecordingProxy proxy;
    private static byte[] small;
    private static byte[] big;
    /** Each step's CLI run through the proxy and directly, by step. */
    private static final Map<String, Cli[]> RUNS = new LinkedHashMap<>();

    @BeforeAll
    static void runEveryCallBothWays() throws Exception {
        CompletableFuture<Moto> first = CompletableFuture.supplyAsync(RecordingProxyTest::warmMoto);
        CompletableFuture<Moto> second = CompletableFuture.supplyAsync(RecordingProxyTest::warmMoto);
        cairn = RunningCairn.start(folder.resolve("cairn"), Clock.systemUTC(), Map.of());
        AwsCredentialsIdentity writer = cairn.newUser(cairn.accountId(), "proxy-writer", PermissionSet.WRITER);
        client = ProxyTesting.auditClient(cairn.endpoint(), writer, folder.resolve("spill")).build();
        behindProxy = first.join();
        direct = second.join();
        proxy = ProxyTesting.proxy(behindProxy.endpoint(), ProxyTesting.recorder(16 * 1024), client, Mode.FAIL_OPEN);

        small = "hello, cairn proxy\n".getBytes(StandardCharsets.UTF_8);
        big = new byte[2 * 1024 * 1024 + 17];
        new Random(42).nextBytes(big);
        for (String side : List.of("proxied", "direct")) {
            Files.createDirectories(folder.resolve(side));
            Files.write(folder.resolve(side).resolve("small.txt"), small);
            Files.write(folder.resolve(side).resolve("big.bin"), big);
        }
        // Stages run one after the other; the calls of a stage do not depend on each other, and run at once.
        List<Map<String, String[]>> stages = List.of(new LinkedHashMap<>(), new LinkedHashMap<>(),
                new LinkedHashMap<>(), new LinkedHashMap<>());
        stages.get(0).put("create-bucket", new String[]{"s3api", "create-bucket", "--bucket", BUCKET});
        stages.get(0).put("create-user", new String[]{"iam", "create-user", "--user-name", "proxy-alice"});
        stages.get(0).put("get-nobody", new String[]{"iam", "get-user", "--user-name", "nobody"});
        stages.get(0).put("caller", new String[]{"sts", "get-caller-identity"});
        stages.get(0).put("create-table", new String[]{"dynamodb", "create-table", "--table-name", "proxy-table",
                "--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema",
                "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST"});
        stages.get(0).put("describe-missing", new String[]{"dynamodb", "describe-table", "--table-name", "nope"});
        stages.get(1).put("put-small", new String[]{"s3api", "put-object", "--bucket", BUCKET, "--key", "small.txt",
                "--body", "small.txt", "--content-type", "text/plain"});
        stages.get(1).put("put-big", new String[]{"s3api", "put-object", "--bucket", BUCKET, "--key", "big.bin",
                "--body", "big.bin"});
        stages.get(1).put("list-users", new String[]{"iam", "list-users"});
        stages.get(1).put("list-tables", new String[]{"dynamodb", "list-tables"});
        stages.get(2).put("head-big", new String[]{"s3api", "head-object", "--bucket", BUCKET, "--key", "big.bin"});
        stages.get(2).put("get-big", new String[]{"s3api", "get-object", "--bucket", BUCKET, "--key", "big.bin",
                "got-big.bin"});
        stages.get(2).put("get-small", new String[]{"s3api", "get-object", "--bucket", BUCKET, "--key", "small.txt",
                "got-small.txt"});
        stages.get(2).put("list", new String[]{"s3api", "list-objects-v2", "--bucket", BUCKET});
        stages.get(2).put("get-missing", new String[]{"s3api", "get-object", "--bucket", BUCKET, "--key",
                "missing.txt", "got-missing.txt"});
        stages.get(3).put("delete-small", new String[]{"s3api", "delete-object", "--bucket", BUCKET, "--key",
                "small.txt"});
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            URI throughProxy = URI.create("http://127.0.0.1:" + proxy.port());
            for (Map<String, String[]> stage : stages) {
                Map<String, CompletableFuture<Cli[]>> running = new LinkedHashMap<>();
                stage.forEach((step, arguments) -> {
                    CompletableFuture<Cli> proxied = CompletableFuture.supplyAsync(
                            () -> aws(throughProxy, folder.resolve("proxied"), arguments), pool);
                    CompletableFuture<Cli> straight = CompletableFuture.supplyAsync(
                            () -> aws(direct.endpoint(), folder.resolve("direct"), arguments), pool);
                    running.put(step, proxied.thenCombine(straight, (a, b) -> new Cli[]{a, b}));
                });
                running.forEach((step, runs) -> RUNS.put(step, runs.join()));
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * A moto that has served each service once: moto loads a service's code at its first call, which takes seconds
     * of CPU, better spent while Cairn starts. These reads change nothing.
     */
    private static Moto warmMoto() {
        try {
            Moto moto = new Moto();
            HttpClient http = HttpClient.newHttpClient();
            for (String[] call : List.of(new String[]{"s3", "", ""},
                    new String[]{"iam", "Action=ListUsers&Version=2010-05-08", ""},
                    new String[]{"sts", "Action=GetCallerIdentity&Version=2011-06-15", ""},
                    new String[]{"dynamodb", "{}", "DynamoDB_20120810.ListTables"})) {
                HttpRequest.Builder request = HttpRequest.newBuilder(moto.endpoint().resolve("/"))
                        .timeout(Duration.ofSeconds(20))
                        .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + CALLER_KEY + "/20260101/"
                                + "us-east-1/" + call[0] + "/aws4_request, SignedHeaders=host, Signature=00");
                if (call[0].equals("s3")) {
                    request.GET();
                } else if (call[2].isEmpty()) {
                    request.header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(call[1]));
                } else {
                    request.header("Content-Type", "application/x-amz-json-1.0").header("X-Amz-Target", call[2])
                            .POST(HttpRequest.BodyPublishers.ofString(call[1]));
                }
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("warming moto up: " + call[0] + " answered "
                            + response.statusCode() + ": " + response.body());
                }
            }
            return moto;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (client != null) {
            client.close();
        }
        if (cairn != null) {
            cairn.close();
        }
        for (Moto moto : new Moto[]{behindProxy, direct}) {
            if (moto != null) {
                moto.close();
            }
        }
    }

    @Test
    void everyCall_answersThroughTheProxyAsDirectly() throws IOException {
        SoftAssertions softly = new SoftAssertions();
        RUNS.forEach((step, runs) -> {
            if (step.equals("head-big")) {
                return; // Its own test, below.
            }
            Cli proxied = runs[0];
            Cli straight = runs[1];
            softly.assertThat(proxied.exitCode()).as(step + ": exit code; " + proxied + " vs " + straight)
                    .isEqualTo(straight.exitCode());
            softly.assertThat(proxied.stderr()).as(step + ": stderr").isEqualTo(straight.stderr());
            softly.assertThat(comparable(proxied.stdout())).as(step + ": stdout").isEqualTo(comparable(
                    straight.stdout()));
        });
        // The calls meant to fail did, as moto says; the others did not.
        RUNS.forEach((step, runs) -> softly.assertThat(runs[1].exitCode()).as(step + " directly: " + runs[1])
                .isEqualTo(Set.of("get-missing", "get-nobody", "describe-missing").contains(step) ? 255 : 0));
        softly.assertThat(RUNS.get("get-missing")[0].stderr()).contains("(NoSuchKey)");
        softly.assertThat(RUNS.get("get-nobody")[0].stderr()).contains("(NoSuchEntity)");
        softly.assertThat(RUNS.get("describe-missing")[0].stderr()).contains("(ResourceNotFoundException)");
        for (String side : List.of("proxied", "direct")) {
            softly.assertThat(Files.readAllBytes(folder.resolve(side).resolve("got-big.bin"))).as(side + " big")
                    .isEqualTo(big);
            softly.assertThat(Files.readAllBytes(folder.resolve(side).resolve("got-small.txt"))).as(side + " small")
                    .isEqualTo(small);
        }
        softly.assertAll();
    }

    /**
     * A HEAD answer has no body, but its Content-Length says how long the object is: {@code aws s3api head-object},
     * every SDK's HeadObject, and {@code aws s3 cp s3://bucket/key .} (which sizes its download by a HeadObject, and
     * through the proxy dies with "fatal error: 'ContentLength'") read the size from it.
     */
    @Test
    void headObject_answersTheObjectsContentLength() {
        Cli proxied = RUNS.get("head-big")[0];
        Cli straight = RUNS.get("head-big")[1];
        assertThat(straight.exitCode()).as(straight.toString()).isZero();
        assertThat(((JsonNode) comparable(straight.stdout())).path("ContentLength").asLong())
                .isEqualTo(big.length);
        assertThat(proxied.exitCode()).as(proxied.toString()).isZero();
        assertThat(comparable(proxied.stdout())).as("head-object through the proxy")
                .isEqualTo(comparable(straight.stdout()));
    }

    /** What a record is expected to say, besides what every record says. */
    private record Expected(String source, String name, boolean readOnly, Optional<String> errorCode,
                            Optional<String> errorMessage, Map<String, String> parameters) {
        static Expected ok(String source, String name, boolean readOnly, String... parameters) {
            return new Expected(source, name, readOnly, Optional.empty(), Optional.empty(), pairs(parameters));
        }

        static Expected failed(String source, String name, boolean readOnly, String code, String message,
                               String... parameters) {
            return new Expected(source, name, readOnly, Optional.of(code), Optional.of(message), pairs(parameters));
        }

        private static Map<String, String> pairs(String... parameters) {
            Map<String, String> pairs = new LinkedHashMap<>();
            for (int i = 0; i < parameters.length; i += 2) {
                pairs.put(parameters[i], parameters[i + 1]);
            }
            return pairs;
        }

        boolean matches(JsonNode record) {
            if (!record.path("eventName").asText().equals(name)) {
                return false;
            }
            for (Map.Entry<String, String> parameter : parameters.entrySet()) {
                if (!record.path("requestParameters").path(parameter.getKey()).asText("\u0000")
                        .equals(parameter.getValue())) {
                    return false;
                }
            }
            return true;
        }
    }

    @Test
    void everyCall_isInTheHistory_asCloudTrailRecordsIt() throws Exception {
        ProxyTesting.flushed(client, RUNS.size());
        String s3 = "s3.amazonaws.com";
        String iam = "iam.amazonaws.com";
        String sts = "sts.amazonaws.com";
        String dynamodb = "dynamodb.amazonaws.com";
        List<Expected> expected = List.of(
                Expected.ok(s3, "CreateBucket", false, "bucketName", BUCKET),
                Expected.ok(s3, "PutObject", false, "bucketName", BUCKET, "key", "small.txt"),
                Expected.ok(s3, "PutObject", false, "bucketName", BUCKET, "key", "big.bin"),
                Expected.ok(s3, "HeadObject", true, "bucketName", BUCKET, "key", "big.bin"),
                Expected.ok(s3, "GetObject", true, "bucketName", BUCKET, "key", "big.bin"),
                Expected.ok(s3, "GetObject", true, "bucketName", BUCKET, "key", "small.txt"),
                Expected.ok(s3, "ListObjects", true, "bucketName", BUCKET, "list-type", "2"),
                Expected.failed(s3, "GetObject", true, "NoSuchKey", "The specified key does not exist.",
                        "bucketName", BUCKET, "key", "missing.txt"),
                Expected.ok(s3, "DeleteObject", false, "bucketName", BUCKET, "key", "small.txt"),
                Expected.ok(iam, "CreateUser", false, "userName", "proxy-alice"),
                Expected.ok(iam, "ListUsers", true),
                Expected.failed(iam, "GetUser", true, "NoSuchEntity", "The user with name nobody cannot be found.",
                        "userName", "nobody"),
                Expected.ok(sts, "GetCallerIdentity", true),
                Expected.ok(dynamodb, "CreateTable", false, "tableName", "proxy-table", "billingMode",
                        "PAY_PER_REQUEST"),
                Expected.ok(dynamodb, "ListTables", true),
                Expected.failed(dynamodb, "DescribeTable", true, "ResourceNotFoundException",
                        "Requested resource not found: Table: nope not found", "tableName", "nope"));
        SoftAssertions softly = new SoftAssertions();
        for (String source : List.of(s3, iam, sts, dynamodb)) {
            List<JsonNode> records = lookup(cairn, LookupAttributeKey.EVENT_SOURCE, source);
            List<Expected> ofSource = expected.stream().filter(call -> call.source().equals(source)).toList();
            softly.assertThat(records).as(source + ": one record per call: " + records).hasSize(ofSource.size());
            for (Expected call : ofSource) {
                List<JsonNode> found = records.stream().filter(call::matches).toList();
                softly.assertThat(found).as(call + " in " + records).hasSize(1);
                if (found.size() != 1) {
                    continue;
                }
                JsonNode record = found.getFirst();
                String what = call.name() + " " + call.parameters() + ": " + record;
                softly.assertThat(record.path("eventSource").asText()).as(what).isEqualTo(source);
                softly.assertThat(record.path("readOnly").asBoolean(!call.readOnly())).as(what + " readOnly")
                        .isEqualTo(call.readOnly());
                softly.assertThat(record.path("userIdentity").path("type").asText()).as(what).isEqualTo("IAMUser");
                softly.assertThat(record.path("userIdentity").path("accessKeyId").asText()).as(what)
                        .isEqualTo(CALLER_KEY);
                softly.assertThat(record.path("sourceIPAddress").asText()).as(what).isEqualTo("127.0.0.1");
                softly.assertThat(record.path("awsRegion").asText()).as(what).isEqualTo("us-east-1");
                softly.assertThat(record.path("userAgent").asText()).as(what).startsWith("aws-cli/");
                softly.assertThat(record.path("eventType").asText()).as(what).isEqualTo("AwsApiCall");
                softly.assertThat(record.path("recipientAccountId").asText()).as(what).isEqualTo(cairn.accountId());
                softly.assertThat(record.path("errorCode").asText(null)).as(what + " errorCode")
                        .isEqualTo(call.errorCode().orElse(null));
                softly.assertThat(record.path("errorMessage").asText(null)).as(what + " errorMessage")
                        .isEqualTo(call.errorMessage().orElse(null));
                // CloudTrail writes the field names of AWS's query and JSON protocols lowerCamelCase (UserName → userName).
        // No body of S3's was JSON: nothing of the 2 MB object is in its records.
                softly.assertThat(record.toString().length()).as(what + " size").isLessThan(4096);
            }
        }
        JsonNode createTable = lookup(cairn, LookupAttributeKey.EVENT_NAME, "CreateTable").getFirst();
        softly.assertThat(createTable.path("responseElements").path("tableDescription").path("tableName").asText())
                .as("a JSON write's response: " + createTable).isEqualTo("proxy-table");
        softly.assertThat(createTable.path("requestParameters").path("keySchema").path(0).path("attributeName")
                .asText()).as("a JSON request's body: " + createTable).isEqualTo("id");
        softly.assertAll();
    }

    /** A CLI answer with the values that differ between two motos (times, random IDs) set aside. */
    private static Object comparable(String stdout) {
        if (stdout.isBlank()) {
            return stdout;
        }
        try {
            JsonNode tree = JSON.readTree(stdout);
            setAside(tree);
            return tree;
        } catch (IOException e) {
            return stdout;
        }
    }

    private static void setAside(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            for (String name : names) {
                if (VARYING.contains(name)) {
                    object.put(name, "(varies)");
                } else {
                    setAside(object.get(name));
                }
            }
        } else if (node.isArray()) {
            node.forEach(RecordingProxyTest::setAside);
        }
    }
}
