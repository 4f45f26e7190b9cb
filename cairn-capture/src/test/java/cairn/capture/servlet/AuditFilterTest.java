package cairn.capture.servlet;

import cairn.capture.AuditClient;
import cairn.capture.CallRecorder;
import cairn.capture.Mode;
import cairn.capture.Route;
import cairn.capture.testing.Drain;
import cairn.capture.testing.LocalCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static cairn.capture.testing.Callers.REDACTION_KEY;
import static cairn.capture.testing.Callers.basic;
import static cairn.capture.testing.Callers.bearer;
import static cairn.capture.testing.Callers.hmac;
import static cairn.capture.testing.Callers.sigV4;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sample service on embedded Tomcat behind the fail-open {@link AuditFilter}, sending to a real Cairn: every call
 * is in Cairn's history, as the AWS SDK looks it up, with who made it and with what, and the service answers as it
 * would without the filter.
 */
final class AuditFilterTest {
    static final String SOURCE = "users.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;
    @TempDir
    Path spill;
    @TempDir
    Path tomcatDir;

    private LocalCairn cairn;
    private AuditClient client;
    private SampleService service;

    static CallRecorder recorder() {
        return CallRecorder.builder(SOURCE, REDACTION_KEY)
                .route(Route.of("POST", "/users", "CreateUser"))
                .route(Route.of("GET", "/users/{userId}", "GetUser"))
                .route(Route.of("DELETE", "/users/{userId}", "DeleteUser"))
                .trustProxy("127.0.0.1")
                .build();
    }

    @BeforeEach
    void start() throws Exception {
        cairn = LocalCairn.start(data);
        client = AuditClient.builder(cairn.endpoint(), cairn.writer()).spillFolder(spill).shutdownHook(false)
                .clock(cairn.clock()).maxBackoff(Duration.ofMillis(200)).build();
        service = new SampleService(tomcatDir, new AuditFilter(recorder(), client, Mode.FAIL_OPEN,
                Duration.ofSeconds(5), cairn.clock()));
    }

    @AfterEach
    void stop() throws Exception {
        service.close();
        client.close();
        cairn.close();
    }

    private static HttpRequest.BodyPublisher json(String body) {
        return HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    }

    private JsonNode only(LookupAttributeKey key, String value) {
        List<Event> events = cairn.lookup(key, value);
        assertThat(events).as("events with %s %s", key, value).hasSize(1);
        return LocalCairn.record(events.getFirst());
    }

