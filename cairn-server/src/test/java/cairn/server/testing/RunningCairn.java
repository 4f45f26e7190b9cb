package cairn.server.testing;

import cairn.server.CairnServer;
import cairn.server.audit.SelfAudit;
import cairn.server.config.CairnConfig;
import cairn.server.http.ApiRoutes;
import cairn.server.identity.Directory;
import cairn.server.identity.PermissionSet;
import cairn.server.identity.Principal;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Cairn server started in-process on a free port, on the production routes, with a clock the test owns. Requests
 * are signed with the installation administrator's key (or the credentials given), at the server's clock.
 */
public final class RunningCairn implements AutoCloseable {
    private final CairnServer server;
    private final Clock clock;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private RunningCairn(CairnServer server, Clock clock) {
        this.server = server;
        this.clock = clock;
    }

    public static RunningCairn start(Path data, Clock clock, Map<String, String> settings) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("data.directory", data.toString());
        values.put("server.port", "0");
        // Tests sign for many regions; the ones that are about which regions are served set their own.
        values.put("server.regions", "*");
        // The console (and its slow password hash at first start) only where a test asks for it.
        values.put("console.enabled", "false");
        values.putAll(settings);
        return new RunningCairn(CairnServer.start(CairnConfig.load(values, Map.of()), clock), clock);
    }

    public CairnServer server() {
        return server;
    }

    public Clock clock() {
        return clock;
    }

    /** The console's address, when the test enabled it. */
    public URI console() {
        return URI.create("http://127.0.0.1:" + server.consolePort().orElseThrow(() -> new IllegalStateException(
                "the console is not enabled (console.enabled=true)")) + "/");
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** The key created with the installation: its account's administrator. */
    public AwsCredentialsIdentity admin() {
        return AwsCredentialsIdentity.create(server.installation().accessKeyId(),
                server.installation().secretAccessKey());
    }

    public String accountId() {
        return server.installation().accountId();
    }

    /**
     * A new user with its first access key, in {@code accountId} (created when new), under {@code permissions}, and
     * granted the other accounts given.
     */
    public AwsCredentialsIdentity newUser(String accountId, String name, PermissionSet permissions,
                                          String... granted) {
        Directory directory = server.directory();
        if (directory.account(accountId).isEmpty()) {
            directory.createAccount(Optional.of(accountId), "test " + accountId);
        }
        directory.createPrincipal(accountId, Principal.Type.USER, name, permissions, List.of(granted));
        Directory.NewKey key = directory.createAccessKey(accountId, name);
        return AwsCredentialsIdentity.create(key.key().id(), key.secret());
    }

    /** Runs the AWS CLI against Cairn with these credentials. */
    public AwsCli.Result cli(String region, AwsCredentialsIdentity as, String... arguments)
            throws IOException, InterruptedException {
        return AwsCli.run(endpoint(), region, as, arguments);
    }

    /** An SDK client builder for Cairn in {@code region}, as the administrator. */
    public <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> B sdk(B builder, String region) {
        return TestSigning.configure(builder, endpoint(), region, admin(), clock);
    }

    /** An SDK client builder for Cairn in {@code region}, with other credentials. */
    public <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> B sdk(B builder, String region,
                                                                                   AwsCredentialsIdentity as) {
        return TestSigning.configure(builder, endpoint(), region, as, clock);
    }

    /** Runs the AWS CLI against Cairn as the administrator (the server's clock must be near the real time). */
    public AwsCli.Result cli(String region, String... arguments) throws IOException, InterruptedException {
        return AwsCli.run(endpoint(), region, admin(), arguments);
    }

    /** POSTs a body to the native batch endpoint as the administrator, signed for {@code region}. */
    public HttpResponse<String> postRecords(byte[] body, String region) throws IOException, InterruptedException {
        return post(ApiRoutes.RECORDS_PATH, "application/json", null, body, region);
    }

    /** Calls a CloudTrail operation over AWS JSON 1.1 as the administrator. */
    public HttpResponse<String> cloudTrail(String operation, String body, String region)
            throws IOException, InterruptedException {
        return post("/", "application/x-amz-json-1.1", ApiRoutes.TARGET_PREFIX + operation,
                body.getBytes(StandardCharsets.UTF_8), region);
    }

    /** A POST as the administrator, signed for {@code region}; unsigned when {@code region} is null. */
    public HttpResponse<String> post(String path, String contentType, String target, byte[] body, String region)
            throws IOException, InterruptedException {
        if (region == null) {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint().resolve(path))
                    .header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (target != null) {
                request.header("X-Amz-Target", target);
            }
            return send(request);
        }
        return post(path, contentType, target, body, region, admin());
    }

    /** A POST signed with {@code as} for {@code region}, for the service the path belongs to. */
    public HttpResponse<String> post(String path, String contentType, String target, byte[] body, String region,
                                     AwsCredentialsIdentity as) throws IOException, InterruptedException {
        String service = path.startsWith("/PutAuditEvents") ? "cloudtrail-data" : "cloudtrail";
        return send(TestSigning.post(endpoint().resolve(path), contentType, Optional.ofNullable(target), body,
                service, region, as, clock, Optional.empty()));
    }

    /**
     * The Events of a LookupEvents call as the administrator, less Cairn's own audit events (eventSource
     * cloudtrail.amazonaws.com), which every call adds.
     */
    public ArrayNode events(String body, String region) throws IOException, InterruptedException {
        HttpResponse<String> response = cloudTrail("LookupEvents", body, region);
        if (response.statusCode() != 200) {
            throw new AssertionError("LookupEvents failed: " + response.body());
        }
        ArrayNode kept = MAPPER.createArrayNode();
        for (JsonNode event : MAPPER.readTree(response.body()).get("Events")) {
            if (!event.get("EventSource").asText().equals(SelfAudit.EVENT_SOURCE)) {
                kept.add(event);
            }
        }
        return kept;
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
