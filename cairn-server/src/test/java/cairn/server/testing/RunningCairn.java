package cairn.server.testing;

import cairn.server.CairnServer;
import cairn.server.config.CairnConfig;
import cairn.server.http.ApiRoutes;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Cairn server started in-process on a free port, on the production routes, with a clock the test owns. */
public final class RunningCairn implements AutoCloseable {
    public static final String SIGNATURE = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240801/%s/cloudtrail/"
            + "aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef";

    private final CairnServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    private RunningCairn(CairnServer server) {
        this.server = server;
    }

    public static RunningCairn start(Path data, Clock clock, Map<String, String> settings) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("data.directory", data.toString());
        values.put("server.port", "0");
        values.putAll(settings);
        return new RunningCairn(CairnServer.start(CairnConfig.load(values, Map.of()), clock));
    }

    public CairnServer server() {
        return server;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** POSTs a body to the native batch endpoint, signed (well-formed) for {@code region}. */
    public HttpResponse<String> postRecords(byte[] body, String region) throws IOException, InterruptedException {
        return post(ApiRoutes.RECORDS_PATH, "application/json", null, body, region);
    }

    /** Calls a CloudTrail operation over AWS JSON 1.1. */
    public HttpResponse<String> cloudTrail(String operation, String body, String region)
            throws IOException, InterruptedException {
        return post("/", "application/x-amz-json-1.1", ApiRoutes.TARGET_PREFIX + operation,
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8), region);
    }

    public HttpResponse<String> post(String path, String contentType, String target, byte[] body, String region)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint().resolve(path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (region != null) {
            request.header("Authorization", String.format(SIGNATURE, region));
        }
        if (target != null) {
            request.header("X-Amz-Target", target);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
