package cairn.capture;

import cairn.model.record.ParsedRecord;
import cairn.model.record.RecordReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The recorder alone: exchanges built by hand become CloudTrail records. Every record a test makes goes through
 * {@link #record(CallRecorder, Call)}, which also checks that it is one line of JSON with an eventID that Cairn's own
 * record reader accepts in a batch.
 */
final class CallRecorderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final Instant TIME = Instant.parse("2026-02-01T10:15:30.123Z");
    private static final String SOURCE = "orders.example.com";

    private static final CallRecorder PLAIN = CallRecorder.builder(SOURCE, KEY).build();

    // ---------------------------------------------------------------------------------------------------------------
    // A call built by hand, and the record the recorder makes of it.

    /** A call as a recorder sees it; defaults: a GET / from 203.0.113.5 answered 200 with no body. */
    private static final class Call {
        String method;
        String path;
        Optional<String> query = Optional.empty();
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        String peer = "203.0.113.5";
        Optional<String> principal = Optional.empty();
        byte[] body = new byte[0];
        long bodyLength = 0;
        int status = 200;
        final Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
        byte[] responseBody = new byte[0];
        long responseLength = 0;
        Optional<Throwable> failure = Optional.empty();

        Call(String method, String pathAndQuery) {
            this.method = method;
            int mark = pathAndQuery.indexOf('?');
            this.path = mark < 0 ? pathAndQuery : pathAndQuery.substring(0, mark);
            this.query = mark < 0 ? Optional.empty() : Optional.of(pathAndQuery.substring(mark + 1));
        }

        Call header(String name, String value) {
            headers.computeIfAbsent(name, ignored -> new ArrayList<>()).add(value);
            return this;
        }

        Call from(String address) {
            this.peer = address;
            return this;
        }

        Call principal(String name) {
            this.principal = Optional.of(name);
            return this;
        }

        Call json(String text) {
            header("Content-Type", "application/json");
            this.body = text.getBytes(StandardCharsets.UTF_8);
            this.bodyLength = body.length;
            return this;
        }

        Call respond(int code) {
            this.status = code;
            return this;
        }

        Call respond(int code, String contentType, String text) {
            this.status = code;
            responseHeaders.put("Content-Type", List.of(contentType));
            this.responseBody = text.getBytes(StandardCharsets.UTF_8);
            this.responseLength = responseBody.length;
            return this;
        }

        Call fail(Throwable thrown) {
            this.failure = Optional.of(thrown);
            this.status = 500;
            return this;
        }

        Exchange exchange() {
            return new Exchange(TIME, method, path, query, headers, peer, principal, body, bodyLength, status,
                    responseHeaders, responseBody, responseLength, failure);
        }
    }

    private static Call call(String method, String pathAndQuery) {
        return new Call(method, pathAndQuery);
    }

    /**
     * The record of the call, after checking what every record must be: one line of JSON with an eventID (a UUID),
     * accepted by Cairn's record reader as a batch of one.
     */
    private static JsonNode record(CallRecorder recorder, Call call) throws Exception {
        byte[] bytes = recorder.record(call.exchange());
        assertAccepted(bytes);
        return JSON.readTree(bytes);
    }

    private static JsonNode record(Call call) throws Exception {
        return record(PLAIN, call);
    }

    private static void assertAccepted(byte[] bytes) throws Exception {
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\n").doesNotContain("\r");
        List<ParsedRecord> parsed = RecordReader.readBatch(("{\"Records\":[" + text + "]}")
                .getBytes(StandardCharsets.UTF_8), 10);
        assertThat(parsed).hasSize(1);
        String eventId = parsed.getFirst().eventId().orElseThrow();
        assertThat(UUID.fromString(eventId).toString()).isEqualTo(eventId);
        assertThat(JSON.readTree(bytes).get("eventID").asText()).isEqualTo(eventId);
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String hmac(byte[] key, String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** An unsigned JWT ({@code alg: none}) with these claims. */
    private static String jwt(String claims) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return encoder.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + encoder.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The whole record.

    @Test
    void record_postAnsweredWithJson_isTheWholeCloudTrailRecord() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY).region("eu-west-1").account("111122223333")
                .route(Route.of("POST", "/customers/{customerId}/orders", "CreateOrder")).build();
        Call call = call("POST", "/customers/c-9/orders?dryRun=false").principal("alice")
                .header("User-Agent", "orders-cli/2.1").json("{\"item\":\"book\",\"quantity\":2}")
                .respond(201, "application/json", "{\"orderId\":\"o-1\",\"state\":\"NEW\"}");
        call.responseHeaders.put("X-Request-Id", List.of("req-77"));

        JsonNode record = record(recorder, call);

        assertThat(record.fieldNames()).toIterable().containsExactly("eventVersion", "userIdentity", "eventTime",
                "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "requestParameters",
                "responseElements", "requestID", "eventID", "readOnly", "eventType", "managementEvent",
                "recipientAccountId", "eventCategory");
        ((ObjectNode) record).remove("eventID");
        assertThat(record).isEqualTo(json("""
                {"eventVersion":"1.11",
                 "userIdentity":{"type":"IAMUser","principalId":"alice","userName":"alice"},
                 "eventTime":"2026-02-01T10:15:30Z","eventSource":"orders.example.com","eventName":"CreateOrder",
                 "awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.5","userAgent":"orders-cli/2.1",
                 "requestParameters":{"customerId":"c-9","dryRun":"false","item":"book","quantity":2},
                 "responseElements":{"orderId":"o-1","state":"NEW"},
                 "requestID":"req-77","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,
                 "recipientAccountId":"111122223333","eventCategory":"Management"}"""));
    }

    @Test
    void record_sameCallTwice_getsTwoEventIds() throws Exception {
        Call call = call("GET", "/orders");
        assertThat(record(call).get("eventID").asText()).isNotEqualTo(record(call).get("eventID").asText());
    }

    @Test
    void record_noRequestIdHeader_getsAFreshUuidAsRequestId() throws Exception {
        JsonNode record = record(call("GET", "/orders"));
        String requestId = record.get("requestID").asText();
        assertThat(UUID.fromString(requestId).toString()).isEqualTo(requestId);
        assertThat(record(call("GET", "/orders").header("X-Request-Id", "from-the-caller")).get("requestID")
                .asText()).isEqualTo("from-the-caller");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Who.

    @Test
    void userIdentity_principalOnly_isTheIamUserOfThatName() throws Exception {
        assertThat(record(call("GET", "/orders").principal("alice")).get("userIdentity"))
                .isEqualTo(json("{\"type\":\"IAMUser\",\"principalId\":\"alice\",\"userName\":\"alice\"}"));
    }

    @Test
    void userIdentity_sigV4Authorization_isTheAccessKey() throws Exception {
        String authorization = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260201/us-east-1/orders/"
                + "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "ab".repeat(32);
        assertThat(record(call("GET", "/orders").header("Authorization", authorization)).get("userIdentity"))
                .isEqualTo(json("{\"type\":\"IAMUser\",\"principalId\":\"AKIAIOSFODNN7EXAMPLE\","
                        + "\"accessKeyId\":\"AKIAIOSFODNN7EXAMPLE\"}"));
        assertThat(record(call("GET", "/orders").header("authorization", authorization).principal("bob"))
                .get("userIdentity"))
                .isEqualTo(json("{\"type\":\"IAMUser\",\"principalId\":\"AKIAIOSFODNN7EXAMPLE\","
                        + "\"accessKeyId\":\"AKIAIOSFODNN7EXAMPLE\",\"userName\":\"bob\"}"));
    }

    @Test
    void userIdentity_bearerJwt_isTheWebIdentityOfItsSubjectAndIssuer() throws Exception {
        String token = jwt("{\"sub\":\"user-123\",\"iss\":\"https://login.example.com\",\"exp\":1900000000}");
        assertThat(record(call("GET", "/orders").header("Authorization", "Bearer " + token)).get("userIdentity"))
                .isEqualTo(json("{\"type\":\"WebIdentityUser\",\"principalId\":\"https://login.example.com:user-123\","
                        + "\"userName\":\"user-123\",\"identityProvider\":\"https://login.example.com\"}"));
        assertThat(record(call("GET", "/orders").header("Authorization", "bearer " + token).principal("carol"))
                .get("userIdentity").get("userName").asText()).isEqualTo("carol");
    }

    @Test
    void userIdentity_bearerTokenNotAJwt_isAnonymousOrThePrincipal() throws Exception {
        assertThat(record(call("GET", "/orders").header("Authorization", "Bearer opaque-token-xyz"))
                .get("userIdentity"))
                .isEqualTo(json("{\"type\":\"AWSAccount\",\"principalId\":\"\",\"accountId\":\"anonymous\"}"));
        assertThat(record(call("GET", "/orders").header("Authorization", "Bearer a.%%%.c").principal("dave"))
                .get("userIdentity"))
                .isEqualTo(json("{\"type\":\"IAMUser\",\"principalId\":\"dave\",\"userName\":\"dave\"}"));
    }

    @Test
    void userIdentity_basic_isTheUserUnlessTheServiceNamedAnother() throws Exception {
        assertThat(record(call("GET", "/orders").header("Authorization", basic("erin:s3cret:with:colons")))
                .get("userIdentity"))
                .isEqualTo(json("{\"type\":\"IAMUser\",\"principalId\":\"erin\",\"userName\":\"erin\"}"));
        assertThat(record(call("GET", "/orders").header("Authorization", basic("erin:pw")).principal("erin@corp"))
                .get("userIdentity"))
                .isEqualTo(json("{\"type\":\"IAMUser\",\"principalId\":\"erin@corp\",\"userName\":\"erin@corp\"}"));
    }

    @Test
    void userIdentity_basicWithoutAUser_isAnonymous() throws Exception {
        JsonNode anonymous = json("{\"type\":\"AWSAccount\",\"principalId\":\"\",\"accountId\":\"anonymous\"}");
        assertThat(record(call("GET", "/orders").header("Authorization", basic(":pw"))).get("userIdentity"))
                .isEqualTo(anonymous);
        assertThat(record(call("GET", "/orders").header("Authorization", basic("no-colon"))).get("userIdentity"))
                .isEqualTo(anonymous);
        assertThat(record(call("GET", "/orders").header("Authorization", "Basic !!not base64!!"))
                .get("userIdentity")).isEqualTo(anonymous);
    }

    @Test
    void userIdentity_nothing_isAnonymous() throws Exception {
        assertThat(record(call("GET", "/orders")).get("userIdentity"))
                .isEqualTo(json("{\"type\":\"AWSAccount\",\"principalId\":\"\",\"accountId\":\"anonymous\"}"));
    }

    @Test
    void record_credentialsOfTheCaller_neverAppearInIt() throws Exception {
        String token = jwt("{\"sub\":\"user-123\",\"iss\":\"https://login.example.com\"}");
        String bearer = record(call("GET", "/orders").header("Authorization", "Bearer " + token)).toString();
        String basicRecord = record(call("GET", "/orders").header("Authorization", basic("erin:hunter2")))
                .toString();
        String sigv4 = record(call("GET", "/orders").header("Authorization", "AWS4-HMAC-SHA256 Credential="
                + "AKIDEXAMPLE/20260201/us-east-1/orders/aws4_request, SignedHeaders=host, Signature=" + "cd"
                .repeat(32))).toString();
        assertThat(bearer).doesNotContain(token).doesNotContain(token.substring(0, token.indexOf('.')));
        assertThat(basicRecord).doesNotContain("hunter2").doesNotContain(basic("erin:hunter2").substring(6));
        assertThat(sigv4).doesNotContain("cdcdcdcd");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // From where.

    @ParameterizedTest(name = "[{index}] trusted {0}, peer {1}, X-Forwarded-For {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            -                         | 203.0.113.5     | 198.51.100.7                         | 203.0.113.5
            10.0.0.0/8                | 203.0.113.5     | 198.51.100.7                         | 203.0.113.5
            10.0.0.0/8                | 10.0.0.2        | 198.51.100.7                         | 198.51.100.7
            10.0.0.0/8                | 10.0.0.2        | 6.6.6.6, 198.51.100.7, 10.1.2.3      | 198.51.100.7
            10.0.0.0/8                | 10.0.0.2        | 6.6.6.6;198.51.100.7                 | 198.51.100.7
            10.0.0.0/8                | 10.0.0.2        | -                                    | 10.0.0.2
            10.0.0.0/8                | 10.0.0.2        | 10.9.9.9, 10.1.1.1                   | 10.9.9.9
            10.0.0.1                  | 10.0.0.2        | 198.51.100.7                         | 10.0.0.2
            10.0.0.1                  | 10.0.0.1        | 198.51.100.7                         | 198.51.100.7
            10.0.0.0/8;192.168.0.0/16 | 192.168.1.1     | 198.51.100.7, 10.0.0.5               | 198.51.100.7
            ::1                       | 0:0:0:0:0:0:0:1 | 2001:db8::7                          | 2001:db8::7
            ::1/128                   | 127.0.0.1       | 2001:db8::7                          | 127.0.0.1
            """)
    void sourceIPAddress_proxiesAndForwardedFor_isTheRightMostUntrustedAddress(String trusted, String peer,
                                                                                String forwarded, String expected)
            throws Exception {
        CallRecorder.Builder builder = CallRecorder.builder(SOURCE, KEY);
        if (trusted != null) {
            for (String block : trusted.split(";")) {
                builder.trustProxy(block);
            }
        }
        Call call = call("GET", "/orders").from(peer);
        if (forwarded != null) {
            for (String value : forwarded.split(";")) {
                call.header("X-Forwarded-For", value);
            }
        }
        assertThat(record(builder.build(), call).get("sourceIPAddress").asText()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What.

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GET    | /orders                                        | ListOrders
            GET    | /orders/42                                     | GetOrder
            POST   | /orders                                        | CreateOrder
            DELETE | /orders/42                                     | DeleteOrder
            PUT    | /orders/42                                     | PutOrder
            PATCH  | /orders/42                                     | UpdateOrder
            HEAD   | /orders/42                                     | HeadOrder
            GET    | /orders/550e8400-e29b-41d4-a716-446655440000   | GetOrder
            GET    | /customers/7/orders                            | ListOrders
            GET    | /order-items/                                  | ListOrderItems
            GET    | /                                              | ListRoot
            """)
    void eventName_noRoute_isTheVerbAndTheNounOfThePath(String method, String path, String expected)
            throws Exception {
        JsonNode record = record(call(method, path));
        assertThat(record.get("eventName").asText()).isEqualTo(expected);
        assertThat(record.get("eventSource").asText()).isEqualTo(SOURCE);
    }

    @Test
    void eventName_routes_nameTheCallAndGiveThePathVariables() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY)
                .route(Route.of("POST", "/orders/search", "SearchOrders").readOnly(true))
                .route(Route.of("get", "/orders/{orderId}", "DescribeOrder"))
                .route(Route.of("*", "/orders/{orderId}/items/{itemId}", "TouchItem").from("items.example.com"))
                .build();

        JsonNode describe = record(recorder, call("GET", "/orders/o-42"));
        assertThat(describe.get("eventName").asText()).isEqualTo("DescribeOrder");
        assertThat(describe.get("eventSource").asText()).isEqualTo(SOURCE);
        assertThat(describe.get("requestParameters")).isEqualTo(json("{\"orderId\":\"o-42\"}"));

        JsonNode touch = record(recorder, call("PATCH", "/orders/o-42/items/i-3"));
        assertThat(touch.get("eventName").asText()).isEqualTo("TouchItem");
        assertThat(touch.get("eventSource").asText()).isEqualTo("items.example.com");
        assertThat(touch.get("requestParameters")).isEqualTo(json("{\"orderId\":\"o-42\",\"itemId\":\"i-3\"}"));
        assertThat(touch.get("readOnly").asBoolean()).isFalse();

        JsonNode search = record(recorder, call("POST", "/orders/search").json("{\"state\":\"NEW\"}")
                .respond(200, "application/json", "{\"orders\":[]}"));
        assertThat(search.get("eventName").asText()).isEqualTo("SearchOrders");
        assertThat(search.get("readOnly").asBoolean()).isTrue();
        assertThat(search.get("responseElements").isNull()).isTrue();

        // No route matches: the default name.
        assertThat(record(recorder, call("DELETE", "/orders/42")).get("eventName").asText())
                .isEqualTo("DeleteOrder");
        assertThat(record(recorder, call("GET", "/orders/o-42/items")).get("eventName").asText())
                .isEqualTo("ListItems");
    }

    @Test
    void eventName_namer_namesWhatNoRouteMatches() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY)
                .route(Route.of("GET", "/orders", "ListAllOrders"))
                .namer(exchange -> exchange.header("x-amz-target").map(target -> new CallRecorder.Names(
                        "dynamodb.amazonaws.com", target.substring(target.indexOf('.') + 1), Optional.of(true),
                        Map.of("TableName", "orders"))))
                .build();
        JsonNode named = record(recorder, call("POST", "/").header("X-Amz-Target", "DynamoDB_20120810.Scan"));
        assertThat(named.get("eventSource").asText()).isEqualTo("dynamodb.amazonaws.com");
        assertThat(named.get("eventName").asText()).isEqualTo("Scan");
        assertThat(named.get("readOnly").asBoolean()).isTrue();
        assertThat(named.get("requestParameters")).isEqualTo(json("{\"TableName\":\"orders\"}"));
        assertThat(record(recorder, call("GET", "/orders").header("X-Amz-Target", "x.Y")).get("eventName").asText())
                .isEqualTo("ListAllOrders");
        assertThat(record(recorder, call("POST", "/orders")).get("eventName").asText()).isEqualTo("CreateOrder");
    }

    @ParameterizedTest(name = "{0} -> readOnly {1}")
    @CsvSource({"GET, true", "HEAD, true", "OPTIONS, true", "get, true", "POST, false", "PUT, false",
            "PATCH, false", "DELETE, false"})
    void readOnly_noRoute_followsTheMethod(String method, boolean readOnly) throws Exception {
        assertThat(record(call(method, "/orders/42")).get("readOnly").asBoolean()).isEqualTo(readOnly);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // With what.

    @Test
    void requestParameters_pathVariablesAndQuery_singleValuesAndRepeatedOnesAsArrays() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY)
                .route(Route.of("GET", "/orders/{orderId}", "GetOrder")).build();
        JsonNode record = record(recorder, call("GET",
                "/orders/o-1?expand=items&tag=a&tag=b&q=hello%20world&plus=a+b&flag&orderId=spoofed&empty="));
        assertThat(record.get("requestParameters")).isEqualTo(json("""
                {"orderId":"o-1","expand":"items","tag":["a","b"],"q":"hello world","plus":"a b","flag":"",
                 "empty":""}"""));
    }

    @Test
    void requestParameters_jsonBody_itsFieldsBesideTheQuery() throws Exception {
        JsonNode record = record(call("POST", "/orders?source=web&item=fromQuery")
                .json("{\"item\":\"book\",\"quantity\":2,\"gift\":{\"wrap\":true},\"tags\":[\"x\"]}"));
        assertThat(record.get("requestParameters")).isEqualTo(json(
                "{\"source\":\"web\",\"item\":\"fromQuery\",\"quantity\":2,\"gift\":{\"wrap\":true},\"tags\":[\"x\"]}"));
    }

    @Test
    void requestParameters_jsonBodyNotAnObject_isKeptUnderBody() throws Exception {
        assertThat(record(call("POST", "/orders/bulk").json("[{\"item\":\"a\"},{\"item\":\"b\"}]"))
                .get("requestParameters")).isEqualTo(json("{\"body\":[{\"item\":\"a\"},{\"item\":\"b\"}]}"));
        assertThat(record(call("POST", "/orders/count").json("42")).get("requestParameters"))
                .isEqualTo(json("{\"body\":42}"));
    }

    @Test
    void requestParameters_bodyNotJson_isLeftOut() throws Exception {
        Call form = call("POST", "/orders?x=1");
        form.header("Content-Type", "application/x-www-form-urlencoded");
        form.body = "item=book&password=hunter2".getBytes(StandardCharsets.UTF_8);
        form.bodyLength = form.body.length;
        JsonNode record = record(form);
        assertThat(record.get("requestParameters")).isEqualTo(json("{\"x\":\"1\"}"));

        Call noType = call("POST", "/orders");
        noType.body = "{\"item\":\"book\"}".getBytes(StandardCharsets.UTF_8);
        noType.bodyLength = noType.body.length;
        assertThat(record(noType).get("requestParameters").isNull()).isTrue();

        assertThat(record(call("POST", "/orders").json("{\"item\":")).get("requestParameters").isNull()).isTrue();
        assertThat(record(call("GET", "/orders")).get("requestParameters").isNull()).isTrue();
    }

    @Test
    void responseElements_onlyForWritesThatSucceeded() throws Exception {
        String body = "{\"orderId\":\"o-1\"}";
        assertThat(record(call("POST", "/orders").respond(201, "application/json", body)).get("responseElements"))
                .isEqualTo(json(body));
        assertThat(record(call("PUT", "/orders/1").respond(200, "application/json; charset=utf-8", body))
                .get("responseElements")).isEqualTo(json(body));
        assertThat(record(call("GET", "/orders/1").respond(200, "application/json", body)).get("responseElements")
                .isNull()).isTrue();
        assertThat(record(call("POST", "/orders").respond(409, "application/json", body)).get("responseElements")
                .isNull()).isTrue();
        assertThat(record(call("POST", "/orders").respond(200, "text/plain", "created")).get("responseElements")
                .isNull()).isTrue();
        assertThat(record(call("DELETE", "/orders/1").respond(204)).get("responseElements").isNull()).isTrue();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // How it ended.

    @Test
    void error_4xxWithJsonBody_isItsTypeAndMessage() throws Exception {
        JsonNode record = record(call("POST", "/orders").json("{\"quantity\":-1}").respond(400, "application/json",
                "{\"__type\":\"ValidationException\",\"message\":\"quantity must be positive\"}"));
        assertThat(record.get("errorCode").asText()).isEqualTo("ValidationException");
        assertThat(record.get("errorMessage").asText()).isEqualTo("quantity must be positive");
        assertThat(record.get("responseElements").isNull()).isTrue();

        JsonNode namespaced = record(call("GET", "/orders/9").respond(404, "application/x-amz-json-1.1",
                "{\"__type\":\"com.example.orders#OrderNotFound\",\"Message\":\"No order 9\"}"));
        assertThat(namespaced.get("errorCode").asText()).isEqualTo("OrderNotFound");
        assertThat(namespaced.get("errorMessage").asText()).isEqualTo("No order 9");

        JsonNode other = record(call("GET", "/orders/9").respond(403, "application/json",
                "{\"code\":\"Forbidden\",\"error_description\":\"not yours\"}"));
        assertThat(other.get("errorCode").asText()).isEqualTo("Forbidden");
        assertThat(other.get("errorMessage").asText()).isEqualTo("not yours");
    }

    @Test
    void error_bareStatus_isNamedAfterTheStatus() throws Exception {
        JsonNode notFound = record(call("DELETE", "/orders/42").respond(404));
        assertThat(notFound.get("errorCode").asText()).isEqualTo("NotFound");
        assertThat(notFound.get("errorMessage").asText()).isEqualTo("NotFound");
        JsonNode html = record(call("GET", "/orders").respond(500, "text/html", "<h1>oops</h1>"));
        assertThat(html.get("errorCode").asText()).isEqualTo("InternalServerError");
        assertThat(record(call("GET", "/orders").respond(418)).get("errorCode").asText()).isEqualTo("Http418");
        JsonNode ok = record(call("GET", "/orders").respond(200, "application/json", "{\"__type\":\"X\"}"));
        assertThat(ok.has("errorCode")).isFalse();
        assertThat(ok.has("errorMessage")).isFalse();
    }

    @Test
    void error_exception_isItsClassAndMessage() throws Exception {
        JsonNode record = record(call("POST", "/orders").json("{\"item\":\"book\"}")
                .fail(new IllegalStateException("database is down")));
        assertThat(record.get("errorCode").asText()).isEqualTo("IllegalStateException");
        assertThat(record.get("errorMessage").asText()).isEqualTo("database is down");
        assertThat(record.get("responseElements").isNull()).isTrue();
        JsonNode noMessage = record(call("GET", "/orders").fail(new NullPointerException()));
        assertThat(noMessage.get("errorCode").asText()).isEqualTo("NullPointerException");
        assertThat(noMessage.get("errorMessage").asText()).isEqualTo("java.lang.NullPointerException");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Secrets.

    @Test
    void redaction_defaultNames_anyDepthAnyCase_replacedByTheirHmac() throws Exception {
        JsonNode record = record(call("POST", "/users?token=qt-1").json("""
                {"name":"bob","password":"hunter2",
                 "profile":{"Secret":"s3","nick":"b"},
                 "keys":[{"apiKey":"k-1","label":"ci"},{"apiKey":"k-2"}],
                 "client_secret":1234,
                 "privateKey":{"kty":"RSA"}}""")
                .respond(201, "application/json", "{\"id\":\"u-1\",\"accessToken\":\"at-9\"}"));
        assertThat(record.get("requestParameters")).isEqualTo(json("{\"token\":\"" + hmac(KEY, "qt-1") + "\","
                + "\"name\":\"bob\",\"password\":\"" + hmac(KEY, "hunter2") + "\","
                + "\"profile\":{\"Secret\":\"" + hmac(KEY, "s3") + "\",\"nick\":\"b\"},"
                + "\"keys\":[{\"apiKey\":\"" + hmac(KEY, "k-1") + "\",\"label\":\"ci\"},"
                + "{\"apiKey\":\"" + hmac(KEY, "k-2") + "\"}],"
                + "\"client_secret\":\"" + hmac(KEY, "1234") + "\","
                + "\"privateKey\":\"" + hmac(KEY, "{\"kty\":\"RSA\"}") + "\"}"));
        assertThat(record.get("responseElements")).isEqualTo(json("{\"id\":\"u-1\",\"accessToken\":\""
                + hmac(KEY, "at-9") + "\"}"));
        assertThat(record.toString()).doesNotContain("hunter2").doesNotContain("qt-1").doesNotContain("k-1")
                .doesNotContain("at-9").doesNotContain("RSA");
    }

    @Test
    void redaction_byPathAndName_onlyThoseFields() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY).redact(Set.of("$.card.number", "pin",
                "$.orderId")).route(Route.of("PUT", "/orders/{orderId}", "PutOrder")).build();
        JsonNode record = record(recorder, call("PUT", "/orders/o-5").json("""
                {"number":"1","card":{"number":"4111111111111111","holder":"bob","pin":"0000"},
                 "password":"kept-in-clear","items":[{"card":{"number":"not-top-level"}}]}"""));
        assertThat(record.get("requestParameters")).isEqualTo(json("{\"orderId\":\"" + hmac(KEY, "o-5") + "\","
                + "\"number\":\"1\",\"card\":{\"number\":\"" + hmac(KEY, "4111111111111111") + "\","
                + "\"holder\":\"bob\",\"pin\":\"" + hmac(KEY, "0000") + "\"},\"password\":\"kept-in-clear\","
                + "\"items\":[{\"card\":{\"number\":\"not-top-level\"}}]}"));
    }

    @Test
    void redaction_equalValuesHashEqually_otherKeysHashOtherwise() throws Exception {
        CallRecorder other = CallRecorder.builder(SOURCE, OTHER_KEY).build();
        Call first = call("POST", "/users").json("{\"password\":\"same\",\"nested\":{\"password\":\"same\"}}");
        JsonNode one = record(first).get("requestParameters");
        JsonNode two = record(call("POST", "/logins").json("{\"password\":\"same\"}")).get("requestParameters");
        JsonNode otherKey = record(other, first).get("requestParameters");
        JsonNode different = record(call("POST", "/users").json("{\"password\":\"Same\"}")).get("requestParameters");

        assertThat(one.get("password").asText()).isEqualTo(hmac(KEY, "same"))
                .isEqualTo(one.get("nested").get("password").asText())
                .isEqualTo(two.get("password").asText())
                .isNotEqualTo(different.get("password").asText());
        assertThat(otherKey.get("password").asText()).isEqualTo(hmac(OTHER_KEY, "same"))
                .isNotEqualTo(one.get("password").asText())
                .matches("hmac-sha256:[0-9a-f]{64}");
    }

    @Test
    void redactor_shortKey_isRefused() {
        assertThatThrownBy(() -> CallRecorder.builder(SOURCE, new byte[15]).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the redaction key must have at least 16 bytes, not 15");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Big bodies.

    @Test
    void body_overTheLimit_isRecordedAsAMarkedPrefix() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY).maxBodyBytes(32).build();
        String whole = "{\"items\":[" + "\"abcdefgh\",".repeat(20) + "\"z\"]}";
        Call call = call("POST", "/orders").json(whole)
                .respond(201, "application/json", "{\"ids\":[" + "1,".repeat(40) + "2]}");
        // Recorders keep at most the limit plus one byte (BodyPrefix), and the whole length.
        call.body = Arrays.copyOf(whole.getBytes(StandardCharsets.UTF_8), 33);
        call.responseBody = Arrays.copyOf(call.responseBody, 33);

        JsonNode record = record(recorder, call);

        assertThat(record.get("requestParameters")).isEqualTo(json("{\"body\":{\"cairnTruncated\":true,\"bytes\":"
                + whole.length() + ",\"prefix\":" + JSON.writeValueAsString(whole.substring(0, 32)) + "}}"));
        assertThat(record.get("responseElements").get("cairnTruncated").asBoolean()).isTrue();
        assertThat(record.get("responseElements").get("bytes").asLong()).isEqualTo(call.responseLength);
        assertThat(record.get("responseElements").get("prefix").asText()).hasSize(32);
    }

    @Test
    void body_ofUnknownLengthOverTheLimit_isRecordedAsAMarkedPrefix() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY).maxBodyBytes(8).build();
        Call call = call("POST", "/orders").json("{\"item\":\"long enough\"}");
        call.body = Arrays.copyOf(call.body, 9);
        call.bodyLength = -1;
        assertThat(record(recorder, call).get("requestParameters")).isEqualTo(json(
                "{\"body\":{\"cairnTruncated\":true,\"bytes\":-1,\"prefix\":\"{\\\"item\\\":\"}}"));
        Call small = call("POST", "/orders").json("{\"a\":1}");
        small.bodyLength = -1;
        assertThat(record(recorder, small).get("requestParameters")).isEqualTo(json("{\"a\":1}"));
    }

    /**
     * A body over the limit is kept as raw text, and the redactor does not look into that text: a secret in it is
     * recorded in clear. (Fails: see the report.)
     */
    @Test
    void body_overTheLimitHoldingASecret_doesNotRecordTheSecretInClear() throws Exception {
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY).maxBodyBytes(64).build();
        String whole = "{\"name\":\"bob\",\"password\":\"hunter2\",\"bio\":\"" + "x".repeat(200) + "\"}";
        Call call = call("POST", "/users").json(whole);
        call.body = Arrays.copyOf(call.body, 65);
        JsonNode record = record(recorder, call);
        assertThat(record.get("requestParameters").get("body").get("cairnTruncated").asBoolean()).isTrue();
        assertThat(record.toString()).doesNotContain("hunter2");
    }

    /**
     * CloudTrail's requestParameters and responseElements are objects (or null), and Cairn refuses a record with
     * anything else; a JSON array or scalar answer is common HTTP. (Fails: see the report.)
     */
    @Test
    void responseElements_jsonArrayOrScalar_recordIsStillAcceptedByCairn() throws Exception {
        byte[] array = PLAIN.record(call("POST", "/orders/bulk").json("[{\"item\":\"a\"}]")
                .respond(201, "application/json", "[{\"orderId\":\"o-1\"},{\"orderId\":\"o-2\"}]").exchange());
        assertAccepted(array);
        byte[] scalar = PLAIN.record(call("PUT", "/orders/1/paid").respond(200, "application/json", "true")
                .exchange());
        assertAccepted(scalar);
    }

    /**
     * Cairn reads records nested at most 64 deep; a caller's JSON body can be deeper than that. (Fails: Cairn's
     * reader even throws a NullPointerException on it; see the report.)
     */
    @Test
    void requestParameters_deeplyNestedBody_recordIsStillAcceptedByCairn() throws Exception {
        String deep = "{\"filter\":" + "[".repeat(70) + "1" + "]".repeat(70) + "}";
        assertAccepted(PLAIN.record(call("POST", "/orders/search").json(deep).exchange()));
    }

    /**
     * {@code maxBodyBytes} is at most 64 KB, so that the request's and the response's whole bodies, with the rest of
     * the record, stay within CloudTrail's 256 KB per event (more is refused when the recorder is built).
     */
    @Test
    void record_largestBodiesTheRecorderAllows_stillFitsCairnsRecordLimit() throws Exception {
        assertThatThrownBy(() -> CallRecorder.builder(SOURCE, KEY).maxBodyBytes(64 * 1024 + 1))
                .isInstanceOf(IllegalArgumentException.class);
        int limit = 64 * 1024;
        CallRecorder recorder = CallRecorder.builder(SOURCE, KEY).maxBodyBytes(limit).build();
        String request = "{\"data\":\"" + "r".repeat(limit - 11) + "\"}";
        String response = "{\"data\":\"" + "s".repeat(limit - 11) + "\"}";
        assertThat(request).hasSize(limit);
        byte[] record = recorder.record(call("POST", "/blobs").json(request)
                .respond(201, "application/json", response).exchange());
        assertThat(record.length).isLessThanOrEqualTo(RecordReader.MAX_RECORD_BYTES);
        assertAccepted(record);
    }
}