    @Test
    void calls_ofBearerBasicSigV4AndAnonymousCallers_areInTheHistoryAsTheyHappened() throws Exception {
        HttpResponse<String> created = service.send(service.request("/users")
                .header("Authorization", bearer("alice", "https://login.example.com"))
                .header("Content-Type", "application/json")
                .POST(json("{\"name\":\"alice\",\"password\":\"hunter2\",\"profile\":{\"token\":\"t-1\"}}")));
        HttpResponse<String> got = service.send(service.request("/users/1")
                .header("Authorization", basic("bob", "bobs-password"))
                .header("X-Forwarded-For", "198.51.100.7").GET());
        HttpResponse<String> deleted = service.send(service.request("/users/404")
                .header("Authorization", sigV4("AKIDSAMPLECALLER")).DELETE());
        HttpResponse<String> report = service.send(service.request("/reports?year=2026&format=csv").GET());

        // The service's answers are its own.
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"id\":\"1\",\"name\":\"alice\"}");
        assertThat(created.headers().firstValue("Location")).contains("/users/1");
        assertThat(created.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo("{\"id\":\"1\",\"name\":\"user-1 \u00e9\"}");
        assertThat(got.headers().firstValue("Content-Type")).contains("application/json;charset=UTF-8");
        assertThat(deleted.statusCode()).isEqualTo(404);
        assertThat(deleted.body()).isEqualTo("{\"__type\":\"UserNotFound\",\"message\":\"No user 404\"}");
        assertThat(report.statusCode()).isEqualTo(500);
        assertThat(service.invocations()).isEqualTo(4);

        Drain.sent(client, 4);
        String eventTime = cairn.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString();

        JsonNode create = only(LookupAttributeKey.EVENT_NAME, "CreateUser");
        assertThat(create.get("eventSource").asText()).isEqualTo(SOURCE);
        assertThat(create.get("eventTime").asText()).isEqualTo(eventTime);
        assertThat(create.get("awsRegion").asText()).isEqualTo("us-east-1");
        assertThat(create.get("userIdentity")).isEqualTo(JSON.readTree("{\"type\":\"WebIdentityUser\","
                + "\"principalId\":\"https://login.example.com:alice\",\"userName\":\"alice\","
                + "\"identityProvider\":\"https://login.example.com\"}"));
        assertThat(create.get("sourceIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(create.get("userAgent").asText()).isEqualTo("sample-client/1.0");
        assertThat(create.get("requestParameters")).isEqualTo(JSON.readTree("{\"name\":\"alice\",\"password\":\""
                + hmac(REDACTION_KEY, "hunter2") + "\",\"profile\":{\"token\":\"" + hmac(REDACTION_KEY, "t-1")
                + "\"}}"));
        assertThat(create.get("responseElements")).isEqualTo(JSON.readTree("{\"id\":\"1\",\"name\":\"alice\"}"));
        assertThat(create.get("readOnly").asBoolean()).isFalse();
        assertThat(create.has("errorCode")).isFalse();
        assertThat(create.get("recipientAccountId").asText()).isNotEmpty();
        assertThat(create.toString()).doesNotContain("hunter2");
        assertThat(cairn.lookup(LookupAttributeKey.USERNAME, "alice")).extracting(Event::eventName)
                .containsExactly("CreateUser");

        Event getEvent = cairn.lookup(LookupAttributeKey.USERNAME, "bob").getFirst();
        JsonNode get = LocalCairn.record(getEvent);
        assertThat(getEvent.eventName()).isEqualTo("GetUser");
        assertThat(getEvent.readOnly()).isEqualTo("true");
        assertThat(get.get("userIdentity")).isEqualTo(JSON.readTree(
                "{\"type\":\"IAMUser\",\"principalId\":\"bob\",\"userName\":\"bob\"}"));
        assertThat(get.get("sourceIPAddress").asText()).isEqualTo("198.51.100.7");
        assertThat(get.get("requestParameters")).isEqualTo(JSON.readTree("{\"userId\":\"1\"}"));
        assertThat(get.get("responseElements").isNull()).isTrue();
        assertThat(get.toString()).doesNotContain("bobs-password");

        Event deleteEvent = cairn.lookup(LookupAttributeKey.ACCESS_KEY_ID, "AKIDSAMPLECALLER").getFirst();
        JsonNode delete = LocalCairn.record(deleteEvent);
        assertThat(deleteEvent.eventName()).isEqualTo("DeleteUser");
        assertThat(delete.get("userIdentity")).isEqualTo(JSON.readTree("{\"type\":\"IAMUser\","
                + "\"principalId\":\"AKIDSAMPLECALLER\",\"accessKeyId\":\"AKIDSAMPLECALLER\"}"));
        assertThat(delete.get("errorCode").asText()).isEqualTo("UserNotFound");
        assertThat(delete.get("errorMessage").asText()).isEqualTo("No user 404");
        assertThat(delete.get("requestParameters")).isEqualTo(JSON.readTree("{\"userId\":\"404\"}"));
        assertThat(delete.get("responseElements").isNull()).isTrue();

        JsonNode failed = only(LookupAttributeKey.EVENT_NAME, "ListReports");
        assertThat(failed.get("userIdentity")).isEqualTo(JSON.readTree(
                "{\"type\":\"AWSAccount\",\"principalId\":\"\",\"accountId\":\"anonymous\"}"));
        assertThat(failed.get("errorCode").asText()).isEqualTo("IllegalStateException");
        assertThat(failed.get("errorMessage").asText()).isEqualTo("report store is down");
        assertThat(failed.get("requestParameters")).isEqualTo(JSON.readTree(
                "{\"year\":\"2026\",\"format\":\"csv\"}"));

        List<JsonNode> all = cairn.records(SOURCE);
        assertThat(all).extracting(record -> record.get("eventName").asText())
                .containsExactlyInAnyOrder("CreateUser", "GetUser", "DeleteUser", "ListReports");
        assertThat(all).extracting(record -> record.get("eventID").asText()).doesNotHaveDuplicates();
        assertThat(client.sent()).isEqualTo(4);
        assertThat(client.spilled()).isZero();
    }

    @Test
    void bigBodies_streamThroughWhole_andTheRecordKeepsAMarkedPrefix() throws Exception {
        String upload = "{\"data\":\"" + "x".repeat(49_989) + "\"}";
        assertThat(upload).hasSize(50_000);
        HttpResponse<String> stored = service.send(service.request("/blobs")
                .header("Content-Type", "application/json").POST(json(upload)));
        HttpResponse<byte[]> download = service.sendForBytes(service.request("/blobs/200000").GET());

        assertThat(stored.statusCode()).isEqualTo(201);
        assertThat(stored.body()).isEqualTo("{\"bytes\":50000}");
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(SampleService.blob(200_000));

        Drain.sent(client, 2);
        JsonNode create = only(LookupAttributeKey.EVENT_NAME, "CreateBlob");
        assertThat(create.get("requestParameters")).isEqualTo(JSON.readTree("{\"body\":{\"cairnTruncated\":true,"
                + "\"bytes\":50000,\"prefix\":" + JSON.writeValueAsString(upload.substring(0, 16 * 1024)) + "}}"));
        assertThat(create.get("responseElements")).isEqualTo(JSON.readTree("{\"bytes\":50000}"));
        JsonNode get = only(LookupAttributeKey.EVENT_NAME, "GetBlob");
        assertThat(get.get("requestParameters").isNull()).isTrue();
        assertThat(get.get("responseElements").isNull()).isTrue();
        assertThat(get.has("errorCode")).isFalse();
    }

    /**
     * Fail-open: "the call is served whatever happens to its record". Once the client is closed (its JVM shutdown hook
     * runs while the container still finishes calls), {@code client.send} throws IllegalStateException from the
     * filter's finally block, and a call that already ran is answered 500. (Fails: see the report.)
     */
    @Test
    void failOpen_clientClosed_callIsStillServed() throws Exception {
        client.close();
        HttpResponse<String> created = service.send(service.request("/users")
                .header("Content-Type", "application/json").POST(json("{\"name\":\"late\"}")));
        assertThat(service.invocations()).isEqualTo(1);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"id\":\"1\",\"name\":\"late\"}");
    }

    /**
     * One caller's request must not hold back the records of every other call. A JSON body nested deeper than Cairn
     * reads (64 levels) makes a record Cairn cannot take (today its reader even fails with a NullPointerException,
     * a 500), and as the error names no record the client retries that batch, spilled, for ever, and sends nothing
     * after it. (Fails: see the report.)
     */
    @Test
    void deeplyNestedBody_doesNotHoldBackTheRecordsOfOtherCalls() throws Exception {
        String deep = "{\"name\":\"mallory\",\"tags\":" + "[".repeat(70) + "]".repeat(70) + "}";
        assertThat(service.send(service.request("/users").header("Content-Type", "application/json")
                .POST(json(deep))).statusCode()).isEqualTo(201);
        assertThat(service.send(service.request("/users").header("Content-Type", "application/json")
                .header("Authorization", basic("zed", "pw")).POST(json("{\"name\":\"zed\"}"))).statusCode())
                .isEqualTo(201);
        Drain.tryUntil(client, Duration.ofSeconds(2),
                () -> !cairn.lookup(LookupAttributeKey.USERNAME, "zed").isEmpty());
        assertThat(cairn.lookup(LookupAttributeKey.USERNAME, "zed")).extracting(Event::eventName)
                .containsExactly("CreateUser");
    }
}
