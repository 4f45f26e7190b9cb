package cairn.server.console;

import cairn.server.http.ApiRoutes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

/** A browser-like client of the console's HTTP endpoints: it keeps the session cookie and sends the CSRF token. */
final class ConsoleClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI console;
    private final HttpClient http;
    private Optional<String> csrfToken = Optional.empty();

    ConsoleClient(URI console) {
        this.console = console;
        this.http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    URI console() {
        return console;
    }

    HttpResponse<String> signIn(String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/console/signin", JSON.createObjectNode().put("username", user)
                .put("password", password).toString(), Optional.empty(), Optional.empty());
        if (response.statusCode() == 200) {
            csrfToken = Optional.of(JSON.readTree(response.body()).get("csrfToken").asText());
        }
        return response;
    }

    /** A CloudTrail operation with the session's CSRF token. */
    HttpResponse<String> api(String operation, String body) throws IOException, InterruptedException {
        return post("/console/api", body, Optional.of(ApiRoutes.TARGET_PREFIX + operation), csrfToken);
    }

    /** A CloudTrail operation without a CSRF token. */
    HttpResponse<String> apiWithoutToken(String operation, String body) throws IOException, InterruptedException {
        return post("/console/api", body, Optional.of(ApiRoutes.TARGET_PREFIX + operation), Optional.empty());
    }

    HttpResponse<String> post(String path, String body, Optional<String> target, Optional<String> token)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(console.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        target.ifPresent(value -> request.header("X-Amz-Target", value));
        token.ifPresent(value -> request.header("X-Cairn-CSRF", value));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postWithToken(String path, String body) throws IOException, InterruptedException {
        return post(path, body, Optional.empty(), csrfToken);
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET whose body is read line by line as it comes (server-sent events), resuming after {@code lastEventId}. */
    HttpResponse<java.util.stream.Stream<String>> stream(String path, Optional<String> lastEventId)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(console.resolve(path)).GET();
        lastEventId.ifPresent(id -> request.header("Last-Event-ID", id));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(console.resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }
}
