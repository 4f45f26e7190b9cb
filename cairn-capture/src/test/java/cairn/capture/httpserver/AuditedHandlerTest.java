package cairn.capture.httpserver;

import cairn.capture.AuditClient;
import cairn.capture.CallRecorder;
import cairn.capture.Route;
import cairn.capture.testing.Drain;
import cairn.capture.testing.LocalCairn;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudtrail.model.Event;
import software.amazon.awssdk.services.cloudtrail.model.LookupAttributeKey;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static cairn.capture.testing.Callers.REDACTION_KEY;
import static cairn.capture.testing.Callers.basic;
import static cairn.capture.testing.Callers.bearer;
import static cairn.capture.testing.Callers.hmac;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A JDK HTTP server handler wrapped in {@link AuditedHandler}, sending to a real Cairn. */
final class AuditedHandlerTest {
    private static final String SOURCE = "items.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;
    @TempDir
    Path spill;

    private LocalCairn cairn;
    private AuditClient client;
    private HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** Calls of GET /items/boom the handler saw (the JDK's HTTP client retries a GET whose connection broke). */
    private final AtomicInteger booms = new AtomicInteger();

    /** POST /items → 201 {"id":"7","name":...}; GET /items/7 → 200; GET /items/boom throws. */
    private void items(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] body;
        int status;
        if (exchange.getRequestMethod().equals("POST")) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            body = ("{\"id\":\"7\",\"name\":\"" + request.get("name").asText() + "\"}").getBytes(StandardCharsets.UTF_8);
            status = 201;
        } else if (path.equals("/items/boom")) {
            booms.incrementAndGet();
            throw new IllegalStateException("inventory is down");
        } else {
            body = "{\"id\":\"7\",\"name\":\"lamp\"}".getBytes(StandardCharsets.UTF_8);
            status = 200;
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @BeforeEach
    void start() throws Exception {
        cairn = LocalCairn.start(data);
        client = AuditClient.builder(cairn.endpoint(), cairn.writer()).spillFolder(spill).shutdownHook(false)
                .clock(cairn.clock()).build();
        CallRecorder recorder = CallRecorder.builder(SOURCE, REDACTION_KEY)
                .route(Route.of("POST", "/items", "CreateItem"))
                .route(Route.of("GET", "/items/{itemId}", "GetItem"))
                .build();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/items", new AuditedHandler(this::items, recorder, client,
                cairn.clock()));
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop(0);
        client.close();
        cairn.close();
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                + pathAndQuery));
    }

    private JsonNode only(LookupAttributeKey key, String value) {
        List<Event> events = cairn.lookup(key, value);
        assertThat(events).as("events with %s %s", key, value).hasSize(1);
        return LocalCairn.record(events.getFirst());
    }

    @Test
    void calls_throughTheWrappedHandler_areInTheHistory_andAnsweredAsTheHandlerDoes() throws Exception {
        HttpResponse<String> created = http.send(request("/items")
                .header("Authorization", bearer("ivy", "https://sso.example.com"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"lamp\",\"apiKey\":\"k-1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> got = http.send(request("/items/7?fields=name")
                .header("Authorization", basic("joe", "joes-password")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThatThrownBy(() -> http.send(request("/items/boom").GET().build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"id\":\"7\",\"name\":\"lamp\"}");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo("{\"id\":\"7\",\"name\":\"lamp\"}");

        assertThat(booms.get()).isPositive();
        Drain.sent(client, 2 + booms.get());
        JsonNode create = only(LookupAttributeKey.USERNAME, "ivy");
        assertThat(create.get("eventSource").asText()).isEqualTo(SOURCE);
        assertThat(create.get("eventName").asText()).isEqualTo("CreateItem");
        assertThat(create.get("userIdentity").get("type").asText()).isEqualTo("WebIdentityUser");
        assertThat(create.get("sourceIPAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(create.get("requestParameters")).isEqualTo(JSON.readTree("{\"name\":\"lamp\",\"apiKey\":\""
                + hmac(REDACTION_KEY, "k-1") + "\"}"));
        assertThat(create.get("responseElements")).isEqualTo(JSON.readTree("{\"id\":\"7\",\"name\":\"lamp\"}"));
        assertThat(create.has("errorCode")).isFalse();

        JsonNode get = only(LookupAttributeKey.USERNAME, "joe");
        assertThat(get.get("eventName").asText()).isEqualTo("GetItem");
        assertThat(get.get("readOnly").asBoolean()).isTrue();
        assertThat(get.get("requestParameters")).isEqualTo(JSON.readTree("{\"itemId\":\"7\",\"fields\":\"name\"}"));
        assertThat(get.get("responseElements").isNull()).isTrue();
        assertThat(get.toString()).doesNotContain("joes-password");

        List<JsonNode> failed = cairn.records(SOURCE).stream()
                .filter(record -> record.path("errorCode").asText().equals("IllegalStateException")).toList();
        assertThat(failed).as("one record per call the handler saw").hasSize(booms.get());
        assertThat(failed.getFirst().get("errorMessage").asText()).isEqualTo("inventory is down");
        assertThat(failed.getFirst().get("requestParameters")).isEqualTo(JSON.readTree("{\"itemId\":\"boom\"}"));
        assertThat(cairn.records(SOURCE)).hasSize(2 + booms.get());
    }
}
